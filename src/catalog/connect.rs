//! Connecting to a live PostgreSQL server.
//!
//! Owns the way from what a user pastes (a `postgresql://` URL or a libpq `key=value` string)
//! plus the libpq environment (`PGHOST`, `PGPASSWORD`, `~/.pgpass`, …) to a
//! [`tokio_postgres::Client`]: parsing and defaulting as libpq does, TLS for every libpq
//! `sslmode` on rustls, one-line errors that say what failed (with [`ConnectError::hint`] for
//! what to do), and keeping passwords out of everything printable
//! ([`ConnectOptions::display_redacted`], [`redact`], `Debug`).
//!
//! Both input forms are tokenized here rather than by `tokio_postgres::Config`, because its
//! parser rejects `verify-ca`/`verify-full` and libpq's other TLS options, gives every URL host
//! an explicit port 5432 (so `PGPORT` could never apply), and splits URL credentials at the
//! first `@` anywhere, query included. Options that it understands and this module does not
//! own (`options`, keepalives, `target_session_attrs`, …) still go through its parser, which
//! validates them.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::fmt;
use std::fs;
use std::io;
use std::net::IpAddr;
use std::os::unix::ffi::OsStrExt;
use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::sync::Arc;
use std::time::Duration;

use percent_encoding::{
    percent_decode_str, percent_encode, utf8_percent_encode, AsciiSet, CONTROLS,
};
use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{VerifierBuilderError, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{
    CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme,
    SupportedProtocolVersion,
};
use tokio_postgres::config::SslMode as WireSslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, NoTls, Socket};
use tokio_postgres_rustls::MakeRustlsConnect;

/// Every session says who it is, whatever `application_name` or `PGAPPNAME` says, so that a
/// DBA can tell schemagit's catalog reads apart in `pg_stat_activity`.
const APPLICATION_NAME: &str = "schemagit";
const DEFAULT_PORT: u16 = 5432;
/// libpq waits forever by default; a snapshot job in CI should fail instead.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Where Debian-style and upstream builds put the server socket, tried in this order.
const DEFAULT_SOCKET_DIRS: [&str; 2] = ["/var/run/postgresql", "/tmp"];
/// Socket directories that `~/.pgpass` lines name as `localhost`: libpq's rule for its
/// compiled-in socket directory, which is one of these depending on the build.
const LOCAL_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];
const URL_PREFIXES: [&str; 2] = ["postgresql://", "postgres://"];

/// The libpq environment variables we honour, by the option each one defaults. `PGAPPNAME` is
/// left out on purpose (see [`APPLICATION_NAME`]); `PGSERVICE` is read only to refuse it, since
/// silently ignoring it would connect somewhere the user did not mean.
const ENVIRONMENT: [(&str, &str); 18] = [
    ("host", "PGHOST"),
    ("hostaddr", "PGHOSTADDR"),
    ("port", "PGPORT"),
    ("user", "PGUSER"),
    ("password", "PGPASSWORD"),
    ("passfile", "PGPASSFILE"),
    ("dbname", "PGDATABASE"),
    ("options", "PGOPTIONS"),
    ("connect_timeout", "PGCONNECT_TIMEOUT"),
    ("sslmode", "PGSSLMODE"),
    ("sslrootcert", "PGSSLROOTCERT"),
    ("sslcert", "PGSSLCERT"),
    ("sslkey", "PGSSLKEY"),
    ("sslcrl", "PGSSLCRL"),
    ("sslsni", "PGSSLSNI"),
    ("ssl_min_protocol_version", "PGSSLMINPROTOCOLVERSION"),
    ("ssl_max_protocol_version", "PGSSLMAXPROTOCOLVERSION"),
    ("service", "PGSERVICE"),
];

/// libpq options we recognise but cannot honour; anything else unknown is refused by
/// tokio-postgres's own parser.
const UNSUPPORTED_OPTIONS: [&str; 9] = [
    "requirepeer",
    "krbsrvname",
    "gsslib",
    "gssdelegation",
    "sslcertmode",
    "sslkeylogfile",
    "require_auth",
    "replication",
    "sslcrldir",
];

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

/// A failure to parse connection settings or to connect. Every message is one line, names the
/// connection without its password, and has a what-to-do in [`ConnectError::hint`].
#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    /// `url` is the input with its password replaced by `***`.
    #[error("invalid connection URL {url}: {reason}")]
    InvalidUrl { url: String, reason: String },
    /// `conninfo` is the input with its password replaced by `***`.
    #[error("invalid connection string `{conninfo}`: {reason}")]
    InvalidConninfo { conninfo: String, reason: String },
    #[error("invalid {var} \"{value}\": {reason}")]
    InvalidEnvironment {
        var: &'static str,
        value: String,
        reason: String,
    },
    #[error("unsupported connection URL scheme `{scheme}://`")]
    UnsupportedScheme { scheme: String },
    #[error("cannot tell which database user to connect as: {reason}")]
    NoUser { reason: String },
    #[error(
        "sslmode={mode} needs a root certificate to check the server against, \
         and no sslrootcert is set ({default_path} does not exist)"
    )]
    MissingRootCert {
        mode: &'static str,
        default_path: String,
    },
    #[error("cannot read {setting} {path}: {reason}")]
    ReadTlsFile {
        setting: &'static str,
        path: String,
        reason: String,
    },
    #[error("unusable {setting} {path}: {reason}")]
    BadTlsFile {
        setting: &'static str,
        path: String,
        reason: String,
    },
    #[error("cannot set up TLS: {reason}")]
    TlsSetup { reason: String },
    #[error("cannot connect to {target}: connection refused")]
    Refused { target: String },
    #[error("cannot connect to {target}: no server is listening on socket {socket}")]
    NoSocket { target: String, socket: String },
    #[error("cannot connect to {target}: cannot resolve host name \"{host}\"")]
    HostNotFound { target: String, host: String },
    #[error("cannot connect to {target}: no answer within {seconds} s")]
    TimedOut { target: String, seconds: u64 },
    #[error("cannot connect to {target}: {reason}")]
    Failed { target: String, reason: String },
    #[error("server at {target} does not accept TLS connections, and sslmode requires TLS")]
    TlsRefused { target: String },
    #[error("TLS handshake with {endpoint} failed: {reason}")]
    TlsHandshake { endpoint: String, reason: String },
    #[error("password authentication failed for user \"{user}\" on {target}")]
    PasswordFailed { user: String, target: String },
    #[error(
        "server at {target} asks for a password for user \"{user}\" and none was given{}",
        passfile_note(.ignored_passfile)
    )]
    PasswordMissing {
        user: String,
        target: String,
        /// Why a password file was not used, when one exists but was skipped.
        ignored_passfile: Option<String>,
    },
    #[error("server at {target} rejected user \"{user}\": {message}")]
    AuthRejected {
        user: String,
        target: String,
        message: String,
    },
    #[error("database \"{dbname}\" does not exist on {target}")]
    DatabaseMissing { dbname: String, target: String },
    #[error("server at {target} is not accepting connections yet: {message}")]
    NotReady { target: String, message: String },
    #[error("server at {target} refused the connection: {message} (SQLSTATE {code})")]
    Server {
        target: String,
        code: String,
        message: String,
    },
}

fn passfile_note(ignored: &Option<String>) -> String {
    ignored
        .as_ref()
        .map(|why| format!(" ({why})"))
        .unwrap_or_default()
}

impl ConnectError {
    /// What the user can do about it, when there is something general to say.
    pub fn hint(&self) -> Option<&'static str> {
        Some(match self {
            Self::InvalidUrl { .. } => {
                "the form is postgresql://user:password@host:port/dbname?sslmode=verify-full; \
                 percent-encode special characters in the password (@ is %40, / is %2F)"
            }
            Self::InvalidConninfo { .. } => {
                "the form is space-separated key=value pairs, e.g. host=db.example.com dbname=app \
                 user=alice; put values with spaces in single quotes"
            }
            Self::InvalidEnvironment { .. } => "fix or unset that environment variable",
            Self::UnsupportedScheme { .. } => {
                "give a postgresql://user@host:port/dbname URL or a key=value connection string"
            }
            Self::NoUser { .. } => "set PGUSER or put the user in the connection URL",
            Self::MissingRootCert { .. } => {
                "set sslrootcert to the CA certificate that signed the server's certificate \
                 (sslrootcert=system for public CAs), or use sslmode=require to encrypt without \
                 checking the server"
            }
            Self::ReadTlsFile { .. } | Self::BadTlsFile { .. } => {
                "check the path; certificates, keys and CRLs must be PEM files"
            }
            Self::Refused { .. } => {
                "is the server running and accepting TCP connections on that host and port?"
            }
            Self::NoSocket { .. } => {
                "is the server running on this machine? check the port, or give the socket \
                 directory as host=/path or a TCP host name"
            }
            Self::HostNotFound { .. } => "check the host name and this machine's DNS",
            Self::TimedOut { .. } => {
                "is the host reachable from here (firewall, VPN, security group)? \
                 raise connect_timeout if the server is just slow"
            }
            Self::TlsRefused { .. } => {
                "enable ssl on the server, or use sslmode=prefer (or disable) where an \
                 unencrypted connection is acceptable"
            }
            Self::TlsHandshake { .. } => {
                "check sslrootcert and the host name: sslmode=verify-ca skips the host name \
                 check, sslmode=require skips certificate checks"
            }
            Self::PasswordFailed { .. } => {
                "check the password given in the URL, PGPASSWORD or ~/.pgpass"
            }
            Self::PasswordMissing { .. } => {
                "give it in the URL, in PGPASSWORD, or as a ~/.pgpass line \
                 host:port:dbname:user:password (file mode 0600)"
            }
            Self::AuthRejected { .. } => {
                "check the user name and the server's pg_hba.conf (hostssl entries need sslmode \
                 other than disable)"
            }
            Self::DatabaseMissing { .. } => {
                "check the database name; when none is given it defaults to the user name"
            }
            Self::NotReady { .. } => {
                "the server is starting up, shutting down or recovering; try again shortly"
            }
            Self::TlsSetup { .. } | Self::Failed { .. } | Self::Server { .. } => return None,
        })
    }
}

/// A parsed, defaulted description of where and how to connect. Holds the password, so it is
/// shown only through [`ConnectOptions::display_redacted`] and a hand-written `Debug`.
#[derive(Clone)]
pub struct ConnectOptions {
    /// Everything tokio-postgres needs except the host, port, password, TLS mode and
    /// application name, which differ per attempt and are set in [`ConnectOptions::config_for`].
    base: Config,
    user: String,
    dbname: String,
    /// Tried in order, as libpq tries a host list; never empty.
    targets: Vec<Target>,
    tls: TlsOptions,
    /// `None` waits as long as the operating system does (`connect_timeout=0`).
    connect_timeout: Option<Duration>,
    /// Why the password file was skipped, to explain a later "password missing".
    ignored_passfile: Option<String>,
}

#[derive(Clone)]
struct Target {
    endpoint: Endpoint,
    port: u16,
    password: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Endpoint {
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
    fn endpoint_label(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } if self.is_ipv6() => format!("[{host}]:{}", self.port),
            Endpoint::Tcp { host, .. } => format!("{host}:{}", self.port),
            Endpoint::Socket(dir) => dir
                .join(format!(".s.PGSQL.{}", self.port))
                .display()
                .to_string(),
        }
    }

    /// The host field a `~/.pgpass` line must match.
    fn pgpass_host(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } => host.clone(),
            Endpoint::Socket(dir)
                if LOCAL_SOCKET_DIRS
                    .iter()
                    .any(|local| Path::new(local) == dir) =>
            {
                "localhost".to_owned()
            }
            Endpoint::Socket(dir) => dir.display().to_string(),
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

    fn url_with_hosts(&self, hosts: &str) -> String {
        format!(
            "postgresql://{}@{hosts}/{}",
            utf8_percent_encode(&self.user, URL_COMPONENT),
            utf8_percent_encode(&self.dbname, URL_COMPONENT)
        )
    }

    fn target_url(&self, target: &Target) -> String {
        self.url_with_hosts(&target.authority())
    }

    fn config_for(&self, target: &Target, ssl_mode: WireSslMode) -> Config {
        let mut config = self.base.clone();
        match &target.endpoint {
            Endpoint::Tcp { host, addr } => {
                config.host(host.as_str());
                if let Some(addr) = addr {
                    config.hostaddr(*addr);
                }
            }
            Endpoint::Socket(dir) => {
                config.host_path(dir);
            }
        }
        config
            .port(target.port)
            .application_name(APPLICATION_NAME)
            .ssl_mode(ssl_mode);
        if let Some(password) = &target.password {
            config.password(password.as_bytes());
        }
        config
    }

    async fn connect_target(&self, target: &Target) -> Result<Client, ConnectError> {
        // libpq never uses TLS over a Unix socket, whatever sslmode says: the kernel already
        // guarantees who is on the other end.
        let policy = match target.endpoint {
            Endpoint::Socket(_) => &TlsPolicy::Disable,
            Endpoint::Tcp { .. } => &self.tls.policy,
        };
        match policy {
            TlsPolicy::Disable => self.attempt(target, NoTls, WireSslMode::Disable).await,
            TlsPolicy::Allow => match self.attempt(target, NoTls, WireSslMode::Disable).await {
                // A `hostssl` pg_hba.conf entry turns plaintext away with 28000; libpq's
                // `allow` then tries again over TLS.
                Err(ConnectError::AuthRejected { .. }) => {
                    let tls = self.tls.connector()?;
                    self.attempt(target, tls, WireSslMode::Require).await
                }
                other => other,
            },
            TlsPolicy::Prefer => {
                let tls = self.tls.connector()?;
                match self.attempt(target, tls, WireSslMode::Prefer).await {
                    // tokio-postgres already falls back when the server declines TLS; libpq
                    // also falls back when the handshake itself fails.
                    Err(ConnectError::TlsHandshake { .. }) => {
                        self.attempt(target, NoTls, WireSslMode::Disable).await
                    }
                    other => other,
                }
            }
            TlsPolicy::Require | TlsPolicy::VerifyCa(_) | TlsPolicy::VerifyFull(_) => {
                let tls = self.tls.connector()?;
                self.attempt(target, tls, WireSslMode::Require).await
            }
        }
    }

    async fn attempt<T>(
        &self,
        target: &Target,
        tls: T,
        ssl_mode: WireSslMode,
    ) -> Result<Client, ConnectError>
    where
        T: MakeTlsConnect<Socket>,
        T::Stream: Send + 'static,
    {
        let config = self.config_for(target, ssl_mode);
        let connecting = config.connect(tls);
        // Bounds the whole attempt (TCP, TLS, authentication), as libpq's connect_timeout
        // does; tokio-postgres's own setting would cover only the TCP connect.
        let connected = match self.connect_timeout {
            Some(limit) => tokio::time::timeout(limit, connecting).await.map_err(|_| {
                ConnectError::TimedOut {
                    target: self.target_url(target),
                    seconds: limit.as_secs(),
                }
            })?,
            None => connecting.await,
        };
        let (client, connection) = connected.map_err(|error| self.classify(target, &error))?;
        tokio::spawn(async move {
            // When the connection dies, every later call on the client fails with "connection
            // closed", which is where the caller hears of it; there is nothing to add here.
            let _ = connection.await;
        });
        Ok(client)
    }

    fn classify(&self, target: &Target, error: &tokio_postgres::Error) -> ConnectError {
        let url = self.target_url(target);
        if let Some(db) = error.as_db_error() {
            let message = db.message().to_owned();
            let code = db.code();
            return if *code == SqlState::INVALID_PASSWORD {
                ConnectError::PasswordFailed {
                    user: self.user.clone(),
                    target: url,
                }
            } else if *code == SqlState::INVALID_AUTHORIZATION_SPECIFICATION {
                ConnectError::AuthRejected {
                    user: self.user.clone(),
                    target: url,
                    message,
                }
            } else if *code == SqlState::INVALID_CATALOG_NAME {
                ConnectError::DatabaseMissing {
                    dbname: self.dbname.clone(),
                    target: url,
                }
            } else if *code == SqlState::CANNOT_CONNECT_NOW {
                ConnectError::NotReady {
                    target: url,
                    message,
                }
            } else {
                ConnectError::Server {
                    target: url,
                    code: code.code().to_owned(),
                    message,
                }
            };
        }
        if let Some(tls_error) = find_cause::<rustls::Error>(error) {
            return ConnectError::TlsHandshake {
                endpoint: target.endpoint_label(),
                reason: self.tls.describe(tls_error),
            };
        }
        // tokio-postgres reports these two as bare messages with no type to match on.
        let detail = error.source().map(ToString::to_string).unwrap_or_default();
        if detail == "server does not support TLS" {
            return ConnectError::TlsRefused { target: url };
        }
        if detail == "password missing" {
            return ConnectError::PasswordMissing {
                user: self.user.clone(),
                target: url,
                ignored_passfile: self.ignored_passfile.clone(),
            };
        }
        if let Some(io_error) = find_cause::<io::Error>(error) {
            return match (&target.endpoint, io_error.kind()) {
                (
                    Endpoint::Socket(_),
                    io::ErrorKind::NotFound | io::ErrorKind::ConnectionRefused,
                ) => ConnectError::NoSocket {
                    target: url,
                    socket: target.endpoint_label(),
                },
                (Endpoint::Tcp { .. }, io::ErrorKind::ConnectionRefused) => {
                    ConnectError::Refused { target: url }
                }
                (Endpoint::Tcp { host, .. }, _) if is_resolution_failure(io_error) => {
                    ConnectError::HostNotFound {
                        target: url,
                        host: host.clone(),
                    }
                }
                _ => ConnectError::Failed {
                    target: url,
                    reason: io_reason(io_error),
                },
            };
        }
        ConnectError::Failed {
            target: url,
            reason: error_chain(error),
        }
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

/// Connect to the first target that answers, spawn the connection's I/O on the current tokio
/// runtime, and return the client. Sets `application_name=schemagit`; each target gets
/// `connect_timeout` (default 10 s) for the whole attempt. When every target fails, the last
/// failure is returned.
pub async fn connect(opts: &ConnectOptions) -> Result<Client, ConnectError> {
    let mut last_error = None;
    for target in &opts.targets {
        match opts.connect_target(target).await {
            Ok(client) => return Ok(client),
            Err(error) => last_error = Some(error),
        }
    }
    Err(last_error.expect("parse_with always yields at least one target"))
}

/// Replace any password in `text` with `***`: `password=…`/`sslpassword=…`/`PGPASSWORD=…`
/// values (quoted or not, in conninfo strings and URL queries) and the `user:password@` part of
/// anything URL-like. For error messages that echo input; errs on the side of hiding too much.
pub fn redact(text: &str) -> String {
    let values_hidden = redact_password_values(text);
    values_hidden
        .split_inclusive(char::is_whitespace)
        .map(|piece| {
            let token = piece.trim_end_matches(char::is_whitespace);
            let mut redacted = redact_userinfo(token).into_owned();
            redacted.push_str(&piece[token.len()..]);
            redacted
        })
        .collect()
}

fn redact_password_values(text: &str) -> String {
    // ASCII lowercasing keeps byte offsets, so positions found in `lower` index `text`.
    let lower = text.to_ascii_lowercase();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut search = 0;
    while let Some(found) = lower[search..].find("password") {
        let key_start = search + found;
        let key_end = key_start + "password".len();
        search = key_end;
        let after_key = &text[key_end..];
        let Some(after_eq) = after_key.trim_start().strip_prefix('=') else {
            continue;
        };
        let value = after_eq.trim_start();
        let value_start = text.len() - value.len();
        let in_url_query = text[..key_start]
            .trim_end_matches(|c: char| c.is_ascii_alphanumeric() || c == '_')
            .ends_with(['?', '&']);
        let value_len = if let Some(quoted) = value.strip_prefix('\'') {
            let mut escaped = false;
            quoted
                .char_indices()
                .find(|&(_, c)| {
                    let closes = c == '\'' && !escaped;
                    escaped = c == '\\' && !escaped;
                    closes
                })
                .map_or(value.len(), |(i, _)| i + 2)
        } else {
            value
                .find(|c: char| {
                    c.is_whitespace() || (in_url_query && matches!(c, '&' | '#' | '"' | '`'))
                })
                .unwrap_or(value.len())
        };
        if value_len == 0 {
            continue;
        }
        out.push_str(&text[copied..value_start]);
        out.push_str("***");
        copied = value_start + value_len;
        search = copied;
    }
    out.push_str(&text[copied..]);
    out
}

/// Hide the password in `scheme://user:password@host…` or a bare `user:password@host`.
fn redact_userinfo(token: &str) -> Cow<'_, str> {
    let (prefix_len, rest) = match token.find("://") {
        Some(i) => (i + 3, &token[i + 3..]),
        None if !token.contains('=') => (0, token),
        None => return Cow::Borrowed(token),
    };
    // Up to the query only: an unescaped password may well contain '/'.
    let before_query = &rest[..rest.find('?').unwrap_or(rest.len())];
    let Some(at) = before_query.rfind('@') else {
        return Cow::Borrowed(token);
    };
    let Some(colon) = before_query[..at].find(':') else {
        return Cow::Borrowed(token);
    };
    Cow::Owned(format!(
        "{}{}:***{}",
        &token[..prefix_len],
        &rest[..colon],
        &rest[at..]
    ))
}

// ---------------------------------------------------------------------------------------------
// Parsing

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Input,
    Env(&'static str),
}

struct Setting {
    value: String,
    origin: Origin,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Url,
    Conninfo,
}

/// The user's input, for error messages.
struct Source<'a> {
    input: &'a str,
    form: Form,
}

impl Source<'_> {
    fn invalid(&self, setting: &Setting, reason: impl Into<String>) -> ConnectError {
        match setting.origin {
            Origin::Env(var) => ConnectError::InvalidEnvironment {
                var,
                value: setting.value.clone(),
                reason: reason.into(),
            },
            Origin::Input => self.invalid_input(reason.into()),
        }
    }

    fn invalid_input(&self, reason: String) -> ConnectError {
        match self.form {
            Form::Url => ConnectError::InvalidUrl {
                url: redact(self.input),
                reason,
            },
            Form::Conninfo => ConnectError::InvalidConninfo {
                conninfo: redact(self.input),
                reason,
            },
        }
    }
}

/// The options by keyword; the last occurrence wins, as in libpq.
struct Settings {
    by_key: BTreeMap<String, Setting>,
}

impl Settings {
    fn take(&mut self, key: &str) -> Option<Setting> {
        self.by_key.remove(key)
    }

    fn take_value(&mut self, key: &str) -> Option<String> {
        self.take(key).map(|setting| setting.value)
    }
}

/// [`ConnectOptions::parse`] with the environment and home directory passed in, so that tests
/// need not touch the process's own.
fn parse_with(
    input: &str,
    env: &dyn Fn(&str) -> Option<String>,
    home: Option<&Path>,
) -> Result<ConnectOptions, ConnectError> {
    let input = input.trim();
    let form = if strip_url_prefix(input).is_some() {
        Form::Url
    } else if let Some(scheme) = foreign_scheme(input) {
        return Err(ConnectError::UnsupportedScheme {
            scheme: scheme.to_owned(),
        });
    } else {
        Form::Conninfo
    };
    let source = Source { input, form };
    let pairs = match form {
        Form::Url => parse_url(input),
        Form::Conninfo => parse_conninfo(input),
    }
    .map_err(|reason| source.invalid_input(reason))?;

    let mut settings = Settings {
        by_key: BTreeMap::new(),
    };
    for (key, value) in pairs {
        // libpq treats an empty value as not given, so the environment or default applies.
        if value.is_empty() {
            settings.by_key.remove(&key);
        } else {
            let setting = Setting {
                value,
                origin: Origin::Input,
            };
            settings.by_key.insert(key, setting);
        }
    }
    for (key, var) in ENVIRONMENT {
        if !settings.by_key.contains_key(key) {
            if let Some(value) = env(var).filter(|value| !value.is_empty()) {
                let setting = Setting {
                    value,
                    origin: Origin::Env(var),
                };
                settings.by_key.insert(key.to_owned(), setting);
            }
        }
    }
    reject_unsupported(&settings, &source)?;

    let user = match settings.take_value("user") {
        Some(user) => user,
        None => os_user_name()?,
    };
    let dbname = settings
        .take_value("dbname")
        .unwrap_or_else(|| user.clone());
    let mut targets = targets(&mut settings, &source)?;
    let connect_timeout = connect_timeout(settings.take("connect_timeout"), &source)?;
    let tls = tls_options(&mut settings, &source, home)?;

    let password = settings.take_value("password");
    let passfile = settings
        .take_value("passfile")
        .map(PathBuf::from)
        .or_else(|| home.map(|home| home.join(".pgpass")));
    let mut ignored_passfile = None;
    match (&password, passfile.map(|path| load_pgpass(&path))) {
        (Some(password), _) => {
            for target in &mut targets {
                target.password = Some(password.clone());
            }
        }
        (None, Some(PgpassFile::Read(entries))) => {
            for target in &mut targets {
                target.password =
                    pgpass_password(&entries, &target.pgpass_host(), target.port, &dbname, &user);
            }
        }
        (None, Some(PgpassFile::Ignored(why))) => ignored_passfile = Some(why),
        (None, Some(PgpassFile::Absent) | None) => {}
    }

    // We always set our own; the user's would be overridden anyway.
    for ignored in [
        "application_name",
        "fallback_application_name",
        "sslcompression",
        "sslpassword",
    ] {
        settings.take(ignored);
    }
    if let Some(setting) = settings.take("gssencmode") {
        if !matches!(setting.value.as_str(), "disable" | "allow" | "prefer") {
            return Err(source.invalid(
                &setting,
                "gssencmode must be disable, allow, prefer or require",
            ));
        }
    }
    if let Some(setting) = settings.take("load_balance_hosts") {
        if setting.value != "disable" {
            return Err(source.invalid(&setting, "load_balance_hosts must be disable or random"));
        }
    }

    let mut base = pass_through(&settings, &source)?;
    base.user(&user).dbname(&dbname);
    Ok(ConnectOptions {
        base,
        user,
        dbname,
        targets,
        tls,
        connect_timeout,
        ignored_passfile,
    })
}

fn strip_url_prefix(input: &str) -> Option<&str> {
    URL_PREFIXES
        .iter()
        .find_map(|prefix| input.strip_prefix(prefix))
}

/// `jdbc:postgresql` in `jdbc:postgresql://…`: a URL, but not one libpq reads.
fn foreign_scheme(input: &str) -> Option<&str> {
    let (scheme, _) = input.split_once("://")?;
    let looks_like_scheme =
        !scheme.is_empty() && !scheme.contains(|c: char| c.is_whitespace() || c == '=');
    looks_like_scheme.then_some(scheme)
}

fn reject_unsupported(settings: &Settings, source: &Source<'_>) -> Result<(), ConnectError> {
    for (key, setting) in &settings.by_key {
        let reason = match (key.as_str(), setting.value.as_str()) {
            ("service", _) => "connection service files (pg_service.conf) are not supported; \
                               give host, port, dbname and user instead"
                .to_owned(),
            ("gssencmode", "require") => "gssencmode=require is not supported: schemagit \
                                          encrypts with TLS only (see sslmode)"
                .to_owned(),
            ("load_balance_hosts", "random") => {
                "load_balance_hosts=random is not supported; hosts are tried in order".to_owned()
            }
            (key, _) if UNSUPPORTED_OPTIONS.contains(&key) => {
                format!("option `{key}` is not supported by schemagit")
            }
            _ => continue,
        };
        return Err(source.invalid(setting, reason));
    }
    Ok(())
}

/// Split a URL into libpq keyword/value pairs, percent-decoding every part.
fn parse_url(url: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let rest = strip_url_prefix(url).unwrap_or(url);

    // Credentials end at the last '@' before the path: an unescaped '@' in a password is a
    // common paste, and a host never contains one.
    let path_start = rest.find(['/', '?']).unwrap_or(rest.len());
    let rest = match rest[..path_start].rfind('@') {
        Some(at) => {
            let (user, password) = match rest[..at].split_once(':') {
                Some((user, password)) => (user, Some(password)),
                None => (&rest[..at], None),
            };
            pairs.push(("user".to_owned(), decode(user, "the user name")?));
            if let Some(password) = password {
                pairs.push(("password".to_owned(), decode(password, "the password")?));
            }
            &rest[at + 1..]
        }
        None => rest,
    };

    // Hosts end at the first '/' or '?' outside brackets: a bracketed host may be a socket path.
    let mut in_brackets = false;
    let hosts_end = rest
        .char_indices()
        .find(|&(_, c)| {
            match c {
                '[' => in_brackets = true,
                ']' => in_brackets = false,
                _ => {}
            }
            !in_brackets && matches!(c, '/' | '?')
        })
        .map_or(rest.len(), |(i, _)| i);
    let (host_list, rest) = rest.split_at(hosts_end);
    let mut hosts = Vec::new();
    let mut ports = Vec::new();
    for chunk in split_outside_brackets(host_list) {
        let (host, port) = if let Some(bracketed) = chunk.strip_prefix('[') {
            let (host, after) = bracketed
                .split_once(']')
                .ok_or_else(|| "a host in [brackets] has no closing ]".to_owned())?;
            let port = match after {
                "" => None,
                _ => Some(
                    after
                        .strip_prefix(':')
                        .ok_or_else(|| "unexpected text after a [bracketed] host".to_owned())?,
                ),
            };
            (host, port)
        } else {
            match chunk.split_once(':') {
                Some((host, port)) => (host, Some(port)),
                None => (chunk, None),
            }
        };
        hosts.push(decode(host, "a host name")?);
        ports.push(match port {
            Some(port) => decode(port, "a port")?,
            None => String::new(),
        });
    }
    if hosts.iter().any(|host| !host.is_empty()) {
        pairs.push(("host".to_owned(), hosts.join(",")));
    }
    // No explicit port anywhere leaves the port unset, so that PGPORT can apply.
    if ports.iter().any(|port| !port.is_empty()) {
        pairs.push(("port".to_owned(), ports.join(",")));
    }

    let (path, query) = match rest.split_once('?') {
        Some((path, query)) => (path, Some(query)),
        None => (rest, None),
    };
    if let Some(dbname) = path.strip_prefix('/') {
        pairs.push(("dbname".to_owned(), decode(dbname, "the database name")?));
    }
    for parameter in query.into_iter().flat_map(|q| q.split('&')) {
        if parameter.is_empty() {
            continue;
        }
        let (key, value) = parameter
            .split_once('=')
            .ok_or_else(|| "a query parameter has no \"=value\"".to_owned())?;
        let key = decode(key, "a query parameter name")?;
        let value = decode(value, &format!("the value of `{key}`"))?;
        // libpq accepts JDBC's ssl=true for sslmode=require.
        if key == "ssl" && value == "true" {
            pairs.push(("sslmode".to_owned(), "require".to_owned()));
        } else {
            pairs.push((key, value));
        }
    }
    Ok(pairs)
}

fn split_outside_brackets(list: &str) -> Vec<&str> {
    let mut chunks = Vec::new();
    let mut in_brackets = false;
    let mut start = 0;
    for (i, c) in list.char_indices() {
        match c {
            '[' => in_brackets = true,
            ']' => in_brackets = false,
            ',' if !in_brackets => {
                chunks.push(&list[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    chunks.push(&list[start..]);
    chunks
}

fn decode(text: &str, what: &str) -> Result<String, String> {
    percent_decode_str(text)
        .decode_utf8()
        .map(Cow::into_owned)
        .map_err(|_| format!("{what} is not valid UTF-8 once percent-decoded"))
}

/// libpq's `key=value` syntax: whitespace-separated, values optionally in single quotes,
/// backslash escaping the next character. Errors name keywords, never values.
fn parse_conninfo(text: &str) -> Result<Vec<(String, String)>, String> {
    let mut pairs = Vec::new();
    let mut chars = text.chars().peekable();
    let skip_whitespace = |chars: &mut std::iter::Peekable<std::str::Chars<'_>>| {
        while chars.next_if(|c| c.is_whitespace()).is_some() {}
    };
    loop {
        skip_whitespace(&mut chars);
        if chars.peek().is_none() {
            return Ok(pairs);
        }
        let mut key = String::new();
        while let Some(c) = chars.next_if(|c| !c.is_whitespace() && *c != '=') {
            key.push(c);
        }
        if key.is_empty() {
            return Err("a value has no keyword before its \"=\"".to_owned());
        }
        skip_whitespace(&mut chars);
        if chars.next() != Some('=') {
            return Err(format!("missing \"=\" after keyword `{key}`"));
        }
        skip_whitespace(&mut chars);
        let mut value = String::new();
        if chars.next_if_eq(&'\'').is_some() {
            loop {
                match chars.next() {
                    None => return Err(format!("the quoted value of `{key}` has no closing '")),
                    Some('\'') => break,
                    Some('\\') => match chars.next() {
                        Some(c) => value.push(c),
                        None => {
                            return Err(format!("the quoted value of `{key}` has no closing '"))
                        }
                    },
                    Some(c) => value.push(c),
                }
            }
        } else {
            while let Some(c) = chars.next_if(|c| !c.is_whitespace()) {
                match c {
                    '\\' => value.extend(chars.next()),
                    c => value.push(c),
                }
            }
        }
        pairs.push((key, value));
    }
}

fn quote_conninfo(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

/// Hand what this module does not own to tokio-postgres's parser, which validates it.
fn pass_through(settings: &Settings, source: &Source<'_>) -> Result<Config, ConnectError> {
    let mut conninfo = Vec::new();
    for (key, setting) in &settings.by_key {
        if !key.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
            return Err(source.invalid(setting, format!("unknown option `{key}`")));
        }
        conninfo.push(format!("{key}={}", quote_conninfo(&setting.value)));
    }
    Config::from_str(&conninfo.join(" ")).map_err(|error| {
        // Its message ("unknown option `x`", "invalid value for option `x`") is in the source.
        let reason = error
            .source()
            .map_or_else(|| error.to_string(), ToString::to_string);
        source.invalid_input(reason)
    })
}

fn targets(settings: &mut Settings, source: &Source<'_>) -> Result<Vec<Target>, ConnectError> {
    let hosts: Vec<Option<String>> = match settings.take_value("host") {
        Some(list) => list
            .split(',')
            .map(|host| Some(host.trim().to_owned()).filter(|host| !host.is_empty()))
            .collect(),
        None => Vec::new(),
    };
    let addrs: Vec<IpAddr> = match settings.take("hostaddr") {
        Some(setting) => setting
            .value
            .split(',')
            .map(|addr| addr.trim().parse())
            .collect::<Result<_, _>>()
            .map_err(|_| source.invalid(&setting, "hostaddr must be IP addresses"))?,
        None => Vec::new(),
    };
    if !hosts.is_empty() && !addrs.is_empty() && hosts.len() != addrs.len() {
        let reason = format!(
            "{} host names but {} hostaddr values",
            hosts.len(),
            addrs.len()
        );
        return Err(source.invalid_input(reason));
    }
    let count = hosts.len().max(addrs.len()).max(1);
    let ports: Vec<u16> = match settings.take("port") {
        None => vec![DEFAULT_PORT; count],
        Some(setting) => {
            let listed: Vec<u16> = setting
                .value
                .split(',')
                .map(|port| match port.trim() {
                    "" => Some(DEFAULT_PORT),
                    port => port.parse().ok().filter(|port| *port != 0),
                })
                .collect::<Option<_>>()
                .ok_or_else(|| {
                    source.invalid(&setting, "a port must be a number from 1 to 65535")
                })?;
            match listed.as_slice() {
                // One port serves every host, as in libpq.
                [port] => vec![*port; count],
                _ if listed.len() == count => listed,
                _ => {
                    let reason = format!("{} ports for {count} hosts", listed.len());
                    return Err(source.invalid(&setting, reason));
                }
            }
        }
    };
    let socket_dirs = DEFAULT_SOCKET_DIRS.map(Path::new);
    Ok((0..count)
        .map(|i| {
            let port = ports[i];
            let host = hosts.get(i).cloned().flatten();
            let endpoint = match (host, addrs.get(i).copied()) {
                (Some(host), addr) if !host.starts_with('/') => Endpoint::Tcp { host, addr },
                (Some(dir), None) => Endpoint::Socket(PathBuf::from(dir)),
                // With hostaddr, libpq connects over TCP whatever host says; the address is
                // then the only name TLS can check.
                (_, Some(addr)) => Endpoint::Tcp {
                    host: addr.to_string(),
                    addr: Some(addr),
                },
                (None, None) => default_endpoint(port, &socket_dirs),
            };
            Target {
                endpoint,
                port,
                password: None,
            }
        })
        .collect())
}

fn default_endpoint(port: u16, socket_dirs: &[&Path]) -> Endpoint {
    socket_dirs
        .iter()
        .find(|dir| dir.join(format!(".s.PGSQL.{port}")).exists())
        .map_or_else(
            || Endpoint::Tcp {
                host: "localhost".to_owned(),
                addr: None,
            },
            |dir| Endpoint::Socket(dir.to_path_buf()),
        )
}

fn connect_timeout(
    setting: Option<Setting>,
    source: &Source<'_>,
) -> Result<Option<Duration>, ConnectError> {
    let Some(setting) = setting else {
        return Ok(Some(DEFAULT_CONNECT_TIMEOUT));
    };
    let seconds: i64 = setting.value.trim().parse().map_err(|_| {
        source.invalid(
            &setting,
            "connect_timeout must be a whole number of seconds",
        )
    })?;
    // libpq: zero or negative waits forever, and anything under 2 s is raised to 2 s.
    Ok(u64::try_from(seconds)
        .ok()
        .filter(|seconds| *seconds > 0)
        .map(|seconds| Duration::from_secs(seconds.max(2))))
}

fn os_user_name() -> Result<String, ConnectError> {
    let uid = nix::unistd::getuid();
    match nix::unistd::User::from_uid(uid) {
        Ok(Some(user)) => Ok(user.name),
        Ok(None) => Err(ConnectError::NoUser {
            reason: format!("user id {uid} has no entry in the password database"),
        }),
        Err(errno) => Err(ConnectError::NoUser {
            reason: errno.desc().to_owned(),
        }),
    }
}

fn home_dir() -> Option<PathBuf> {
    std::env::var_os("HOME")
        .filter(|home| !home.is_empty())
        .map(PathBuf::from)
        .or_else(|| {
            nix::unistd::User::from_uid(nix::unistd::getuid())
                .ok()
                .flatten()
                .map(|user| user.dir)
        })
}

// ---------------------------------------------------------------------------------------------
// ~/.pgpass

#[derive(Debug, PartialEq, Eq)]
enum PgpassFile {
    Absent,
    /// Exists but is not used; the text says why and what to do.
    Ignored(String),
    Read(Vec<PgpassEntry>),
}

#[derive(Debug, PartialEq, Eq)]
struct PgpassEntry {
    host: PgpassField,
    port: PgpassField,
    dbname: PgpassField,
    user: PgpassField,
    password: String,
}

#[derive(Debug, PartialEq, Eq)]
enum PgpassField {
    Any,
    Exactly(String),
}

impl PgpassField {
    fn matches(&self, value: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exactly(expected) => expected == value,
        }
    }
}

fn load_pgpass(path: &Path) -> PgpassFile {
    let Ok(metadata) = fs::metadata(path) else {
        return PgpassFile::Absent;
    };
    if !metadata.is_file() {
        return PgpassFile::Ignored(format!("{} is not a plain file", path.display()));
    }
    // libpq refuses a password file that others could read, so that a leaked file is not
    // quietly relied upon; so do we.
    if metadata.permissions().mode() & 0o077 != 0 {
        return PgpassFile::Ignored(format!(
            "{} was ignored because group or others can access it; chmod 0600 it",
            path.display()
        ));
    }
    match fs::read_to_string(path) {
        Ok(text) => PgpassFile::Read(parse_pgpass(&text)),
        Err(error) => PgpassFile::Ignored(format!(
            "cannot read {}: {}",
            path.display(),
            io_reason(&error)
        )),
    }
}

/// Lines `host:port:dbname:user:password`; `*` alone matches anything, `\` escapes the next
/// character (so `\:` and `\\`), and the password ends at the next unescaped `:` as in libpq.
/// Blank lines, `#` comments and short lines are skipped.
fn parse_pgpass(text: &str) -> Vec<PgpassEntry> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = split_pgpass_line(line).into_iter();
            let mut field = || {
                fields.next().map(|(raw, value)| {
                    if raw == "*" {
                        PgpassField::Any
                    } else {
                        PgpassField::Exactly(value)
                    }
                })
            };
            let (host, port, dbname, user) = (field()?, field()?, field()?, field()?);
            let password = match field()? {
                PgpassField::Any => "*".to_owned(),
                PgpassField::Exactly(password) => password,
            };
            Some(PgpassEntry {
                host,
                port,
                dbname,
                user,
                password,
            })
        })
        .collect()
}

/// Each field as written and with escapes removed.
fn split_pgpass_line(line: &str) -> Vec<(&str, String)> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut value = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped)) => value.push(escaped),
                None => value.push('\\'),
            },
            ':' => {
                fields.push((&line[start..i], std::mem::take(&mut value)));
                start = i + 1;
            }
            c => value.push(c),
        }
    }
    fields.push((&line[start..], value));
    fields
}

/// The first matching line wins, as in libpq.
fn pgpass_password(
    entries: &[PgpassEntry],
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    entries
        .iter()
        .find(|entry| {
            entry.host.matches(host)
                && entry.port.matches(&port)
                && entry.dbname.matches(dbname)
                && entry.user.matches(user)
        })
        .map(|entry| entry.password.clone())
        .filter(|password| !password.is_empty())
}

// ---------------------------------------------------------------------------------------------
// TLS

/// libpq's sslmode keyword.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum SslMode {
    Disable,
    Allow,
    Prefer,
    Require,
    VerifyCa,
    VerifyFull,
}

impl SslMode {
    const ACCEPTED: &'static str = "disable, allow, prefer, require, verify-ca or verify-full";

    fn from_name(name: &str) -> Option<Self> {
        Some(match name {
            "disable" => Self::Disable,
            "allow" => Self::Allow,
            "prefer" => Self::Prefer,
            "require" => Self::Require,
            "verify-ca" => Self::VerifyCa,
            "verify-full" => Self::VerifyFull,
            _ => return None,
        })
    }

    fn name(self) -> &'static str {
        match self {
            Self::Disable => "disable",
            Self::Allow => "allow",
            Self::Prefer => "prefer",
            Self::Require => "require",
            Self::VerifyCa => "verify-ca",
            Self::VerifyFull => "verify-full",
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum RootCerts {
    File(PathBuf),
    /// `sslrootcert=system`: the public web PKI, as bundled by webpki-roots.
    System,
}

/// What TLS does over TCP once sslmode, root certificates and libpq's upgrade rules are
/// settled. The verifying policies carry their roots, so a check cannot lose them.
#[derive(Clone, Debug, PartialEq, Eq)]
enum TlsPolicy {
    Disable,
    /// Plaintext first, TLS (unchecked) if the server insists.
    Allow,
    /// TLS if the server offers it, the certificate unchecked.
    Prefer,
    /// TLS, the certificate unchecked.
    Require,
    /// TLS, the certificate chain checked, not the host name.
    VerifyCa(RootCerts),
    /// TLS, the chain and the host name checked.
    VerifyFull(RootCerts),
}

#[derive(Clone, Debug)]
struct TlsOptions {
    policy: TlsPolicy,
    client_cert: Option<ClientCert>,
    crl: Option<PathBuf>,
    sni: bool,
    versions: Vec<&'static SupportedProtocolVersion>,
}

#[derive(Clone, Debug)]
struct ClientCert {
    cert: PathBuf,
    key: PathBuf,
}

fn tls_options(
    settings: &mut Settings,
    source: &Source<'_>,
    home: Option<&Path>,
) -> Result<TlsOptions, ConnectError> {
    let dot_postgresql = home.map(|home| home.join(".postgresql"));
    let default_file = |name: &str| {
        dot_postgresql
            .as_ref()
            .map(|dir| dir.join(name))
            .filter(|path| path.is_file())
    };

    let requested = match settings.take("sslmode") {
        Some(setting) => match SslMode::from_name(&setting.value) {
            Some(mode) => Some((mode, setting)),
            None => {
                let reason = format!(
                    "unknown sslmode \"{}\": expected {}",
                    setting.value,
                    SslMode::ACCEPTED
                );
                return Err(source.invalid(&setting, reason));
            }
        },
        None => None,
    };
    let roots = match settings.take_value("sslrootcert") {
        Some(value) if value == "system" => Some(RootCerts::System),
        Some(path) => Some(RootCerts::File(PathBuf::from(path))),
        None => default_file("root.crt").map(RootCerts::File),
    };
    let policy = match (requested, roots) {
        // libpq 16: the system roots only make sense with a host name check.
        (None, Some(RootCerts::System)) => TlsPolicy::VerifyFull(RootCerts::System),
        (Some((mode, setting)), Some(RootCerts::System)) if mode != SslMode::VerifyFull => {
            let reason = format!(
                "sslmode={} cannot be used with sslrootcert=system (use sslmode=verify-full)",
                mode.name()
            );
            return Err(source.invalid(&setting, reason));
        }
        (None | Some((SslMode::Prefer, _)), _) => TlsPolicy::Prefer,
        (Some((SslMode::Disable, _)), _) => TlsPolicy::Disable,
        (Some((SslMode::Allow, _)), _) => TlsPolicy::Allow,
        (Some((SslMode::Require, _)), None) => TlsPolicy::Require,
        // libpq: with a root certificate at hand, require checks the chain like verify-ca.
        (Some((SslMode::Require | SslMode::VerifyCa, _)), Some(roots)) => {
            TlsPolicy::VerifyCa(roots)
        }
        (Some((SslMode::VerifyFull, _)), Some(roots)) => TlsPolicy::VerifyFull(roots),
        (Some((mode @ (SslMode::VerifyCa | SslMode::VerifyFull), _)), None) => {
            let default_path = dot_postgresql.as_ref().map_or_else(
                || "~/.postgresql/root.crt".to_owned(),
                |dir| dir.join("root.crt").display().to_string(),
            );
            return Err(ConnectError::MissingRootCert {
                mode: mode.name(),
                default_path,
            });
        }
    };

    let cert = settings
        .take_value("sslcert")
        .map(PathBuf::from)
        .or_else(|| default_file("postgresql.crt"));
    let key_setting = settings.take("sslkey");
    let client_cert = match cert {
        Some(cert) => {
            let key = key_setting
                .map(|setting| PathBuf::from(setting.value))
                .or_else(|| {
                    dot_postgresql
                        .as_ref()
                        .map(|dir| dir.join("postgresql.key"))
                });
            match key {
                Some(key) => Some(ClientCert { cert, key }),
                None => {
                    let reason = "sslcert is set but sslkey is not, and there is no home \
                                  directory to find ~/.postgresql/postgresql.key in";
                    return Err(source.invalid_input(reason.to_owned()));
                }
            }
        }
        None => None,
    };
    let crl = settings
        .take_value("sslcrl")
        .map(PathBuf::from)
        .or_else(|| default_file("root.crl"));
    let sni = match settings.take("sslsni") {
        Some(setting) => match setting.value.as_str() {
            "1" => true,
            "0" => false,
            _ => return Err(source.invalid(&setting, "sslsni must be 0 or 1")),
        },
        None => true,
    };
    let versions = tls_versions(
        settings.take("ssl_min_protocol_version"),
        settings.take("ssl_max_protocol_version"),
        source,
    )?;
    Ok(TlsOptions {
        policy,
        client_cert,
        crl,
        sni,
        versions,
    })
}

/// libpq's version bounds, intersected with what rustls speaks (TLS 1.2 and 1.3). libpq's
/// default minimum is TLSv1.2 too.
fn tls_versions(
    min: Option<Setting>,
    max: Option<Setting>,
    source: &Source<'_>,
) -> Result<Vec<&'static SupportedProtocolVersion>, ConnectError> {
    let minor = |setting: &Option<Setting>, default: u8| match setting {
        None => Ok(default),
        Some(setting) => match setting.value.as_str() {
            "TLSv1" => Ok(0),
            "TLSv1.1" => Ok(1),
            "TLSv1.2" => Ok(2),
            "TLSv1.3" => Ok(3),
            _ => Err(source.invalid(
                setting,
                "a TLS protocol version must be TLSv1, TLSv1.1, TLSv1.2 or TLSv1.3",
            )),
        },
    };
    let allowed = minor(&min, 2)?..=minor(&max, 3)?;
    let versions: Vec<_> = [(2, &rustls::version::TLS12), (3, &rustls::version::TLS13)]
        .into_iter()
        .filter(|(version, _)| allowed.contains(version))
        .map(|(_, protocol)| protocol)
        .collect();
    match (versions.is_empty(), max.as_ref().or(min.as_ref())) {
        (true, Some(setting)) => Err(source.invalid(
            setting,
            "ssl_min_protocol_version and ssl_max_protocol_version leave neither TLSv1.2 nor \
             TLSv1.3, the versions schemagit speaks",
        )),
        _ => Ok(versions),
    }
}

impl TlsOptions {
    fn connector(&self) -> Result<MakeRustlsConnect, ConnectError> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let verifier: Arc<dyn ServerCertVerifier> = match &self.policy {
            TlsPolicy::VerifyFull(roots) => self.webpki_verifier(roots, &provider)?,
            TlsPolicy::VerifyCa(roots) => Arc::new(ChainOnly {
                chain: self.webpki_verifier(roots, &provider)?,
            }),
            TlsPolicy::Disable | TlsPolicy::Allow | TlsPolicy::Prefer | TlsPolicy::Require => {
                Arc::new(AcceptAnyCertificate {
                    algorithms: provider.signature_verification_algorithms,
                })
            }
        };
        let builder = rustls::ClientConfig::builder_with_provider(provider)
            .with_protocol_versions(&self.versions)
            .map_err(|error| ConnectError::TlsSetup {
                reason: error.to_string(),
            })?
            .dangerous()
            .with_custom_certificate_verifier(verifier);
        let mut config = match &self.client_cert {
            Some(client) => {
                let chain = read_certificates("sslcert", &client.cert)?;
                let key = read_private_key(&client.key)?;
                builder
                    .with_client_auth_cert(chain, key)
                    .map_err(|error| bad_file("sslkey", &client.key, error.to_string()))?
            }
            None => builder.with_no_client_auth(),
        };
        config.enable_sni = self.sni;
        // PostgreSQL 17 insists on this ALPN name for sslnegotiation=direct; older servers
        // ignore it, and libpq 17 always sends it.
        config.alpn_protocols = vec![b"postgresql".to_vec()];
        Ok(MakeRustlsConnect::new(config))
    }

    fn webpki_verifier(
        &self,
        roots: &RootCerts,
        provider: &Arc<CryptoProvider>,
    ) -> Result<Arc<WebPkiServerVerifier>, ConnectError> {
        let mut store = RootCertStore::empty();
        match roots {
            RootCerts::System => store.extend(webpki_roots::TLS_SERVER_ROOTS.iter().cloned()),
            RootCerts::File(path) => {
                for cert in read_certificates("sslrootcert", path)? {
                    store
                        .add(cert)
                        .map_err(|error| bad_file("sslrootcert", path, error.to_string()))?;
                }
            }
        }
        let crls = match &self.crl {
            Some(path) => {
                let bytes = read_tls_file("sslcrl", path)?;
                let crls = rustls_pemfile::crls(&mut bytes.as_slice())
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|error| bad_file("sslcrl", path, io_reason(&error)))?;
                if crls.is_empty() {
                    let reason = "no PEM CRL (-----BEGIN X509 CRL-----) in it";
                    return Err(bad_file("sslcrl", path, reason.to_owned()));
                }
                crls
            }
            None => Vec::new(),
        };
        WebPkiServerVerifier::builder_with_provider(Arc::new(store), Arc::clone(provider))
            .with_crls(crls)
            .build()
            .map_err(|error| match (&error, roots, &self.crl) {
                (VerifierBuilderError::InvalidCrl(_), _, Some(crl)) => {
                    bad_file("sslcrl", crl, error.to_string())
                }
                (_, RootCerts::File(path), _) => bad_file("sslrootcert", path, error.to_string()),
                _ => ConnectError::TlsSetup {
                    reason: error.to_string(),
                },
            })
    }

    /// A handshake failure in words, naming what the certificate was checked against.
    fn describe(&self, error: &rustls::Error) -> String {
        match error {
            rustls::Error::InvalidCertificate(CertificateError::UnknownIssuer) => {
                let trusted = match &self.policy {
                    TlsPolicy::VerifyCa(RootCerts::File(path))
                    | TlsPolicy::VerifyFull(RootCerts::File(path)) => path.display().to_string(),
                    TlsPolicy::VerifyCa(RootCerts::System)
                    | TlsPolicy::VerifyFull(RootCerts::System) => {
                        "the system's root certificates".to_owned()
                    }
                    _ => "any root certificate".to_owned(),
                };
                format!("certificate not trusted by {trusted}")
            }
            // rustls words these two as bare variant names.
            rustls::Error::InvalidCertificate(CertificateError::Revoked) => {
                format!(
                    "certificate revoked according to sslcrl {}",
                    self.crl_label()
                )
            }
            rustls::Error::InvalidCertificate(CertificateError::UnknownRevocationStatus) => {
                format!(
                    "sslcrl {} has no CRL from the issuer of a certificate in the chain",
                    self.crl_label()
                )
            }
            rustls::Error::InvalidCertificate(certificate) => certificate.to_string(),
            other => other.to_string(),
        }
    }

    fn crl_label(&self) -> String {
        self.crl
            .as_ref()
            .map_or_else(String::new, |path| path.display().to_string())
    }
}

fn read_tls_file(setting: &'static str, path: &Path) -> Result<Vec<u8>, ConnectError> {
    fs::read(path).map_err(|error| ConnectError::ReadTlsFile {
        setting,
        path: path.display().to_string(),
        reason: io_reason(&error),
    })
}

fn bad_file(setting: &'static str, path: &Path, reason: String) -> ConnectError {
    ConnectError::BadTlsFile {
        setting,
        path: path.display().to_string(),
        reason,
    }
}

fn read_certificates(
    setting: &'static str,
    path: &Path,
) -> Result<Vec<CertificateDer<'static>>, ConnectError> {
    let bytes = read_tls_file(setting, path)?;
    let certs = rustls_pemfile::certs(&mut bytes.as_slice())
        .collect::<Result<Vec<_>, _>>()
        .map_err(|error| bad_file(setting, path, io_reason(&error)))?;
    if certs.is_empty() {
        let reason = "no PEM certificate (-----BEGIN CERTIFICATE-----) in it";
        return Err(bad_file(setting, path, reason.to_owned()));
    }
    Ok(certs)
}

fn read_private_key(path: &Path) -> Result<PrivateKeyDer<'static>, ConnectError> {
    let bytes = read_tls_file("sslkey", path)?;
    match rustls_pemfile::private_key(&mut bytes.as_slice()) {
        Ok(Some(key)) => Ok(key),
        Ok(None) if bytes.windows(9).any(|window| window == b"ENCRYPTED") => Err(bad_file(
            "sslkey",
            path,
            "the key is encrypted, which schemagit cannot use (sslpassword is not supported); \
             decrypt it with `openssl pkey`"
                .to_owned(),
        )),
        Ok(None) => Err(bad_file(
            "sslkey",
            path,
            "no PEM private key in it".to_owned(),
        )),
        Err(error) => Err(bad_file("sslkey", path, io_reason(&error))),
    }
}

/// sslmode prefer/require: encrypt, but accept whatever certificate the server shows, as libpq
/// does. Handshake signatures are still checked, so the session is bound to that certificate.
#[derive(Debug)]
struct AcceptAnyCertificate {
    algorithms: WebPkiSupportedAlgorithms,
}

impl ServerCertVerifier for AcceptAnyCertificate {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls12_signature(message, cert, dss, &self.algorithms)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        rustls::crypto::verify_tls13_signature(message, cert, dss, &self.algorithms)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.algorithms.supported_schemes()
    }
}

/// sslmode verify-ca: the full WebPKI check minus the host name. rustls checks the chain (and
/// revocation) before the name, so a name mismatch reaching us means the chain was good.
#[derive(Debug)]
struct ChainOnly {
    chain: Arc<WebPkiServerVerifier>,
}

impl ServerCertVerifier for ChainOnly {
    fn verify_server_cert(
        &self,
        end_entity: &CertificateDer<'_>,
        intermediates: &[CertificateDer<'_>],
        server_name: &ServerName<'_>,
        ocsp_response: &[u8],
        now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        match self.chain.verify_server_cert(
            end_entity,
            intermediates,
            server_name,
            ocsp_response,
            now,
        ) {
            Err(rustls::Error::InvalidCertificate(
                CertificateError::NotValidForName | CertificateError::NotValidForNameContext { .. },
            )) => Ok(ServerCertVerified::assertion()),
            other => other,
        }
    }

    fn verify_tls12_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls12_signature(message, cert, dss)
    }

    fn verify_tls13_signature(
        &self,
        message: &[u8],
        cert: &CertificateDer<'_>,
        dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        self.chain.verify_tls13_signature(message, cert, dss)
    }

    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.chain.supported_verify_schemes()
    }
}

// ---------------------------------------------------------------------------------------------
// Error plumbing

/// The first error of type `T` in `error`'s cause chain, looking inside `io::Error`s too,
/// whose `source()` skips the error they wrap (tokio-rustls wraps rustls errors that way).
fn find_cause<'a, T: StdError + 'static>(error: &'a (dyn StdError + 'static)) -> Option<&'a T> {
    let mut current = Some(error);
    while let Some(error) = current {
        if let Some(found) = error.downcast_ref::<T>() {
            return Some(found);
        }
        let wrapped = error
            .downcast_ref::<io::Error>()
            .and_then(|io_error| io_error.get_ref())
            .and_then(|inner| inner.downcast_ref::<T>());
        if wrapped.is_some() {
            return wrapped;
        }
        current = error.source();
    }
    None
}

/// std reports a failed name lookup with an unstable error kind; its message is stable.
fn is_resolution_failure(error: &io::Error) -> bool {
    let message = error.to_string();
    message.starts_with("failed to lookup address information")
        || message == "could not resolve any addresses"
}

/// An I/O error as a short phrase: "No such file or directory", not "… (os error 2)".
fn io_reason(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_owned(),
        None => error.to_string(),
    }
}

fn error_chain(error: &(dyn StdError + 'static)) -> String {
    let mut parts = vec![error.to_string()];
    let mut current = error.source();
    while let Some(cause) = current {
        parts.push(cause.to_string());
        current = cause.source();
    }
    parts.join(": ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;
    use std::io::{Read, Write};
    use std::net::TcpListener;
    use std::os::unix::net::UnixListener;
    use std::thread;

    // Test-only PKI made with the openssl CLI for these tests, valid 2000–2100: a CA, a
    // server certificate it signed for DNS:localhost, the server's key, and an unrelated CA.
    const TEST_CA: &str = "\
-----BEGIN CERTIFICATE-----
MIIBbDCCARKgAwIBAgICEAAwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRc2NoZW1h
Z2l0IHRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBwx
GjAYBgNVBAMMEXNjaGVtYWdpdCB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEnm0er+KB3MMAzBJqRUB9jfQER9rdwC0mvenmD146RYUiRCD+s6yxY0TI
p0MInRdSwdqG7fK1CyO9uL6eoWOdd6NCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAQYwHQYDVR0OBBYEFD4iy9FD+tGeZiV0iJwbm6QPymqjMAoGCCqG
SM49BAMCA0gAMEUCIQCkmjcFCWy8eONkq1xTXPGmaQOk28H6YGkvan7xI0UEmQIg
choADK/8OAW24BuQjOrhSsiKGTo1QWGfDV+xFo9DhTA=
-----END CERTIFICATE-----
";
    const TEST_SERVER_CERT: &str = "\
-----BEGIN CERTIFICATE-----
MIIBrjCCAVWgAwIBAgICEAEwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRc2NoZW1h
Z2l0IHRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBQx
EjAQBgNVBAMMCWxvY2FsaG9zdDBZMBMGByqGSM49AgEGCCqGSM49AwEHA0IABASJ
fCpZa/3tAvK+9idoomOhZcx6jKJGuw6i3r9zvNuS7XFrweLL9UKGzHaT3hMhb9Tj
fACX0JugCq9dr+3pLYOjgYwwgYkwFAYDVR0RBA0wC4IJbG9jYWxob3N0MAwGA1Ud
EwEB/wQCMAAwDgYDVR0PAQH/BAQDAgeAMBMGA1UdJQQMMAoGCCsGAQUFBwMBMB0G
A1UdDgQWBBSI8APwmWM6SDZyy7lqbgpMko3i0TAfBgNVHSMEGDAWgBQ+IsvRQ/rR
nmYldIicG5ukD8pqozAKBggqhkjOPQQDAgNHADBEAiAxxdZwFVq03AC0Rrhg9tjj
l7EP0D0BrAT9k6mja2eOQQIgRtMhYt5DWh9NZ3VDnFF5BtCgEb8vMGnvFF06Af+S
4TQ=
-----END CERTIFICATE-----
";
    const TEST_SERVER_KEY: &str = "\
-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgcexn3uP6sXDT57xw
jXUiYwVrjrYUtpBYdR9bPFyJaLWhRANCAAQEiXwqWWv97QLyvvYnaKJjoWXMeoyi
RrsOot6/c7zbku1xa8Hiy/VChsx2k94TIW/U43wAl9CboAqvXa/t6S2D
-----END PRIVATE KEY-----
";
    const UNRELATED_CA: &str = "\
-----BEGIN CERTIFICATE-----
MIIBazCCARKgAwIBAgICEAIwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRdW5yZWxh
dGVkIHRlc3QgQ0EwIBcNMDAwMTAxMDAwMDAwWhgPMjEwMDAxMDEwMDAwMDBaMBwx
GjAYBgNVBAMMEXVucmVsYXRlZCB0ZXN0IENBMFkwEwYHKoZIzj0CAQYIKoZIzj0D
AQcDQgAEOIan23rrs7hMSnGAkoF6uzHD1ESqEUk2fVw4Gi5Bqnfq0sPNrnb8dHsq
a8JulzMw1yNzy4Fj+/PWEtOIgC3cI6NCMEAwDwYDVR0TAQH/BAUwAwEB/zAOBgNV
HQ8BAf8EBAMCAQYwHQYDVR0OBBYEFAOi3MgQGLZFo/gAC6n+qJzmT9PCMAoGCCqG
SM49BAMCA0cAMEQCIEeTNt0kfikKJx28ysu5HG5tgbLRpTe6sk/7x3MxZ4UUAiBP
eSvyAFIzVLtO4Mel17qY2S+CLBbdFGI6LR0HMnETqw==
-----END CERTIFICATE-----
";
    /// Revokes TEST_SERVER_CERT; issued by TEST_CA.
    const TEST_CRL: &str = "\
-----BEGIN X509 CRL-----
MIHNMHQCAQEwCgYIKoZIzj0EAwIwHDEaMBgGA1UEAwwRc2NoZW1hZ2l0IHRlc3Qg
Q0EXDTI2MTEyODIwNDAzNVoYDzIxMDkwMTE3MjA0MDM1WjAVMBMCAhABFw0yNjEx
MjgyMDQwMzVaoA4wDDAKBgNVHRQEAwIBAjAKBggqhkjOPQQDAgNJADBGAiEAmQfS
KQp+FbytVzIXe3jTMxRPGJ4VBCgh+HDvdGwBQ/8CIQDg+yF1Ofi4B2zmTAuBgViv
sgBVMsmtSG6rR2jL/7kl3A==
-----END X509 CRL-----
";

    fn env_from(vars: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let vars: HashMap<String, String> = vars
            .iter()
            .map(|(name, value)| (name.to_string(), value.to_string()))
            .collect();
        move |name| vars.get(name).cloned()
    }

    /// Parse with only `vars` as the environment and no home directory.
    fn parse_in(input: &str, vars: &[(&str, &str)]) -> Result<ConnectOptions, ConnectError> {
        parse_with(input, &env_from(vars), None)
    }

    /// Parse with PGUSER=tester as the whole environment, so that no OS lookup is involved.
    fn parse_ok(input: &str) -> ConnectOptions {
        parse_in(input, &[("PGUSER", "tester")]).expect("valid connection settings")
    }

    fn endpoints(opts: &ConnectOptions) -> Vec<(Endpoint, u16)> {
        opts.targets
            .iter()
            .map(|t| (t.endpoint.clone(), t.port))
            .collect()
    }

    fn tcp(host: &str) -> Endpoint {
        Endpoint::Tcp {
            host: host.to_owned(),
            addr: None,
        }
    }

    fn socket(dir: &str) -> Endpoint {
        Endpoint::Socket(PathBuf::from(dir))
    }

    fn password(opts: &ConnectOptions) -> Option<&str> {
        opts.targets[0].password.as_deref()
    }

    fn write_file(path: &Path, text: &str, mode: u32) {
        fs::write(path, text).expect("write test file");
        fs::set_permissions(path, fs::Permissions::from_mode(mode)).expect("chmod test file");
    }

    // --- URLs -----------------------------------------------------------------------------

    #[test]
    fn url_with_every_part() {
        let opts = parse_ok(
            "postgresql://alice:s3cret@db.example.com:5433/app?sslmode=disable&options=-c%20search_path%3Dx",
        );
        assert_eq!(opts.user, "alice");
        assert_eq!(opts.dbname(), "app");
        assert_eq!(password(&opts), Some("s3cret"));
        assert_eq!(endpoints(&opts), [(tcp("db.example.com"), 5433)]);
        assert_eq!(opts.tls.policy, TlsPolicy::Disable);
        assert_eq!(opts.base.get_options(), Some("-c search_path=x"));
        assert_eq!(
            opts.display_redacted(),
            "postgresql://alice@db.example.com:5433/app"
        );
    }

    #[test]
    fn url_short_scheme_and_defaults() {
        let opts = parse_ok("postgres://db.example.com");
        assert_eq!(opts.user, "tester");
        assert_eq!(opts.dbname(), "tester");
        assert_eq!(endpoints(&opts), [(tcp("db.example.com"), 5432)]);
        assert_eq!(opts.tls.policy, TlsPolicy::Prefer);
        assert_eq!(opts.connect_timeout, Some(Duration::from_secs(10)));
    }

    #[test]
    fn url_percent_encoded_password() {
        let opts = parse_ok("postgresql://alice:p%40ss%2Fw%3Ard@db/app");
        assert_eq!(password(&opts), Some("p@ss/w:rd"));
        assert_eq!(endpoints(&opts), [(tcp("db"), 5432)]);
    }

    #[test]
    fn url_unescaped_at_sign_in_password() {
        let opts = parse_ok("postgresql://alice:p@ss@db/app");
        assert_eq!(opts.user, "alice");
        assert_eq!(password(&opts), Some("p@ss"));
        assert_eq!(endpoints(&opts), [(tcp("db"), 5432)]);
    }

    #[test]
    fn url_at_sign_after_the_host_is_not_a_credential() {
        let opts = parse_ok("postgresql://db/app?sslmode=verify-ca&sslrootcert=/home/a@b/ca.crt");
        assert_eq!(opts.user, "tester");
        assert_eq!(endpoints(&opts), [(tcp("db"), 5432)]);
        assert_eq!(
            opts.tls.policy,
            TlsPolicy::VerifyCa(RootCerts::File("/home/a@b/ca.crt".into()))
        );
    }

    #[test]
    fn url_percent_encoded_socket_directory() {
        let opts = parse_ok("postgresql://%2Fvar%2Frun%2Fpostgresql/db");
        assert_eq!(endpoints(&opts), [(socket("/var/run/postgresql"), 5432)]);
        assert_eq!(opts.dbname(), "db");
        assert_eq!(
            opts.display_redacted(),
            "postgresql://tester@[/var/run/postgresql]:5432/db"
        );
    }

    #[test]
    fn url_host_and_port_query_parameters() {
        let opts = parse_ok("postgresql:///app?host=/tmp/sock&port=5499");
        assert_eq!(endpoints(&opts), [(socket("/tmp/sock"), 5499)]);
        assert_eq!(opts.dbname(), "app");
    }

    #[test]
    fn url_bracketed_socket_round_trips() {
        let opts = parse_ok("host='/tmp/my sock' port=6000 user=al@ce dbname=a/b");
        let shown = opts.display_redacted();
        assert_eq!(shown, "postgresql://al%40ce@[/tmp/my%20sock]:6000/a%2Fb");
        let again = parse_ok(&shown);
        assert_eq!(endpoints(&again), [(socket("/tmp/my sock"), 6000)]);
        assert_eq!(again.user, "al@ce");
        assert_eq!(again.dbname(), "a/b");
        assert_eq!(again.display_redacted(), shown);
    }

    #[test]
    fn url_ipv6_host() {
        let opts = parse_ok("postgresql://alice@[::1]:6543/app");
        assert_eq!(endpoints(&opts), [(tcp("::1"), 6543)]);
        assert_eq!(opts.display_redacted(), "postgresql://alice@[::1]:6543/app");
    }

    #[test]
    fn url_several_hosts() {
        let opts = parse_ok("postgresql://a:5432,b:5433,c/app");
        assert_eq!(
            endpoints(&opts),
            [(tcp("a"), 5432), (tcp("b"), 5433), (tcp("c"), 5432)]
        );
        assert_eq!(
            opts.display_redacted(),
            "postgresql://tester@a:5432,b:5433,c:5432/app"
        );
    }

    #[test]
    fn url_without_port_takes_pgport() {
        let opts = parse_in(
            "postgresql://db/app",
            &[("PGUSER", "u"), ("PGPORT", "6000")],
        )
        .unwrap();
        assert_eq!(endpoints(&opts), [(tcp("db"), 6000)]);
        let opts = parse_in(
            "postgresql://db:6001/app",
            &[("PGUSER", "u"), ("PGPORT", "6000")],
        )
        .unwrap();
        assert_eq!(endpoints(&opts), [(tcp("db"), 6001)]);
    }

    #[test]
    fn url_jdbc_style_ssl_true() {
        let opts = parse_ok("postgresql://db/app?ssl=true");
        assert_eq!(opts.tls.policy, TlsPolicy::Require);
    }

    #[test]
    fn url_errors_are_redacted_and_name_the_problem() {
        let error = parse_ok_err("postgresql://alice:hunter2@db:notaport/app");
        let message = error.to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert_eq!(
            message,
            "invalid connection URL postgresql://alice:***@db:notaport/app: \
             a port must be a number from 1 to 65535"
        );
        assert!(error.hint().is_some());
    }

    #[test]
    fn url_unknown_option_is_refused_by_tokio_postgres() {
        let error = parse_ok_err("postgresql://db/app?frobnicate=1");
        assert!(
            matches!(error, ConnectError::InvalidUrl { .. }),
            "{error:?}"
        );
        assert!(
            error.to_string().ends_with("unknown option `frobnicate`"),
            "{error}"
        );
    }

    #[test]
    fn url_parameter_without_value() {
        let error = parse_ok_err("postgresql://db/app?sslmode");
        assert!(error.to_string().contains("has no \"=value\""), "{error}");
    }

    #[test]
    fn foreign_url_scheme() {
        let error = parse_ok_err("jdbc:postgresql://db/app");
        assert_eq!(
            error.to_string(),
            "unsupported connection URL scheme `jdbc:postgresql://`"
        );
        assert!(error.hint().is_some());
    }

    fn parse_ok_err(input: &str) -> ConnectError {
        parse_in(input, &[("PGUSER", "tester")]).expect_err("invalid connection settings")
    }

    // --- key=value ------------------------------------------------------------------------

    #[test]
    fn conninfo_basic() {
        let opts = parse_ok("host=/var/run/postgresql dbname=app user=x");
        assert_eq!(endpoints(&opts), [(socket("/var/run/postgresql"), 5432)]);
        assert_eq!(opts.dbname(), "app");
        assert_eq!(opts.user, "x");
        assert_eq!(password(&opts), None);
    }

    #[test]
    fn conninfo_quoting_and_spacing() {
        let opts = parse_ok(r"host = db  password='it\'s a \\ secret' user=bob port=5444");
        assert_eq!(password(&opts), Some(r"it's a \ secret"));
        assert_eq!(opts.user, "bob");
        assert_eq!(endpoints(&opts), [(tcp("db"), 5444)]);
        let opts = parse_ok(r"host=db password=back\ slash");
        assert_eq!(password(&opts), Some("back slash"));
    }

    #[test]
    fn conninfo_syntax_errors_never_echo_values() {
        let error = parse_ok_err("host=db password='hunter2 and more");
        let message = error.to_string();
        assert!(!message.contains("hunter2"), "{message}");
        assert!(
            message.ends_with("the quoted value of `password` has no closing '"),
            "{message}"
        );
        let error = parse_ok_err("host db");
        assert!(
            error
                .to_string()
                .ends_with("missing \"=\" after keyword `host`"),
            "{error}"
        );
        let error = parse_ok_err("=db");
        assert!(
            matches!(error, ConnectError::InvalidConninfo { .. }),
            "{error:?}"
        );
    }

    #[test]
    fn conninfo_several_hosts_and_ports() {
        let opts = parse_ok("host=a,b port=1,2");
        assert_eq!(endpoints(&opts), [(tcp("a"), 1), (tcp("b"), 2)]);
        let opts = parse_ok("host=a,b port=7");
        assert_eq!(endpoints(&opts), [(tcp("a"), 7), (tcp("b"), 7)]);
        let error = parse_ok_err("host=a,b,c port=1,2");
        assert!(
            error.to_string().ends_with("2 ports for 3 hosts"),
            "{error}"
        );
    }

    #[test]
    fn conninfo_hostaddr() {
        let opts = parse_ok("host=db.internal hostaddr=10.0.0.5");
        let addr = Some("10.0.0.5".parse().unwrap());
        let expected = Endpoint::Tcp {
            host: "db.internal".to_owned(),
            addr,
        };
        assert_eq!(endpoints(&opts), [(expected, 5432)]);
        let opts = parse_ok("hostaddr=127.0.0.1");
        let expected = Endpoint::Tcp {
            host: "127.0.0.1".to_owned(),
            addr: Some("127.0.0.1".parse().unwrap()),
        };
        assert_eq!(endpoints(&opts), [(expected, 5432)]);
        let error = parse_ok_err("hostaddr=db.internal");
        assert!(
            error.to_string().ends_with("hostaddr must be IP addresses"),
            "{error}"
        );
        let error = parse_ok_err("host=a,b hostaddr=10.0.0.1");
        assert!(
            error
                .to_string()
                .ends_with("2 host names but 1 hostaddr values"),
            "{error}"
        );
    }

    #[test]
    fn unsupported_options_are_refused() {
        let error = parse_ok_err("service=prod");
        assert!(
            matches!(error, ConnectError::InvalidConninfo { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("pg_service.conf"), "{error}");
        let error = parse_in("host=db", &[("PGUSER", "u"), ("PGSERVICE", "prod")]).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("invalid PGSERVICE \"prod\": "),
            "{error}"
        );
        let error = parse_ok_err("host=db sslcrldir=/etc/crls");
        assert!(error
            .to_string()
            .ends_with("option `sslcrldir` is not supported by schemagit"));
        let error = parse_ok_err("host=db gssencmode=require");
        assert!(error
            .to_string()
            .contains("gssencmode=require is not supported"));
        // Harmless libpq options are accepted, so pasted strings keep working.
        parse_ok("host=db gssencmode=disable sslcompression=0 application_name=x sslpassword=y");
    }

    // --- the environment and defaults -----------------------------------------------------

    #[test]
    fn environment_fills_missing_parts() {
        let opts = parse_in(
            "",
            &[
                ("PGHOST", "db.example.com"),
                ("PGPORT", "6001"),
                ("PGUSER", "u"),
                ("PGPASSWORD", "pw"),
                ("PGDATABASE", "d"),
                ("PGSSLMODE", "require"),
                ("PGCONNECT_TIMEOUT", "30"),
            ],
        )
        .unwrap();
        assert_eq!(endpoints(&opts), [(tcp("db.example.com"), 6001)]);
        assert_eq!(opts.user, "u");
        assert_eq!(opts.dbname(), "d");
        assert_eq!(password(&opts), Some("pw"));
        assert_eq!(opts.tls.policy, TlsPolicy::Require);
        assert_eq!(opts.connect_timeout, Some(Duration::from_secs(30)));
    }

    #[test]
    fn input_beats_environment() {
        let vars = [
            ("PGHOST", "envhost"),
            ("PGUSER", "envuser"),
            ("PGSSLMODE", "require"),
        ];
        let opts = parse_in("host=other user=me sslmode=disable", &vars).unwrap();
        assert_eq!(endpoints(&opts), [(tcp("other"), 5432)]);
        assert_eq!(opts.user, "me");
        assert_eq!(opts.dbname(), "me");
        assert_eq!(opts.tls.policy, TlsPolicy::Disable);
        // An empty value means "not given", so the environment applies.
        let opts = parse_in("host='' user=me", &vars).unwrap();
        assert_eq!(endpoints(&opts), [(tcp("envhost"), 5432)]);
    }

    #[test]
    fn default_user_is_the_os_user() {
        let opts = parse_with("host=db", &|_| None, None).unwrap();
        let me = nix::unistd::User::from_uid(nix::unistd::getuid())
            .unwrap()
            .unwrap();
        assert_eq!(opts.user, me.name);
        assert_eq!(opts.dbname(), me.name);
    }

    #[test]
    fn application_name_is_always_ours() {
        let opts = parse_in(
            "host=db application_name=theirs",
            &[("PGUSER", "u"), ("PGAPPNAME", "x")],
        )
        .unwrap();
        let config = opts.config_for(&opts.targets[0], WireSslMode::Disable);
        assert_eq!(config.get_application_name(), Some("schemagit"));
    }

    #[test]
    fn invalid_environment_names_the_variable() {
        let error = parse_in("", &[("PGUSER", "u"), ("PGPORT", "abc")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid PGPORT \"abc\": a port must be a number from 1 to 65535"
        );
        assert!(error.hint().is_some());
    }

    #[test]
    fn connect_timeout_follows_libpq() {
        let timeout = |input: &str| parse_ok(input).connect_timeout;
        assert_eq!(timeout("host=db"), Some(Duration::from_secs(10)));
        assert_eq!(timeout("host=db connect_timeout=0"), None);
        assert_eq!(timeout("host=db connect_timeout=-5"), None);
        assert_eq!(
            timeout("host=db connect_timeout=1"),
            Some(Duration::from_secs(2))
        );
        assert_eq!(
            timeout("host=db connect_timeout=45"),
            Some(Duration::from_secs(45))
        );
        let error = parse_ok_err("host=db connect_timeout=soon");
        assert!(error
            .to_string()
            .ends_with("connect_timeout must be a whole number of seconds"));
    }

    #[test]
    fn default_host_is_the_first_directory_with_a_socket() {
        let empty = tempfile::tempdir().unwrap();
        let with_socket = tempfile::tempdir().unwrap();
        fs::write(with_socket.path().join(".s.PGSQL.5999"), "").unwrap();
        let dirs = [empty.path(), with_socket.path()];
        assert_eq!(
            default_endpoint(5999, &dirs),
            Endpoint::Socket(with_socket.path().to_path_buf())
        );
        assert_eq!(default_endpoint(5998, &dirs), tcp("localhost"));
        // Port 1 has no socket anywhere: the real default directories yield localhost.
        assert_eq!(endpoints(&parse_ok("port=1")), [(tcp("localhost"), 1)]);
    }

    // --- sslmode and TLS files ------------------------------------------------------------

    #[test]
    fn every_sslmode_in_both_forms() {
        let ca = || RootCerts::File("/x/ca.crt".into());
        let cases = [
            ("disable", TlsPolicy::Disable),
            ("allow", TlsPolicy::Allow),
            ("prefer", TlsPolicy::Prefer),
            ("require", TlsPolicy::Require),
            ("verify-ca", TlsPolicy::VerifyCa(ca())),
            ("verify-full", TlsPolicy::VerifyFull(ca())),
        ];
        for (mode, expected) in cases {
            let roots = if mode.starts_with("verify") {
                "/x/ca.crt"
            } else {
                ""
            };
            let url = format!("postgresql://db/app?sslmode={mode}&sslrootcert={roots}");
            assert_eq!(parse_ok(&url).tls.policy, expected, "{url}");
            let conninfo = format!("host=db sslmode={mode} sslrootcert='{roots}'");
            assert_eq!(parse_ok(&conninfo).tls.policy, expected, "{conninfo}");
        }
    }

    #[test]
    fn url_tls_paths_are_percent_decoded() {
        let opts =
            parse_ok("postgresql://db/app?sslmode=verify-full&sslrootcert=%2Fetc%2Fmy%20ca.crt");
        assert_eq!(
            opts.tls.policy,
            TlsPolicy::VerifyFull(RootCerts::File("/etc/my ca.crt".into()))
        );
    }

    #[test]
    fn require_with_a_root_certificate_checks_the_chain() {
        let opts = parse_ok("host=db sslmode=require sslrootcert=/x/ca.crt");
        assert_eq!(
            opts.tls.policy,
            TlsPolicy::VerifyCa(RootCerts::File("/x/ca.crt".into()))
        );
        let home = tempfile::tempdir().unwrap();
        fs::create_dir(home.path().join(".postgresql")).unwrap();
        let default_root = home.path().join(".postgresql/root.crt");
        fs::write(&default_root, TEST_CA).unwrap();
        let env = env_from(&[("PGUSER", "u")]);
        let opts = parse_with("host=db sslmode=require", &env, Some(home.path())).unwrap();
        assert_eq!(
            opts.tls.policy,
            TlsPolicy::VerifyCa(RootCerts::File(default_root.clone()))
        );
        // prefer stays unchecked, as documented for schemagit.
        let opts = parse_with("host=db", &env, Some(home.path())).unwrap();
        assert_eq!(opts.tls.policy, TlsPolicy::Prefer);
        let opts = parse_with("host=db sslmode=verify-full", &env, Some(home.path())).unwrap();
        assert_eq!(
            opts.tls.policy,
            TlsPolicy::VerifyFull(RootCerts::File(default_root))
        );
    }

    #[test]
    fn verify_modes_need_a_root_certificate() {
        let home = tempfile::tempdir().unwrap();
        let env = env_from(&[("PGUSER", "u")]);
        let error = parse_with("host=db sslmode=verify-full", &env, Some(home.path())).unwrap_err();
        let expected_path = home.path().join(".postgresql/root.crt");
        assert_eq!(
            error.to_string(),
            format!(
                "sslmode=verify-full needs a root certificate to check the server against, \
                 and no sslrootcert is set ({} does not exist)",
                expected_path.display()
            )
        );
        assert!(error.hint().is_some());
    }

    #[test]
    fn system_roots_imply_verify_full() {
        let opts = parse_ok("host=db sslrootcert=system");
        assert_eq!(opts.tls.policy, TlsPolicy::VerifyFull(RootCerts::System));
        let error = parse_ok_err("host=db sslrootcert=system sslmode=require");
        assert!(
            error.to_string().ends_with(
                "sslmode=require cannot be used with sslrootcert=system (use sslmode=verify-full)"
            ),
            "{error}"
        );
    }

    #[test]
    fn unknown_sslmode_lists_the_accepted_ones() {
        let error = parse_ok_err("postgresql://db/app?sslmode=verify");
        assert!(
            error.to_string().ends_with(
                "unknown sslmode \"verify\": expected disable, allow, prefer, require, \
                 verify-ca or verify-full"
            ),
            "{error}"
        );
        let error = parse_in("host=db", &[("PGUSER", "u"), ("PGSSLMODE", "on")]).unwrap_err();
        assert!(error
            .to_string()
            .starts_with("invalid PGSSLMODE \"on\": unknown sslmode"));
    }

    #[test]
    fn tls_environment_variables() {
        let vars = [
            ("PGUSER", "u"),
            ("PGSSLMODE", "verify-full"),
            ("PGSSLROOTCERT", "/etc/ca.crt"),
        ];
        let opts = parse_in("host=db", &vars).unwrap();
        assert_eq!(
            opts.tls.policy,
            TlsPolicy::VerifyFull(RootCerts::File("/etc/ca.crt".into()))
        );
        let opts = parse_in("postgresql://db/app?sslmode=disable", &vars).unwrap();
        assert_eq!(opts.tls.policy, TlsPolicy::Disable);
    }

    #[test]
    fn other_tls_options() {
        let opts = parse_ok(
            "host=db sslcert=/c.crt sslkey=/c.key sslcrl=/r.crl sslsni=0 \
             ssl_min_protocol_version=TLSv1.3",
        );
        let client = opts.tls.client_cert.as_ref().expect("client certificate");
        assert_eq!(
            (client.cert.as_path(), client.key.as_path()),
            (Path::new("/c.crt"), Path::new("/c.key"))
        );
        assert_eq!(opts.tls.crl.as_deref(), Some(Path::new("/r.crl")));
        assert!(!opts.tls.sni);
        assert_eq!(opts.tls.versions.len(), 1);
        assert_eq!(
            opts.tls.versions[0].version,
            rustls::ProtocolVersion::TLSv1_3
        );
        assert_eq!(parse_ok("host=db").tls.versions.len(), 2);
        let error = parse_ok_err("host=db ssl_max_protocol_version=TLSv1.1");
        assert!(
            error
                .to_string()
                .contains("leave neither TLSv1.2 nor TLSv1.3"),
            "{error}"
        );
        let error = parse_ok_err("host=db sslsni=yes");
        assert!(error.to_string().ends_with("sslsni must be 0 or 1"));
    }

    // --- ~/.pgpass --------------------------------------------------------------------------

    const PGPASS: &str = r"# a comment
db.example.com:5432:app:alice:first
db.example.com:5432:app:alice:shadowed
*:*:*:bob:wild\:card\\pw
host\:with\:colons:5432:*:*:colon-host
short:line
\*:5432:app:carol:literal-star
localhost:5432:app:dave:pw:extra
/tmp/sock:6000:*:erin:socket-pw
";

    #[test]
    fn pgpass_matching() {
        let entries = parse_pgpass(PGPASS);
        let lookup = |host, port, db, user| pgpass_password(&entries, host, port, db, user);
        assert_eq!(
            lookup("db.example.com", 5432, "app", "alice").as_deref(),
            Some("first")
        );
        assert_eq!(lookup("db.example.com", 5433, "app", "alice"), None);
        assert_eq!(
            lookup("anything", 1, "x", "bob").as_deref(),
            Some(r"wild:card\pw")
        );
        assert_eq!(
            lookup("host:with:colons", 5432, "x", "y").as_deref(),
            Some("colon-host")
        );
        assert_eq!(lookup("other", 5432, "app", "carol"), None);
        assert_eq!(
            lookup("*", 5432, "app", "carol").as_deref(),
            Some("literal-star")
        );
        assert_eq!(
            lookup("localhost", 5432, "app", "dave").as_deref(),
            Some("pw")
        );
        assert_eq!(lookup("short", 5432, "line", "x"), None);
    }

    #[test]
    fn pgpass_is_used_only_without_a_password_and_only_when_private() {
        let home = tempfile::tempdir().unwrap();
        let pgpass = home.path().join(".pgpass");
        write_file(&pgpass, PGPASS, 0o600);
        let env = env_from(&[("PGUSER", "alice")]);
        let parse = |input: &str| parse_with(input, &env, Some(home.path())).unwrap();

        let opts = parse("host=db.example.com dbname=app");
        assert_eq!(password(&opts), Some("first"));
        assert_eq!(opts.ignored_passfile, None);
        let opts = parse("host=db.example.com dbname=app password=given");
        assert_eq!(password(&opts), Some("given"));
        // The default socket directory is "localhost" to .pgpass; others are their path.
        let opts = parse("host=/var/run/postgresql dbname=app user=dave");
        assert_eq!(password(&opts), Some("pw"));
        let opts = parse("host=/tmp/sock port=6000 user=erin");
        assert_eq!(password(&opts), Some("socket-pw"));

        write_file(&pgpass, PGPASS, 0o644);
        let opts = parse("host=db.example.com dbname=app");
        assert_eq!(password(&opts), None);
        let why = opts.ignored_passfile.as_deref().expect("a reason");
        assert!(why.contains("chmod 0600"), "{why}");
    }

    #[test]
    fn pgpass_location_from_passfile_or_pgpassfile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        write_file(&file, "*:*:*:*:from-file\n", 0o600);
        let opts = parse_in(
            "host=db",
            &[("PGUSER", "u"), ("PGPASSFILE", file.to_str().unwrap())],
        )
        .unwrap();
        assert_eq!(password(&opts), Some("from-file"));
        let opts = parse_ok(&format!("host=db passfile='{}'", file.display()));
        assert_eq!(password(&opts), Some("from-file"));
        assert_eq!(load_pgpass(&dir.path().join("absent")), PgpassFile::Absent);
        assert!(matches!(load_pgpass(dir.path()), PgpassFile::Ignored(_)));
    }

    // --- keeping passwords out of sight ---------------------------------------------------

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

    #[test]
    fn redact_urls() {
        let cases = [
            (
                "postgresql://alice:s3cret@db/app",
                "postgresql://alice:***@db/app",
            ),
            (
                "postgres://alice:p@ss@db/app",
                "postgres://alice:***@db/app",
            ),
            ("postgresql://alice@db/app", "postgresql://alice@db/app"),
            (
                "postgresql://db/app?password=s3cret&sslmode=require",
                "postgresql://db/app?password=***&sslmode=require",
            ),
            (
                "see \"postgresql://a:b@h/d\" and postgresql://c:d@h2/e.",
                "see \"postgresql://a:***@h/d\" and postgresql://c:***@h2/e.",
            ),
            ("alice:s3cret@db:5432/app", "alice:***@db:5432/app"),
            ("jdbc:postgresql://u:pw@h/d", "jdbc:postgresql://u:***@h/d"),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    #[test]
    fn redact_conninfo() {
        let cases = [
            (
                "host=db password=s3cret user=x",
                "host=db password=*** user=x",
            ),
            (
                r"host=db password='s3 cr\'et' user=x",
                "host=db password=*** user=x",
            ),
            ("host=db password = s3cret", "host=db password = ***"),
            ("password='unterminated secret", "password=***"),
            ("PGPASSWORD=s3cret psql", "PGPASSWORD=*** psql"),
            ("sslpassword=s3cret sslkey=/k", "sslpassword=*** sslkey=/k"),
            (
                "no secrets here: host=db port=5432",
                "no secrets here: host=db port=5432",
            ),
            ("the password is wrong", "the password is wrong"),
        ];
        for (text, expected) in cases {
            assert_eq!(redact(text), expected, "{text}");
        }
    }

    // --- connecting, against scripted fake servers ----------------------------------------

    const SSL_REQUEST: [u8; 4] = 80_877_103_u32.to_be_bytes();
    const CLEARTEXT_PASSWORD_REQUEST: [u8; 9] = [b'R', 0, 0, 0, 8, 0, 0, 0, 3];

    /// What a fake server saw of one connection.
    #[derive(Debug, PartialEq)]
    enum Seen {
        Plaintext,
        RefusedTls,
        Tls,
        TlsFailed,
    }

    /// One scripted connection: whether to accept TLS, and the bytes to answer the startup
    /// message with (an empty answer keeps the client waiting).
    struct Session {
        tls: Option<Arc<rustls::ServerConfig>>,
        answer: Vec<u8>,
    }

    fn error_response(code: &str, message: &str) -> Vec<u8> {
        let mut body = Vec::new();
        for (field, value) in [
            (b'S', "FATAL"),
            (b'V', "FATAL"),
            (b'C', code),
            (b'M', message),
        ] {
            body.push(field);
            body.extend_from_slice(value.as_bytes());
            body.push(0);
        }
        body.push(0);
        let mut message = vec![b'E'];
        message.extend_from_slice(&(body.len() as u32 + 4).to_be_bytes());
        message.extend_from_slice(&body);
        message
    }

    fn read_message(stream: &mut impl Read) -> io::Result<Vec<u8>> {
        let mut length = [0; 4];
        stream.read_exact(&mut length)?;
        let mut body = vec![0; (u32::from_be_bytes(length) as usize).saturating_sub(4)];
        stream.read_exact(&mut body)?;
        Ok(body)
    }

    fn serve(mut stream: impl Read + Write, session: Session) -> Seen {
        let first = read_message(&mut stream).expect("first message");
        if first != SSL_REQUEST {
            stream.write_all(&session.answer).expect("answer");
            // Hold the connection until the client hangs up, so that it reads the answer
            // rather than a reset.
            let _ = stream.read_to_end(&mut Vec::new());
            return Seen::Plaintext;
        }
        let Some(config) = session.tls else {
            stream.write_all(b"N").expect("refuse TLS");
            // With sslmode=require the client hangs up instead of going on in plaintext.
            if read_message(&mut stream).is_ok() {
                stream.write_all(&session.answer).expect("answer");
            }
            let _ = stream.read_to_end(&mut Vec::new());
            return Seen::RefusedTls;
        };
        stream.write_all(b"S").expect("accept TLS");
        let connection = rustls::ServerConnection::new(config).expect("server connection");
        let mut tls = rustls::StreamOwned::new(connection, stream);
        if read_message(&mut tls).is_err() {
            return Seen::TlsFailed;
        }
        tls.write_all(&session.answer).expect("answer");
        tls.flush().expect("flush");
        let _ = tls.read_to_end(&mut Vec::new());
        Seen::Tls
    }

    fn tcp_server(sessions: Vec<Session>) -> (u16, thread::JoinHandle<Vec<Seen>>) {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind");
        let port = listener.local_addr().expect("address").port();
        let handle = thread::spawn(move || {
            sessions
                .into_iter()
                .map(|session| {
                    let (stream, _) = listener.accept().expect("accept");
                    stream
                        .set_read_timeout(Some(Duration::from_secs(20)))
                        .expect("timeout");
                    serve(stream, session)
                })
                .collect()
        });
        (port, handle)
    }

    fn server_tls() -> Arc<rustls::ServerConfig> {
        let certs = rustls_pemfile::certs(&mut TEST_SERVER_CERT.as_bytes())
            .collect::<Result<Vec<_>, _>>()
            .unwrap();
        let key = rustls_pemfile::private_key(&mut TEST_SERVER_KEY.as_bytes())
            .unwrap()
            .unwrap();
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .unwrap()
            .with_no_client_auth()
            .with_single_cert(certs, key)
            .unwrap();
        Arc::new(config)
    }

    fn plain(answer: Vec<u8>) -> Session {
        Session { tls: None, answer }
    }

    fn tls(answer: Vec<u8>) -> Session {
        Session {
            tls: Some(server_tls()),
            answer,
        }
    }

    fn no_database() -> Vec<u8> {
        error_response("3D000", "database \"app\" does not exist")
    }

    /// Options for the fake server on `port`, with an empty home and a CA file for TLS.
    struct TestClient {
        home: tempfile::TempDir,
    }

    impl TestClient {
        fn new() -> Self {
            let home = tempfile::tempdir().unwrap();
            fs::write(home.path().join("ca.crt"), TEST_CA).unwrap();
            fs::write(home.path().join("unrelated.crt"), UNRELATED_CA).unwrap();
            fs::write(home.path().join("revoked.crl"), TEST_CRL).unwrap();
            Self { home }
        }

        fn file(&self, name: &str) -> String {
            self.home.path().join(name).display().to_string()
        }

        fn options(&self, conninfo: &str) -> ConnectOptions {
            let input = format!("user=alice dbname=app {conninfo}");
            parse_with(&input, &|_| None, Some(self.home.path())).expect("valid test settings")
        }

        async fn connect(&self, conninfo: &str) -> Result<tokio_postgres::Client, ConnectError> {
            connect(&self.options(conninfo)).await
        }
    }

    #[tokio::test]
    async fn verify_full_accepts_the_right_certificate() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![tls(no_database())]);
        let result = client
            .connect(&format!(
                "host=localhost hostaddr=127.0.0.1 port={port} sslmode=verify-full sslrootcert={}",
                client.file("ca.crt")
            ))
            .await;
        let error = result.expect_err("the fake server has no database");
        assert_eq!(
            error.to_string(),
            format!("database \"app\" does not exist on postgresql://alice@localhost:{port}/app")
        );
        assert_eq!(server.join().unwrap(), [Seen::Tls]);
    }

    #[tokio::test]
    async fn verify_full_rejects_the_wrong_host_name() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![tls(no_database())]);
        let error = client
            .connect(&format!(
                "host=db.example.test hostaddr=127.0.0.1 port={port} sslmode=verify-full sslrootcert={}",
                client.file("ca.crt")
            ))
            .await
            .expect_err("wrong name");
        assert!(
            matches!(error, ConnectError::TlsHandshake { .. }),
            "{error:?}"
        );
        let message = error.to_string();
        assert!(
            message.starts_with(&format!(
                "TLS handshake with db.example.test:{port} failed: "
            )),
            "{message}"
        );
        assert!(message.contains("not valid for name"), "{message}");
        assert_eq!(server.join().unwrap(), [Seen::TlsFailed]);
    }

    #[tokio::test]
    async fn verify_ca_ignores_the_host_name_but_not_the_issuer() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![tls(no_database()), tls(no_database())]);
        let settings = |roots: &str| {
            format!(
                "host=db.example.test hostaddr=127.0.0.1 port={port} sslmode=verify-ca sslrootcert={}",
                client.file(roots)
            )
        };
        let error = client
            .connect(&settings("ca.crt"))
            .await
            .expect_err("no database");
        assert!(
            matches!(error, ConnectError::DatabaseMissing { .. }),
            "{error:?}"
        );
        let error = client
            .connect(&settings("unrelated.crt"))
            .await
            .expect_err("untrusted");
        assert_eq!(
            error.to_string(),
            format!(
                "TLS handshake with db.example.test:{port} failed: certificate not trusted by {}",
                client.file("unrelated.crt")
            )
        );
        assert_eq!(server.join().unwrap(), [Seen::Tls, Seen::TlsFailed]);
    }

    #[tokio::test]
    async fn a_revoked_certificate_is_refused() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![tls(no_database())]);
        let error = client
            .connect(&format!(
                "host=localhost hostaddr=127.0.0.1 port={port} sslmode=verify-full \
                 sslrootcert={} sslcrl={}",
                client.file("ca.crt"),
                client.file("revoked.crl")
            ))
            .await
            .expect_err("revoked");
        assert_eq!(
            error.to_string(),
            format!(
                "TLS handshake with localhost:{port} failed: certificate revoked according to \
                 sslcrl {}",
                client.file("revoked.crl")
            )
        );
        assert_eq!(server.join().unwrap(), [Seen::TlsFailed]);
    }

    #[tokio::test]
    async fn require_encrypts_without_checking_unless_given_roots() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![tls(no_database()), tls(no_database())]);
        let error = client
            .connect(&format!("host=127.0.0.1 port={port} sslmode=require"))
            .await
            .expect_err("no database");
        assert!(
            matches!(error, ConnectError::DatabaseMissing { .. }),
            "{error:?}"
        );
        let error = client
            .connect(&format!(
                "host=127.0.0.1 port={port} sslmode=require sslrootcert={}",
                client.file("unrelated.crt")
            ))
            .await
            .expect_err("untrusted");
        assert!(
            error.to_string().contains("certificate not trusted by"),
            "{error}"
        );
        assert_eq!(server.join().unwrap(), [Seen::Tls, Seen::TlsFailed]);
    }

    #[tokio::test]
    async fn prefer_falls_back_to_plaintext_and_require_does_not() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![plain(no_database()), plain(no_database())]);
        let error = client
            .connect(&format!("host=127.0.0.1 port={port}"))
            .await
            .expect_err("no database");
        assert!(
            matches!(error, ConnectError::DatabaseMissing { .. }),
            "{error:?}"
        );
        let error = client
            .connect(&format!("host=127.0.0.1 port={port} sslmode=require"))
            .await
            .expect_err("no TLS");
        assert_eq!(
            error.to_string(),
            format!(
                "server at postgresql://alice@127.0.0.1:{port}/app does not accept TLS \
                 connections, and sslmode requires TLS"
            )
        );
        assert_eq!(server.join().unwrap(), [Seen::RefusedTls, Seen::RefusedTls]);
    }

    #[tokio::test]
    async fn allow_retries_with_tls_when_plaintext_is_turned_away() {
        let client = TestClient::new();
        let hba = error_response("28000", "no pg_hba.conf entry for host \"127.0.0.1\"");
        let (port, server) = tcp_server(vec![plain(hba), tls(no_database())]);
        let error = client
            .connect(&format!("host=127.0.0.1 port={port} sslmode=allow"))
            .await
            .expect_err("no database");
        assert!(
            matches!(error, ConnectError::DatabaseMissing { .. }),
            "{error:?}"
        );
        assert_eq!(server.join().unwrap(), [Seen::Plaintext, Seen::Tls]);
    }

    #[tokio::test]
    async fn unix_sockets_never_use_tls() {
        let client = TestClient::new();
        let dir = tempfile::tempdir().unwrap();
        let listener = UnixListener::bind(dir.path().join(".s.PGSQL.5999")).unwrap();
        let server = thread::spawn(move || {
            let (stream, _) = listener.accept().expect("accept");
            serve(stream, tls(no_database()))
        });
        let error = client
            .connect(&format!(
                "host={} port=5999 sslmode=require",
                dir.path().display()
            ))
            .await
            .expect_err("no database");
        assert_eq!(
            error.to_string(),
            format!(
                "database \"app\" does not exist on postgresql://alice@[{}]:5999/app",
                dir.path().display()
            )
        );
        assert_eq!(server.join().unwrap(), Seen::Plaintext);
    }

    #[tokio::test]
    async fn server_errors_by_sqlstate() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![
            plain(error_response(
                "28P01",
                "password authentication failed for user \"alice\"",
            )),
            plain(error_response("28000", "role \"alice\" does not exist")),
            plain(error_response(
                "57P03",
                "the database system is starting up",
            )),
            plain(error_response("53300", "sorry, too many clients already")),
        ]);
        let target = format!("postgresql://alice@127.0.0.1:{port}/app");
        let mut messages = Vec::new();
        for _ in 0..4 {
            let error = client
                .connect(&format!(
                    "host=127.0.0.1 port={port} sslmode=disable password=hunter2"
                ))
                .await
                .expect_err("scripted failure");
            let message = error.to_string();
            assert!(!message.contains("hunter2"), "{message}");
            messages.push(message);
        }
        assert_eq!(
            messages,
            [
                format!("password authentication failed for user \"alice\" on {target}"),
                format!(
                    "server at {target} rejected user \"alice\": role \"alice\" does not exist"
                ),
                format!(
                    "server at {target} is not accepting connections yet: the database system \
                     is starting up"
                ),
                format!(
                    "server at {target} refused the connection: sorry, too many clients already \
                     (SQLSTATE 53300)"
                ),
            ]
        );
        assert_eq!(server.join().unwrap().len(), 4);
    }

    #[tokio::test]
    async fn missing_password_mentions_an_ignored_pgpass() {
        let client = TestClient::new();
        write_file(&client.home.path().join(".pgpass"), "*:*:*:*:pw\n", 0o644);
        let (port, server) = tcp_server(vec![plain(CLEARTEXT_PASSWORD_REQUEST.to_vec())]);
        let error = client
            .connect(&format!("host=127.0.0.1 port={port} sslmode=disable"))
            .await
            .expect_err("no password");
        assert_eq!(
            error.to_string(),
            format!(
                "server at postgresql://alice@127.0.0.1:{port}/app asks for a password for user \
                 \"alice\" and none was given ({} was ignored because group or others can \
                 access it; chmod 0600 it)",
                client.file(".pgpass")
            )
        );
        assert!(error.hint().is_some());
        server.join().unwrap();
    }

    #[tokio::test]
    async fn refused_and_missing_socket() {
        let client = TestClient::new();
        let port = {
            let listener = TcpListener::bind("127.0.0.1:0").unwrap();
            listener.local_addr().unwrap().port()
        };
        let error = client
            .connect(&format!("host=127.0.0.1 port={port}"))
            .await
            .expect_err("nothing listens");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot connect to postgresql://alice@127.0.0.1:{port}/app: connection refused"
            )
        );
        assert_eq!(
            error.hint(),
            Some("is the server running and accepting TCP connections on that host and port?")
        );

        let dir = tempfile::tempdir().unwrap();
        let error = client
            .connect(&format!("host={} port=5999", dir.path().display()))
            .await
            .expect_err("no socket");
        assert!(matches!(error, ConnectError::NoSocket { .. }), "{error:?}");
        assert!(error.to_string().ends_with(".s.PGSQL.5999"), "{error}");
    }

    #[tokio::test]
    async fn a_silent_server_times_out() {
        let client = TestClient::new();
        let (port, server) = tcp_server(vec![plain(Vec::new())]);
        let error = client
            .connect(&format!(
                "host=127.0.0.1 port={port} sslmode=disable connect_timeout=1"
            ))
            .await
            .expect_err("silence");
        assert_eq!(
            error.to_string(),
            format!(
                "cannot connect to postgresql://alice@127.0.0.1:{port}/app: no answer within 2 s"
            )
        );
        server.join().unwrap();
    }

    #[tokio::test]
    async fn tls_files_are_read_before_connecting() {
        let client = TestClient::new();
        let error = client
            .connect("host=127.0.0.1 port=1 sslmode=verify-full sslrootcert=/nonexistent/root.crt")
            .await
            .expect_err("no file");
        assert_eq!(
            error.to_string(),
            "cannot read sslrootcert /nonexistent/root.crt: No such file or directory"
        );
        fs::write(client.home.path().join("junk.crt"), "not a certificate").unwrap();
        let error = client
            .connect(&format!(
                "host=127.0.0.1 port=1 sslmode=verify-full sslrootcert={}",
                client.file("junk.crt")
            ))
            .await
            .expect_err("not PEM");
        assert!(error.to_string().contains("no PEM certificate"), "{error}");
    }

    #[test]
    fn connecting_can_run_on_any_task() {
        fn assert_send<T: Send>(_: &T) {}
        let opts = parse_ok("host=db");
        assert_send(&connect(&opts));
    }
}
