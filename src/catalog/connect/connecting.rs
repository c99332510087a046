//! From [`ConnectOptions`] to a [`tokio_postgres::Client`]: each target in turn, the TLS policy
//! of every attempt (libpq's `allow` and `prefer` fallbacks, never TLS over a Unix socket), the
//! whole-attempt timeout, and tokio-postgres's failures turned into [`ConnectError`]s.

use std::error::Error as StdError;
use std::io;

use tokio_postgres::config::SslMode as WireSslMode;
use tokio_postgres::error::SqlState;
use tokio_postgres::tls::MakeTlsConnect;
use tokio_postgres::{Client, Config, NoTls, Socket};

use super::error::io_reason;
use super::options::{Endpoint, Target};
use super::tls::TlsPolicy;
use super::{ConnectError, ConnectOptions};

/// Every session says who it is, whatever `application_name` or `PGAPPNAME` says, so that a
/// DBA can tell schemagit's catalog reads apart in `pg_stat_activity`.
const APPLICATION_NAME: &str = "schemagit";

impl ConnectOptions {
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

/// Up to `count` more sessions to the same database, opened at once, for a schema read that
/// shares one snapshot over several connections. Only for a single host: with a host list,
/// another session could land on another server. Whatever cannot connect (a connection limit,
/// a pooler) is left out; the read then uses the sessions it has.
pub async fn connect_more(opts: &ConnectOptions, count: usize) -> Vec<Client> {
    if opts.targets.len() != 1 || count == 0 {
        return Vec::new();
    }
    let target = &opts.targets[0];
    futures_util::future::join_all((0..count).map(|_| opts.connect_target(target)))
        .await
        .into_iter()
        .filter_map(Result::ok)
        .collect()
}

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
    use super::super::fake_server::{
        error_response, no_database, plain, serve, tcp_server, tls, Seen, TestClient,
        CLEARTEXT_PASSWORD_REQUEST,
    };
    use super::super::test_support::{parse_in, parse_ok, write_file};
    use super::*;
    use std::net::TcpListener;
    use std::os::unix::net::UnixListener;
    use std::thread;

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

    #[test]
    fn connecting_can_run_on_any_task() {
        fn assert_send<T: Send>(_: &T) {}
        let opts = parse_ok("host=db");
        assert_send(&connect(&opts));
    }
}
