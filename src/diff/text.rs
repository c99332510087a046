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

/// `Some` when `old` and `new` differ, but only cosmetically.
pub fn cosmetic(old: &str, new: &str) -> Option<Cosmetic> {
    if old == new {
        return None;
    }
    if squeeze(old) == squeeze(new) {
        return Some(Cosmetic::Whitespace);
    }
    (spelled(old) == spelled(new)).then_some(Cosmetic::Spelling)
}

/// Text outside and inside single- or double-quoted parts, in order: (quoted, text).
fn pieces(text: &str) -> Vec<(bool, String)> {
    let mut out: Vec<(bool, String)> = Vec::new();
    let mut quote: Option<char> = None;
    for c in text.chars() {
        let quoted = match quote {
            Some(q) => {
                if c == q {
                    quote = None;
                }
                true
            }
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                true
            }
            None => false,
        };
        match out.last_mut() {
            Some((q, piece)) if *q == quoted => piece.push(c),
            _ => out.push((quoted, c.to_string())),
        }
    }
    out
}

/// Whitespace outside quotes: runs become one space, and none is kept next to punctuation.
fn squeeze(text: &str) -> String {
    let word = |c: char| c.is_alphanumeric() || c == '_' || c == '$';
    let mut out = String::new();
    for (quoted, piece) in pieces(text) {
        if quoted {
            out.push_str(&piece);
            continue;
        }
        let mut pending_space = false;
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
fn spelled(text: &str) -> String {
    let mut out = String::new();
    for (quoted, piece) in pieces(&squeeze(text)) {
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
    let mut text = squeeze(&out);
    loop {
        let single = undouble(&text);
        if single == text {
            return text;
        }
        text = single;
    }
}

/// `((x))` → `(x)`: one pair of parentheses that directly holds another whole pair.
fn undouble(text: &str) -> String {
    let chars: Vec<char> = text.chars().collect();
    let mut closing = vec![None; chars.len()];
    let mut open = Vec::new();
    for (i, c) in chars.iter().enumerate() {
        match c {
            '(' => open.push(i),
            ')' => {
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
        if end > start + 1 && chars[start + 1] == '(' && closing[start + 1] == Some(end - 1) {
            let mut out: String = chars[..start].iter().collect();
            out.extend(&chars[start + 1..end]);
            out.extend(&chars[end + 1..]);
            return out;
        }
    }
    text.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whitespace_and_spelling_are_cosmetic_and_nothing_else_is() {
        assert_eq!(
            cosmetic("SELECT  a ,b\nFROM t", "SELECT a, b FROM t"),
            Some(Cosmetic::Whitespace)
        );
        assert_eq!(
            cosmetic(
                "CHECK ((email ~~ '%@%'::text))",
                "CHECK (email LIKE '%@%'::text)"
            ),
            Some(Cosmetic::Spelling)
        );
        assert_eq!(cosmetic("SELECT 'a  b'", "SELECT 'a b'"), None);
        assert_eq!(cosmetic("SELECT ab", "SELECT a b"), None);
        assert_eq!(cosmetic("(a + b) * c", "a + b * c"), None);
        assert_eq!(cosmetic("SELECT 'A'", "select 'a'"), None);
        assert_eq!(cosmetic("x", "x"), None);
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
