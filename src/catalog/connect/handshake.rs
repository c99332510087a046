//! [`TlsOptions`] → a rustls connector: PEM certificates, keys and CRLs read from their files,
//! one certificate verifier per kind of check, and a failed handshake described in words.

use std::fs;
use std::path::Path;
use std::sync::Arc;

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::client::{VerifierBuilderError, WebPkiServerVerifier};
use rustls::crypto::{CryptoProvider, WebPkiSupportedAlgorithms};
use rustls::pki_types::{CertificateDer, PrivateKeyDer, ServerName, UnixTime};
use rustls::{CertificateError, DigitallySignedStruct, RootCertStore, SignatureScheme};
use tokio_postgres_rustls::MakeRustlsConnect;

use super::error::io_reason;
use super::tls::{RootCerts, TlsOptions, TlsPolicy};
use super::ConnectError;

impl TlsOptions {
    pub(super) fn connector(&self) -> Result<MakeRustlsConnect, ConnectError> {
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
    pub(super) fn describe(&self, error: &rustls::Error) -> String {
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

#[cfg(test)]
mod tests {
    use super::super::fake_server::{no_database, tcp_server, tls, Seen, TestClient};
    use super::super::ConnectError;
    use std::fs;

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
}
