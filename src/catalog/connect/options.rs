//! [`ConnectOptions`]: the parsed, defaulted description of where and how to connect, the
//! hosts it tries in order ([`Target`], [`Endpoint`]), and how it is shown without its password.

use std::fmt;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::path::PathBuf;
use std::time::Duration;

use percent_encoding::{percent_encode, utf8_percent_encode, AsciiSet, CONTROLS};
use tokio_postgres::Config;

use super::environment::home_dir;
use super::settings::parse_with;
use super::tls::TlsOptions;
use super::ConnectError;

/// What must be escaped in a user or database name shown inside a URL.
const URL_COMPONENT: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'"')
    .add(b'#')
    .add(b'%')
    .add(b'&')
    .add(b'\'')
    .add(b',')
    .add(b'/')
    .add(b':')
    .add(b'=')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b']');
/// What must be escaped in a host name or socket path shown inside a URL (`/` and `:` stay
/// readable: paths and IPv6 addresses are bracketed).
const URL_HOST: &AsciiSet = &CONTROLS
    .add(b' ')
    .add(b'#')
    .add(b'%')
    .add(b',')
    .add(b'?')
    .add(b'@')
    .add(b'[')
    .add(b']');

/// A parsed, defaulted description of where and how to connect. Holds the password, so it is
/// shown only through [`ConnectOptions::display_redacted`] and a hand-written `Debug`.
#[derive(Clone)]
pub struct ConnectOptions {
    /// Everything tokio-postgres needs except the host, port, password, TLS mode and
    /// application name, which differ per attempt and are set in [`ConnectOptions::config_for`].
    pub(super) base: Config,
    pub(super) user: String,
    pub(super) dbname: String,
    /// Tried in order, as libpq tries a host list; never empty.
    pub(super) targets: Vec<Target>,
    pub(super) tls: TlsOptions,
    /// `None` waits as long as the operating system does (`connect_timeout=0`).
    pub(super) connect_timeout: Option<Duration>,
    /// Why the password file was skipped, to explain a later "password missing".
    pub(super) ignored_passfile: Option<String>,
}

#[derive(Clone)]
pub(super) struct Target {
    pub(super) endpoint: Endpoint,
    pub(super) port: u16,
    pub(super) password: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum Endpoint {
    /// `host` is what TLS checks and `~/.pgpass` matches; `addr` (libpq's `hostaddr`), when
    /// given, is where the connection actually goes, skipping DNS.
    Tcp { host: String, addr: Option<IpAddr> },
    /// A directory holding the server's `.s.PGSQL.<port>` socket.
    Socket(PathBuf),
}

impl Target {
    /// `host:port` as it appears in a URL.
    fn authority(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } => {
                let host = utf8_percent_encode(host, URL_HOST);
                if self.is_ipv6() {
                    format!("[{host}]:{}", self.port)
                } else {
                    format!("{host}:{}", self.port)
                }
            }
            Endpoint::Socket(dir) => format!(
                "[{}]:{}",
                percent_encode(dir.as_os_str().as_bytes(), URL_HOST),
                self.port
            ),
        }
    }

    fn is_ipv6(&self) -> bool {
        matches!(&self.endpoint, Endpoint::Tcp { host, .. } if host.contains(':'))
    }

    /// `host:port` for TLS messages; for a socket, the socket file's path.
    pub(super) fn endpoint_label(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } if self.is_ipv6() => format!("[{host}]:{}", self.port),
            Endpoint::Tcp { host, .. } => format!("{host}:{}", self.port),
            Endpoint::Socket(dir) => dir
                .join(format!(".s.PGSQL.{}", self.port))
                .display()
                .to_string(),
        }
    }
}

impl ConnectOptions {
    /// Parse what a user pastes. `input` is a URL (`postgres://` or `postgresql://`) or a libpq
    /// key=value string (`host=/var/run/postgresql dbname=app user=x`). Missing parts are filled
    /// from the libpq environment, as libpq does: PGHOST, PGPORT, PGUSER, PGPASSWORD, PGDATABASE,
    /// PGSSLMODE, PGSSLROOTCERT, PGPASSFILE / ~/.pgpass (only if no password is given; a file
    /// readable by group or others is ignored, as libpq does), PGCONNECT_TIMEOUT. PGAPPNAME is
    /// ignored: the application name is always `schemagit`. Default host: the first of
    /// /var/run/postgresql and /tmp holding a socket `.s.PGSQL.<port>`, else localhost. Default
    /// user: PGUSER, else the OS user name. Default dbname: the user. Default port 5432.
    pub fn parse(input: &str) -> Result<Self, ConnectError> {
        parse_with(
            input,
            &|name| std::env::var(name).ok(),
            home_dir().as_deref(),
        )
    }

    /// Same, with no input: the libpq environment alone.
    pub fn from_env() -> Result<Self, ConnectError> {
        Self::parse("")
    }

    /// The connection described without any password, e.g.
    /// `postgresql://alice@db.example.com:5432/app` or
    /// `postgresql://alice@[/var/run/postgresql]:5432/app`. Used in every message and commit.
    pub fn display_redacted(&self) -> String {
        let hosts: Vec<String> = self.targets.iter().map(Target::authority).collect();
        self.url_with_hosts(&hosts.join(","))
    }

    /// The database connected to: as given, else PGDATABASE, else the user name.
    pub fn dbname(&self) -> &str {
        &self.dbname
    }

    /// The same server, user and TLS settings, for another database on it (a fleet's member).
    pub fn with_dbname(&self, dbname: &str) -> ConnectOptions {
        let mut options = self.clone();
        options.base.dbname(dbname);
        options.dbname = dbname.to_string();
        options
    }

    fn url_with_hosts(&self, hosts: &str) -> String {
        format!(
            "postgresql://{}@{hosts}/{}",
            utf8_percent_encode(&self.user, URL_COMPONENT),
            utf8_percent_encode(&self.dbname, URL_COMPONENT)
        )
    }

    pub(super) fn target_url(&self, target: &Target) -> String {
        self.url_with_hosts(&target.authority())
    }
}

impl fmt::Debug for ConnectOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let password = if self.targets.iter().any(|t| t.password.is_some()) {
            "<redacted>"
        } else {
            "<none>"
        };
        f.debug_struct("ConnectOptions")
            .field("target", &self.display_redacted())
            .field("password", &format_args!("{password}"))
            .field("tls", &self.tls)
            .field("connect_timeout", &self.connect_timeout)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{parse_ok, password};

    #[test]
    fn display_and_debug_never_show_the_password() {
        for input in [
            "postgresql://alice:s3cret@db/app",
            "host=db user=alice password=s3cret dbname=app",
            "postgresql://alice@db/app?password=s3cret",
        ] {
            let opts = parse_ok(input);
            assert_eq!(password(&opts), Some("s3cret"));
            let shown = opts.display_redacted();
            assert_eq!(shown, "postgresql://alice@db:5432/app");
            let debug = format!("{opts:?}");
            assert!(!debug.contains("s3cret"), "{debug}");
            assert!(debug.contains("<redacted>"), "{debug}");
        }
        let debug = format!("{:?}", parse_ok("host=db"));
        assert!(debug.contains("password: <none>"), "{debug}");
    }
}
