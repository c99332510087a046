//! Test helpers: scripted fake PostgreSQL servers that speak just enough of the protocol to
//! answer a startup message, in plaintext or over TLS; a test PKI; and a client with an empty
//! home directory.

use std::fs;
use std::io::{self, Read, Write};
use std::net::TcpListener;
use std::sync::Arc;
use std::thread;
use std::time::Duration;

use super::settings::parse_with;
use super::{connect, ConnectError, ConnectOptions};

// Test-only PKI made with the openssl CLI for these tests, valid 2000–2100: a CA, a
// server certificate it signed for DNS:localhost, the server's key, and an unrelated CA.
pub(super) const TEST_CA: &str = "\
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

const SSL_REQUEST: [u8; 4] = 80_877_103_u32.to_be_bytes();
pub(super) const CLEARTEXT_PASSWORD_REQUEST: [u8; 9] = [b'R', 0, 0, 0, 8, 0, 0, 0, 3];

/// What a fake server saw of one connection.
#[derive(Debug, PartialEq)]
pub(super) enum Seen {
    Plaintext,
    RefusedTls,
    Tls,
    TlsFailed,
}

/// One scripted connection: whether to accept TLS, and the bytes to answer the startup
/// message with (an empty answer keeps the client waiting).
pub(super) struct Session {
    tls: Option<Arc<rustls::ServerConfig>>,
    answer: Vec<u8>,
}

pub(super) fn error_response(code: &str, message: &str) -> Vec<u8> {
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

pub(super) fn serve(mut stream: impl Read + Write, session: Session) -> Seen {
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

pub(super) fn tcp_server(sessions: Vec<Session>) -> (u16, thread::JoinHandle<Vec<Seen>>) {
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

pub(super) fn plain(answer: Vec<u8>) -> Session {
    Session { tls: None, answer }
}

pub(super) fn tls(answer: Vec<u8>) -> Session {
    Session {
        tls: Some(server_tls()),
        answer,
    }
}

pub(super) fn no_database() -> Vec<u8> {
    error_response("3D000", "database \"app\" does not exist")
}

/// Options for the fake server on `port`, with an empty home and a CA file for TLS.
pub(super) struct TestClient {
    pub(super) home: tempfile::TempDir,
}

impl TestClient {
    pub(super) fn new() -> Self {
        let home = tempfile::tempdir().unwrap();
        fs::write(home.path().join("ca.crt"), TEST_CA).unwrap();
        fs::write(home.path().join("unrelated.crt"), UNRELATED_CA).unwrap();
        fs::write(home.path().join("revoked.crl"), TEST_CRL).unwrap();
        Self { home }
    }

    pub(super) fn file(&self, name: &str) -> String {
        self.home.path().join(name).display().to_string()
    }

    fn options(&self, conninfo: &str) -> ConnectOptions {
        let input = format!("user=alice dbname=app {conninfo}");
        parse_with(&input, &|_| None, Some(self.home.path())).expect("valid test settings")
    }

    pub(super) async fn connect(
        &self,
        conninfo: &str,
    ) -> Result<tokio_postgres::Client, ConnectError> {
        connect(&self.options(conninfo)).await
    }
}
