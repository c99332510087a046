//! Secrets never leave the catalog reader: option and setting values whose names say they are
//! secrets become `<redacted>`, and SQL text shown to a person has its literals blanked.

/// Words that, in an option's or setting's name, mark its value as a secret.
pub(crate) const SECRET_WORDS: &[&str] = &[
    "password",
    "passwd",
    "secret",
    "token",
    "api_key",
    "apikey",
    "passphrase",
    "private_key",
    "access_key",
    "credential",
];

pub(crate) const REDACTED: &str = "<redacted>";

fn is_secret(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    SECRET_WORDS.iter().any(|word| name.contains(word))
}

/// `name=value` (an option, or a setting as `ALTER … SET` stores it) with the value replaced
/// when the name says it is a secret.
fn redact_assignment(assignment: &str) -> String {
    match assignment.split_once('=') {
        Some((name, _)) if is_secret(name) => format!("{name}={REDACTED}"),
        _ => assignment.to_string(),
    }
}

/// Options redacted and sorted: their order carries no meaning, and `pg_dump` does not keep it.
pub(super) fn redact_options(options: Vec<String>) -> Vec<String> {
    let mut options: Vec<String> = options.iter().map(|o| redact_assignment(o)).collect();
    options.sort();
    options
}

/// Settings (`ALTER DATABASE … SET`, `ALTER ROLE … IN DATABASE … SET`, `ALTER FUNCTION … SET`)
/// redacted, in their order.
pub(super) fn redact_settings(settings: Vec<String>) -> Vec<String> {
    settings.iter().map(|s| redact_assignment(s)).collect()
}

/// A function's deparsed `CREATE` text with the values of secret `SET name TO value` clauses
/// replaced (`pg_get_functiondef` writes each on a line of its own).
pub(super) fn redact_definition(definition: &str) -> String {
    let mut out = String::with_capacity(definition.len());
    for line in definition.split_inclusive('\n') {
        let body = line.trim_end_matches('\n');
        let redacted = body
            .strip_prefix(" SET ")
            .and_then(|rest| rest.split_once(" TO "))
            .filter(|(name, _)| is_secret(name))
            .map(|(name, _)| format!(" SET {name} TO '{REDACTED}'"));
        match redacted {
            Some(text) => {
                out.push_str(&text);
                out.push_str(&line[body.len()..]);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// SQL text with the content of every string literal (`'…'`, `E'…'`, `$tag$…$tag$`) replaced by
/// `…`, so a statement such as `ALTER ROLE bob PASSWORD 'x'` can be shown without its secret.
/// Unterminated literals are blanked to the end, and so are plain literals holding a
/// backslash: whether `\'` ends one depends on `standard_conforming_strings`, and either
/// reading could show part of a secret.
pub(super) fn redact_sql(sql: &str) -> String {
    let mut out = String::with_capacity(sql.len());
    let mut rest = sql;
    while let Some(start) = rest.find(['\'', '$']) {
        let (before, from) = rest.split_at(start);
        out.push_str(before);
        if let Some(quoted) = from.strip_prefix('\'') {
            // `E'…'` only as a token of its own: `date'…'` is a plain literal.
            let escapes = before.ends_with(['E', 'e'])
                && !before[..before.len() - 1]
                    .ends_with(|c: char| c.is_alphanumeric() || c == '_' || c == '$');
            out.push_str("'…'");
            rest = skip_quoted(quoted, escapes);
        } else if let Some(tag) = dollar_tag(from) {
            out.push_str(tag);
            out.push('…');
            out.push_str(tag);
            rest = match from[tag.len()..].find(tag) {
                Some(end) => &from[tag.len() + end + tag.len()..],
                None => "",
            };
        } else {
            out.push('$');
            rest = &from[1..];
        }
    }
    out.push_str(rest);
    out
}

/// What follows a single-quoted literal whose opening quote has been consumed: nothing when it
/// is unterminated, or plain and holding a backslash (ambiguous).
fn skip_quoted(text: &str, backslash_escapes: bool) -> &str {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash_escapes => i += 2,
            b'\\' => return "",
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return &text[i + 1..],
            _ => i += 1,
        }
    }
    ""
}

/// The `$tag$` that opens a dollar-quoted literal at the start of `text`, if one does.
fn dollar_tag(text: &str) -> Option<&str> {
    let inner = &text[1..];
    let end = inner.find('$')?;
    let tag = &inner[..end];
    let valid = tag
        .chars()
        .enumerate()
        .all(|(i, c)| c == '_' || c.is_alphabetic() || (i > 0 && c.is_ascii_digit()));
    valid.then(|| &text[..end + 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_in_sql_text_are_blanked() {
        assert_eq!(
            redact_sql("ALTER ROLE bob PASSWORD 'hunter2'"),
            "ALTER ROLE bob PASSWORD '…'"
        );
        assert_eq!(
            redact_sql("CREATE USER MAPPING FOR x SERVER s OPTIONS (password 'it''s')"),
            "CREATE USER MAPPING FOR x SERVER s OPTIONS (password '…')"
        );
        assert_eq!(redact_sql(r"SELECT E'a\'b', 1"), r"SELECT E'…', 1");
        assert_eq!(
            redact_sql("DO $x$ BEGIN PERFORM 'p'; END $x$; SELECT $$s$$"),
            "DO $x$…$x$; SELECT $$…$$"
        );
        assert_eq!(redact_sql("SELECT $1, a$b FROM t"), "SELECT $1, a$b FROM t");
        assert_eq!(redact_sql("LOCK TABLE t"), "LOCK TABLE t");
        assert_eq!(
            redact_sql("ALTER ROLE x PASSWORD 'unterminated"),
            "ALTER ROLE x PASSWORD '…'"
        );
    }

    #[test]
    fn a_literal_that_backslashes_make_ambiguous_leaks_nothing() {
        // Whether `\'` ends a plain literal depends on standard_conforming_strings: either
        // reading may be the server's, so neither may show a secret.
        for sql in [
            r"ALTER ROLE bob PASSWORD 'a\'secret'",
            r"ALTER ROLE bob PASSWORD 'C:\' || 'secret'",
            r"SELECT date'x\' , 'secret'",
            r"SELECT U&'d\0061t\+000061' , 'secret'",
        ] {
            let shown = redact_sql(sql);
            assert!(!shown.contains("secret"), "{sql} shows {shown}");
        }
        assert_eq!(redact_sql(r"SELECT E'a\\', 'secret'"), r"SELECT E'…', '…'");
        assert_eq!(redact_sql(r"SELECT e'it\'s secret', 1"), r"SELECT e'…', 1");
        assert_eq!(redact_sql(r"SELECT 'plain', 2"), r"SELECT '…', 2");
    }

    #[test]
    fn secret_settings_and_options_are_redacted() {
        assert_eq!(
            redact_settings(vec![
                "app.api_token=abc".into(),
                "work_mem=64MB".into(),
                "myext.Password=p=q".into(),
            ]),
            vec![
                "app.api_token=<redacted>",
                "work_mem=64MB",
                "myext.Password=<redacted>"
            ]
        );
        assert_eq!(
            redact_options(vec!["user=app".into(), "password=pw".into()]),
            vec!["password=<redacted>", "user=app"]
        );
    }

    #[test]
    fn secret_set_clauses_of_a_function_are_redacted() {
        let definition = "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\n SET \"app.secret\" TO 'swordfish'\n SET work_mem TO '64MB'\nAS $function$SELECT 1$function$\n";
        assert_eq!(
            redact_definition(definition),
            "CREATE OR REPLACE FUNCTION public.f()\n RETURNS integer\n LANGUAGE sql\n SET \"app.secret\" TO '<redacted>'\n SET work_mem TO '64MB'\nAS $function$SELECT 1$function$\n"
        );
    }
}
