//! Drift alerts: a Slack-compatible webhook (`https://…`) or an email (`smtp://host:port?to=…`)
//! sent when `check` or `snapshot` finds drift. Delivery is bounded in time and never part of
//! the command's result: the caller turns a failure into a warning.

mod email;
pub mod slack;
mod target;
mod webhook;

use std::sync::mpsc;
use std::time::Duration;

pub use email::Credentials;
pub use target::{EmailTarget, Target};

use crate::diff::{Change, Summary};

/// How long one alert may take, connecting included.
pub const TIMEOUT: Duration = Duration::from_secs(5);

/// What an alert says.
pub struct Alert<'a> {
    /// The environment that drifted.
    pub env: &'a str,
    /// What was compared or committed, in one line, without credentials.
    pub what: &'a str,
    pub changes: &'a [Change],
    /// The already-rendered report: an email's body.
    pub report: &'a str,
}

impl Alert<'_> {
    /// `Schema drift in prod: 3 changes (1 critical, 1 warning, 1 info)`.
    pub fn subject(&self) -> String {
        let summary = Summary::of(self.changes);
        format!(
            "Schema drift in {}: {} ({} critical, {}, {} info)",
            self.env,
            crate::report::changes::counted(self.changes.len(), "change"),
            summary.critical,
            crate::report::changes::counted(summary.warning, "warning"),
            summary.info
        )
    }

    /// The changes most worth reading first: the most severe, in report order.
    pub fn top(&self, count: usize) -> Vec<&Change> {
        let mut ranked: Vec<&Change> = self.changes.iter().collect();
        ranked.sort_by_key(|change| std::cmp::Reverse(change.severity));
        ranked.truncate(count);
        ranked
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("--notify {url:?} is not usable: {reason}")]
    Url { url: String, reason: String },
    #[error("the webhook did not take the alert: {0}")]
    Webhook(String),
    #[error("the email was not sent: {0}")]
    Email(String),
    #[error("no answer within {} s", TIMEOUT.as_secs())]
    TimedOut,
}

/// Sends `alert` to `target`, giving up after [`TIMEOUT`] whatever the other side does.
pub fn send(
    target: &Target,
    alert: &Alert,
    credentials: Option<Credentials>,
) -> Result<(), NotifyError> {
    let delivery: Box<dyn FnOnce() -> Result<(), NotifyError> + Send> = match target {
        Target::Webhook(url) => {
            let url = url.clone();
            let body = slack::payload(alert).to_string();
            Box::new(move || webhook::post(&url, &body))
        }
        Target::Email(email) => {
            let message = email::message(email, &alert.subject(), alert.report)?;
            let email = email.clone();
            Box::new(move || email::send(&email, message, credentials))
        }
    };
    // A server that accepts the connection and then stalls is not bounded by every client's
    // own timeouts; the delivery runs on a thread that is abandoned when it takes too long.
    let (sender, receiver) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = sender.send(delivery());
    });
    match receiver.recv_timeout(TIMEOUT) {
        Ok(result) => result,
        Err(mpsc::RecvTimeoutError::Timeout) => Err(NotifyError::TimedOut),
        Err(mpsc::RecvTimeoutError::Disconnected) => Err(NotifyError::Webhook(
            "the delivery stopped without a result".into(),
        )),
    }
}
