//! Unified diffs of multi-line definitions (view queries, function bodies), made with imara-diff,
//! and telling a real change of a definition from a cosmetic one.

use imara_diff::intern::InternedInput;
use imara_diff::{diff, Algorithm, UnifiedDiffBuilder};

/// The unified diff from `old` to `new` lines, or `None` when they are equal.
pub fn unified(old: &[String], new: &[String]) -> Option<String> {
    if old == new {
        return None;
    }
    let before = joined(old);
    let after = joined(new);
    let input = InternedInput::new(before.as_str(), after.as_str());
    Some(diff(
        Algorithm::Histogram,
        &input,
        UnifiedDiffBuilder::new(&input),
    ))
}

fn joined(lines: &[String]) -> String {
    let mut text = String::new();
    for line in lines {
        text.push_str(line);
        text.push('\n');
    }
    text
}

/// How two texts that differ only cosmetically differ.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Cosmetic {
    /// Only in whitespace outside quoted text.
    Whitespace,
    /// Only in how the server spells the same expression: letter case outside quoted text,
    /// doubled parentheses, `~~` for `LIKE` and the like.
    Spelling,
}

impl Cosmetic {
    /// Ends the detail of a change that is only this.
    pub fn note(self) -> &'static str {
        match self {
            Cosmetic::Whitespace => "whitespace only",
            Cosmetic::Spelling => "same expression, spelled differently",
        }
    }

    /// Whether `detail` ends as a cosmetic change's detail does.
    pub fn ends(detail: &str) -> bool {
        [Cosmetic::Whitespace, Cosmetic::Spelling]
            .iter()
            .any(|c| detail.ends_with(&format!(": {}", c.note())))
    }
}

/// How the body of a function (the text between its outermost dollar quotes) is read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Body {
    /// Quoted text, compared byte for byte: a body in a language whose case or whitespace may
    /// matter (Python, Perl, …), and every dollar-quoted literal.
    Quoted,
    /// SQL or PL/pgSQL code, read as SQL; its own literals and comments stay byte for byte.
    Code,
}

/// `Some` when `old` and `new` differ, but only cosmetically.
pub fn cosmetic(old: &str, new: &str, body: Body) -> Option<Cosmetic> {
    if old == new {
        return None;
    }
    if squeeze(old, body) == squeeze(new, body) {
        return Some(Cosmetic::Whitespace);
    }
    (spelled(old, body) == spelled(new, body)).then_some(Cosmetic::Spelling)
}

/// What is open at a point of the text: a literal or comment compared byte for byte.
enum Open {
    /// `'…'`, and whether backslash escapes apply (`E'…'`).
    Single {
        escapes: bool,
    },
    Double,
    /// `$tag$…$tag$`, holding `$tag$`.
    Dollar(Vec<char>),
    LineComment,
    BlockComment,
}

/// Whether `c` continues an identifier (a `$` after an identifier's start is part of it).
fn word(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '$'
}

/// The dollar-quote delimiter (`$$`, `$tag$`) starting at `at`, if one does.
fn dollar_tag(chars: &[char], at: usize) -> Option<Vec<char>> {
    if chars[at] != '$' || (at > 0 && word(chars[at - 1])) {
        return None;
    }
    let mut end = at + 1;
    while end < chars.len() && chars[end] != '$' {
        let c = chars[end];
        let fits = c.is_alphabetic() || c == '_' || (end > at + 1 && c.is_alphanumeric());
        if !fits {
            return None;
        }
        end += 1;
    }
    (end < chars.len()).then(|| chars[at..=end].to_vec())
}

/// Text outside and inside quoted parts (literals, quoted identifiers, comments and, unless
/// `body` is code, a function's body), in order: (quoted, text).
fn pieces(text: &str, body: Body) -> Vec<(bool, String)> {
    let chars: Vec<char> = text.chars().collect();
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut push = |quoted: bool, run: &[char]| match out.last_mut() {
        Some((q, piece)) if *q == quoted => piece.extend(run),
        _ => out.push((quoted, run.iter().collect())),
    };
    let mut open: Option<Open> = None;
    // The delimiter of the function body being read as code.
    let mut code_body: Option<Vec<char>> = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        let mut len = 1;
        let quoted = match &open {
            Some(Open::Single { escapes }) => {
                if *escapes && c == '\\' && next.is_some() {
                    len = 2;
                } else if c == '\'' {
                    open = None;
                }
                true
            }
            Some(Open::Double) => {
                if c == '"' {
                    open = None;
                }
                true
            }
            Some(Open::Dollar(tag)) => {
                if chars[i..].starts_with(tag) {
                    len = tag.len();
                    open = None;
                }
                true
            }
            Some(Open::LineComment) => {
                if c == '\n' {
                    open = None;
                }
                true
            }
            Some(Open::BlockComment) => {
                if c == '*' && next == Some('/') {
                    len = 2;
                    open = None;
                }
                true
            }
            None => {
                if let Some(tag) = dollar_tag(&chars, i) {
                    len = tag.len();
                    if code_body.as_ref() == Some(&tag) {
                        code_body = None;
                        false
                    } else if body == Body::Code && code_body.is_none() {
                        code_body = Some(tag);
                        false
                    } else {
                        open = Some(Open::Dollar(tag));
                        true
                    }
                } else {
                    open = match (c, next) {
                        ('\'', _) => Some(Open::Single {
                            escapes: i > 0
                                && matches!(chars[i - 1], 'E' | 'e')
                                && !(i > 1 && word(chars[i - 2])),
                        }),
                        ('"', _) => Some(Open::Double),
                        ('-', Some('-')) => Some(Open::LineComment),
                        ('/', Some('*')) => Some(Open::BlockComment),
                        _ => None,
                    };
                    open.is_some()
                }
            }
        };
        let end = (i + len).min(chars.len());
        push(quoted, &chars[i..end]);
        i = end;
    }
    out
}

/// Whitespace outside quotes: runs become one space, and none is kept next to punctuation
/// (a quoted part counts as a word, so that `AS $$` stays apart and reads the same again).
fn squeeze(text: &str, body: Body) -> String {
    let mut out = String::new();
    let mut pending_space = false;
    for (quoted, piece) in pieces(text, body) {
        if quoted {
            if pending_space && out.chars().next_back().is_some_and(word) {
                out.push(' ');
            }
            pending_space = false;
            out.push_str(&piece);
            continue;
        }
        for c in piece.chars() {
            if c.is_whitespace() {
                pending_space = true;
                continue;
            }
            if pending_space && out.chars().next_back().is_some_and(word) && word(c) {
                out.push(' ');
            }
            pending_space = false;
            out.push(c);
        }
    }
    out.trim().to_string()
}

/// [`squeeze`]d, lower-cased outside quotes, operators named as words, doubled parentheses
/// made single.
fn spelled(text: &str, body: Body) -> String {
    let mut out = String::new();
    for (quoted, piece) in pieces(&squeeze(text, body), body) {
        if quoted {
            out.push_str(&piece);
        } else {
            let piece = piece
                .to_lowercase()
                .replace("!~~*", " not ilike ")
                .replace("~~*", " ilike ")
                .replace("!~~", " not like ")
                .replace("~~", " like ");
            out.push_str(&piece);
        }
    }
    let mut text = squeeze(&out, body);
    loop {
        let single = undouble(&text, body);
        if single == text {
            return text;
        }
        text = single;
    }
}

/// `((x))` → `(x)`: one pair of parentheses outside quotes that directly holds another whole
/// pair.
fn undouble(text: &str, body: Body) -> String {
    let mut chars: Vec<(bool, char)> = Vec::new();
    for (quoted, piece) in pieces(text, body) {
        chars.extend(piece.chars().map(|c| (quoted, c)));
    }
    let mut closing = vec![None; chars.len()];
    let mut open = Vec::new();
    for (i, &(quoted, c)) in chars.iter().enumerate() {
        match (quoted, c) {
            (false, '(') => open.push(i),
            (false, ')') => {
                if let Some(start) = open.pop() {
                    closing[start] = Some(i);
                }
            }
            _ => {}
        }
    }
    for (start, end) in closing
        .iter()
        .enumerate()
        .filter_map(|(s, e)| e.map(|e| (s, e)))
    {
        if end > start + 1 && closing[start + 1] == Some(end - 1) {
            let kept = |range: &[(bool, char)]| range.iter().map(|&(_, c)| c).collect::<String>();
            return kept(&chars[..start])
                + &kept(&chars[start + 1..end])
                + &kept(&chars[end + 1..]);
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn expression(old: &str, new: &str) -> Option<Cosmetic> {
        cosmetic(old, new, Body::Quoted)
    }

    #[test]
    fn whitespace_and_spelling_are_cosmetic_and_nothing_else_is() {
        assert_eq!(
            expression("SELECT  a ,b\nFROM t", "SELECT a, b FROM t"),
            Some(Cosmetic::Whitespace)
        );
        assert_eq!(
            expression(
                "CHECK ((email ~~ '%@%'::text))",
                "CHECK (email LIKE '%@%'::text)"
            ),
            Some(Cosmetic::Spelling)
        );
        assert_eq!(expression("SELECT 'a  b'", "SELECT 'a b'"), None);
        assert_eq!(expression("SELECT ab", "SELECT a b"), None);
        assert_eq!(expression("(a + b) * c", "a + b * c"), None);
        assert_eq!(expression("SELECT 'A'", "select 'a'"), None);
        assert_eq!(expression("SELECT '((a))'", "SELECT '(a)'"), None);
        assert_eq!(expression("x", "x"), None);
    }

    #[test]
    fn dollar_quoted_text_is_compared_byte_for_byte() {
        let plpython =
            |body: &str| format!("CREATE FUNCTION f() LANGUAGE plpython3u AS $$ {body} $$");
        assert_eq!(
            expression(&plpython("return 'a'"), &plpython("RETURN 'a'")),
            None
        );
        assert_eq!(
            expression(
                &plpython("if x:\n  return 1"),
                &plpython("if x:\n    return 1")
            ),
            None
        );
        assert_eq!(expression("SELECT $q$A$q$", "select $q$a$q$"), None);
        assert_eq!(
            expression("SELECT $q$A$q$", "select  $q$A$q$"),
            Some(Cosmetic::Spelling)
        );
        assert_eq!(
            expression("SELECT $1 + a$b", "select $1 + A$B"),
            Some(Cosmetic::Spelling)
        );
    }

    #[test]
    fn an_sql_body_is_code_whose_literals_and_comments_are_byte_for_byte() {
        let sql = |body: &str| {
            format!("CREATE FUNCTION f()\n LANGUAGE plpgsql\nAS $function$ {body} $function$")
        };
        let code = |old: &str, new: &str| cosmetic(&sql(old), &sql(new), Body::Code);
        assert_eq!(
            code("BEGIN RETURN 1; END", "begin\n  return 1;\nend"),
            Some(Cosmetic::Spelling)
        );
        assert_eq!(
            code("begin return 1; end", "begin\n  return 1;\nend"),
            Some(Cosmetic::Whitespace)
        );
        assert_eq!(code("RETURN 'A';", "return 'a';"), None);
        assert_eq!(
            code("EXECUTE $q$SELECT 1$q$;", "execute $q$select 1$q$;"),
            None
        );
        assert_eq!(code("RETURN E'it\\'S';", "return E'it\\'s';"), None);
        assert_eq!(
            code("-- don't\nRETURN 'A';", "-- don't\nreturn 'A';"),
            Some(Cosmetic::Spelling)
        );
        assert_eq!(code("-- don't\nRETURN 'A';", "-- Don't\nRETURN 'A';"), None);
        assert_eq!(code("/* Note */ RETURN 1;", "/* note */ RETURN 1;"), None);
    }

    fn lines(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    #[test]
    fn one_changed_line_is_one_minus_and_one_plus() {
        let diff = unified(&lines("a\nb\nc"), &lines("a\nB\nc")).unwrap();
        assert!(diff.contains("-b\n+B\n"), "{diff}");
        assert!(diff.starts_with("@@"), "{diff}");
        assert_eq!(unified(&lines("a"), &lines("a")), None);
    }
}
