//! Sending an alert by email: the rendered report as a plain-text body, over SMTP with
//! STARTTLS where the server offers it (required when there are credentials to send), or TLS
//! from the start for `smtps://`.

use lettre::message::header::ContentType;
use lettre::message::Mailbox;
use lettre::transport::smtp::authentication;
use lettre::transport::smtp::client::{Tls, TlsParameters};
use lettre::{Message, SmtpTransport, Transport};

use super::{EmailTarget, NotifyError, TIMEOUT};

/// SMTP credentials, from the environment (`SMTP_USERNAME`, `SMTP_PASSWORD`); never printed.
pub struct Credentials {
    pub username: String,
    pub password: String,
}

fn mailbox(address: &str) -> Result<Mailbox, NotifyError> {
    address
        .parse()
        .map_err(|e| NotifyError::Email(format!("{address:?} is not an email address: {e}")))
}

/// The email: `subject`, and `body` (an already-rendered report) as UTF-8 plain text.
pub fn message(target: &EmailTarget, subject: &str, body: &str) -> Result<Message, NotifyError> {
    let mut builder = Message::builder()
        .from(mailbox(&target.from)?)
        .subject(subject)
        .header(ContentType::TEXT_PLAIN);
    for to in &target.to {
        builder = builder.to(mailbox(to)?);
    }
    builder
        .body(body.to_string())
        .map_err(|e| NotifyError::Email(e.to_string()))
}

pub fn send(
    target: &EmailTarget,
    message: Message,
    credentials: Option<Credentials>,
) -> Result<(), NotifyError> {
    let failed = |e: &dyn std::fmt::Display| NotifyError::Email(e.to_string());
    let parameters = TlsParameters::new(target.host.clone()).map_err(|e| failed(&e))?;
    let tls = if target.implicit_tls {
        Tls::Wrapper(parameters)
    } else if credentials.is_some() {
        Tls::Required(parameters)
    } else {
        Tls::Opportunistic(parameters)
    };
    let mut transport = SmtpTransport::builder_dangerous(&target.host)
        .port(target.port)
        .tls(tls)
        .timeout(Some(TIMEOUT));
    if let Some(credentials) = credentials {
        transport = transport.credentials(authentication::Credentials::new(
            credentials.username,
            credentials.password,
        ));
    }
    transport
        .build()
        .send(&message)
        .map(drop)
        .map_err(|e| failed(&e))
}
