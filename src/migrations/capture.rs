//! Capturing drift as a migration: the SQL that turns the committed schema into the live one,
//! written as new migration files in the migrations folder's own convention, so that a change
//! made by hand becomes a migration that is reviewed like any other.
//!
//! The SQL arrives as a plan script: statements (each preceded by its hazards as comments),
//! with `BEGIN;` … `COMMIT;` around each run of statements that may share a transaction and the
//! statements that cannot run in one between them. It is read back into those runs; each
//! tool's module then writes them the way that tool runs a file:
//!
//! - A tool that runs each migration in a transaction of its own (drizzle, prisma, sqlx,
//!   flyway, dbmate, supabase, Rails) gets the statements without the script's `BEGIN` and
//!   `COMMIT`: a nested `BEGIN` only draws a warning, and the script's `COMMIT` would end the
//!   tool's transaction early, before it records the migration. Prisma and supabase open no
//!   transaction of their own, but send the whole file in one go (one query, one pipeline),
//!   which PostgreSQL runs as one implicit transaction, so the same holds.
//! - golang-migrate opens no transaction: its files keep the script's `BEGIN` and `COMMIT`, as
//!   its documentation asks of files that should apply all or nothing.
//! - A plain folder has no tool: its file is the script as it is, for `psql -f`.
//! - Statements that cannot run in a transaction (`CREATE INDEX CONCURRENTLY`, …) must also be
//!   the only statement of the query that carries them, or PostgreSQL runs the query as an
//!   implicit transaction and refuses. So each of them becomes a migration of its own, with
//!   the tool's opt-out where it has one (dbmate `transaction:false`, sqlx `-- no-transaction`,
//!   Rails `disable_ddl_transaction!`; flyway, prisma and supabase need none for a file that
//!   holds only such a statement, golang-migrate opens no transaction), and each transactional
//!   run another. drizzle runs every pending migration in one transaction, so for drizzle such
//!   a script is an error.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

use super::statements::{refuses_transaction, split, strip_comments};
use super::tools::Tool;
use super::MigrationError;
use crate::time::{parse_date, DayEnd, Instant};

/// What [`capture`] wrote, relative to the migrations folder, `/`-separated.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Captured {
    /// The new files, in the order the tool runs them (a migration's companion files, such as
    /// a `.down.sql`, after it).
    pub files: Vec<String>,
    /// Existing files that were changed: drizzle's `meta/_journal.json`.
    pub updated: Vec<String>,
    /// The new migrations as the tool names them, as `schemagit migrations status` lists them.
    pub migrations: Vec<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CaptureError {
    #[error(transparent)]
    Migrations(#[from] MigrationError),
    #[error(
        "{name:?} cannot name a migration: use letters, digits and underscores, starting with a \
         letter"
    )]
    BadName { name: String },
    #[error("the plan holds no statements: there is nothing to capture")]
    Empty,
    #[error("the plan script does not read as statements in BEGIN … COMMIT runs: {why}")]
    BadScript { why: String },
    #[error(
        "{tool} cannot run this migration: it holds statements that cannot run inside a \
         transaction, and {why}"
    )]
    NeedsNoTransaction {
        tool: &'static str,
        why: &'static str,
    },
    #[error("cannot continue the numbering of {file}: {why}")]
    Numbering { file: String, why: &'static str },
    #[error("{}: not a drizzle journal: {message}", path.display())]
    BadJournal { path: PathBuf, message: String },
    #[error(
        "no Rails migration in {} names its Active Record version (ActiveRecord::Migration[7.1])",
        dir.display()
    )]
    RailsVersion { dir: PathBuf },
    #[error("a migration named {name} exists already in {}, and Rails needs unique names", dir.display())]
    NameTaken { dir: PathBuf, name: String },
    #[error("{} exists already: a captured migration never overwrites a file", path.display())]
    Exists { path: PathBuf },
    #[error("could not write {}", path.display())]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
}

/// Writes `script` (a plan script, see the module documentation) as new migrations named
/// `name` in `dir`, the migrations folder of `tool`, numbered after every migration there in
/// the tool's own order, with timestamps in UTC taken from `now`. `outside_transaction` says
/// that the statements the script leaves outside `BEGIN` … `COMMIT` cannot run in a
/// transaction; statements PostgreSQL refuses to run in one are recognised either way.
///
/// Nothing is overwritten: when a file to be written exists, nothing is written.
pub fn capture(
    dir: &Path,
    tool: Tool,
    name: &str,
    script: &str,
    outside_transaction: bool,
    now: SystemTime,
) -> Result<Captured, CaptureError> {
    let valid_name = name.starts_with(|c: char| c.is_ascii_alphabetic())
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if !valid_name {
        return Err(CaptureError::BadName {
            name: name.to_string(),
        });
    }
    let runs = runs(script, outside_transaction)?;
    let request = Request {
        dir,
        name,
        script,
        runs: &runs,
        now,
    };
    let files = tool.capture(&request)?;
    write(dir, &files)
}

/// Statements that run together: a run of a transaction, or one statement that cannot run in
/// one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Run {
    pub transactional: bool,
    /// Each with its leading comments (the plan's hazards), without its closing semicolon.
    pub statements: Vec<String>,
}

impl Run {
    /// The statements as a script, each closed by a semicolon, a blank line between them.
    pub(crate) fn sql(&self) -> String {
        let mut out = String::new();
        for (index, statement) in self.statements.iter().enumerate() {
            if index > 0 {
                out.push('\n');
            }
            out.push_str(statement);
            out.push_str(";\n");
        }
        out
    }

    /// [`Run::sql`] inside `BEGIN` … `COMMIT` when the run is transactional.
    pub(crate) fn sql_in_transaction(&self) -> String {
        if self.transactional {
            format!("BEGIN;\n\n{}\nCOMMIT;\n", self.sql())
        } else {
            self.sql()
        }
    }
}

/// What a tool's module is given to write.
pub(crate) struct Request<'a> {
    pub dir: &'a Path,
    pub name: &'a str,
    /// The script as given, for a plain folder.
    pub script: &'a str,
    pub runs: &'a [Run],
    pub now: SystemTime,
}

impl Request<'_> {
    /// The name of the `index`-th of the new migrations: `name`, then `name_2`, `name_3`, ….
    pub(crate) fn name_of(&self, index: usize) -> String {
        if index == 0 {
            self.name.to_string()
        } else {
            format!("{}_{}", self.name, index + 1)
        }
    }

    /// `now` in whole seconds since the Unix epoch.
    pub(crate) fn now_seconds(&self) -> i64 {
        self.now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
    }

    /// `now` in milliseconds since the Unix epoch.
    pub(crate) fn now_millis(&self) -> i64 {
        self.now
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
    }

    /// The error for a tool that cannot run statements outside a transaction, when the script
    /// has some.
    pub(crate) fn refuse_outside_transaction(
        &self,
        tool: Tool,
        why: &'static str,
    ) -> Result<(), CaptureError> {
        if self.runs.iter().any(|run| !run.transactional) {
            return Err(CaptureError::NeedsNoTransaction {
                tool: tool.name(),
                why,
            });
        }
        Ok(())
    }
}

/// The files a tool's module decided on.
#[derive(Debug, Default)]
pub(crate) struct Files {
    /// New files: path relative to the folder and content.
    pub files: Vec<(String, String)>,
    /// Existing files replaced with new content.
    pub updated: Vec<(String, String)>,
    pub migrations: Vec<String>,
}

/// How a folder numbers its migrations when it has none to continue.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Numbering {
    /// `0001`, `0002`, … of this width, from `first`.
    Sequence { width: usize, first: u128 },
    /// `YYYYMMDDHHMMSS` in UTC.
    Timestamp,
}

/// `count` versions after `last` (the digits of the latest migration's version and its file,
/// which errors name; `None` in an empty folder), in the folder's scheme: a 14-digit date and
/// time continues with the time `now_seconds` in UTC (or a second after `last`, if that is
/// later), one second apart; any other number continues by one, in its width. Without a
/// latest migration, `default` says how to start.
pub(crate) fn next_versions(
    last: Option<(&str, &str)>,
    default: Numbering,
    now_seconds: i64,
    count: usize,
) -> Result<Vec<String>, CaptureError> {
    let timestamps = |from: i64| -> Vec<String> {
        (0..count)
            .map(|offset| timestamp(from + i64::try_from(offset).unwrap_or(i64::MAX)))
            .collect()
    };
    let sequence = |width: usize, first: u128| -> Vec<String> {
        (0..count)
            .map(|offset| format!("{:0width$}", first + offset as u128))
            .collect()
    };
    let Some((digits, file)) = last else {
        return Ok(match default {
            Numbering::Sequence { width, first } => sequence(width, first),
            Numbering::Timestamp => timestamps(now_seconds),
        });
    };
    if let Some(seconds) = timestamp_seconds(digits) {
        return Ok(timestamps(now_seconds.max(seconds + 1)));
    }
    let number: u128 = digits.parse().map_err(|_| CaptureError::Numbering {
        file: file.to_string(),
        why: "its version is too long a number",
    })?;
    Ok(sequence(digits.len(), number + 1))
}

/// `YYYYMMDDHHMMSS` in UTC.
fn timestamp(seconds: i64) -> String {
    let text = Instant {
        seconds,
        offset_minutes: 0,
    }
    .rfc3339();
    text.chars().filter(char::is_ascii_digit).take(14).collect()
}

/// The Unix time of a `YYYYMMDDHHMMSS` version, when it is one.
fn timestamp_seconds(digits: &str) -> Option<i64> {
    if digits.len() != 14 || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let text = format!(
        "{}-{}-{}T{}:{}:{}Z",
        &digits[..4],
        &digits[4..6],
        &digits[6..8],
        &digits[8..10],
        &digits[10..12],
        &digits[12..]
    );
    parse_date(&text, DayEnd::Start).ok()
}

/// The migrations of `tool` in `dir`, none when the folder holds none yet.
pub(crate) fn existing(
    tool: Tool,
    dir: &Path,
) -> Result<Vec<super::tools::LocalMigration>, CaptureError> {
    match tool.discover(dir) {
        Ok(found) => Ok(found),
        Err(MigrationError::NoMigrations { .. }) => Ok(Vec::new()),
        Err(error) => Err(error.into()),
    }
}

/// The script as runs: statements between `BEGIN` and `COMMIT` form a transactional run (one
/// with the run before it, when nothing stands between them that must not run in a
/// transaction); a statement outside them is a run of its own that is not transactional when the script
/// says so (`outside_transaction`) or PostgreSQL would refuse it in a transaction, and
/// otherwise joins the transactional run before it (a script without `BEGIN` is one run).
/// The `SET` statements a script starts with (the plan's `check_function_bodies` and
/// `lock_timeout`) are repeated at the top of every later transactional run, because a tool
/// may run each migration in a session of its own.
pub(crate) fn runs(script: &str, outside_transaction: bool) -> Result<Vec<Run>, CaptureError> {
    let mut runs: Vec<Run> = Vec::new();
    let mut open = false;
    let mut comments = String::new();
    for statement in split(script) {
        let bare = strip_comments(statement.sql);
        let words: Vec<String> = bare
            .split_whitespace()
            .map(str::to_ascii_uppercase)
            .collect();
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let control = match words.as_slice() {
            ["BEGIN"] | ["BEGIN", "TRANSACTION" | "WORK"] | ["START", "TRANSACTION"] => Some(true),
            ["COMMIT" | "END"] | ["COMMIT" | "END", "TRANSACTION" | "WORK"] => Some(false),
            ["ROLLBACK" | "ABORT", ..] | ["SAVEPOINT" | "RELEASE", ..] => {
                return Err(CaptureError::BadScript {
                    why: format!("{} has no place in a migration", words[0]),
                })
            }
            _ => None,
        };
        if let Some(begin) = control {
            if begin == open {
                return Err(CaptureError::BadScript {
                    why: if begin {
                        "BEGIN inside BEGIN … COMMIT".into()
                    } else {
                        "COMMIT without BEGIN".into()
                    },
                });
            }
            open = begin;
            if begin && !runs.last().is_some_and(|run| run.transactional) {
                runs.push(Run {
                    transactional: true,
                    statements: Vec::new(),
                });
            }
            comments.push_str(&leading_comments(statement.sql));
            continue;
        }
        let text = if comments.is_empty() {
            statement.sql.to_string()
        } else {
            format!("{}{}", std::mem::take(&mut comments), statement.sql)
        };
        let alone = !open && (outside_transaction || refuses_transaction(statement.sql));
        match runs.last_mut() {
            Some(run) if run.transactional && !alone => run.statements.push(text),
            _ => runs.push(Run {
                transactional: !alone,
                statements: vec![text],
            }),
        }
    }
    runs.retain(|run| !run.statements.is_empty());
    if runs.is_empty() {
        return Err(CaptureError::Empty);
    }
    let prelude: Vec<String> = runs[0]
        .statements
        .iter()
        .take_while(|statement| {
            strip_comments(statement)
                .trim_start()
                .get(..4)
                .is_some_and(|word| word.eq_ignore_ascii_case("SET "))
        })
        .cloned()
        .collect();
    for run in runs.iter_mut().skip(1).filter(|run| run.transactional) {
        run.statements.splice(0..0, prelude.iter().cloned());
    }
    Ok(runs)
}

/// The `--` comment lines of a statement, each with its line end, so that a comment written
/// before a `BEGIN` or `COMMIT` is kept on the statement after it.
fn leading_comments(sql: &str) -> String {
    sql.lines()
        .map(str::trim)
        .filter(|line| line.starts_with("--"))
        .map(|line| format!("{line}\n"))
        .collect()
}

/// Writes the new `files`, none of which may exist yet, then the updated ones.
fn write(dir: &Path, files: &Files) -> Result<Captured, CaptureError> {
    for (file, _) in &files.files {
        let path = dir.join(file);
        if path.symlink_metadata().is_ok() {
            return Err(CaptureError::Exists { path });
        }
    }
    for (file, text) in &files.files {
        let path = dir.join(file);
        let failed = |source| CaptureError::Write {
            path: path.clone(),
            source,
        };
        if let Some(parent) = path.parent() {
            fs::create_dir_all(parent).map_err(failed)?;
        }
        let mut out = fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&path)
            .map_err(|source| match source.kind() {
                io::ErrorKind::AlreadyExists => CaptureError::Exists { path: path.clone() },
                _ => failed(source),
            })?;
        out.write_all(text.as_bytes()).map_err(failed)?;
    }
    for (file, text) in &files.updated {
        let path = dir.join(file);
        fs::write(&path, text).map_err(|source| CaptureError::Write { path, source })?;
    }
    Ok(Captured {
        files: files.files.iter().map(|(file, _)| file.clone()).collect(),
        updated: files.updated.iter().map(|(file, _)| file.clone()).collect(),
        migrations: files.migrations.clone(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const SCRIPT: &str = "BEGIN;\n\nSET check_function_bodies = false;\n\n-- data loss: drops column a.x\nALTER TABLE a DROP COLUMN x;\n\nCOMMIT;\n\n-- lock: builds without blocking writes\nCREATE INDEX CONCURRENTLY a_y ON a (y);\n\nBEGIN;\n\nALTER TABLE a VALIDATE CONSTRAINT a_y_check;\n\nCOMMIT;\n";

    #[test]
    fn a_script_reads_back_as_its_runs_with_hazards_and_the_prelude_repeated() {
        let runs = runs(SCRIPT, true).unwrap();
        assert_eq!(
            runs,
            [
                Run {
                    transactional: true,
                    statements: vec![
                        "SET check_function_bodies = false".into(),
                        "-- data loss: drops column a.x\nALTER TABLE a DROP COLUMN x".into()
                    ]
                },
                Run {
                    transactional: false,
                    statements: vec![
                        "-- lock: builds without blocking writes\nCREATE INDEX CONCURRENTLY a_y ON a (y)".into()
                    ]
                },
                Run {
                    transactional: true,
                    statements: vec![
                        "SET check_function_bodies = false".into(),
                        "ALTER TABLE a VALIDATE CONSTRAINT a_y_check".into()
                    ]
                },
            ]
        );
        assert_eq!(
            runs[0].sql_in_transaction(),
            "BEGIN;\n\nSET check_function_bodies = false;\n\n-- data loss: drops column a.x\nALTER TABLE a DROP COLUMN x;\n\nCOMMIT;\n"
        );
        assert_eq!(
            runs[1].sql_in_transaction(),
            "-- lock: builds without blocking writes\nCREATE INDEX CONCURRENTLY a_y ON a (y);\n"
        );
    }

    #[test]
    fn statements_outside_begin_join_one_run_unless_they_cannot() {
        assert_eq!(
            runs_of("CREATE TABLE a (id int);\nCREATE TABLE b (id int);\n"),
            [true]
        );
        assert_eq!(
            runs_of("CREATE TABLE a (id int);\nVACUUM a;\nCREATE TABLE b (id int);\n"),
            [true, false, true]
        );
        // The flag marks what the script leaves outside BEGIN … COMMIT.
        let flagged = runs(
            "BEGIN;\nCREATE TYPE e AS ENUM ('a');\nCOMMIT;\nALTER TYPE e ADD VALUE 'b';\n",
            true,
        )
        .unwrap();
        assert_eq!(
            flagged.iter().map(|r| r.transactional).collect::<Vec<_>>(),
            [true, false]
        );
    }

    fn runs_of(script: &str) -> Vec<bool> {
        runs(script, false)
            .unwrap()
            .iter()
            .map(|run| run.transactional)
            .collect()
    }

    #[test]
    fn broken_and_empty_scripts_are_errors() {
        assert!(matches!(
            runs("BEGIN;\n-- nothing\nCOMMIT;\n", false),
            Err(CaptureError::Empty)
        ));
        assert!(matches!(
            runs("COMMIT;\nselect 1;", false),
            Err(CaptureError::BadScript { .. })
        ));
        assert!(matches!(
            runs("BEGIN;\nBEGIN;\nselect 1;", false),
            Err(CaptureError::BadScript { .. })
        ));
        assert!(matches!(
            runs("select 1;\nROLLBACK;", false),
            Err(CaptureError::BadScript { .. })
        ));
    }

    #[test]
    fn versions_continue_the_folders_scheme() {
        let now = 1_764_700_000; // 2025-12-02 18:26:40 UTC
        let seq = Numbering::Sequence { width: 4, first: 1 };
        assert_eq!(
            next_versions(Some(("0006", "0006_x.sql")), seq, now, 2).unwrap(),
            ["0007", "0008"]
        );
        assert_eq!(
            next_versions(Some(("9", "9_x.sql")), seq, now, 1).unwrap(),
            ["10"]
        );
        assert_eq!(next_versions(None, seq, now, 1).unwrap(), ["0001"]);
        assert_eq!(
            next_versions(None, Numbering::Timestamp, now, 2).unwrap(),
            ["20251202182640", "20251202182641"]
        );
        assert_eq!(
            next_versions(Some(("20240101000001", "f")), seq, now, 1).unwrap(),
            ["20251202182640"]
        );
        // A migration dated after now: one second after it.
        assert_eq!(
            next_versions(Some(("20301231235959", "f")), seq, now, 1).unwrap(),
            ["20310101000000"]
        );
        // Fourteen digits that are no date continue by one.
        assert_eq!(
            next_versions(Some(("99999999999999", "f")), seq, now, 1).unwrap(),
            ["100000000000000"]
        );
    }

    /// 2025-12-02 18:26:40 UTC.
    fn now() -> SystemTime {
        UNIX_EPOCH + std::time::Duration::from_secs(1_764_700_000)
    }

    const TRANSACTIONAL: &str = "BEGIN;\n\nSET check_function_bodies = false;\n\n-- data loss: drops column a.x\nALTER TABLE a DROP COLUMN x;\n\nCOMMIT;\n";

    fn folder(files: &[(&str, &str)]) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        for (file, text) in files {
            let path = dir.path().join(file);
            fs::create_dir_all(path.parent().unwrap()).unwrap();
            fs::write(path, text).unwrap();
        }
        dir
    }

    fn read(dir: &tempfile::TempDir, file: &str) -> String {
        fs::read_to_string(dir.path().join(file)).unwrap()
    }

    /// The names of the tool's migrations in its order, after the capture.
    fn names(tool: Tool, dir: &tempfile::TempDir) -> Vec<String> {
        tool.discover(dir.path())
            .unwrap()
            .into_iter()
            .map(|m| m.name)
            .collect()
    }

    #[test]
    fn plain_continues_the_numbering_in_its_width_with_the_script_as_it_is() {
        let dir = folder(&[
            ("0001_init.sql", "select 1;\n"),
            ("0006_users.sql", "select 1;\n"),
            ("0002_more.sql", "select 1;\n"),
        ]);
        let captured = capture(
            dir.path(),
            Tool::Plain,
            "capture_drift",
            SCRIPT,
            true,
            now(),
        )
        .unwrap();
        assert_eq!(
            captured,
            Captured {
                files: vec!["0007_capture_drift.sql".into()],
                updated: vec![],
                migrations: vec!["0007_capture_drift".into()],
            }
        );
        assert_eq!(read(&dir, "0007_capture_drift.sql"), SCRIPT);
        assert_eq!(
            names(Tool::Plain, &dir).last().unwrap(),
            "0007_capture_drift"
        );

        let dir = folder(&[("9_a/up.sql", "select 1;\n")]);
        let captured = capture(dir.path(), Tool::Plain, "drift", "select 2", false, now()).unwrap();
        assert_eq!(captured.files, ["10_drift/up.sql"]);
        assert_eq!(read(&dir, "10_drift/up.sql"), "select 2\n");

        let dir = folder(&[("seed.sql", "select 1;\n")]);
        let error = capture(dir.path(), Tool::Plain, "drift", SCRIPT, false, now()).unwrap_err();
        assert_eq!(
            error.to_string(),
            "cannot continue the numbering of seed.sql: its name does not start with a number"
        );
    }

    #[test]
    fn dbmate_writes_sections_and_opts_out_of_the_transaction_per_statement() {
        let dir = folder(&[(
            "20240101000001_t1.sql",
            "-- migrate:up\nselect 1;\n-- migrate:down\n",
        )]);
        let captured = capture(
            dir.path(),
            Tool::Dbmate,
            "capture_drift",
            TRANSACTIONAL,
            false,
            now(),
        )
        .unwrap();
        assert_eq!(captured.files, ["20251202182640_capture_drift.sql"]);
        assert_eq!(
            read(&dir, "20251202182640_capture_drift.sql"),
            "-- migrate:up\nSET check_function_bodies = false;\n\n-- data loss: drops column a.x\nALTER TABLE a DROP COLUMN x;\n\n-- migrate:down\n"
        );

        let captured = capture(dir.path(), Tool::Dbmate, "online", SCRIPT, true, now()).unwrap();
        assert_eq!(
            captured.migrations,
            [
                "20251202182641_online",
                "20251202182642_online_2",
                "20251202182643_online_3"
            ]
        );
        let found = Tool::Dbmate.discover(dir.path()).unwrap();
        let transactional: Vec<bool> = found[2..]
            .iter()
            .map(|m| Tool::Dbmate.batches(m).unwrap()[0].transactional)
            .collect();
        assert_eq!(transactional, [true, false, true]);
        assert_eq!(
            read(&dir, "20251202182642_online_2.sql"),
            "-- migrate:up transaction:false\n-- lock: builds without blocking writes\nCREATE INDEX CONCURRENTLY a_y ON a (y);\n\n-- migrate:down\n"
        );
    }

    const JOURNAL: &str = r#"{
  "version": "7",
  "dialect": "postgresql",
  "entries": [
    {
      "idx": 0,
      "version": "7",
      "when": 1700000000000,
      "tag": "0000_first",
      "breakpoints": true
    },
    {
      "idx": 1,
      "version": "7",
      "when": 1900000000000,
      "tag": "0001_second",
      "breakpoints": false
    }
  ]
}"#;

    #[test]
    fn drizzle_appends_its_journal_entry_and_keeps_the_rest_byte_for_byte() {
        let dir = folder(&[
            ("meta/_journal.json", JOURNAL),
            ("0000_first.sql", "select 1;"),
            ("0001_second.sql", "select 2;"),
        ]);
        let captured = capture(
            dir.path(),
            Tool::Drizzle,
            "capture_drift",
            TRANSACTIONAL,
            false,
            now(),
        )
        .unwrap();
        assert_eq!(
            captured,
            Captured {
                files: vec!["0002_capture_drift.sql".into()],
                updated: vec!["meta/_journal.json".into()],
                migrations: vec!["0002_capture_drift".into()],
            }
        );
        assert_eq!(
            read(&dir, "0002_capture_drift.sql"),
            "SET check_function_bodies = false;\n--> statement-breakpoint\n-- data loss: drops column a.x\nALTER TABLE a DROP COLUMN x;\n"
        );
        // `when` follows the latest entry, dated after now.
        let expected = JOURNAL.replace(
            "\n  ]\n}",
            ",\n    {\n      \"idx\": 2,\n      \"version\": \"7\",\n      \"when\": 1900000000001,\n      \"tag\": \"0002_capture_drift\",\n      \"breakpoints\": true\n    }\n  ]\n}",
        );
        assert_eq!(read(&dir, "meta/_journal.json"), expected);
        let found = Tool::Drizzle.discover(dir.path()).unwrap();
        assert_eq!(found.last().unwrap().version, "1900000000001");
        let pieces = Tool::Drizzle.batches(found.last().unwrap()).unwrap();
        assert_eq!(pieces.len(), 2);
    }

    #[test]
    fn drizzle_journals_of_one_line_and_of_no_entries() {
        let one_line = r#"{"version": "7", "dialect": "postgresql", "entries": [{"idx": 0, "version": "7", "when": 1700000000001, "tag": "0001_t1", "breakpoints": true}]}"#;
        let dir = folder(&[
            ("meta/_journal.json", one_line),
            ("0001_t1.sql", "select 1;"),
        ]);
        capture(
            dir.path(),
            Tool::Drizzle,
            "drift",
            "select 2;",
            false,
            now(),
        )
        .unwrap();
        assert_eq!(
            read(&dir, "meta/_journal.json"),
            one_line.replace(
                "}]}",
                r#"}, {"idx": 1, "version": "7", "when": 1764700000000, "tag": "0002_drift", "breakpoints": true}]}"#
            )
        );

        let empty =
            "{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": []\n}\n";
        let dir = folder(&[("meta/_journal.json", empty)]);
        capture(
            dir.path(),
            Tool::Drizzle,
            "drift",
            "select 2;",
            false,
            now(),
        )
        .unwrap();
        assert_eq!(
            read(&dir, "meta/_journal.json"),
            "{\n  \"version\": \"7\",\n  \"dialect\": \"postgresql\",\n  \"entries\": [\n    {\n      \"idx\": 0,\n      \"version\": \"7\",\n      \"when\": 1764700000000,\n      \"tag\": \"0000_drift\",\n      \"breakpoints\": true\n    }\n  ]\n}\n"
        );
        assert_eq!(names(Tool::Drizzle, &dir), ["0000_drift"]);
    }

    #[test]
    fn drizzle_refuses_statements_outside_a_transaction() {
        let dir = folder(&[("meta/_journal.json", JOURNAL)]);
        let error = capture(dir.path(), Tool::Drizzle, "drift", SCRIPT, true, now()).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("drizzle cannot run this migration: it holds statements that cannot run inside a transaction"),
            "{error}"
        );
        assert_eq!(read(&dir, "meta/_journal.json"), JOURNAL);
    }

    #[test]
    fn supabase_and_prisma_take_the_time_in_utc() {
        let dir = folder(&[("20240101000001_a.sql", "select 1;")]);
        let captured = capture(
            dir.path(),
            Tool::Supabase,
            "capture_drift",
            TRANSACTIONAL,
            false,
            now(),
        )
        .unwrap();
        assert_eq!(captured.files, ["20251202182640_capture_drift.sql"]);
        assert!(!read(&dir, "20251202182640_capture_drift.sql").contains("BEGIN"));
        let captured = capture(dir.path(), Tool::Supabase, "online", SCRIPT, true, now()).unwrap();
        assert_eq!(
            captured.migrations,
            [
                "20251202182641_online",
                "20251202182642_online_2",
                "20251202182643_online_3"
            ]
        );

        let dir = folder(&[("20240101000001_a/migration.sql", "select 1;")]);
        let captured = capture(
            dir.path(),
            Tool::Prisma,
            "capture_drift",
            SCRIPT,
            true,
            now(),
        )
        .unwrap();
        assert_eq!(
            captured.files,
            [
                "20251202182640_capture_drift/migration.sql",
                "20251202182641_capture_drift_2/migration.sql",
                "20251202182642_capture_drift_3/migration.sql"
            ]
        );
        assert_eq!(
            read(&dir, "20251202182641_capture_drift_2/migration.sql"),
            "-- lock: builds without blocking writes\nCREATE INDEX CONCURRENTLY a_y ON a (y);\n"
        );
        assert_eq!(
            names(Tool::Prisma, &dir).last().unwrap(),
            "20251202182642_capture_drift_3"
        );
    }

    #[test]
    fn sqlx_follows_simple_and_reversible_folders() {
        let dir = folder(&[("0001_a.sql", "select 1;"), ("0002_b.sql", "select 1;")]);
        let captured = capture(dir.path(), Tool::Sqlx, "drift", SCRIPT, true, now()).unwrap();
        assert_eq!(
            captured.files,
            ["0003_drift.sql", "0004_drift_2.sql", "0005_drift_3.sql"]
        );
        assert!(read(&dir, "0004_drift_2.sql").starts_with("-- no-transaction\n-- lock:"));
        assert!(!read(&dir, "0003_drift.sql").contains("no-transaction"));

        let dir = folder(&[
            ("20240101000001_a.up.sql", "select 1;"),
            ("20240101000001_a.down.sql", "select 1;"),
        ]);
        let captured =
            capture(dir.path(), Tool::Sqlx, "drift", TRANSACTIONAL, false, now()).unwrap();
        assert_eq!(
            captured.files,
            [
                "20251202182640_drift.up.sql",
                "20251202182640_drift.down.sql"
            ]
        );
        assert_eq!(captured.migrations, ["20251202182640_drift"]);
        assert_eq!(
            names(Tool::Sqlx, &dir).last().unwrap(),
            "20251202182640_drift"
        );
    }

    #[test]
    fn golang_migrate_keeps_the_transaction_and_writes_a_down_file() {
        let dir = folder(&[("000001_a.up.sql", "select 1;"), ("000001_a.down.sql", "")]);
        let captured = capture(
            dir.path(),
            Tool::GolangMigrate,
            "capture_drift",
            TRANSACTIONAL,
            false,
            now(),
        )
        .unwrap();
        assert_eq!(
            captured.files,
            [
                "000002_capture_drift.up.sql",
                "000002_capture_drift.down.sql"
            ]
        );
        assert_eq!(read(&dir, "000002_capture_drift.up.sql"), TRANSACTIONAL);
        assert_eq!(
            read(&dir, "000002_capture_drift.down.sql"),
            "-- 000002_capture_drift captured drift from the live database; it has no down migration.\n"
        );
    }

    #[test]
    fn flyway_continues_the_last_part_of_the_version_as_written() {
        for (files, expected) in [
            (
                &["V1__a.sql", "V1_1__b.sql", "V2__c.sql", "R__views.sql"][..],
                "V3__drift.sql",
            ),
            (&["V001__a.sql"][..], "V002__drift.sql"),
            (&["V1__a.sql", "V1_1__b.sql"][..], "V1_2__drift.sql"),
            (&["V1.9__a.sql"][..], "V1.10__drift.sql"),
            (
                &["V20240101000001__a.sql"][..],
                "V20251202182640__drift.sql",
            ),
            (&["R__views.sql"][..], "V1__drift.sql"),
        ] {
            let files: Vec<(&str, &str)> = files.iter().map(|f| (*f, "select 1;")).collect();
            let dir = folder(&files);
            let captured = capture(
                dir.path(),
                Tool::Flyway,
                "drift",
                TRANSACTIONAL,
                false,
                now(),
            )
            .unwrap();
            assert_eq!(captured.files, [expected], "{files:?}");
            let found = Tool::Flyway.discover(dir.path()).unwrap();
            let versioned: Vec<&str> = found
                .iter()
                .filter(|m| !m.repeatable)
                .map(|m| m.file.as_str())
                .collect();
            assert_eq!(versioned.last(), Some(&expected), "{files:?}");
        }
    }

    const RAILS: &str =
        "class CreateUsers < ActiveRecord::Migration[7.1]\n  def change\n  end\nend\n";

    #[test]
    fn rails_writes_a_migration_class_on_the_folders_version() {
        let dir = folder(&[("20240101000001_create_users.rb", RAILS)]);
        let captured = capture(
            dir.path(),
            Tool::Rails,
            "capture_drift",
            TRANSACTIONAL,
            false,
            now(),
        )
        .unwrap();
        assert_eq!(captured.files, ["20251202182640_capture_drift.rb"]);
        assert_eq!(
            read(&dir, "20251202182640_capture_drift.rb"),
            "class CaptureDrift < ActiveRecord::Migration[7.1]\n  def up\n    execute <<~'SQL'\n      SET check_function_bodies = false;\n\n      -- data loss: drops column a.x\n      ALTER TABLE a DROP COLUMN x;\n    SQL\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n"
        );
        let error = capture(
            dir.path(),
            Tool::Rails,
            "capture_drift",
            "select 1",
            false,
            now(),
        )
        .unwrap_err();
        assert!(matches!(error, CaptureError::NameTaken { .. }), "{error}");

        let captured = capture(
            dir.path(),
            Tool::Rails,
            "online",
            "CREATE INDEX CONCURRENTLY i ON t (a);\nCREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a\\b #{x}'\nSQL\n$$;",
            false,
            now(),
        )
        .unwrap();
        assert_eq!(
            captured.migrations,
            ["20251202182641_online", "20251202182642_online_2"]
        );
        let first = read(&dir, "20251202182641_online.rb");
        assert!(first.starts_with("class Online < ActiveRecord::Migration[7.1]\n  disable_ddl_transaction!\n\n  def up\n"), "{first}");
        let second = read(&dir, "20251202182642_online_2.rb");
        assert!(second.starts_with("class Online2 < "), "{second}");
        assert!(second.contains("execute <<~'SQL2'\n      CREATE FUNCTION f() RETURNS text LANGUAGE sql AS $$ SELECT 'a\\b #{x}'\n      SQL\n      $$;\n    SQL2\n"), "{second}");

        let dir = folder(&[("20240101000001_create_users.rb", "class X\nend\n")]);
        let error =
            capture(dir.path(), Tool::Rails, "drift", "select 1", false, now()).unwrap_err();
        assert!(
            matches!(error, CaptureError::RailsVersion { .. }),
            "{error}"
        );
    }

    #[test]
    fn nothing_is_overwritten_and_nothing_half_written() {
        let dir = folder(&[
            ("000001_a.up.sql", "select 1;"),
            ("000002_capture_drift.down.sql", "stray"),
        ]);
        let error = capture(
            dir.path(),
            Tool::GolangMigrate,
            "capture_drift",
            "select 2",
            false,
            now(),
        )
        .unwrap_err();
        assert!(matches!(error, CaptureError::Exists { .. }), "{error}");
        assert!(!dir.path().join("000002_capture_drift.up.sql").exists());
        assert_eq!(read(&dir, "000002_capture_drift.down.sql"), "stray");

        let dir = folder(&[("meta/_journal.json", JOURNAL), ("0002_drift.sql", "mine")]);
        let error =
            capture(dir.path(), Tool::Drizzle, "drift", "select 2", false, now()).unwrap_err();
        assert!(
            error.to_string().ends_with(
                "0002_drift.sql exists already: a captured migration never overwrites a file"
            ),
            "{error}"
        );
        assert_eq!(read(&dir, "meta/_journal.json"), JOURNAL);
        assert_eq!(read(&dir, "0002_drift.sql"), "mine");

        let error =
            capture(dir.path(), Tool::Plain, "../up", "select 2", false, now()).unwrap_err();
        assert!(matches!(error, CaptureError::BadName { .. }), "{error}");
    }
}
