//! The libpq environment: which `PG*` variable defaults which option, and the operating-system
//! user and home directory that libpq falls back on.

use std::path::PathBuf;

use super::ConnectError;

/// The libpq environment variables we honour, by the option each one defaults. `PGAPPNAME` is
/// left out on purpose (see `APPLICATION_NAME`); `PGSERVICE` is read only to refuse it, since
/// silently ignoring it would connect somewhere the user did not mean.
pub(super) const ENVIRONMENT: [(&str, &str); 18] = [
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

pub(super) fn os_user_name() -> Result<String, ConnectError> {
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

pub(super) fn home_dir() -> Option<PathBuf> {
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

#[cfg(test)]
mod tests {
    use super::super::settings::parse_with;
    use super::super::test_support::{endpoints, parse_in, password, tcp};
    use super::super::tls::TlsPolicy;
    use std::time::Duration;

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
    fn invalid_environment_names_the_variable() {
        let error = parse_in("", &[("PGUSER", "u"), ("PGPORT", "abc")]).unwrap_err();
        assert_eq!(
            error.to_string(),
            "invalid PGPORT \"abc\": a port must be a number from 1 to 65535"
        );
        assert!(error.hint().is_some());
    }
}
