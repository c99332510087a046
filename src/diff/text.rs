//! Unified diffs of multi-line definitions (view queries, function bodies), made with imara-diff.

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

#[cfg(test)]
mod tests {
    use super::*;

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
