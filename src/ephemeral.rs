//! A throwaway PostgreSQL cluster started from the server binaries installed on this machine.
//!
//! Owns finding those binaries, `initdb` into a private temporary directory, running `postgres`
//! as our own child on a Unix socket only, waiting until it accepts connections, and tearing it
//! down again. Used by `snapshot --from-migrations`, `diff migrations:…`, the README demo and the
//! integration tests.
//!
//! Teardown has four triggers: [`EphemeralPostgres::stop`], `Drop`, [`cleanup_all`] (from the
//! CLI's Ctrl-C handler) and process exit (for clusters kept in a `static`, whose `Drop` never
//! runs). Every live cluster sits in one process-wide registry, and whichever trigger removes it
//! from there does the work, so each cluster is stopped exactly once. If schemagit itself is
//! killed outright, the kernel stops the server (Linux parent-death signal) and the next start
//! removes the directory left behind.

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::fs;
use std::io;
use std::os::unix::fs::{DirBuilderExt, MetadataExt, PermissionsExt};
use std::os::unix::net::UnixStream;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{mpsc, Mutex, MutexGuard, Once, PoisonError};
use std::thread;
use std::time::{Duration, Instant};

use nix::errno::Errno;
use nix::sys::signal::{kill, Signal};
use nix::unistd::{chown, geteuid, Gid, Pid, Uid, User};

/// The role `initdb` creates; every connection to the throwaway cluster uses it.
const SUPERUSER: &str = "schemagit";
/// Temporary directories are named `<prefix><creator pid>-<serial>`, which is how a later run
/// recognises the ones a killed process left behind.
const DIR_PREFIX: &str = "schemagit-pg-";
const READY_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(10);
const POLL_INTERVAL: Duration = Duration::from_millis(25);
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

#[derive(Debug, thiserror::Error)]
pub enum EphemeralError {
    #[error(
        "PostgreSQL server binaries (initdb, postgres) not found on PATH, in pg_config --bindir \
         or the usual install locations; install the server package (Debian/Ubuntu: apt-get \
         install postgresql; macOS: brew install postgresql@16) or set SCHEMAGIT_PG_BINDIR"
    )]
    BinariesNotFound,
    #[error(
        "SCHEMAGIT_PG_BINDIR={} does not contain both initdb and postgres; point it at the bin \
         directory of a PostgreSQL server installation or unset it",
        dir.display()
    )]
    BinDirOverrideInvalid { dir: PathBuf },
    #[error(
        "running as root, but there is neither a `postgres` nor a `nobody` user to run the \
         server as (PostgreSQL refuses to run as root); create a `postgres` user"
    )]
    NoUnprivilegedUser,
    #[error("could not look up user `{name}`")]
    UserLookup {
        name: &'static str,
        #[source]
        source: nix::Error,
    },
    #[error(
        "the server must run as user `{user}`, who cannot enter {}; set TMPDIR to a directory \
         every user can traverse, such as /tmp",
        dir.display()
    )]
    TempDirNotTraversable { user: String, dir: PathBuf },
    #[error("could not create the temporary directory {}", dir.display())]
    CreateDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not give {} to user `{user}`, who runs the server", dir.display())]
    Chown {
        dir: PathBuf,
        user: String,
        #[source]
        source: nix::Error,
    },
    #[error("could not run {}", program.display())]
    Spawn {
        program: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("could not tell the version of {} from its output {output:?}", program.display())]
    Version { program: PathBuf, output: String },
    #[error("initdb failed ({status}); the end of its output:\n{tail}")]
    Initdb { status: ExitStatus, tail: String },
    #[error("could not create the server log {}", path.display())]
    Log {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error("PostgreSQL exited while starting ({status}); the end of its log:\n{tail}")]
    ExitedDuringStartup { status: ExitStatus, tail: String },
    #[error(
        "PostgreSQL did not accept connections within {} s; the end of its log:\n{tail}",
        timeout.as_secs()
    )]
    StartTimeout { timeout: Duration, tail: String },
    #[error("the throwaway PostgreSQL was shut down while it was starting (interrupted)")]
    Interrupted,
    #[error("could not signal PostgreSQL (pid {pid})")]
    Signal {
        pid: u32,
        #[source]
        source: nix::Error,
    },
    #[error("could not wait for PostgreSQL (pid {pid}) to exit")]
    Wait {
        pid: u32,
        #[source]
        source: io::Error,
    },
    #[error("could not remove the temporary directory {}", dir.display())]
    RemoveDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
}

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

/// Stops every live throwaway cluster and deletes its directory. Safe to call from any thread,
/// including a Ctrl-C handler while another thread is starting or using a cluster.
pub fn cleanup_all() {
    let clusters = std::mem::take(&mut *lock(&REGISTRY));
    for cluster in clusters.into_values() {
        // Best effort: this runs on the way out, with nobody left to report to.
        let _ = cluster.tear_down();
    }
}

/// The directory holding `initdb` and `postgres`. Search order: `$SCHEMAGIT_PG_BINDIR`, `PATH`,
/// `pg_config --bindir`, then the usual install locations of Debian/Ubuntu, RHEL, Homebrew,
/// source builds and Postgres.app, the highest version first.
pub fn find_server_binaries() -> Result<PathBuf, EphemeralError> {
    let search = BinarySearch {
        override_dir: std::env::var_os("SCHEMAGIT_PG_BINDIR").filter(|dir| !dir.is_empty()),
        path: std::env::var_os("PATH"),
        pg_config_bindir: &pg_config_bindir,
        root: Path::new("/"),
    };
    search.run()
}

/// What to run the server as when we are root, since `initdb` and `postgres` refuse root.
struct ServerUser {
    name: String,
    uid: Uid,
    gid: Gid,
}

impl ServerUser {
    fn apply(&self, command: &mut Command) {
        // When root switches uid, std also drops all supplementary groups.
        command.uid(self.uid.as_raw()).gid(self.gid.as_raw());
    }

    fn can_traverse(&self, metadata: &fs::Metadata) -> bool {
        let mode = metadata.mode();
        if metadata.uid() == self.uid.as_raw() {
            mode & 0o100 != 0
        } else if metadata.gid() == self.gid.as_raw() {
            mode & 0o010 != 0
        } else {
            mode & 0o001 != 0
        }
    }
}

fn unprivileged_user() -> Result<Option<ServerUser>, EphemeralError> {
    if !geteuid().is_root() {
        return Ok(None);
    }
    for name in ["postgres", "nobody"] {
        let user =
            User::from_name(name).map_err(|source| EphemeralError::UserLookup { name, source })?;
        if let Some(user) = user {
            return Ok(Some(ServerUser {
                name: user.name,
                uid: user.uid,
                gid: user.gid,
            }));
        }
    }
    Err(EphemeralError::NoUnprivilegedUser)
}

/// The server user must be able to walk down to its directory; ours is chowned to it, but a
/// `TMPDIR` inside root's home would not be reachable.
fn check_traversable(base: &Path, user: &ServerUser) -> Result<(), EphemeralError> {
    for dir in base.ancestors() {
        // An unreadable ancestor makes creating the directory fail with a clearer error.
        let Ok(metadata) = fs::metadata(dir) else {
            continue;
        };
        if !user.can_traverse(&metadata) {
            return Err(EphemeralError::TempDirNotTraversable {
                user: user.name.clone(),
                dir: dir.to_path_buf(),
            });
        }
    }
    Ok(())
}

fn create_private_dir(base: &Path, pid: u32, id: u64) -> Result<PathBuf, EphemeralError> {
    let mut attempt = 0u32;
    loop {
        let name = match attempt {
            0 => format!("{DIR_PREFIX}{pid}-{id}"),
            _ => format!("{DIR_PREFIX}{pid}-{id}-{attempt}"),
        };
        let dir = base.join(name);
        match fs::DirBuilder::new().mode(0o700).create(&dir) {
            Ok(()) => {
                // The umask may have taken bits away, never added any; set exactly 0700.
                fs::set_permissions(&dir, fs::Permissions::from_mode(0o700)).map_err(|source| {
                    EphemeralError::CreateDir {
                        dir: dir.clone(),
                        source,
                    }
                })?;
                return Ok(dir);
            }
            // Left by an earlier process with the same pid, and not removable as stale: either
            // that process still runs or the directory is not ours to delete.
            Err(error) if error.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => {
                attempt += 1;
            }
            Err(source) => return Err(EphemeralError::CreateDir { dir, source }),
        }
    }
}

/// The port only names the socket file inside our private directory, so it cannot clash with
/// anything; it is still spread out so that two clusters are told apart easily in `ps` output.
fn port_for(pid: u32, id: u64) -> u16 {
    let spread = u64::from(pid).wrapping_mul(31).wrapping_add(id) % 20_000;
    40_000 + u16::try_from(spread).expect("a value below 20000 fits in u16")
}

/// Deletes directories of earlier runs that were killed before they could clean up: their
/// creator is gone and no server answers on their socket.
fn remove_stale_clusters(base: &Path) {
    let Ok(entries) = fs::read_dir(base) else {
        return;
    };
    for entry in entries.flatten() {
        let is_dir = entry.file_type().is_ok_and(|kind| kind.is_dir());
        let creator = entry.file_name().to_str().and_then(creator_pid);
        let Some(creator) = creator.filter(|_| is_dir) else {
            continue;
        };
        let dir = entry.path();
        if process_exists(creator) || server_listening(&dir) {
            continue;
        }
        // Someone else's directory we may not delete is not our problem.
        let _ = fs::remove_dir_all(dir);
    }
}

fn creator_pid(dir_name: &str) -> Option<i32> {
    let rest = dir_name.strip_prefix(DIR_PREFIX)?;
    let pid = rest.split('-').next()?.parse::<i32>().ok()?;
    (pid > 0).then_some(pid)
}

fn process_exists(pid: i32) -> bool {
    // EPERM means it exists but belongs to someone else.
    kill(Pid::from_raw(pid), None) != Err(Errno::ESRCH)
}

/// A connectable socket means a live server even when its creator's pid means nothing here
/// (another PID namespace sharing the same /tmp).
fn server_listening(dir: &Path) -> bool {
    let Ok(entries) = fs::read_dir(dir) else {
        return false;
    };
    entries.flatten().any(|entry| {
        let name = entry.file_name();
        let name = name.to_string_lossy();
        name.starts_with(".s.PGSQL.")
            && !name.ends_with(".lock")
            && UnixStream::connect(entry.path()).is_ok()
    })
}

/// One live cluster, owned by the registry so that any thread can tear it down.
struct Cluster {
    dir: PathBuf,
    /// `initdb` while it runs, then the server.
    process: Option<Child>,
}

impl Cluster {
    fn tear_down(mut self) -> Result<(), EphemeralError> {
        let stopped = self.process.take().map_or(Ok(()), stop_process);
        // Remove the directory even when stopping failed, so that at least no disk is leaked.
        let removed = match fs::remove_dir_all(&self.dir) {
            Err(error) if error.kind() != io::ErrorKind::NotFound => {
                Err(EphemeralError::RemoveDir {
                    dir: self.dir,
                    source: error,
                })
            }
            _ => Ok(()),
        };
        stopped.and(removed)
    }
}

fn stop_process(mut process: Child) -> Result<(), EphemeralError> {
    let pid = process.id();
    let wait_error = |source| EphemeralError::Wait { pid, source };
    if process.try_wait().map_err(wait_error)?.is_some() {
        return Ok(());
    }
    let raw_pid = i32::try_from(pid).expect("process ids fit in pid_t");
    // SIGINT is the server's fast shutdown (roll back open transactions, exit promptly) and
    // makes initdb remove what it created and exit.
    match kill(Pid::from_raw(raw_pid), Signal::SIGINT) {
        Ok(()) | Err(Errno::ESRCH) => {}
        Err(source) => return Err(EphemeralError::Signal { pid, source }),
    }
    let deadline = Instant::now() + STOP_TIMEOUT;
    while Instant::now() < deadline {
        if process.try_wait().map_err(wait_error)?.is_some() {
            return Ok(());
        }
        thread::sleep(POLL_INTERVAL);
    }
    // A postmaster's backends notice its death and exit on their own.
    process.kill().map_err(wait_error)?;
    process.wait().map_err(wait_error)?;
    Ok(())
}

static REGISTRY: Mutex<BTreeMap<u64, Cluster>> = Mutex::new(BTreeMap::new());
static NEXT_ID: AtomicU64 = AtomicU64::new(0);

/// A panic elsewhere while holding the lock leaves the map itself consistent (every operation on
/// it is a single insert, remove or take), so teardown must still be able to use it.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Registers [`cleanup_all`] to run at normal process exit, for clusters kept in a `static`
/// (one per test binary) whose `Drop` never runs.
fn cleanup_at_exit() {
    extern "C" fn run_cleanup() {
        cleanup_all();
    }
    static REGISTERED: Once = Once::new();
    REGISTERED.call_once(|| {
        // SAFETY: `run_cleanup` is a plain `extern "C" fn()`, as atexit requires, and does not
        // unwind. If registration fails, stop, Drop and cleanup_all still cover the usual paths.
        unsafe {
            nix::libc::atexit(run_cleanup);
        }
    });
}

type SpawnRequest = (Command, mpsc::Sender<io::Result<Child>>);

/// Linux sends the parent-death signal when the *thread* that forked the child exits, not the
/// process. Callers start clusters from short-lived threads (test threads, `spawn_blocking`), so
/// the server is forked by one thread that lives as long as the process.
fn spawn_from_keeper_thread(command: Command) -> io::Result<Child> {
    static KEEPER: Mutex<Option<mpsc::Sender<SpawnRequest>>> = Mutex::new(None);
    let (reply_to, reply) = mpsc::channel();
    {
        let mut keeper = lock(&KEEPER);
        if keeper.is_none() {
            let (requests, incoming) = mpsc::channel::<SpawnRequest>();
            thread::Builder::new()
                .name("schemagit-pg-parent".to_owned())
                .spawn(move || {
                    for (mut command, reply_to) in incoming {
                        // The requester may have given up waiting; the Child then drops.
                        let _ = reply_to.send(command.spawn());
                    }
                })?;
            *keeper = Some(requests);
        }
        let requests = keeper
            .as_ref()
            .expect("the keeper thread was started above");
        requests
            .send((command, reply_to))
            .map_err(|_| io::Error::other("the thread that starts PostgreSQL has exited"))?;
    }
    reply
        .recv()
        .map_err(|_| io::Error::other("the thread that starts PostgreSQL has exited"))?
}

/// Makes the kernel send SIGQUIT (immediate shutdown) to the server when we die without
/// cleaning up, e.g. on `kill -9`.
#[cfg(any(target_os = "linux", target_os = "android"))]
fn die_with_parent(command: &mut Command) {
    use nix::libc;
    let parent = nix::unistd::getpid().as_raw();
    // SAFETY: between fork and exec the closure only calls async-signal-safe functions (prctl,
    // getppid) and allocates nothing. It runs after std has switched uid/gid, which matters:
    // changing credentials clears the parent-death signal.
    unsafe {
        command.pre_exec(move || {
            if libc::prctl(libc::PR_SET_PDEATHSIG, libc::SIGQUIT as libc::c_ulong) == -1 {
                return Err(io::Error::last_os_error());
            }
            // We may have died before prctl took effect; then nobody would ever stop the server.
            if libc::getppid() != parent {
                return Err(io::Error::from_raw_os_error(libc::ESRCH));
            }
            Ok(())
        });
    }
}

/// Other systems have no parent-death signal; a killed schemagit leaves the server running
/// until the next start finds and removes its directory.
#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn die_with_parent(_command: &mut Command) {}

/// `postmaster.pid` line 8 is the postmaster's status, `ready` once it accepts connections.
fn postmaster_is_ready(pid_file: &str) -> bool {
    pid_file.lines().nth(7).map(str::trim) == Some("ready")
}

fn server_version_of(postgres: &Path) -> Result<String, EphemeralError> {
    let output = Command::new(postgres)
        .arg("--version")
        .stdin(Stdio::null())
        .output()
        .map_err(|source| EphemeralError::Spawn {
            program: postgres.to_path_buf(),
            source,
        })?;
    let text = String::from_utf8_lossy(&output.stdout);
    parse_server_version(&text)
        .map(str::to_owned)
        .ok_or_else(|| EphemeralError::Version {
            program: postgres.to_path_buf(),
            output: text.trim().to_owned(),
        })
}

/// `postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)` → `15.18`.
fn parse_server_version(output: &str) -> Option<&str> {
    let (_, rest) = output.split_once("(PostgreSQL)")?;
    rest.split_whitespace()
        .next()
        .filter(|version| version.starts_with(|c: char| c.is_ascii_digit()))
}

/// `16`, `9.6`, `15.4` as numbers, so that 10 sorts above 9.6; `None` for anything else.
fn version_key(name: &str) -> Option<Vec<u32>> {
    name.split('.').map(|part| part.parse().ok()).collect()
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

fn pg_config_bindir() -> Option<PathBuf> {
    let output = Command::new("pg_config")
        .arg("--bindir")
        .stdin(Stdio::null())
        .stderr(Stdio::null())
        .output()
        .ok()?;
    let dir = String::from_utf8(output.stdout).ok()?;
    let dir = dir.trim();
    (output.status.success() && !dir.is_empty()).then(|| PathBuf::from(dir))
}

/// The inputs of [`find_server_binaries`], separated from the process environment so that the
/// search order can be tested against a fake directory tree.
struct BinarySearch<'a> {
    override_dir: Option<OsString>,
    path: Option<OsString>,
    pg_config_bindir: &'a dyn Fn() -> Option<PathBuf>,
    /// Prefix for the fixed install locations: `/`, or a fake tree in tests.
    root: &'a Path,
}

impl BinarySearch<'_> {
    fn run(&self) -> Result<PathBuf, EphemeralError> {
        if let Some(dir) = &self.override_dir {
            let dir = PathBuf::from(dir);
            // An explicit setting is taken as it is (its client tools are where it says), and one
            // that is wrong must not be papered over by another install.
            return if has_server_binaries(&dir) {
                Ok(dir)
            } else {
                Err(EphemeralError::BinDirOverrideInvalid { dir })
            };
        }
        let on_path = self.path.iter().flat_map(std::env::split_paths);
        let from_pg_config = std::iter::once_with(|| (self.pg_config_bindir)()).flatten();
        let fixed = std::iter::once_with(|| fixed_locations(self.root)).flatten();
        on_path
            .chain(from_pg_config)
            .chain(fixed)
            .find(|dir| has_server_binaries(dir))
            .map(through_symlinks)
            .ok_or(EphemeralError::BinariesNotFound)
    }
}

/// Install locations, each family ordered from the highest version down.
fn fixed_locations(root: &Path) -> Vec<PathBuf> {
    let mut dirs = Vec::new();
    dirs.extend(versioned_dirs(&root.join("usr/lib/postgresql"), "", "bin"));
    dirs.extend(versioned_dirs(&root.join("usr"), "pgsql-", "bin"));
    dirs.extend(versioned_dirs(
        &root.join("opt/homebrew/opt"),
        "postgresql@",
        "bin",
    ));
    dirs.extend(versioned_dirs(
        &root.join("usr/local/opt"),
        "postgresql@",
        "bin",
    ));
    dirs.push(root.join("opt/homebrew/bin"));
    dirs.push(root.join("usr/local/pgsql/bin"));
    dirs.push(root.join("Applications/Postgres.app/Contents/Versions/latest/bin"));
    dirs
}

/// `<parent>/<prefix><version>/<sub>` for every version found, highest first.
fn versioned_dirs(parent: &Path, prefix: &str, sub: &str) -> Vec<PathBuf> {
    let Ok(entries) = fs::read_dir(parent) else {
        return Vec::new();
    };
    let mut found: Vec<(Vec<u32>, PathBuf)> = entries
        .flatten()
        .filter_map(|entry| {
            let name = entry.file_name();
            let version = version_key(name.to_str()?.strip_prefix(prefix)?)?;
            Some((version, entry.path().join(sub)))
        })
        .collect();
    found.sort_by(|a, b| b.cmp(a));
    found.into_iter().map(|(_, dir)| dir).collect()
}

fn has_server_binaries(dir: &Path) -> bool {
    is_executable(&dir.join("initdb")) && is_executable(&dir.join("postgres"))
}

fn is_executable(path: &Path) -> bool {
    fs::metadata(path).is_ok_and(|meta| meta.is_file() && meta.mode() & 0o111 != 0)
}

/// `/usr/local/bin/initdb` may be a symlink into the real installation, whose directory also
/// holds `pg_dump`, `pg_restore` and `psql`; prefer that directory.
fn through_symlinks(dir: PathBuf) -> PathBuf {
    let initdb = dir.join("initdb");
    let is_link = fs::symlink_metadata(&initdb).is_ok_and(|meta| meta.file_type().is_symlink());
    if !is_link {
        return dir;
    }
    fs::canonicalize(initdb)
        .ok()
        .and_then(|real| real.parent().map(Path::to_path_buf))
        .filter(|real| has_server_binaries(real))
        .unwrap_or(dir)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    fn fake_install(dir: &Path) {
        fs::create_dir_all(dir).unwrap();
        for name in ["initdb", "postgres"] {
            let path = dir.join(name);
            fs::write(&path, "#!/bin/sh\n").unwrap();
            fs::set_permissions(&path, fs::Permissions::from_mode(0o755)).unwrap();
        }
    }

    fn search<'a>(
        root: &'a Path,
        path: Option<&Path>,
        pg_config: &'a dyn Fn() -> Option<PathBuf>,
    ) -> Result<PathBuf, EphemeralError> {
        BinarySearch {
            override_dir: None,
            path: path.map(|p| p.as_os_str().to_owned()),
            pg_config_bindir: pg_config,
            root,
        }
        .run()
    }

    #[test]
    fn highest_debian_version_wins_numerically() {
        let root = tempfile::tempdir().unwrap();
        for version in ["9.6", "10", "16"] {
            fake_install(
                &root
                    .path()
                    .join(format!("usr/lib/postgresql/{version}/bin")),
            );
        }
        // A client-only install of a newer version has no initdb and is passed over.
        fs::create_dir_all(root.path().join("usr/lib/postgresql/17/bin")).unwrap();
        let found = search(root.path(), None, &|| None).unwrap();
        assert_eq!(found, root.path().join("usr/lib/postgresql/16/bin"));
    }

    #[test]
    fn path_comes_before_pg_config_before_fixed_locations() {
        let root = tempfile::tempdir().unwrap();
        let on_path = root.path().join("custom/bin");
        let pg_config = root.path().join("from-pg-config/bin");
        let debian = root.path().join("usr/lib/postgresql/16/bin");
        for dir in [&on_path, &pg_config, &debian] {
            fake_install(dir);
        }
        let pg_config_dir = pg_config.clone();
        let pg_config_fn = move || Some(pg_config_dir.clone());
        let path_var = std::env::join_paths([root.path().join("empty"), on_path.clone()]).unwrap();

        let found = search(root.path(), Some(Path::new(&path_var)), &pg_config_fn).unwrap();
        assert_eq!(found, on_path);
        let found = search(root.path(), None, &pg_config_fn).unwrap();
        assert_eq!(found, pg_config);
        let found = search(root.path(), None, &|| None).unwrap();
        assert_eq!(found, debian);
    }

    #[test]
    fn fixed_locations_are_tried_in_documented_order() {
        let root = tempfile::tempdir().unwrap();
        let order = [
            "usr/pgsql-16/bin",
            "usr/pgsql-9.6/bin",
            "opt/homebrew/opt/postgresql@17/bin",
            "usr/local/opt/postgresql@15/bin",
            "opt/homebrew/bin",
            "usr/local/pgsql/bin",
            "Applications/Postgres.app/Contents/Versions/latest/bin",
        ];
        for dir in order {
            fake_install(&root.path().join(dir));
        }
        // Remove them one by one from the front: each time the next one is found.
        for (index, dir) in order.iter().enumerate() {
            let found = search(root.path(), None, &|| None).unwrap();
            assert_eq!(found, root.path().join(dir), "step {index}");
            fs::remove_dir_all(root.path().join(dir)).unwrap();
        }
        assert!(matches!(
            search(root.path(), None, &|| None),
            Err(EphemeralError::BinariesNotFound)
        ));
    }

    #[test]
    fn a_path_entry_needs_both_binaries_and_symlinks_lead_to_the_real_install() {
        let root = tempfile::tempdir().unwrap();
        let only_initdb = root.path().join("half/bin");
        fs::create_dir_all(&only_initdb).unwrap();
        fs::write(only_initdb.join("initdb"), "").unwrap();
        fs::set_permissions(
            only_initdb.join("initdb"),
            fs::Permissions::from_mode(0o755),
        )
        .unwrap();
        let real = root.path().join("usr/lib/postgresql/15/bin");
        fake_install(&real);
        let links = root.path().join("usr/local/bin");
        fs::create_dir_all(&links).unwrap();
        for name in ["initdb", "postgres"] {
            std::os::unix::fs::symlink(real.join(name), links.join(name)).unwrap();
        }
        let path_var = std::env::join_paths([&only_initdb, &links]).unwrap();
        let found = search(root.path(), Some(Path::new(&path_var)), &|| None).unwrap();
        assert_eq!(found, fs::canonicalize(&real).unwrap());
    }

    #[test]
    fn non_executable_files_do_not_count() {
        let root = tempfile::tempdir().unwrap();
        let dir = root.path().join("usr/local/pgsql/bin");
        fake_install(&dir);
        fs::set_permissions(dir.join("postgres"), fs::Permissions::from_mode(0o644)).unwrap();
        assert!(matches!(
            search(root.path(), None, &|| None),
            Err(EphemeralError::BinariesNotFound)
        ));
    }

    #[test]
    fn an_explicit_bin_dir_is_used_or_rejected_never_skipped() {
        let root = tempfile::tempdir().unwrap();
        let debian = root.path().join("usr/lib/postgresql/16/bin");
        fake_install(&debian);
        let chosen = root.path().join("chosen");
        let run = |dir: &Path| {
            BinarySearch {
                override_dir: Some(dir.as_os_str().to_owned()),
                path: None,
                pg_config_bindir: &|| None,
                root: root.path(),
            }
            .run()
        };
        assert!(matches!(
            run(&chosen),
            Err(EphemeralError::BinDirOverrideInvalid { .. })
        ));
        fake_install(&chosen);
        assert_eq!(run(&chosen).unwrap(), chosen);
    }

    #[test]
    fn missing_binaries_message_says_what_to_install() {
        let message = EphemeralError::BinariesNotFound.to_string();
        assert!(!message.contains('\n'));
        assert!(message.contains("apt-get install postgresql"));
        assert!(message.contains("brew install postgresql@16"));
        assert!(message.contains("SCHEMAGIT_PG_BINDIR"));
    }

    #[test]
    fn server_version_is_read_from_postgres_version_output() {
        let cases = [
            (
                "postgres (PostgreSQL) 15.18 (Debian 15.18-0+deb12u1)\n",
                Some("15.18"),
            ),
            ("postgres (PostgreSQL) 16.4\n", Some("16.4")),
            ("postgres (PostgreSQL) 17beta1\n", Some("17beta1")),
            ("postgres (PostgreSQL) 9.6.24\n", Some("9.6.24")),
            ("postgres (PostgreSQL)\n", None),
            ("something else 15.1\n", None),
        ];
        for (output, expected) in cases {
            assert_eq!(parse_server_version(output), expected, "{output:?}");
        }
    }

    #[test]
    fn install_versions_compare_numerically() {
        assert_eq!(version_key("16"), Some(vec![16]));
        assert_eq!(version_key("9.6"), Some(vec![9, 6]));
        assert!(version_key("10") > version_key("9.6"));
        assert_eq!(version_key("common"), None);
        assert_eq!(version_key(""), None);
        assert_eq!(version_key("16."), None);
    }

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
    fn stale_directories_are_recognised_by_name() {
        assert_eq!(creator_pid("schemagit-pg-4242-0"), Some(4242));
        assert_eq!(creator_pid("schemagit-pg-4242-3-1"), Some(4242));
        assert_eq!(creator_pid("schemagit-pg-0-1"), None);
        assert_eq!(creator_pid("schemagit-pg--1-1"), None);
        assert_eq!(creator_pid("other-4242-0"), None);
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
