//! [`EphemeralPostgres`]: one cluster's life, from `initdb` through starting `postgres` on a Unix
//! socket and waiting until it accepts connections, to the connection string it hands out and
//! its shutdown.

use std::fs;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::{Duration, Instant};

use nix::unistd::chown;

use super::binaries::{find_server_binaries, server_version_of};
use super::directory::{create_private_dir, remove_stale_clusters};
use super::registry::{cleanup_at_exit, lock, Cluster, NEXT_ID, REGISTRY};
use super::spawn::{die_with_parent, spawn_from_keeper_thread};
use super::user::{check_traversable, unprivileged_user, ServerUser};
use super::EphemeralError;

/// The role `initdb` creates; every connection to the throwaway cluster uses it.
const SUPERUSER: &str = "schemagit";

const READY_TIMEOUT: Duration = Duration::from_secs(60);

pub(super) const POLL_INTERVAL: Duration = Duration::from_millis(25);
const LOG_TAIL_LINES: usize = 20;

/// Settings for a cluster whose contents nobody needs after the process ends: durability is
/// switched off for speed, nothing listens on TCP, and the time zone is fixed so that migration
/// files that parse timestamps build the same schema on every machine.
const SERVER_SETTINGS: &[&str] = &[
    "listen_addresses=",
    "fsync=off",
    "synchronous_commit=off",
    "full_page_writes=off",
    "shared_buffers=32MB",
    "max_connections=50",
    // A migration file runs as one transaction, which locks every relation it creates: a table
    // with a serial key, an index and TOAST takes six. The shared lock table holds this times
    // ~70 slots; 256 ran out at ~3,000 such tables, 1024 loads a 10,000-table schema.
    "max_locks_per_transaction=1024",
    "autovacuum=off",
    "timezone=UTC",
    "log_timezone=UTC",
];

/// A running throwaway cluster, reachable only through the Unix socket in its own directory.
/// Stopped and deleted by [`EphemeralPostgres::stop`] or on drop.
#[derive(Debug)]
pub struct EphemeralPostgres {
    /// Key of this cluster in `REGISTRY`, which owns the server process and the directory.
    id: u64,
    bin_dir: PathBuf,
    /// The private temporary directory: data directory, log and socket all live in it.
    root: PathBuf,
    port: u16,
    server_version: String,
}

impl EphemeralPostgres {
    /// Runs `initdb` into a fresh private temporary directory and starts `postgres` on it,
    /// returning once the server accepts connections. Blocks for a second or two.
    pub fn start() -> Result<Self, EphemeralError> {
        Self::start_with(&[])
    }

    /// [`EphemeralPostgres::start`] with server settings (`name=value`) that override the
    /// defaults, such as a small lock table.
    pub fn start_with(settings: &[&str]) -> Result<Self, EphemeralError> {
        let bin_dir = find_server_binaries()?;
        let server_version = server_version_of(&bin_dir.join("postgres"))?;
        let run_as = unprivileged_user()?;
        let base = std::env::temp_dir();
        if let Some(user) = &run_as {
            check_traversable(&base, user)?;
        }
        remove_stale_clusters(&base);

        let id = NEXT_ID.fetch_add(1, Ordering::Relaxed);
        let pid = std::process::id();
        let root = create_private_dir(&base, pid, id)?;
        lock(&REGISTRY).insert(
            id,
            Cluster {
                dir: root.clone(),
                process: None,
            },
        );
        cleanup_at_exit();
        // From here on, an early return drops `cluster`, which removes the directory again.
        let cluster = EphemeralPostgres {
            id,
            bin_dir,
            root,
            port: port_for(pid, id),
            server_version,
        };
        if let Some(user) = &run_as {
            chown(&cluster.root, Some(user.uid), Some(user.gid)).map_err(|source| {
                EphemeralError::Chown {
                    dir: cluster.root.clone(),
                    user: user.name.clone(),
                    source,
                }
            })?;
        }
        cluster.initdb(run_as.as_ref())?;
        cluster.launch(run_as.as_ref(), settings)?;
        cluster.wait_until_ready()?;
        Ok(cluster)
    }

    /// A libpq key=value connection string for `dbname` on this cluster, as the superuser.
    pub fn url(&self, dbname: &str) -> String {
        format!(
            "host={} port={} user={} dbname={}",
            conninfo_value(&self.root.to_string_lossy()),
            self.port,
            conninfo_value(SUPERUSER),
            conninfo_value(dbname)
        )
    }

    /// The directory the server binaries came from; `pg_dump`, `pg_restore` and `psql` of the
    /// same installation are normally next to them.
    pub fn bin_dir(&self) -> &Path {
        &self.bin_dir
    }

    pub fn socket_dir(&self) -> &Path {
        &self.root
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn superuser(&self) -> &str {
        SUPERUSER
    }

    /// The server's version as `postgres --version` reports it, e.g. `15.18` or `17beta1`.
    pub fn server_version(&self) -> &str {
        &self.server_version
    }

    /// Fast shutdown (SIGINT; SIGKILL after 10 s), then deletes the temporary directory.
    pub fn stop(mut self) -> Result<(), EphemeralError> {
        self.shut_down()
    }

    fn shut_down(&mut self) -> Result<(), EphemeralError> {
        // Absent when `cleanup_all` got here first.
        let cluster = lock(&REGISTRY).remove(&self.id);
        cluster.map_or(Ok(()), Cluster::tear_down)
    }

    /// The data directory (pg_hba.conf, postgresql.conf, the log directory).
    pub fn data_dir(&self) -> PathBuf {
        self.root.join("data")
    }

    fn log_path(&self) -> PathBuf {
        self.root.join("postgres.log")
    }

    fn socket_path(&self) -> PathBuf {
        self.root.join(format!(".s.PGSQL.{}", self.port))
    }

    fn initdb_log_path(&self) -> PathBuf {
        self.root.join("initdb.log")
    }

    /// Runs `initdb` as a registered child, like the server, so that [`cleanup_all`] can
    /// interrupt it too instead of deleting the directory under its feet.
    ///
    /// [`cleanup_all`]: super::cleanup_all
    fn initdb(&self, run_as: Option<&ServerUser>) -> Result<(), EphemeralError> {
        let program = self.bin_dir.join("initdb");
        let mut command = Command::new(&program);
        command
            .arg("-D")
            .arg(self.data_dir())
            .args(["-A", "trust", "-U", SUPERUSER, "--no-sync", "-E", "UTF8"])
            // The C locale makes collation, and so index and constraint behaviour, identical on
            // every machine.
            .arg("--locale=C");
        self.prepare(&mut command, &self.initdb_log_path(), run_as)?;
        let initdb = command
            .spawn()
            .map_err(|source| EphemeralError::Spawn { program, source })?;
        self.adopt(initdb)?;
        let status = self.wait_for_exit()?;
        if status.success() {
            return Ok(());
        }
        Err(EphemeralError::Initdb {
            status,
            tail: log_tail(&self.initdb_log_path()),
        })
    }

    fn launch(&self, run_as: Option<&ServerUser>, settings: &[&str]) -> Result<(), EphemeralError> {
        let program = self.bin_dir.join("postgres");
        let mut command = Command::new(&program);
        command
            .arg("-D")
            .arg(self.data_dir())
            .arg("-p")
            .arg(self.port.to_string())
            .arg("-c")
            .arg(format!(
                "unix_socket_directories={}",
                socket_directories_value(&self.root)
            ));
        for setting in SERVER_SETTINGS.iter().chain(settings) {
            command.arg("-c").arg(setting);
        }
        self.prepare(&mut command, &self.log_path(), run_as)?;
        // Its own process group keeps a terminal's Ctrl-C away from the server: our handler
        // stops it cleanly instead, after whatever else it has to do.
        command.process_group(0);
        die_with_parent(&mut command);
        let server = spawn_from_keeper_thread(command)
            .map_err(|source| EphemeralError::Spawn { program, source })?;
        self.adopt(server)
    }

    /// What `initdb` and `postgres` have in common: output into a log file in our directory,
    /// no stdin, deterministic messages, and the unprivileged user when we are root.
    fn prepare(
        &self,
        command: &mut Command,
        log_path: &Path,
        run_as: Option<&ServerUser>,
    ) -> Result<(), EphemeralError> {
        let log_error = |source| EphemeralError::Log {
            path: log_path.to_path_buf(),
            source,
        };
        let log = fs::File::create(log_path).map_err(log_error)?;
        let log_for_stdout = log.try_clone().map_err(log_error)?;
        command
            .current_dir(&self.root)
            .env("LC_ALL", "C")
            .stdin(Stdio::null())
            .stdout(log_for_stdout)
            .stderr(log);
        if let Some(user) = run_as {
            user.apply(command);
        }
        Ok(())
    }

    /// Hands a freshly spawned child to the registry, or kills it when [`cleanup_all`] has
    /// already torn this cluster down (nobody else would ever stop it).
    ///
    /// [`cleanup_all`]: super::cleanup_all
    fn adopt(&self, mut child: Child) -> Result<(), EphemeralError> {
        let mut registry = lock(&REGISTRY);
        if let Some(cluster) = registry.get_mut(&self.id) {
            cluster.process = Some(child);
            return Ok(());
        }
        drop(registry);
        // Failure means it already exited, which is what we want anyway.
        let _ = child.kill();
        let _ = child.wait();
        Err(EphemeralError::Interrupted)
    }

    fn wait_for_exit(&self) -> Result<ExitStatus, EphemeralError> {
        loop {
            let mut registry = lock(&REGISTRY);
            let cluster = registry
                .get_mut(&self.id)
                .ok_or(EphemeralError::Interrupted)?;
            if let Some(status) = exit_status(&mut cluster.process)? {
                cluster.process = None;
                return Ok(status);
            }
            drop(registry);
            thread::sleep(POLL_INTERVAL);
        }
    }

    /// Polls what `pg_ctl start -w` polls: the socket file and the status line the postmaster
    /// writes into `postmaster.pid` once it accepts connections (PostgreSQL 10 and later).
    fn wait_until_ready(&self) -> Result<(), EphemeralError> {
        let deadline = Instant::now() + READY_TIMEOUT;
        let pid_file = self.data_dir().join("postmaster.pid");
        loop {
            let exited = {
                let mut registry = lock(&REGISTRY);
                let cluster = registry
                    .get_mut(&self.id)
                    .ok_or(EphemeralError::Interrupted)?;
                exit_status(&mut cluster.process)?
            };
            if let Some(status) = exited {
                return Err(EphemeralError::ExitedDuringStartup {
                    status,
                    tail: log_tail(&self.log_path()),
                });
            }
            let ready =
                fs::read_to_string(&pid_file).is_ok_and(|contents| postmaster_is_ready(&contents));
            if ready && self.socket_path().exists() {
                return Ok(());
            }
            if Instant::now() >= deadline {
                return Err(EphemeralError::StartTimeout {
                    timeout: READY_TIMEOUT,
                    tail: log_tail(&self.log_path()),
                });
            }
            thread::sleep(POLL_INTERVAL);
        }
    }
}

/// The exit status of a registered child that has exited, `None` while it runs. A missing
/// child can only mean a teardown is in progress.
fn exit_status(process: &mut Option<Child>) -> Result<Option<ExitStatus>, EphemeralError> {
    let child = process.as_mut().ok_or(EphemeralError::Interrupted)?;
    let pid = child.id();
    child
        .try_wait()
        .map_err(|source| EphemeralError::Wait { pid, source })
}

impl Drop for EphemeralPostgres {
    fn drop(&mut self) {
        // Nobody can act on a failure here; `stop` is there for callers who want to know.
        let _ = self.shut_down();
    }
}

/// The port only names the socket file inside our private directory, so it cannot clash with
/// anything; it is still spread out so that two clusters are told apart easily in `ps` output.
fn port_for(pid: u32, id: u64) -> u16 {
    let spread = u64::from(pid).wrapping_mul(31).wrapping_add(id) % 20_000;
    40_000 + u16::try_from(spread).expect("a value below 20000 fits in u16")
}

/// `postmaster.pid` line 8 is the postmaster's status, `ready` once it accepts connections.
fn postmaster_is_ready(pid_file: &str) -> bool {
    pid_file.lines().nth(7).map(str::trim) == Some("ready")
}

/// The end of a log, copied into the error because the directory holding the log is deleted
/// before the error reaches anyone.
fn log_tail(path: &Path) -> String {
    match fs::read(path) {
        Ok(bytes) => {
            let text = String::from_utf8_lossy(&bytes);
            let lines: Vec<&str> = text.lines().collect();
            let start = lines.len().saturating_sub(LOG_TAIL_LINES);
            lines[start..].join("\n")
        }
        Err(error) => format!("(the log could not be read: {error})"),
    }
}

/// A value in a libpq key=value string: quoted when it holds spaces, quotes or backslashes.
fn conninfo_value(value: &str) -> String {
    let plain = !value.is_empty()
        && !value
            .chars()
            .any(|c| c.is_whitespace() || c == '\'' || c == '\\');
    if plain {
        return value.to_owned();
    }
    let mut quoted = String::with_capacity(value.len() + 2);
    quoted.push('\'');
    for c in value.chars() {
        if c == '\'' || c == '\\' {
            quoted.push('\\');
        }
        quoted.push(c);
    }
    quoted.push('\'');
    quoted
}

/// `unix_socket_directories` is a comma-separated list; double quotes keep a path with commas
/// or spaces in one piece.
fn socket_directories_value(dir: &Path) -> String {
    format!("\"{}\"", dir.to_string_lossy().replace('"', "\"\""))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn url_is_accepted_by_tokio_postgres_even_with_odd_names() {
        let cluster = EphemeralPostgres {
            id: u64::MAX,
            bin_dir: PathBuf::from("/usr/lib/postgresql/16/bin"),
            root: PathBuf::from("/tmp/with space/it's"),
            port: 45_432,
            server_version: "16.4".to_owned(),
        };
        let config = tokio_postgres::Config::from_str(&cluster.url("my db\\x")).unwrap();
        assert_eq!(config.get_dbname(), Some("my db\\x"));
        assert_eq!(config.get_user(), Some(SUPERUSER));
        assert_eq!(config.get_ports(), &[45_432]);
        assert_eq!(
            config.get_hosts(),
            &[tokio_postgres::config::Host::Unix(PathBuf::from(
                "/tmp/with space/it's"
            ))]
        );
        assert_eq!(
            cluster.url("app"),
            "host='/tmp/with space/it\\'s' port=45432 user=schemagit dbname=app"
        );
    }

    #[test]
    fn postmaster_status_line_decides_readiness() {
        let starting = "123\n/data\n1700000000\n45432\n/tmp/x\n\n  1 2\nstarting\n";
        let ready = "123\n/data\n1700000000\n45432\n/tmp/x\n\n  1 2\nready   \n";
        assert!(!postmaster_is_ready(starting));
        assert!(postmaster_is_ready(ready));
        assert!(!postmaster_is_ready("123\n/data\n"));
    }

    #[test]
    fn ports_stay_in_their_range() {
        for (pid, id) in [(1, 0), (u32::MAX, u64::MAX - 100), (4_194_304, 7)] {
            assert!((40_000..60_000).contains(&port_for(pid, id)));
        }
    }

    #[test]
    fn socket_directory_is_quoted_for_the_list_syntax() {
        assert_eq!(
            socket_directories_value(Path::new("/tmp/a,\"b")),
            "\"/tmp/a,\"\"b\""
        );
    }
}
