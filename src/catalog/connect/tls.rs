//! libpq's `sslmode` and other `ssl*` options → [`TlsOptions`]: what TLS does over TCP, after
//! libpq's upgrade rules (a root certificate at hand makes `require` check the chain,
//! `sslrootcert=system` implies `verify-full`) and its default files in `~/.postgresql`.

use std::path::{Path, PathBuf};

use rustls::SupportedProtocolVersion;

use super::settings::{Setting, Settings, Source};
use super::ConnectError;

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
pub(super) enum RootCerts {
    File(PathBuf),
    /// `sslrootcert=system`: the public web PKI, as bundled by webpki-roots.
    System,
}

/// What TLS does over TCP once sslmode, root certificates and libpq's upgrade rules are
/// settled. The verifying policies carry their roots, so a check cannot lose them.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) enum TlsPolicy {
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
pub(super) struct TlsOptions {
    pub(super) policy: TlsPolicy,
    pub(super) client_cert: Option<ClientCert>,
    pub(super) crl: Option<PathBuf>,
    pub(super) sni: bool,
    pub(super) versions: Vec<&'static SupportedProtocolVersion>,
}

#[derive(Clone, Debug)]
pub(super) struct ClientCert {
    pub(super) cert: PathBuf,
    pub(super) key: PathBuf,
}

pub(super) fn tls_options(
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

#[cfg(test)]
mod tests {
    use super::super::fake_server::TEST_CA;
    use super::super::settings::parse_with;
    use super::super::test_support::{env_from, parse_in, parse_ok, parse_ok_err};
    use super::*;
    use std::fs;

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
}
