//! The webhook's message: Slack's incoming-webhook JSON, which Mattermost, Rocket.Chat and
//! Discord's `/slack` endpoints take too. `text` says it all for clients without blocks (and
//! for notifications); `blocks` lay the same out for Slack.

use serde_json::{json, Value};

use super::Alert;
use crate::diff::Change;

/// How many changes an alert lists; the report has the rest.
pub const TOP_CHANGES: usize = 10;

/// Slack refuses a section's text past 3,000 characters.
const SECTION_LIMIT: usize = 3000;

/// Slack's three characters with a meaning in message text.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

fn line(change: &Change) -> String {
    format!(
        "{}: {} {} {}: {}",
        change.severity,
        change.action.as_str(),
        change.kind.replace('_', " "),
        change.object,
        change.detail
    )
}

pub fn payload(alert: &Alert) -> Value {
    let top = alert.top(TOP_CHANGES);
    let more = alert.changes.len() - top.len();
    let mut lines: Vec<String> = top.iter().map(|change| escape(&line(change))).collect();
    if more > 0 {
        lines.push(format!("… and {more} more"));
    }
    let subject = escape(&alert.subject());
    let what = escape(alert.what);
    let text = format!("{subject}\n{what}\n{}", lines.join("\n"));
    let mut list: String = lines
        .iter()
        .map(|line| format!("• {line}\n"))
        .collect::<String>();
    if list.chars().count() > SECTION_LIMIT {
        list = list.chars().take(SECTION_LIMIT - 1).collect::<String>() + "…";
    }
    json!({
        "text": text,
        "blocks": [
            {"type": "header", "text": {"type": "plain_text", "text": format!("Schema drift in {}", alert.env)}},
            {"type": "section", "text": {"type": "mrkdwn", "text": format!("*{subject}*\n{what}")}},
            {"type": "section", "text": {"type": "mrkdwn", "text": list}},
        ],
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::{Action, Severity};

    fn change(severity: Severity, object: &str) -> Change {
        Change {
            severity,
            kind: "column",
            object: object.into(),
            parent: "app.t".into(),
            action: Action::Changed,
            detail: "type integer -> text".into(),
            text_diff: None,
        }
    }

    #[test]
    fn the_message_names_the_environment_the_counts_and_the_worst_changes_first() {
        let mut changes = vec![change(Severity::Info, "app.t.a")];
        changes.extend((0..12).map(|i| change(Severity::Warning, &format!("app.t.w{i}"))));
        changes.push(change(Severity::Critical, "app.t.<c>"));
        let alert = Alert {
            env: "prod",
            what: "check prod: postgresql://app@db/app against HEAD:snapshots/prod",
            changes: &changes,
            report: "",
        };
        let value = payload(&alert);
        let text = value["text"].as_str().unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(
            lines[0],
            "Schema drift in prod: 14 changes (1 critical, 12 warnings, 1 info)"
        );
        assert_eq!(lines[1], alert.what);
        assert_eq!(
            lines[2],
            "critical: changed column app.t.&lt;c&gt;: type integer -&gt; text"
        );
        assert_eq!(
            lines[3],
            "warning: changed column app.t.w0: type integer -&gt; text"
        );
        assert_eq!(lines.len(), 2 + TOP_CHANGES + 1);
        assert_eq!(lines.last(), Some(&"… and 4 more"));
        assert_eq!(value["blocks"][0]["text"]["text"], "Schema drift in prod");
        assert!(value["blocks"][2]["text"]["text"]
            .as_str()
            .unwrap()
            .starts_with("• critical: changed column app.t.&lt;c&gt;"));
    }
}
