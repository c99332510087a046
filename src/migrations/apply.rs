//! Finding the up-migrations of a plain folder, ordering them by version, and running a tool's
//! migrations piece by piece the way that tool does, turning a server error into the file and
//! line that caused it.
//!
//! Layouts understood: `*.sql` files at the top level (Flyway, golang-migrate, sqlx, dbmate,
//! refinery, plain numbered scripts) and one directory per migration holding `up.sql` (diesel
//! and similar). Down migrations are skipped.

use std::cmp::Ordering;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::statements::{refuses_transaction, split};
use super::tools::{Batch, LocalMigration, Tool};

/// One up-migration, in the order [`discover`] returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFile {
    pub path: PathBuf,
    /// Relative to the migrations directory, `/`-separated: `0002_users.sql`,
    /// `2024-01-05-120000_users/up.sql`.
    pub name: String,
}

#[derive(Debug, thiserror::Error)]
pub enum MigrationError {
    #[error("migrations directory {} does not exist", dir.display())]
    DirNotFound { dir: PathBuf },
    #[error("could not read migrations directory {}", dir.display())]
    ReadDir {
        dir: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "no migrations in {}: expected *.sql files or one directory per migration with an \
         up.sql (down migrations are skipped)",
        dir.display()
    )]
    NoMigrations { dir: PathBuf },
    #[error("could not read migration {}", path.display())]
    ReadFile {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "migration {} failed{}: {} (SQLSTATE {}){}",
        .0.path.display(),
        .0.line.map(|line| format!(" at line {line}")).unwrap_or_default(),
        .0.message,
        .0.code,
        server_notes(.0.detail.as_deref(), .0.hint.as_deref())
    )]
    Failed(Box<MigrationFailure>),
    #[error("migration {} could not be applied", path.display())]
    Apply {
        path: PathBuf,
        #[source]
        source: tokio_postgres::Error,
    },
    #[error("{}: not a drizzle journal: {message}", path.display())]
    BadJournal { path: PathBuf, message: String },
    #[error("{tool} migrations cannot be replayed: {why}")]
    NotReplayable {
        tool: &'static str,
        why: &'static str,
    },
}

/// What the server said about the statement in a migration file that it rejected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MigrationFailure {
    pub path: PathBuf,
    /// 1-based line in the file, when the server pointed at a position in it.
    pub line: Option<u32>,
    pub message: String,
    /// The SQLSTATE, e.g. `42P01`.
    pub code: String,
    pub detail: Option<String>,
    pub hint: Option<String>,
}

fn server_notes(detail: Option<&str>, hint: Option<&str>) -> String {
    let mut notes = String::new();
    if let Some(detail) = detail {
        notes.push_str("; detail: ");
        notes.push_str(detail);
    }
    if let Some(hint) = hint {
        notes.push_str("; hint: ");
        notes.push_str(hint);
    }
    notes
}

/// The up-migrations in `dir`, in version order: the version a name starts with compares
/// numerically (`2_x.sql` before `10_x.sql`; Flyway's `V1__a.sql`, `V1_1__b.sql`, `V2__c.sql`,
/// `V10__d.sql`), then the rest of the name in natural order, then the full name.
pub fn discover(dir: &Path) -> Result<Vec<MigrationFile>, MigrationError> {
    let read_error = |source| MigrationError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    let entries = match fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(MigrationError::DirNotFound {
                dir: dir.to_path_buf(),
            })
        }
        Err(error) => return Err(read_error(error)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let entry = entry.map_err(read_error)?;
        let file_name = entry.file_name().to_string_lossy().into_owned();
        // Editor and macOS metadata files (`.#0001.sql`, `._0001.sql`) are not migrations.
        if file_name.starts_with('.') {
            continue;
        }
        let path = entry.path();
        if path.is_dir() {
            let up = path.join("up.sql");
            if up.is_file() {
                files.push(MigrationFile {
                    path: up,
                    name: format!("{file_name}/up.sql"),
                });
            }
        } else if path.is_file() && is_up_migration(&file_name) {
            files.push(MigrationFile {
                path,
                name: file_name,
            });
        }
    }
    if files.is_empty() {
        return Err(MigrationError::NoMigrations {
            dir: dir.to_path_buf(),
        });
    }
    files.sort_by(|a, b| version_order(&a.name, &b.name));
    Ok(files)
}

/// Runs each migration the way `tool` does ([`Tool::batches`]): a piece that may run in a
/// transaction is one simple-protocol batch (without its own `BEGIN`/`COMMIT`, one implicit
/// transaction); a piece marked to run outside one, or holding a statement the server refuses
/// inside one (`CREATE INDEX CONCURRENTLY`, …), runs statement by statement. Stops at the first
/// failure.
pub async fn apply_all(
    client: &tokio_postgres::Client,
    tool: Tool,
    migrations: &[LocalMigration],
) -> Result<(), MigrationError> {
    for migration in migrations {
        for batch in tool.batches(migration)? {
            run_batch(client, &batch).await?;
        }
    }
    Ok(())
}

async fn run_batch(client: &tokio_postgres::Client, batch: &Batch) -> Result<(), MigrationError> {
    let statements = split(&batch.sql);
    let transactional =
        batch.transactional && !statements.iter().any(|s| refuses_transaction(s.sql));
    if transactional {
        return client
            .batch_execute(&batch.sql)
            .await
            .map_err(|error| failure(&batch.file, &batch.sql, batch.first_line, error));
    }
    for statement in statements {
        client.batch_execute(statement.sql).await.map_err(|error| {
            failure(
                &batch.file,
                statement.sql,
                batch.first_line + statement.line,
                error,
            )
        })?;
    }
    Ok(())
}

/// The server's complaint about `sql`, which starts on 0-based line `first_line` of the file.
fn failure(
    path: &Path,
    sql: &str,
    first_line: u32,
    error: tokio_postgres::Error,
) -> MigrationError {
    let Some(db_error) = error.as_db_error() else {
        return MigrationError::Apply {
            path: path.to_path_buf(),
            source: error,
        };
    };
    // An internal position points into generated SQL (a function body, a view's query), not
    // into the file; the server then usually reports the original position as well.
    let line = match db_error.position() {
        Some(tokio_postgres::error::ErrorPosition::Original(position)) => {
            line_of_position(sql, *position).map(|line| line + first_line)
        }
        _ => None,
    };
    MigrationError::Failed(Box::new(MigrationFailure {
        path: path.to_path_buf(),
        line,
        message: db_error.message().to_owned(),
        code: db_error.code().code().to_owned(),
        detail: db_error.detail().map(str::to_owned),
        hint: db_error.hint().map(str::to_owned),
    }))
}

/// The 1-based line of a server error position: 1-based and counted in characters, not bytes.
/// An error "at end of input" points one past the last character; it is reported on the last
/// line that has something on it.
fn line_of_position(sql: &str, position: u32) -> Option<u32> {
    let index = usize::try_from(position).ok()?.checked_sub(1)?;
    let mut line: u32 = 1;
    let mut last_content_line = 1;
    let mut length = 0;
    for (offset, c) in sql.chars().enumerate() {
        if offset == index {
            return Some(line);
        }
        if c == '\n' {
            line = line.saturating_add(1);
        } else if !c.is_whitespace() {
            last_content_line = line;
        }
        length = offset + 1;
    }
    (index == length).then_some(last_content_line)
}

fn is_up_migration(file_name: &str) -> bool {
    let name = file_name.to_ascii_lowercase();
    name.ends_with(".sql")
        && name != "down.sql"
        && !name.ends_with(".down.sql")
        && !name.ends_with("_down.sql")
}

pub(crate) fn version_order(a: &str, b: &str) -> Ordering {
    let (a_prefix, a_version) = leading_version(a);
    let (b_prefix, b_version) = leading_version(b);
    a_prefix
        .cmp(b_prefix)
        .then_with(|| {
            a_version
                .iter()
                .zip(&b_version)
                .map(|(x, y)| compare_numbers(x, y))
                .find(|order| order.is_ne())
                .unwrap_or_else(|| a_version.len().cmp(&b_version.len()))
        })
        .then_with(|| natural_order(a, b))
}

/// The version a name starts with: the text before its first digit, then the numbers that
/// follow, separated by single `.`, `_` or `-` (`V1_1__add.sql` → `V`, [1, 1];
/// `2024-01-05-120000_users` → [2024, 1, 5, 120000]). Numbers stay digit strings so that a
/// long timestamp cannot overflow.
fn leading_version(name: &str) -> (&str, Vec<&str>) {
    let start = name
        .find(|c: char| c.is_ascii_digit())
        .unwrap_or(name.len());
    let (prefix, mut rest) = name.split_at(start);
    let mut numbers = Vec::new();
    loop {
        let end = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        if end == 0 {
            break;
        }
        numbers.push(&rest[..end]);
        rest = &rest[end..];
        let mut next = rest.chars();
        match (next.next(), next.next()) {
            (Some('.' | '_' | '-'), Some(digit)) if digit.is_ascii_digit() => rest = &rest[1..],
            _ => break,
        }
    }
    (prefix, numbers)
}

/// Natural order: names are compared run by run, digit runs by numeric value and other runs
/// byte-wise; names that only differ in leading zeros fall back to plain byte order, so the
/// order is total and the same on every machine.
fn natural_order(a: &str, b: &str) -> Ordering {
    let mut left = runs(a);
    let mut right = runs(b);
    loop {
        match (left.next(), right.next()) {
            (None, None) => return a.cmp(b),
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => match compare_runs(x, y) {
                Ordering::Equal => {}
                unequal => return unequal,
            },
        }
    }
}

fn compare_runs(x: &str, y: &str) -> Ordering {
    let is_number = |run: &str| run.starts_with(|c: char| c.is_ascii_digit());
    if is_number(x) && is_number(y) {
        compare_numbers(x, y)
    } else {
        x.cmp(y)
    }
}

/// Two digit strings by value, whatever their length.
pub(crate) fn compare_numbers(x: &str, y: &str) -> Ordering {
    let (x, y) = (x.trim_start_matches('0'), y.trim_start_matches('0'));
    x.len().cmp(&y.len()).then_with(|| x.cmp(y))
}

/// Splits a name into maximal runs of ASCII digits and of everything else.
fn runs(name: &str) -> impl Iterator<Item = &str> {
    let mut rest = name;
    std::iter::from_fn(move || {
        let first = rest.chars().next()?;
        let digits = first.is_ascii_digit();
        let end = rest
            .find(|c: char| c.is_ascii_digit() != digits)
            .unwrap_or(rest.len());
        let (run, tail) = rest.split_at(end);
        rest = tail;
        Some(run)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn names(dir: &Path) -> Vec<String> {
        discover(dir)
            .unwrap()
            .into_iter()
            .map(|file| file.name)
            .collect()
    }

    fn touch(dir: &Path, relative: &str) {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, "select 1;\n").unwrap();
    }

    #[test]
    fn numbers_order_numerically_then_by_name() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "10_ten.sql",
            "2_two.sql",
            "1_one.sql",
            "01_one.sql",
            "2_again.sql",
            "readme.txt",
        ] {
            touch(dir.path(), name);
        }
        // Equal numbers fall through to the rest of the name; equal values with different
        // zero padding fall back to the full name.
        assert_eq!(
            names(dir.path()),
            [
                "01_one.sql",
                "1_one.sql",
                "2_again.sql",
                "2_two.sql",
                "10_ten.sql"
            ]
        );
    }

    #[test]
    fn flyway_versions_order_numerically_after_their_prefix() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "V10__c.sql",
            "V2__b.sql",
            "V1_1__a2.sql",
            "V1__a.sql",
            "V1.2__a3.sql",
        ] {
            touch(dir.path(), name);
        }
        assert_eq!(
            names(dir.path()),
            [
                "V1__a.sql",
                "V1_1__a2.sql",
                "V1.2__a3.sql",
                "V2__b.sql",
                "V10__c.sql"
            ]
        );
    }

    #[test]
    fn down_migrations_and_hidden_files_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        for name in [
            "1_init.up.sql",
            "1_init.down.sql",
            "2_users.sql",
            "2_users_down.sql",
            "3_more.DOWN.SQL",
            "down.sql",
            ".#4_editing.sql",
            "._4_appledouble.sql",
        ] {
            touch(dir.path(), name);
        }
        assert_eq!(names(dir.path()), ["1_init.up.sql", "2_users.sql"]);
    }

    #[test]
    fn a_directory_per_migration_contributes_its_up_sql() {
        let dir = tempfile::tempdir().unwrap();
        touch(dir.path(), "2024-01-10-000000_posts/up.sql");
        touch(dir.path(), "2024-01-10-000000_posts/down.sql");
        touch(dir.path(), "00000000000000_diesel_initial_setup/up.sql");
        touch(dir.path(), "2024-01-02-093000_users/up.sql");
        touch(dir.path(), "2024-01-02-093000_users/down.sql");
        touch(dir.path(), "notes/readme.sql");
        let found = discover(dir.path()).unwrap();
        let found: Vec<_> = found
            .iter()
            .map(|file| (file.name.as_str(), file.path.clone()))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "00000000000000_diesel_initial_setup/up.sql",
                    dir.path()
                        .join("00000000000000_diesel_initial_setup/up.sql")
                ),
                (
                    "2024-01-02-093000_users/up.sql",
                    dir.path().join("2024-01-02-093000_users/up.sql")
                ),
                (
                    "2024-01-10-000000_posts/up.sql",
                    dir.path().join("2024-01-10-000000_posts/up.sql")
                ),
            ]
        );
    }

    #[test]
    fn missing_and_empty_directories_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("nope");
        let error = discover(&missing).unwrap_err();
        assert!(matches!(error, MigrationError::DirNotFound { .. }));
        assert!(error.to_string().contains("nope"));

        touch(dir.path(), "only.down.sql");
        let error = discover(dir.path()).unwrap_err();
        assert!(matches!(error, MigrationError::NoMigrations { .. }));
        assert!(error.to_string().contains("up.sql"));
    }

    #[test]
    fn version_order_is_a_total_order() {
        let mut names = vec![
            "1",
            "01",
            "001",
            "a",
            "a1",
            "a01",
            "a10",
            "a2",
            "1a",
            "1_a",
            "1-a",
            "10",
            "",
            "_",
            "1_1",
            "1__1",
            "1.1",
            "1-1-1",
            "V1__a",
            "V1_1__a",
            "V01_1__a",
            "V1.1__a",
            "2024-01-02",
            "20240102",
            "1_2x",
            "1_2_x",
            "1_10_x",
        ];
        names.sort_by(|a, b| version_order(a, b));
        for (i, a) in names.iter().enumerate() {
            for b in &names[i + 1..] {
                assert_eq!(version_order(a, b), Ordering::Less, "{a:?} {b:?}");
                assert_eq!(version_order(b, a), Ordering::Greater, "{a:?} {b:?}");
            }
        }
        for name in &names {
            assert_eq!(version_order(name, name), Ordering::Equal);
        }
    }

    #[test]
    fn digit_runs_longer_than_any_integer_still_compare() {
        assert_eq!(
            version_order(
                "99999999999999999999999999_a.sql",
                "100000000000000000000000000_a.sql"
            ),
            Ordering::Less
        );
    }

    #[test]
    fn positions_become_lines() {
        let sql = "create table a (id int);\ncreate table b (\n  id nosuchtype\n);\n";
        let at = |needle: &str| {
            u32::try_from(sql[..sql.find(needle).unwrap()].chars().count() + 1).unwrap()
        };
        assert_eq!(line_of_position(sql, 1), Some(1));
        assert_eq!(line_of_position(sql, at("create table b")), Some(2));
        assert_eq!(line_of_position(sql, at("nosuchtype")), Some(3));
        assert_eq!(line_of_position(sql, 0), None);
    }

    #[test]
    fn positions_count_characters_not_bytes() {
        // Two-byte characters on line 1 must not push the position onto the next line.
        let sql = "select 'ééééé';\nselect nope;";
        let position = u32::try_from(sql.chars().position(|c| c == 'n').unwrap() + 1).unwrap();
        assert_eq!(line_of_position(sql, position), Some(2));
    }

    #[test]
    fn end_of_input_is_reported_on_the_last_line_with_content() {
        let sql = "select 1;\nselect (\n\n";
        let end = u32::try_from(sql.chars().count() + 1).unwrap();
        assert_eq!(line_of_position(sql, end), Some(2));
        assert_eq!(line_of_position(sql, end + 1), None);
    }

    #[test]
    fn failure_message_names_file_line_and_sqlstate() {
        let error = MigrationError::Failed(Box::new(MigrationFailure {
            path: PathBuf::from("migrations/0002_users.sql"),
            line: Some(3),
            message: "type \"nosuchtype\" does not exist".to_owned(),
            code: "42704".to_owned(),
            detail: None,
            hint: Some("Check the spelling.".to_owned()),
        }));
        assert_eq!(
            error.to_string(),
            "migration migrations/0002_users.sql failed at line 3: type \"nosuchtype\" does not \
             exist (SQLSTATE 42704); hint: Check the spelling."
        );
    }
}
