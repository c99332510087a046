//! [`ConnectError`]: every way that parsing connection settings or connecting can fail, each a
//! one-line message naming the connection without its password, most with a what-to-do hint.

use std::io;

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

/// An I/O error as a short phrase: "No such file or directory", not "… (os error 2)".
pub(super) fn io_reason(error: &io::Error) -> String {
    match error.raw_os_error() {
        Some(code) => nix::errno::Errno::from_raw(code).desc().to_owned(),
        None => error.to_string(),
    }
}
