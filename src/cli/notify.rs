//! `--notify URL` of `check` and `snapshot`: after the report is out, alert a webhook or send
//! the markdown report by email. A failed alert is one warning; it never changes the exit
//! code.

use clap::Args;

use super::Context;
use crate::diff::Change;
use crate::notify::{self, Alert, Credentials, Target};
use crate::report::changes;

#[derive(Debug, Args)]
pub struct NotifyArgs {
    /// On drift, alert a Slack-compatible webhook (https://…) or email the report
    /// (smtp://host:port?to=a@x,b@y; SMTP_USERNAME and SMTP_PASSWORD from the environment)
    /// [default: the environment's notify in schemagit.toml, else SLACK_WEBHOOK_URL]
    #[arg(long, value_name = "URL")]
    pub notify: Option<String>,
}

/// What drifted, for the alert.
pub struct Drift<'a> {
    /// One line: what was compared or committed, without credentials.
    pub what: &'a str,
    /// The markdown report's title.
    pub title: &'a str,
    pub changes: &'a [Change],
}

/// Sends the alert for `drift`, when there is somewhere to send it; says on stderr how it went.
pub fn send(context: &mut Context, args: &NotifyArgs, drift: &Drift) {
    let Some(url) = args
        .notify
        .clone()
        .or_else(|| context.config.notify.clone())
    else {
        return;
    };
    // The report is on stdout before the alert can make anyone wait.
    let _ = context.out.flush();
    let target = match Target::parse(&url) {
        Ok(target) => target,
        Err(e) => {
            context.note(format_args!("warning: no drift alert: {e}"));
            return;
        }
    };
    let report = markdown(drift.title, drift.changes);
    let alert = Alert {
        env: &context.config.env,
        what: drift.what,
        changes: drift.changes,
        report: &report,
    };
    match notify::send(&target, &alert, smtp_credentials()) {
        Ok(()) => context.note(format_args!(
            "note: drift alert sent to {}",
            target.redacted()
        )),
        Err(e) => context.note(format_args!(
            "warning: the drift alert to {} failed: {e}; the report above is complete",
            target.redacted()
        )),
    }
}

/// The email's body: the markdown report.
fn markdown(title: &str, changes: &[Change]) -> String {
    let mut text = Vec::new();
    // Writing into memory cannot fail.
    let _ = changes::write_markdown(&mut text, title, changes);
    String::from_utf8_lossy(&text).into_owned()
}

fn smtp_credentials() -> Option<Credentials> {
    let username = std::env::var("SMTP_USERNAME")
        .ok()
        .filter(|u| !u.is_empty())?;
    Some(Credentials {
        username,
        password: std::env::var("SMTP_PASSWORD").unwrap_or_default(),
    })
}
