//! The password file (`~/.pgpass`, `passfile`, `PGPASSFILE`): used only when private, parsed
//! line by line as libpq does, and searched for the password of one target.

use std::fs;
use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::error::io_reason;
use super::options::{Endpoint, Target};

/// Socket directories that `~/.pgpass` lines name as `localhost`: libpq's rule for its
/// compiled-in socket directory, which is one of these depending on the build.
const LOCAL_SOCKET_DIRS: [&str; 3] = ["/var/run/postgresql", "/run/postgresql", "/tmp"];

impl Target {
    /// The host field a `~/.pgpass` line must match.
    pub(super) fn pgpass_host(&self) -> String {
        match &self.endpoint {
            Endpoint::Tcp { host, .. } => host.clone(),
            Endpoint::Socket(dir)
                if LOCAL_SOCKET_DIRS
                    .iter()
                    .any(|local| Path::new(local) == dir) =>
            {
                "localhost".to_owned()
            }
            Endpoint::Socket(dir) => dir.display().to_string(),
        }
    }
}

#[derive(Debug, PartialEq, Eq)]
pub(super) enum PgpassFile {
    Absent,
    /// Exists but is not used; the text says why and what to do.
    Ignored(String),
    Read(Vec<PgpassEntry>),
}

#[derive(Debug, PartialEq, Eq)]
pub(super) struct PgpassEntry {
    host: PgpassField,
    port: PgpassField,
    dbname: PgpassField,
    user: PgpassField,
    password: String,
}

#[derive(Debug, PartialEq, Eq)]
enum PgpassField {
    Any,
    Exactly(String),
}

impl PgpassField {
    fn matches(&self, value: &str) -> bool {
        match self {
            Self::Any => true,
            Self::Exactly(expected) => expected == value,
        }
    }
}

pub(super) fn load_pgpass(path: &Path) -> PgpassFile {
    let Ok(metadata) = fs::metadata(path) else {
        return PgpassFile::Absent;
    };
    if !metadata.is_file() {
        return PgpassFile::Ignored(format!("{} is not a plain file", path.display()));
    }
    // libpq refuses a password file that others could read, so that a leaked file is not
    // quietly relied upon; so do we.
    if metadata.permissions().mode() & 0o077 != 0 {
        return PgpassFile::Ignored(format!(
            "{} was ignored because group or others can access it; chmod 0600 it",
            path.display()
        ));
    }
    match fs::read_to_string(path) {
        Ok(text) => PgpassFile::Read(parse_pgpass(&text)),
        Err(error) => PgpassFile::Ignored(format!(
            "cannot read {}: {}",
            path.display(),
            io_reason(&error)
        )),
    }
}

/// Lines `host:port:dbname:user:password`; `*` alone matches anything, `\` escapes the next
/// character (so `\:` and `\\`), and the password ends at the next unescaped `:` as in libpq.
/// Blank lines, `#` comments and short lines are skipped.
fn parse_pgpass(text: &str) -> Vec<PgpassEntry> {
    text.lines()
        .filter(|line| !line.is_empty() && !line.starts_with('#'))
        .filter_map(|line| {
            let mut fields = split_pgpass_line(line).into_iter();
            let mut field = || {
                fields.next().map(|(raw, value)| {
                    if raw == "*" {
                        PgpassField::Any
                    } else {
                        PgpassField::Exactly(value)
                    }
                })
            };
            let (host, port, dbname, user) = (field()?, field()?, field()?, field()?);
            let password = match field()? {
                PgpassField::Any => "*".to_owned(),
                PgpassField::Exactly(password) => password,
            };
            Some(PgpassEntry {
                host,
                port,
                dbname,
                user,
                password,
            })
        })
        .collect()
}

/// Each field as written and with escapes removed.
fn split_pgpass_line(line: &str) -> Vec<(&str, String)> {
    let mut fields = Vec::new();
    let mut start = 0;
    let mut value = String::new();
    let mut chars = line.char_indices();
    while let Some((i, c)) = chars.next() {
        match c {
            '\\' => match chars.next() {
                Some((_, escaped)) => value.push(escaped),
                None => value.push('\\'),
            },
            ':' => {
                fields.push((&line[start..i], std::mem::take(&mut value)));
                start = i + 1;
            }
            c => value.push(c),
        }
    }
    fields.push((&line[start..], value));
    fields
}

/// The first matching line wins, as in libpq.
pub(super) fn pgpass_password(
    entries: &[PgpassEntry],
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<String> {
    let port = port.to_string();
    entries
        .iter()
        .find(|entry| {
            entry.host.matches(host)
                && entry.port.matches(&port)
                && entry.dbname.matches(dbname)
                && entry.user.matches(user)
        })
        .map(|entry| entry.password.clone())
        .filter(|password| !password.is_empty())
}

#[cfg(test)]
mod tests {
    use super::super::settings::parse_with;
    use super::super::test_support::{env_from, parse_in, parse_ok, password, write_file};
    use super::*;

    const PGPASS: &str = r"# a comment
db.example.com:5432:app:alice:first
db.example.com:5432:app:alice:shadowed
*:*:*:bob:wild\:card\\pw
host\:with\:colons:5432:*:*:colon-host
short:line
\*:5432:app:carol:literal-star
localhost:5432:app:dave:pw:extra
/tmp/sock:6000:*:erin:socket-pw
";

    #[test]
    fn pgpass_matching() {
        let entries = parse_pgpass(PGPASS);
        let lookup = |host, port, db, user| pgpass_password(&entries, host, port, db, user);
        assert_eq!(
            lookup("db.example.com", 5432, "app", "alice").as_deref(),
            Some("first")
        );
        assert_eq!(lookup("db.example.com", 5433, "app", "alice"), None);
        assert_eq!(
            lookup("anything", 1, "x", "bob").as_deref(),
            Some(r"wild:card\pw")
        );
        assert_eq!(
            lookup("host:with:colons", 5432, "x", "y").as_deref(),
            Some("colon-host")
        );
        assert_eq!(lookup("other", 5432, "app", "carol"), None);
        assert_eq!(
            lookup("*", 5432, "app", "carol").as_deref(),
            Some("literal-star")
        );
        assert_eq!(
            lookup("localhost", 5432, "app", "dave").as_deref(),
            Some("pw")
        );
        assert_eq!(lookup("short", 5432, "line", "x"), None);
    }

    #[test]
    fn pgpass_is_used_only_without_a_password_and_only_when_private() {
        let home = tempfile::tempdir().unwrap();
        let pgpass = home.path().join(".pgpass");
        write_file(&pgpass, PGPASS, 0o600);
        let env = env_from(&[("PGUSER", "alice")]);
        let parse = |input: &str| parse_with(input, &env, Some(home.path())).unwrap();

        let opts = parse("host=db.example.com dbname=app");
        assert_eq!(password(&opts), Some("first"));
        assert_eq!(opts.ignored_passfile, None);
        let opts = parse("host=db.example.com dbname=app password=given");
        assert_eq!(password(&opts), Some("given"));
        // The default socket directory is "localhost" to .pgpass; others are their path.
        let opts = parse("host=/var/run/postgresql dbname=app user=dave");
        assert_eq!(password(&opts), Some("pw"));
        let opts = parse("host=/tmp/sock port=6000 user=erin");
        assert_eq!(password(&opts), Some("socket-pw"));

        write_file(&pgpass, PGPASS, 0o644);
        let opts = parse("host=db.example.com dbname=app");
        assert_eq!(password(&opts), None);
        let why = opts.ignored_passfile.as_deref().expect("a reason");
        assert!(why.contains("chmod 0600"), "{why}");
    }

    #[test]
    fn pgpass_location_from_passfile_or_pgpassfile() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pw");
        write_file(&file, "*:*:*:*:from-file\n", 0o600);
        let opts = parse_in(
            "host=db",
            &[("PGUSER", "u"), ("PGPASSFILE", file.to_str().unwrap())],
        )
        .unwrap();
        assert_eq!(password(&opts), Some("from-file"));
        let opts = parse_ok(&format!("host=db passfile='{}'", file.display()));
        assert_eq!(password(&opts), Some("from-file"));
        assert_eq!(load_pgpass(&dir.path().join("absent")), PgpassFile::Absent);
        assert!(matches!(load_pgpass(dir.path()), PgpassFile::Ignored(_)));
    }
}
