//! A migration file's SQL as the statements the server will see: split at top-level
//! semicolons (not inside strings, quoted identifiers, dollar quotes or comments), and whether a
//! statement refuses to run inside a transaction block.

/// One statement of a script, and the 0-based line of the script it starts on.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    pub sql: &'a str,
    pub line: u32,
}

/// The statements of `script`, each with its comments and without the semicolon that ends it;
/// statements that hold nothing but whitespace and comments are left out.
pub fn split(script: &str) -> Vec<Statement<'_>> {
    let bytes = script.as_bytes();
    let mut statements = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut push = |from: usize, to: usize| {
        let sql = &script[from..to];
        if !strip_comments(sql).trim().is_empty() {
            let leading = sql.len() - sql.trim_start().len();
            let line = count_lines(&script[..from + leading]);
            statements.push(Statement {
                sql: sql.trim(),
                line,
            });
        }
    };
    while i < bytes.len() {
        match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = script[i..].find('\n').map_or(bytes.len(), |n| i + n + 1);
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => i = block_comment_end(bytes, i),
            b'\'' => {
                let escapes =
                    i > 0 && matches!(bytes[i - 1], b'e' | b'E') && !ident_before(bytes, i - 1);
                i = quoted_end(bytes, i, b'\'', escapes);
            }
            b'"' => i = quoted_end(bytes, i, b'"', false),
            b'$' => i = dollar_end(script, i),
            b';' => {
                push(start, i);
                i += 1;
                start = i;
            }
            _ => i += 1,
        }
    }
    push(start, bytes.len());
    statements
}

/// Whether the byte before `at` continues an identifier (so `e'` in `type'…'` is no escape
/// string prefix).
fn ident_before(bytes: &[u8], at: usize) -> bool {
    at > 0 && (bytes[at - 1].is_ascii_alphanumeric() || bytes[at - 1] == b'_')
}

fn count_lines(text: &str) -> u32 {
    u32::try_from(text.matches('\n').count()).unwrap_or(u32::MAX)
}

/// Block comments nest in PostgreSQL.
fn block_comment_end(bytes: &[u8], start: usize) -> usize {
    let mut depth = 0;
    let mut i = start;
    while i < bytes.len() {
        if bytes[i] == b'/' && bytes.get(i + 1) == Some(&b'*') {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes.get(i + 1) == Some(&b'/') {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The end of a quoted run opened at `start`: a doubled quote stays inside; with `escapes`
/// (an `E'…'` string) a backslash escapes the next byte.
fn quoted_end(bytes: &[u8], start: usize, quote: u8, escapes: bool) -> usize {
    let mut i = start + 1;
    while i < bytes.len() {
        if escapes && bytes[i] == b'\\' {
            i += 2;
        } else if bytes[i] == quote {
            if bytes.get(i + 1) == Some(&quote) {
                i += 2;
            } else {
                return i + 1;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// The end of a dollar-quoted string opened at `start` (`$$…$$`, `$body$…$body$`); a `$` that
/// opens no tag (a parameter `$1`) is one byte.
fn dollar_end(script: &str, start: usize) -> usize {
    let rest = &script[start + 1..];
    let tag_len = rest
        .find(|c: char| !(c.is_alphanumeric() || c == '_'))
        .unwrap_or(rest.len());
    let tag = &rest[..tag_len];
    if rest.as_bytes().get(tag_len) != Some(&b'$') || tag.starts_with(|c: char| c.is_ascii_digit())
    {
        return start + 1;
    }
    let delimiter = &script[start..start + tag_len + 2];
    let body = start + delimiter.len();
    script[body..]
        .find(delimiter)
        .map_or(script.len(), |n| body + n + delimiter.len())
}

/// `sql` without its `--` and `/* */` comments (strings are kept as they are).
pub(super) fn strip_comments(sql: &str) -> String {
    let bytes = sql.as_bytes();
    let mut out = String::with_capacity(sql.len());
    let mut i = 0;
    let mut kept = 0;
    while i < bytes.len() {
        let skip_to = match bytes[i] {
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                Some(sql[i..].find('\n').map_or(bytes.len(), |n| i + n))
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => Some(block_comment_end(bytes, i)),
            b'\'' => {
                i = quoted_end(bytes, i, b'\'', false);
                None
            }
            b'"' => {
                i = quoted_end(bytes, i, b'"', false);
                None
            }
            b'$' => {
                i = dollar_end(sql, i);
                None
            }
            _ => {
                i += 1;
                None
            }
        };
        if let Some(end) = skip_to {
            out.push_str(&sql[kept..i]);
            out.push(' ');
            i = end;
            kept = end;
        }
    }
    out.push_str(&sql[kept.min(sql.len())..]);
    out
}

/// Whether the server refuses to run `statement` inside a transaction block: `CREATE INDEX
/// CONCURRENTLY` and its kin, `VACUUM`, `CREATE DATABASE`, `ALTER SYSTEM`, …
pub fn refuses_transaction(statement: &str) -> bool {
    let text = strip_comments(statement).to_ascii_uppercase();
    let words: Vec<&str> = text.split_whitespace().collect();
    let starts = |prefix: &[&str]| words.len() >= prefix.len() && words[..prefix.len()] == *prefix;
    let concurrently = words.iter().take(4).any(|w| *w == "CONCURRENTLY");
    (starts(&["CREATE", "INDEX"])
        || starts(&["CREATE", "UNIQUE", "INDEX"])
        || starts(&["DROP", "INDEX"]))
        && concurrently
        || starts(&["REINDEX"]) && words.contains(&"CONCURRENTLY")
        || starts(&["ALTER", "TABLE"])
            && words.contains(&"DETACH")
            && words.contains(&"CONCURRENTLY")
        || starts(&["VACUUM"])
        || starts(&["CREATE", "DATABASE"])
        || starts(&["DROP", "DATABASE"])
        || starts(&["CREATE", "TABLESPACE"])
        || starts(&["DROP", "TABLESPACE"])
        || starts(&["ALTER", "SYSTEM"])
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sqls(script: &str) -> Vec<&str> {
        split(script).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn semicolons_inside_strings_comments_and_bodies_do_not_split() {
        let script = "create table a (x text default ';');\n\
                      -- a comment; still a comment\n\
                      create function f() returns int language plpgsql as $body$ begin return 1; end $body$;\n\
                      /* block ; /* nested ; */ still */ select \"we;ird\" from a;\n\
                      select E'it\\'s;';\n\
                      select $1;";
        assert_eq!(
            sqls(script),
            [
                "create table a (x text default ';')",
                "-- a comment; still a comment\ncreate function f() returns int language plpgsql as $body$ begin return 1; end $body$",
                "/* block ; /* nested ; */ still */ select \"we;ird\" from a",
                "select E'it\\'s;'",
                "select $1",
            ]
        );
    }

    #[test]
    fn empty_statements_and_trailing_comments_are_left_out_and_lines_are_counted() {
        let script = "\n\nselect 1;;\n-- done\n\n  select\n 2;\n-- the end\n";
        let statements = split(script);
        assert_eq!(
            statements,
            [
                Statement {
                    sql: "select 1",
                    line: 2
                },
                Statement {
                    sql: "-- done\n\n  select\n 2",
                    line: 3
                },
            ]
        );
    }

    #[test]
    fn statements_that_refuse_a_transaction_are_recognised() {
        for sql in [
            "CREATE INDEX CONCURRENTLY users_email ON users (email)",
            "create unique index concurrently if not exists x on t (a)",
            "-- why\nDROP INDEX CONCURRENTLY x",
            "REINDEX INDEX CONCURRENTLY x",
            "vacuum analyze t",
            "CREATE DATABASE other",
            "ALTER SYSTEM SET work_mem = '8MB'",
        ] {
            assert!(refuses_transaction(sql), "{sql}");
        }
        for sql in [
            "CREATE INDEX users_email ON users (email)",
            "select 'CREATE INDEX CONCURRENTLY'",
            "comment on table t is 'vacuum'",
        ] {
            assert!(!refuses_transaction(sql), "{sql}");
        }
    }
}
