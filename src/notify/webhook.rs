//! POSTing an alert to a webhook, over rustls like the database connections.

use super::{NotifyError, TIMEOUT};

pub fn post(url: &str, body: &str) -> Result<(), NotifyError> {
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .timeout_global(Some(TIMEOUT))
        .build()
        .into();
    agent
        .post(url)
        .header("Content-Type", "application/json")
        .send(body)
        .map(drop)
        // A webhook's URL holds its secret: an error that quotes it must not show it.
        .map_err(|e| NotifyError::Webhook(e.to_string().replace(url, "the webhook's URL")))
}
