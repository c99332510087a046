//! [`redact`]: passwords hidden in text that echoes what a user typed, such as error messages.

use std::borrow::Cow;

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

#[cfg(test)]
mod tests {
    use super::*;

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
}
