//! From what a user pastes plus the libpq environment to [`ConnectOptions`]: the options by
//! keyword (the input before the environment, the last occurrence winning), libpq's defaults for
//! hosts, ports and `connect_timeout`, options refused as unsupported, and the rest handed to
//! tokio-postgres's parser to validate. Errors say whether the input or which variable was wrong.

use std::collections::BTreeMap;
use std::error::Error as StdError;
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;
use std::time::Duration;

use tokio_postgres::Config;

use super::conninfo::{parse_conninfo, quote_conninfo};
use super::environment::{os_user_name, ENVIRONMENT};
use super::options::{Endpoint, Target};
use super::pgpass::{load_pgpass, pgpass_password, PgpassFile};
use super::tls::tls_options;
use super::url::{foreign_scheme, parse_url, strip_url_prefix};
use super::{redact, ConnectError, ConnectOptions};
use crate::report::changes::counted;

const DEFAULT_PORT: u16 = 5432;
/// libpq waits forever by default; a snapshot job in CI should fail instead.
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Where Debian-style and upstream builds put the server socket, tried in this order.
const DEFAULT_SOCKET_DIRS: [&str; 2] = ["/var/run/postgresql", "/tmp"];

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

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Origin {
    Input,
    Env(&'static str),
}

pub(super) struct Setting {
    pub(super) value: String,
    origin: Origin,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum Form {
    Url,
    Conninfo,
}

/// The user's input, for error messages.
pub(super) struct Source<'a> {
    input: &'a str,
    form: Form,
}

impl Source<'_> {
    pub(super) fn invalid(&self, setting: &Setting, reason: impl Into<String>) -> ConnectError {
        match setting.origin {
            Origin::Env(var) => ConnectError::InvalidEnvironment {
                var,
                value: setting.value.clone(),
                reason: reason.into(),
            },
            Origin::Input => self.invalid_input(reason.into()),
        }
    }

    pub(super) fn invalid_input(&self, reason: String) -> ConnectError {
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
pub(super) struct Settings {
    by_key: BTreeMap<String, Setting>,
}

impl Settings {
    pub(super) fn take(&mut self, key: &str) -> Option<Setting> {
        self.by_key.remove(key)
    }

    pub(super) fn take_value(&mut self, key: &str) -> Option<String> {
        self.take(key).map(|setting| setting.value)
    }
}

/// [`ConnectOptions::parse`] with the environment and home directory passed in, so that tests
/// need not touch the process's own.
pub(super) fn parse_with(
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
                    let reason = format!(
                        "{} for {}",
                        counted(listed.len(), "port"),
                        counted(count, "host")
                    );
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{endpoints, parse_in, parse_ok, parse_ok_err, tcp};
    use super::*;
    use std::fs;

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
}
