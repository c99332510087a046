//! `--notify URL`: a webhook (`https://…`, `http://…`) or an email (`smtp://` with STARTTLS
//! where the server offers it, `smtps://` for TLS from the start), parsed and redacted.

use percent_encoding::percent_decode_str;

use super::NotifyError;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Webhook(String),
    Email(EmailTarget),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EmailTarget {
    pub host: String,
    pub port: u16,
    /// `smtps://`: TLS from the first byte; else STARTTLS where offered.
    pub implicit_tls: bool,
    pub to: Vec<String>,
    pub from: String,
}

const DEFAULT_FROM: &str = "schemagit <schemagit@localhost>";

impl Target {
    pub fn parse(url: &str) -> Result<Target, NotifyError> {
        let invalid = |reason: &str| NotifyError::Url {
            url: redact(url),
            reason: reason.to_string(),
        };
        let (scheme, rest) = url.split_once("://").ok_or_else(|| {
            invalid("use https://… for a webhook or smtp://host:port?to=… for email")
        })?;
        match scheme.to_ascii_lowercase().as_str() {
            "https" | "http" => {
                let host = rest.split(['/', '?']).next().unwrap_or_default();
                if host.is_empty() {
                    return Err(invalid("the URL names no host"));
                }
                Ok(Target::Webhook(url.to_string()))
            }
            "smtp" | "smtps" => {
                let implicit_tls = scheme.eq_ignore_ascii_case("smtps");
                let (authority, query) = rest.split_once('?').unwrap_or((rest, ""));
                let authority = authority.trim_end_matches('/');
                if authority.contains('@') {
                    return Err(invalid(
                        "put no credentials in the URL: set SMTP_USERNAME and SMTP_PASSWORD",
                    ));
                }
                let (host, port) = split_host_port(authority)
                    .ok_or_else(|| invalid("the port is not a number"))?;
                if host.is_empty() {
                    return Err(invalid("the URL names no host"));
                }
                let mut to = Vec::new();
                let mut from = DEFAULT_FROM.to_string();
                for pair in query.split('&').filter(|pair| !pair.is_empty()) {
                    let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
                    let value = percent_decode_str(value).decode_utf8_lossy().to_string();
                    match key {
                        "to" => to.extend(
                            value
                                .split(',')
                                .map(str::trim)
                                .filter(|address| !address.is_empty())
                                .map(str::to_string),
                        ),
                        "from" => from = value,
                        _ => {
                            return Err(invalid(&format!(
                                "unknown parameter {key:?} (use to= and from=)"
                            )))
                        }
                    }
                }
                if to.is_empty() {
                    return Err(invalid(
                        "name the recipients: ?to=a@example.com,b@example.com",
                    ));
                }
                Ok(Target::Email(EmailTarget {
                    host: host.to_string(),
                    port: port.unwrap_or(if implicit_tls { 465 } else { 25 }),
                    implicit_tls,
                    to,
                    from,
                }))
            }
            _ => Err(invalid(
                "use https://… for a webhook or smtp://host:port?to=… for email",
            )),
        }
    }

    /// Where the alert goes, for a person: a webhook's path holds its secret and is left out.
    pub fn redacted(&self) -> String {
        match self {
            Target::Webhook(url) => redact(url),
            Target::Email(email) => format!(
                "{}://{}:{} (to {})",
                if email.implicit_tls { "smtps" } else { "smtp" },
                email.host,
                email.port,
                email.to.join(", ")
            ),
        }
    }
}

/// `host`, `host:port`, `[::1]:port`; `None` when the port is not a number.
fn split_host_port(authority: &str) -> Option<(&str, Option<u16>)> {
    let (host, port) = match authority.strip_prefix('[') {
        Some(rest) => {
            let (host, after) = rest.split_once(']')?;
            (host, after.strip_prefix(':'))
        }
        None => match authority.rsplit_once(':') {
            Some((host, port)) => (host, Some(port)),
            None => (authority, None),
        },
    };
    match port {
        Some(port) => Some((host, Some(port.parse().ok()?))),
        None => Some((host, None)),
    }
}

/// `scheme://host/…`: no path, query or user information.
fn redact(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return "(not a URL)".to_string();
    };
    let authority = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = authority.rsplit('@').next().unwrap_or_default();
    if authority.len() < rest.len() {
        format!("{scheme}://{host}/…")
    } else {
        format!("{scheme}://{host}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn webhooks_and_mail_servers_are_told_apart() {
        let hook = Target::parse("https://hooks.slack.com/services/T0/B0/secret").unwrap();
        assert_eq!(hook.redacted(), "https://hooks.slack.com/…");
        let mail = Target::parse("smtp://mail.internal:2525?to=a@x.org,%20b@y.org&from=db%40x.org")
            .unwrap();
        assert_eq!(
            mail,
            Target::Email(EmailTarget {
                host: "mail.internal".into(),
                port: 2525,
                implicit_tls: false,
                to: vec!["a@x.org".into(), "b@y.org".into()],
                from: "db@x.org".into(),
            })
        );
        assert_eq!(
            mail.redacted(),
            "smtp://mail.internal:2525 (to a@x.org, b@y.org)"
        );
        let Target::Email(secure) = Target::parse("smtps://[::1]?to=a@x.org").unwrap() else {
            panic!("not an email target");
        };
        assert_eq!(
            (secure.host.as_str(), secure.port, secure.implicit_tls),
            ("::1", 465, true)
        );
    }

    #[test]
    fn unusable_urls_are_refused_without_showing_their_secrets() {
        for (url, reason) in [
            ("hooks.slack.com/x", "use https://"),
            ("ftp://x/y", "use https://"),
            ("https:///path", "names no host"),
            ("smtp://mail:25", "name the recipients"),
            ("smtp://mail:smtp?to=a@x", "not a number"),
            ("smtp://user:pw@mail?to=a@x", "SMTP_USERNAME"),
            ("smtp://mail?to=a@x&cc=b@x", "unknown parameter \"cc\""),
        ] {
            let message = Target::parse(url).unwrap_err().to_string();
            assert!(message.contains(reason), "{url}: {message}");
            assert!(!message.contains("pw"), "{message}");
        }
    }
}
