//! `--notify` end to end: real drift in a real database, and real receivers on loopback — an
//! HTTP server for the webhook (answering, dead, or too slow) and a minimal SMTP server for the
//! email.

mod common;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::mpsc;
use std::time::Duration;

use common::{cluster, run_schemagit_with, Repo, Run};

/// A database with one table, and a repository whose HEAD holds its snapshot as `prod`.
fn setup() -> (String, Repo) {
    let db = cluster().fresh_database("notify");
    cluster().execute(&db, "CREATE TABLE public.accounts (id int PRIMARY KEY)");
    let repo = Repo::new();
    repo.schemagit(&[
        "snapshot",
        "--env",
        "prod",
        "--database-url",
        &cluster().url(&db),
    ])
    .success();
    (db, repo)
}

/// A critical change: a column added.
fn drift(db: &str) {
    cluster().execute(db, "ALTER TABLE public.accounts ADD COLUMN email text");
}

fn check(repo: &Repo, db: &str, extra: &[&str], vars: &[(&str, &str)]) -> Run {
    let url = cluster().url(db);
    let mut args = vec!["check", "--env", "prod", "--database-url", &url];
    args.extend_from_slice(extra);
    run_schemagit_with(repo.path(), &args, vars)
}

/// An HTTP server on loopback that hands over each request's body, answering 200 after
/// `delay`.
struct Webhook {
    url: String,
    bodies: mpsc::Receiver<String>,
}

impl Webhook {
    fn start(delay: Duration) -> Webhook {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!(
            "http://{}/services/T0/B0/hook-secret",
            listener.local_addr().unwrap()
        );
        let (sender, bodies) = mpsc::channel();
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(stream) = stream else { continue };
                let sender = sender.clone();
                std::thread::spawn(move || answer_http(stream, delay, &sender));
            }
        });
        Webhook { url, bodies }
    }

    /// The message posted, as JSON. A run that posted has waited for the answer, which comes
    /// after the body is handed over, so once the run is over nothing more arrives.
    fn posted(&self) -> Option<serde_json::Value> {
        self.bodies
            .try_recv()
            .ok()
            .map(|body| serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}")))
    }
}

fn answer_http(stream: TcpStream, delay: Duration, sender: &mpsc::Sender<String>) {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut length = 0;
    let mut request_line = Vec::new();
    reader.read_until(b'\n', &mut request_line).unwrap();
    if !request_line.starts_with(b"POST ") {
        // Not HTTP (a TLS handshake, say): hang up.
        return;
    }
    assert!(
        request_line.starts_with(b"POST /services/T0/B0/hook-secret "),
        "{}",
        String::from_utf8_lossy(&request_line)
    );
    loop {
        let mut header = String::new();
        reader.read_line(&mut header).unwrap();
        let header = header.trim_end();
        if header.is_empty() {
            break;
        }
        let (name, value) = header.split_once(':').unwrap();
        if name.eq_ignore_ascii_case("content-length") {
            length = value.trim().parse().unwrap();
        }
    }
    let mut body = vec![0; length];
    reader.read_exact(&mut body).unwrap();
    sender.send(String::from_utf8(body).unwrap()).unwrap();
    std::thread::sleep(delay);
    let mut stream = stream;
    let _ =
        stream.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok");
}

fn warnings(run: &Run) -> Vec<&str> {
    run.stderr
        .lines()
        .filter(|line| line.starts_with("warning:"))
        .collect()
}

#[test]
fn a_drifting_check_posts_the_alert_and_keeps_its_report_and_exit_code() {
    let (db, repo) = setup();
    drift(&db);
    let without = check(&repo, &db, &[], &[]);
    assert_eq!(without.code, 1, "{}", without.stderr);
    let webhook = Webhook::start(Duration::ZERO);
    let run = check(&repo, &db, &["--notify", &webhook.url], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(run.stdout, without.stdout);
    let message = webhook.posted().expect("the alert was posted");
    let text = message["text"].as_str().unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(
        lines[0],
        "Schema drift in prod: 1 change (1 critical, 0 warnings, 0 info)"
    );
    assert!(lines[1].starts_with("check prod: "), "{text}");
    assert_eq!(
        lines[2],
        "critical: added column public.accounts.email: text"
    );
    assert_eq!(message["blocks"][0]["text"]["text"], "Schema drift in prod");
    let sent = format!(
        "note: drift alert sent to http://{}/…",
        webhook.url.split('/').nth(2).unwrap()
    );
    assert!(
        run.stderr.lines().any(|line| line == sent),
        "{}",
        run.stderr
    );
    assert!(!run.stderr.contains("hook-secret"), "{}", run.stderr);
    assert!(webhook.posted().is_none(), "posted twice");
}

#[test]
fn a_clean_check_sends_nothing() {
    let (db, repo) = setup();
    let webhook = Webhook::start(Duration::ZERO);
    let run = check(&repo, &db, &["--notify", &webhook.url], &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(webhook.posted().is_none());
    // Changes below --fail-on are no drift either: a comment is info.
    cluster().execute(&db, "COMMENT ON TABLE public.accounts IS 'customers'");
    let run = check(&repo, &db, &[], &[("SLACK_WEBHOOK_URL", &webhook.url)]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(run.stdout.contains("comment"), "{}", run.stdout);
    assert!(webhook.posted().is_none());
}

#[test]
fn the_alert_goes_to_the_environments_notify_else_slack_webhook_url() {
    let (db, repo) = setup();
    drift(&db);
    let from_variable = Webhook::start(Duration::ZERO);
    let run = check(
        &repo,
        &db,
        &[],
        &[("SLACK_WEBHOOK_URL", &from_variable.url)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(from_variable.posted().is_some());

    let from_file = Webhook::start(Duration::ZERO);
    std::fs::write(
        repo.path().join("schemagit.toml"),
        format!("[env.prod]\nnotify = \"{}\"\n", from_file.url),
    )
    .unwrap();
    let run = check(
        &repo,
        &db,
        &[],
        &[("SLACK_WEBHOOK_URL", &from_variable.url)],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(from_file.posted().is_some());
    assert!(from_variable.posted().is_none());

    // The flag wins over both.
    let from_flag = Webhook::start(Duration::ZERO);
    let run = check(&repo, &db, &["--notify", &from_flag.url], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(from_flag.posted().is_some());
    assert!(from_file.posted().is_none());
}

#[test]
fn a_dead_slow_or_unusable_receiver_is_one_warning_and_changes_nothing() {
    let (db, repo) = setup();
    drift(&db);
    let expected = check(&repo, &db, &["--json"], &[]);
    assert_eq!(expected.code, 1, "{}", expected.stderr);
    let dead = {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/hook", listener.local_addr().unwrap())
    };
    let slow = Webhook::start(Duration::from_secs(8));
    // https to a server that speaks plain HTTP: the TLS handshake fails, and says so.
    let plain = Webhook::start(Duration::ZERO);
    let https = plain.url.replacen("http://", "https://", 1);
    for url in [
        dead.as_str(),
        slow.url.as_str(),
        https.as_str(),
        "ftp://nowhere/x",
        "smtp://127.0.0.1:1?to=ops@example.com",
    ] {
        let run = check(&repo, &db, &["--json", "--notify", url], &[]);
        assert_eq!(run.code, 1, "{url}: {}", run.stderr);
        assert_eq!(run.stdout, expected.stdout, "{url}");
        let warnings = warnings(&run);
        assert_eq!(warnings.len(), 1, "{url}: {}", run.stderr);
        assert!(
            warnings[0].ends_with("the report above is complete")
                || warnings[0].starts_with("warning: no drift alert: --notify"),
            "{url}: {}",
            warnings[0]
        );
        assert!(!warnings[0].contains("hook-secret"), "{}", warnings[0]);
    }
    assert!(slow.posted().is_some(), "the slow receiver got the request");
    assert!(plain.posted().is_none());
}

#[test]
fn snapshot_alerts_when_its_commit_records_changes() {
    let db = cluster().fresh_database("notify_snapshot");
    cluster().execute(&db, "CREATE TABLE public.accounts (id int PRIMARY KEY)");
    let repo = Repo::new();
    let webhook = Webhook::start(Duration::ZERO);
    let url = cluster().url(&db);
    let snapshot = |vars: &[(&str, &str)]| {
        run_schemagit_with(
            repo.path(),
            &["snapshot", "--env", "prod", "--database-url", &url],
            vars,
        )
        .success()
    };
    let hook = [("SLACK_WEBHOOK_URL", webhook.url.as_str())];
    // The first snapshot records the schema: no drift to speak of.
    snapshot(&hook);
    assert!(webhook.posted().is_none());
    drift(&db);
    let run = snapshot(&hook);
    let message = webhook.posted().expect("the alert was posted");
    let text = message["text"].as_str().unwrap();
    let commit = repo.git(&["rev-parse", "HEAD"]);
    assert!(
        text.starts_with(
            "Schema drift in prod: 1 change (1 critical, 0 warnings, 0 info)\nsnapshot prod: "
        ),
        "{text}"
    );
    assert!(
        text.contains(&format!("committed {} on main", &commit[..12])),
        "{text}"
    );
    assert!(
        run.stderr.contains("note: drift alert sent to"),
        "{}",
        run.stderr
    );
    // Unchanged: no commit, no alert.
    snapshot(&hook);
    assert!(webhook.posted().is_none());
}

/// What a minimal SMTP server (no STARTTLS, no AUTH) received in one session.
struct Mail {
    from: String,
    to: Vec<String>,
    data: String,
}

fn smtp_server() -> (u16, mpsc::Receiver<Mail>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let (sender, mails) = mpsc::channel();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(stream) = stream else { continue };
            if let Some(mail) = smtp_session(stream) {
                sender.send(mail).unwrap();
            }
        }
    });
    (port, mails)
}

fn smtp_session(stream: TcpStream) -> Option<Mail> {
    let mut reader = BufReader::new(stream.try_clone().unwrap());
    let mut writer = stream;
    let mut say = |text: &str| writer.write_all(text.as_bytes()).unwrap();
    say("220 localhost ESMTP test\r\n");
    let mut mail = Mail {
        from: String::new(),
        to: Vec::new(),
        data: String::new(),
    };
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let command = line.trim_end().to_string();
        let verb = command
            .split([' ', ':'])
            .next()
            .unwrap_or("")
            .to_ascii_uppercase();
        match verb.as_str() {
            "EHLO" | "HELO" => say("250-localhost\r\n250 HELP\r\n"),
            "MAIL" => {
                mail.from = command.clone();
                say("250 OK\r\n");
            }
            "RCPT" => {
                mail.to.push(command.clone());
                say("250 OK\r\n");
            }
            "DATA" => {
                say("354 go ahead\r\n");
                loop {
                    let mut line = String::new();
                    reader.read_line(&mut line).ok()?;
                    if line == ".\r\n" || line.is_empty() {
                        break;
                    }
                    mail.data.push_str(&line);
                }
                say("250 OK queued\r\n");
            }
            "QUIT" => {
                say("221 bye\r\n");
                return Some(mail);
            }
            _ => say("502 not implemented\r\n"),
        }
    }
}

/// A quoted-printable body as a mail reader shows it (RFC 2045 6.7).
fn quoted_printable(body: &str) -> String {
    let joined = body.replace("=\n", "");
    let mut decoded = Vec::new();
    let mut bytes = joined.bytes();
    while let Some(byte) = bytes.next() {
        if byte == b'=' {
            let hex: String = [bytes.next().unwrap(), bytes.next().unwrap()]
                .iter()
                .map(|b| *b as char)
                .collect();
            decoded.push(u8::from_str_radix(&hex, 16).unwrap());
        } else {
            decoded.push(byte);
        }
    }
    String::from_utf8(decoded).unwrap()
}

#[test]
fn the_email_goes_to_every_recipient_with_the_markdown_report() {
    let (db, repo) = setup();
    drift(&db);
    let (port, mails) = smtp_server();
    let url = format!(
        "smtp://127.0.0.1:{port}?to=dba@example.com,oncall@example.com&from=schemagit@example.com"
    );
    let run = check(&repo, &db, &["--notify", &url], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains(&format!(
            "note: drift alert sent to smtp://127.0.0.1:{port} (to dba@example.com, oncall@example.com)"
        )),
        "{}",
        run.stderr
    );
    let mail = mails.try_recv().expect("one mail was received");
    assert_eq!(mail.from, "MAIL FROM:<schemagit@example.com>");
    assert_eq!(
        mail.to,
        ["RCPT TO:<dba@example.com>", "RCPT TO:<oncall@example.com>"]
    );
    let data = mail.data.replace("\r\n", "\n");
    assert!(
        data.contains("Subject: Schema drift in prod: 1 change (1 critical, 0 warnings, 0 info)\n"),
        "{data}"
    );
    assert!(
        data.contains("To: dba@example.com, oncall@example.com\n"),
        "{data}"
    );
    let (headers, body) = data.split_once("\n\n").unwrap();
    let body = if headers.contains("Content-Transfer-Encoding: quoted-printable") {
        quoted_printable(body)
    } else {
        body.to_string()
    };
    assert!(body.starts_with("## Schema drift: "), "{body}");
    assert!(body.contains("| critical | 1 |"), "{body}");
    assert!(
        body.contains("- **added** column `public.accounts.email`: text"),
        "{body}"
    );
    assert!(mails.try_recv().is_err(), "one mail only");
}

#[test]
fn smtp_credentials_come_from_the_environment_and_are_never_printed() {
    let (db, repo) = setup();
    drift(&db);
    // The test server offers no STARTTLS: with credentials to send, TLS is required, so the
    // mail is refused rather than sent in plain text, and nothing reveals the password.
    let (port, mails) = smtp_server();
    let url = format!("smtp://127.0.0.1:{port}?to=dba@example.com");
    let run = check(
        &repo,
        &db,
        &["--notify", &url],
        &[("SMTP_USERNAME", "alerts"), ("SMTP_PASSWORD", "pa55-w0rd")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(warnings(&run).len(), 1, "{}", run.stderr);
    assert!(!run.stderr.contains("pa55-w0rd") && !run.stdout.contains("pa55-w0rd"));
    assert!(mails.try_recv().is_err(), "mail sent without TLS");
}
