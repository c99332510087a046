//! Change lists for people and machines: human text (grouped by severity, then object; colour
//! only when asked) and the documented JSON wire shape. Markdown is in [`super::markdown`].

use std::io::{self, Write};

use serde::Serialize;

use crate::diff::{Change, Severity, Summary};

/// `--json` of `check` and `diff`: the contract's wire shape.
#[derive(Debug, Serialize)]
pub struct ChangeReport<'a> {
    pub summary: SummaryReport,
    pub changes: Vec<ChangeEntry<'a>>,
}

#[derive(Debug, Serialize)]
pub struct SummaryReport {
    pub critical: usize,
    pub warning: usize,
    pub info: usize,
}

#[derive(Debug, Serialize)]
pub struct ChangeEntry<'a> {
    pub severity: &'static str,
    pub kind: &'static str,
    pub object: &'a str,
    pub action: &'static str,
    pub detail: &'a str,
    /// A unified diff of the definition, when a multi-line definition changed.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub diff: Option<&'a str>,
}

pub fn write_json(out: &mut dyn Write, changes: &[Change]) -> io::Result<()> {
    super::wire::write_json(out, &report(changes))
}

/// The changes in the wire shape of `check --json` and `diff --json`, with their summary.
pub fn report(changes: &[Change]) -> ChangeReport<'_> {
    let summary = Summary::of(changes);
    ChangeReport {
        summary: SummaryReport {
            critical: summary.critical,
            warning: summary.warning,
            info: summary.info,
        },
        changes: entries(changes),
    }
}

/// The changes in the wire shape of `check --json` and `diff --json`.
pub fn entries(changes: &[Change]) -> Vec<ChangeEntry<'_>> {
    changes
        .iter()
        .map(|c| ChangeEntry {
            severity: c.severity.as_str(),
            kind: c.kind,
            object: &c.object,
            action: c.action.as_str(),
            detail: &c.detail,
            diff: c.text_diff.as_deref(),
        })
        .collect()
}

/// `3 changes: 1 critical, 2 warnings, 0 info`.
pub(super) fn summary_line(changes: &[Change]) -> String {
    let s = Summary::of(changes);
    format!(
        "{}: {} critical, {}, {} info",
        counted(changes.len(), "change"),
        s.critical,
        counted(s.warning, "warning"),
        s.info
    )
}

/// `1 change`, `2 changes`, `0 changes`.
pub fn counted(count: usize, noun: &str) -> String {
    if count == 1 {
        format!("{count} {noun}")
    } else {
        format!("{count} {noun}s")
    }
}

pub(super) const SEVERITIES: [Severity; 3] =
    [Severity::Critical, Severity::Warning, Severity::Info];

struct Palette {
    color: bool,
}

impl Palette {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }

    fn severity(&self, severity: Severity, text: &str) -> String {
        let code = match severity {
            Severity::Critical => "1;31",
            Severity::Warning => "33",
            Severity::Info => "36",
        };
        self.paint(code, text)
    }

    fn diff_line(&self, line: &str) -> String {
        match line.as_bytes().first() {
            Some(b'+') => self.paint("32", line),
            Some(b'-') => self.paint("31", line),
            Some(b'@') => self.paint("36", line),
            _ => line.to_string(),
        }
    }
}

/// Human text: changes grouped by severity, then by the object they belong to.
pub fn write_human(out: &mut dyn Write, changes: &[Change], color: bool) -> io::Result<()> {
    if changes.is_empty() {
        return writeln!(out, "no changes");
    }
    write_groups(out, changes, color, "")?;
    writeln!(out, "\n{}", summary_line(changes))
}

/// The groups of [`write_human`] without the summary, each line after `indent`.
pub fn write_groups(
    out: &mut dyn Write,
    changes: &[Change],
    color: bool,
    indent: &str,
) -> io::Result<()> {
    let palette = Palette { color };
    for severity in SEVERITIES {
        let group: Vec<&Change> = changes.iter().filter(|c| c.severity == severity).collect();
        if group.is_empty() {
            continue;
        }
        writeln!(
            out,
            "{indent}{}",
            palette.severity(severity, &format!("{severity} ({})", group.len()))
        )?;
        let mut parent: Option<&str> = None;
        for change in group {
            if parent != Some(change.parent.as_str()) {
                writeln!(out, "{indent}  {}", change.parent)?;
                parent = Some(&change.parent);
            }
            writeln!(
                out,
                "{indent}    {} {} {}: {}",
                change.action.as_str(),
                change.kind.replace('_', " "),
                change.object,
                change.detail
            )?;
            if let Some(diff) = &change.text_diff {
                for line in diff.lines() {
                    writeln!(out, "{indent}      {}", palette.diff_line(line))?;
                }
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Action;

    fn sample() -> Vec<Change> {
        vec![
            Change {
                severity: Severity::Critical,
                kind: "column",
                object: "app.users.email".into(),
                parent: "app.users".into(),
                action: Action::Changed,
                detail: "type character varying(100) -> text".into(),
                text_diff: None,
            },
            Change {
                severity: Severity::Info,
                kind: "function",
                object: "app.f(integer)".into(),
                parent: "app.f(integer)".into(),
                action: Action::Changed,
                detail: "definition changed".into(),
                text_diff: Some("@@ -1 +1 @@\n-select 1\n+select 2\n".into()),
            },
        ]
    }

    fn render(write: impl Fn(&mut Vec<u8>) -> io::Result<()>) -> String {
        let mut out = Vec::new();
        write(&mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn json_has_the_contract_shape() {
        let text = render(|out| write_json(out, &sample()));
        let value: serde_json::Value = serde_json::from_str(&text).unwrap();
        assert_eq!(
            value["summary"],
            serde_json::json!({"critical": 1, "warning": 0, "info": 1})
        );
        assert_eq!(
            value["changes"][0],
            serde_json::json!({"severity": "critical", "kind": "column", "object": "app.users.email",
                               "action": "changed", "detail": "type character varying(100) -> text"})
        );
        assert_eq!(
            value["changes"][1]["diff"],
            "@@ -1 +1 @@\n-select 1\n+select 2\n"
        );
    }

    #[test]
    fn human_text_groups_by_severity_and_object() {
        let text = render(|out| write_human(out, &sample(), false));
        assert_eq!(
            text,
            "critical (1)\n  app.users\n    changed column app.users.email: type character varying(100) -> text\n\
             info (1)\n  app.f(integer)\n    changed function app.f(integer): definition changed\n      @@ -1 +1 @@\n      -select 1\n      +select 2\n\
             \n2 changes: 1 critical, 0 warnings, 1 info\n"
        );
        assert!(!text.contains('\x1b'));
        assert!(render(|out| write_human(out, &sample(), true)).contains("\x1b[1;31mcritical (1)"));
        assert_eq!(render(|out| write_human(out, &[], false)), "no changes\n");
        assert!(render(|out| write_human(out, &sample()[..1], false))
            .ends_with("\n1 change: 1 critical, 0 warnings, 0 info\n"));
    }
}
