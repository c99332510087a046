//! `postgresql://` URLs → libpq keyword/value pairs, percent-decoded, read as libpq reads them:
//! credentials end at the last `@` before the path, and a bracketed host may be a socket path.

use std::borrow::Cow;

use percent_encoding::percent_decode_str;

const URL_PREFIXES: [&str; 2] = ["postgresql://", "postgres://"];

pub(super) fn strip_url_prefix(input: &str) -> Option<&str> {
    URL_PREFIXES
        .iter()
        .find_map(|prefix| input.strip_prefix(prefix))
}

/// `jdbc:postgresql` in `jdbc:postgresql://…`: a URL, but not one libpq reads.
pub(super) fn foreign_scheme(input: &str) -> Option<&str> {
    let (scheme, _) = input.split_once("://")?;
    let looks_like_scheme =
        !scheme.is_empty() && !scheme.contains(|c: char| c.is_whitespace() || c == '=');
    looks_like_scheme.then_some(scheme)
}

/// Split a URL into libpq keyword/value pairs, percent-decoding every part.
pub(super) fn parse_url(url: &str) -> Result<Vec<(String, String)>, String> {
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

#[cfg(test)]
mod tests {
    use super::super::test_support::{
        endpoints, parse_in, parse_ok, parse_ok_err, password, socket, tcp,
    };
    use super::super::tls::{RootCerts, TlsPolicy};
    use super::super::ConnectError;
    use std::time::Duration;

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
}
