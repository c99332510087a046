//! libpq's `key=value` connection strings → keyword/value pairs, and a value quoted back into
//! that syntax.

/// libpq's `key=value` syntax: whitespace-separated, values optionally in single quotes,
/// backslash escaping the next character. Errors name keywords, never values.
pub(super) fn parse_conninfo(text: &str) -> Result<Vec<(String, String)>, String> {
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

pub(super) fn quote_conninfo(value: &str) -> String {
    format!("'{}'", value.replace('\\', "\\\\").replace('\'', "\\'"))
}

#[cfg(test)]
mod tests {
    use super::super::test_support::{endpoints, parse_ok, parse_ok_err, password, socket, tcp};
    use super::super::ConnectError;

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
}
