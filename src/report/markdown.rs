//! The markdown report of `check`, `diff` and `snapshot --format markdown`: a pull-request body
//! or a GitHub issue that says what was compared (environment, database without credentials,
//! revision), counts the changes by severity in a table, lists them by severity, and shows
//! definitions in `diff` blocks. It stays under GitHub's size limit for a body: past
//! [`BUDGET`] bytes the rest of the changes are counted, not listed.

use std::fmt::Write as _;
use std::io::{self, Write};

use super::changes::{summary_line, SEVERITIES};
use crate::diff::{Change, Severity, Summary};

/// GitHub refuses a pull-request or issue body over 65,536 characters; this leaves room.
pub const BUDGET: usize = 60_000;

/// What a report is about, each fact one row of the table under the title: (label, value).
pub struct Subject<'a> {
    pub title: &'a str,
    pub facts: &'a [(String, String)],
    /// Where to see every change when the report is cut short.
    pub full_list: &'a str,
}

fn marker(severity: Severity) -> &'static str {
    match severity {
        Severity::Critical => "🔴",
        Severity::Warning => "🟠",
        Severity::Info => "🔵",
    }
}

fn escape(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for c in text.chars() {
        if matches!(c, '*' | '_' | '`' | '|' | '<' | '[' | ']' | '\\') {
            escaped.push('\\');
        }
        escaped.push(c);
    }
    escaped
}

/// Inline code that holds any text: a fence longer than any run of backticks inside.
fn code(text: &str) -> String {
    let longest = text.split(|c| c != '`').map(str::len).max().unwrap_or(0);
    let fence = "`".repeat(longest + 1);
    let pad = if text.starts_with('`') || text.ends_with('`') {
        " "
    } else {
        ""
    };
    format!("{fence}{pad}{}{pad}{fence}", text.replace('\n', " "))
}

fn change_item(change: &Change) -> String {
    let mut item = format!(
        "- **{}** {} {}: {}\n",
        change.action.as_str(),
        change.kind.replace('_', " "),
        code(&change.object),
        escape(&change.detail)
    );
    if let Some(diff) = &change.text_diff {
        let fence = if diff.contains("```") { "````" } else { "```" };
        let _ = writeln!(item, "\n  {fence}diff");
        for line in diff.lines() {
            let _ = writeln!(item, "  {line}");
        }
        let _ = writeln!(item, "  {fence}");
    }
    item
}

pub fn write_markdown(
    out: &mut dyn Write,
    subject: &Subject,
    changes: &[Change],
) -> io::Result<()> {
    let mut text = format!("## {}\n\n", escape(subject.title));
    if !subject.facts.is_empty() {
        text.push_str("| | |\n|---|---|\n");
        for (label, value) in subject.facts {
            let _ = writeln!(text, "| {label} | {} |", code(value).replace('|', "\\|"));
        }
        text.push('\n');
    }
    if changes.is_empty() {
        text.push_str("No changes.\n");
        return out.write_all(text.as_bytes());
    }
    let summary = Summary::of(changes);
    let _ = writeln!(text, "**{}**\n", summary_line(changes));
    text.push_str("| severity | changes |\n|---|---:|\n");
    for (severity, count) in [
        (Severity::Critical, summary.critical),
        (Severity::Warning, summary.warning),
        (Severity::Info, summary.info),
    ] {
        let _ = writeln!(text, "| {} {severity} | {count} |", marker(severity));
    }
    let mut left_out = 0;
    for severity in SEVERITIES {
        let group: Vec<&Change> = changes.iter().filter(|c| c.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        let _ = writeln!(text, "\n### {} {severity}\n", marker(severity));
        for change in group {
            let item = change_item(change);
            if text.len() + item.len() > BUDGET {
                left_out += 1;
                continue;
            }
            text.push_str(&item);
        }
    }
    if left_out > 0 {
        let _ = writeln!(
            text,
            "\n… and {left_out} more not listed here: {}",
            subject.full_list
        );
    }
    out.write_all(text.as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Action;

    fn change(severity: Severity, object: &str, detail: &str, diff: Option<&str>) -> Change {
        Change {
            severity,
            kind: if diff.is_some() { "function" } else { "column" },
            object: object.into(),
            parent: object.into(),
            action: Action::Changed,
            detail: detail.into(),
            text_diff: diff.map(str::to_string),
        }
    }

    fn render(changes: &[Change]) -> String {
        let facts = [
            ("Environment".to_string(), "prod".to_string()),
            (
                "Database".to_string(),
                "postgresql://app@db/app".to_string(),
            ),
        ];
        let subject = Subject {
            title: "Schema drift in prod",
            facts: &facts,
            full_list: "`schemagit check --env prod`",
        };
        let mut out = Vec::new();
        write_markdown(&mut out, &subject, changes).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn names_what_was_compared_counts_and_lists_by_severity() {
        let text = render(&[
            change(
                Severity::Critical,
                "app.users.email",
                "type character varying(100) -> text",
                None,
            ),
            change(
                Severity::Info,
                "app.f(integer)",
                "definition changed",
                Some("@@ -1 +1 @@\n-select 1\n+select 2\n"),
            ),
        ]);
        assert_eq!(
            text,
            "## Schema drift in prod\n\n| | |\n|---|---|\n| Environment | `prod` |\n| Database | `postgresql://app@db/app` |\n\n\
             **2 changes: 1 critical, 0 warnings, 1 info**\n\n\
             | severity | changes |\n|---|---:|\n| 🔴 critical | 1 |\n| 🟠 warning | 0 |\n| 🔵 info | 1 |\n\
             \n### 🔴 critical\n\n- **changed** column `app.users.email`: type character varying(100) -> text\n\
             \n### 🔵 info\n\n- **changed** function `app.f(integer)`: definition changed\n\n  ```diff\n  @@ -1 +1 @@\n  -select 1\n  +select 2\n  ```\n"
        );
        assert!(render(&[]).ends_with("No changes.\n"));
    }

    #[test]
    fn names_with_backticks_stay_code_and_long_reports_are_cut() {
        assert_eq!(code("a`b"), "``a`b``");
        let many: Vec<Change> = (0..2000)
            .map(|i| {
                change(
                    Severity::Warning,
                    &format!("app.t{i}.c"),
                    &"x".repeat(40),
                    None,
                )
            })
            .collect();
        let text = render(&many);
        assert!(text.len() <= BUDGET + 200, "{}", text.len());
        assert!(text.contains("more not listed here: `schemagit check --env prod`"));
    }
}
