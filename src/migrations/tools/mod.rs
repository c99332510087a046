//! The migration tools schemagit understands, one module per convention: how each names and
//! orders its files, what its tracking table records (one query per tool in `sql/`), which
//! checksum it keeps, and how it runs a file's statements.
//!
//! Every tool's tracking query returns the same columns (`version`, `name`, `checksum`,
//! `state`, `applied_at`, `rank`), so the integrity rules in [`super::verify`] are one set.

mod dbmate;
mod drizzle;
mod flyway;
mod golang_migrate;
mod plain;
mod prisma;
mod rails;
mod sqlx;
mod supabase;

use std::fs;
use std::io;
use std::path::{Path, PathBuf};

use super::capture::{next_versions, CaptureError, Files, Numbering, Request, Run};
use super::MigrationError;

/// A migration tool's convention.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Tool {
    Drizzle,
    Prisma,
    Sqlx,
    Flyway,
    GolangMigrate,
    Rails,
    Dbmate,
    Supabase,
    /// An ordered folder of `.sql` files and no tracking table: git history is the record.
    Plain,
}

impl Tool {
    pub const ALL: [Tool; 9] = [
        Tool::Drizzle,
        Tool::Prisma,
        Tool::Sqlx,
        Tool::Flyway,
        Tool::GolangMigrate,
        Tool::Rails,
        Tool::Dbmate,
        Tool::Supabase,
        Tool::Plain,
    ];

    /// The name a user types (`--tool golang-migrate`) and the reports print.
    pub fn name(self) -> &'static str {
        match self {
            Tool::Drizzle => "drizzle",
            Tool::Prisma => "prisma",
            Tool::Sqlx => "sqlx",
            Tool::Flyway => "flyway",
            Tool::GolangMigrate => "golang-migrate",
            Tool::Rails => "rails",
            Tool::Dbmate => "dbmate",
            Tool::Supabase => "supabase",
            Tool::Plain => "plain",
        }
    }

    pub fn from_name(name: &str) -> Option<Tool> {
        Tool::ALL.into_iter().find(|tool| tool.name() == name)
    }

    /// The tracking tables the tool writes, as `to_regclass` finds them (`search_path` applies
    /// to unqualified names, as it does for the tool).
    pub fn tracking_tables(self) -> &'static [&'static str] {
        match self {
            Tool::Drizzle => &["drizzle.__drizzle_migrations"],
            Tool::Prisma => &["_prisma_migrations"],
            Tool::Sqlx => &["_sqlx_migrations"],
            Tool::Flyway => &["flyway_schema_history"],
            Tool::GolangMigrate | Tool::Dbmate => &["schema_migrations"],
            Tool::Rails => &["schema_migrations", "ar_internal_metadata"],
            Tool::Supabase => &["supabase_migrations.schema_migrations"],
            Tool::Plain => &[],
        }
    }

    /// The query that reads the tracking table in the common shape.
    pub(super) fn tracking_query(self) -> Option<&'static str> {
        match self {
            Tool::Drizzle => Some(include_str!("../sql/drizzle.sql")),
            Tool::Prisma => Some(include_str!("../sql/prisma.sql")),
            Tool::Sqlx => Some(include_str!("../sql/sqlx.sql")),
            Tool::Flyway => Some(include_str!("../sql/flyway.sql")),
            Tool::GolangMigrate => Some(include_str!("../sql/golang_migrate.sql")),
            Tool::Rails | Tool::Dbmate => Some(include_str!("../sql/schema_migrations.sql")),
            Tool::Supabase => Some(include_str!("../sql/supabase.sql")),
            Tool::Plain => None,
        }
    }

    /// Whether the tracking table holds a checksum of each file; without one, only git history
    /// can tell that a file changed after it was applied.
    pub fn has_checksums(self) -> bool {
        matches!(
            self,
            Tool::Drizzle | Tool::Prisma | Tool::Sqlx | Tool::Flyway
        )
    }

    /// The checksum the tool would record for a file's bytes, in the tracking query's text form.
    pub fn checksum(self, bytes: &[u8]) -> Option<String> {
        match self {
            Tool::Drizzle => Some(drizzle::checksum(bytes)),
            Tool::Prisma => Some(prisma::checksum(bytes)),
            Tool::Sqlx => Some(sqlx::checksum(bytes)),
            Tool::Flyway => Some(flyway::checksum(bytes)),
            _ => None,
        }
    }

    /// Whether `bytes` match the recorded checksum by the tool's own rule (prisma accepts a
    /// file whose line endings git converted).
    pub fn checksum_matches(self, bytes: &[u8], recorded: &str) -> bool {
        match self {
            Tool::Prisma => prisma::matches(bytes, recorded),
            _ => self.checksum(bytes).is_some_and(|sum| sum == recorded),
        }
    }

    /// The tool's migrations in `dir`, in the order it runs them.
    pub fn discover(self, dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
        let found = match self {
            Tool::Drizzle => drizzle::discover(dir)?,
            Tool::Prisma => prisma::discover(dir)?,
            Tool::Sqlx => sqlx::discover(dir)?,
            Tool::Flyway => flyway::discover(dir)?,
            Tool::GolangMigrate => golang_migrate::discover(dir)?,
            Tool::Rails => rails::discover(dir)?,
            Tool::Dbmate => dbmate::discover(dir)?,
            Tool::Supabase => supabase::discover(dir)?,
            Tool::Plain => plain::discover(dir)?,
        };
        if found.is_empty() {
            return Err(MigrationError::NoMigrations {
                dir: dir.to_path_buf(),
            });
        }
        Ok(found)
    }

    /// How the tool runs one migration: the pieces it sends, and whether in a transaction.
    pub fn batches(self, migration: &LocalMigration) -> Result<Vec<Batch>, MigrationError> {
        let text = migration.text()?;
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        let mut batches = match self {
            Tool::Drizzle => drizzle::batches(text),
            Tool::Dbmate => dbmate::batches(text),
            Tool::Sqlx => sqlx::batches(text),
            Tool::Rails => return Err(MigrationError::NotReplayable {
                tool: self.name(),
                why: "Rails migrations are Ruby; replay db/structure.sql as a plain folder instead",
            }),
            _ => vec![Batch::whole(text)],
        };
        for batch in &mut batches {
            batch.file.clone_from(&migration.path);
        }
        Ok(batches)
    }

    /// The files that write the runs of `request` as new migrations of this tool, after every
    /// migration in its folder (see [`super::capture`] for what each tool is given).
    pub(super) fn capture(self, request: &Request) -> Result<Files, CaptureError> {
        match self {
            Tool::Drizzle => drizzle::capture(request),
            Tool::Prisma => prisma::capture(request),
            Tool::Sqlx => sqlx::capture(request),
            Tool::Flyway => flyway::capture(request),
            Tool::GolangMigrate => golang_migrate::capture(request),
            Tool::Rails => rails::capture(request),
            Tool::Dbmate => dbmate::capture(request),
            Tool::Supabase => supabase::capture(request),
            Tool::Plain => plain::capture(request),
        }
    }

    /// Tools whose files are in `dir`, by the marks only they leave: drizzle's journal,
    /// prisma's folders, flyway's `V1__` names, rails' `.rb` files, dbmate's `-- migrate:up`,
    /// `.up.sql` pairs (golang-migrate or sqlx). A folder of plain `.sql` files marks none.
    pub fn detect_from_files(dir: &Path) -> Result<Vec<Tool>, MigrationError> {
        let entries = entries(dir)?;
        let mut tools = Vec::new();
        if dir.join("meta/_journal.json").is_file() {
            tools.push(Tool::Drizzle);
        }
        if entries
            .iter()
            .any(|e| e.is_dir && dir.join(&e.name).join("migration.sql").is_file())
            || dir.join("migration_lock.toml").is_file()
        {
            tools.push(Tool::Prisma);
        }
        if entries
            .iter()
            .any(|e| !e.is_dir && flyway::parse_name(&e.name).is_some())
        {
            tools.push(Tool::Flyway);
        }
        if entries
            .iter()
            .any(|e| !e.is_dir && rails::parse_name(&e.name).is_some())
        {
            tools.push(Tool::Rails);
        }
        if entries.iter().any(|e| {
            !e.is_dir
                && e.name.ends_with(".sql")
                && fs::read_to_string(dir.join(&e.name))
                    .is_ok_and(|text| dbmate::has_markers(&text))
        }) {
            tools.push(Tool::Dbmate);
        }
        if entries
            .iter()
            .any(|e| !e.is_dir && e.name.ends_with(".up.sql"))
            && !tools.contains(&Tool::Drizzle)
        {
            tools.push(Tool::GolangMigrate);
            tools.push(Tool::Sqlx);
        }
        Ok(tools)
    }
}

/// The one tool that the files (`from_files`, see [`Tool::detect_from_files`]) and the
/// tracking tables found in the database (`trackers`, `None` when not looked at) point to; the
/// candidates when it is not one. The files' marks win; among plain `.sql` files, the
/// tracking tables decide; with neither, the folder is plain.
pub fn choose(from_files: &[Tool], trackers: Option<&[Tool]>) -> Result<Tool, Vec<Tool>> {
    let trackers = trackers.unwrap_or_default();
    let candidates: Vec<Tool> = if from_files.is_empty() {
        let plain_layout = [
            Tool::Sqlx,
            Tool::Supabase,
            Tool::GolangMigrate,
            Tool::Dbmate,
            Tool::Flyway,
        ];
        let found: Vec<Tool> = trackers
            .iter()
            .copied()
            .filter(|tool| plain_layout.contains(tool))
            .collect();
        if found.is_empty() {
            vec![Tool::Plain]
        } else {
            found
        }
    } else {
        let both: Vec<Tool> = from_files
            .iter()
            .copied()
            .filter(|tool| trackers.contains(tool))
            .collect();
        if both.is_empty() {
            from_files.to_vec()
        } else {
            both
        }
    };
    match candidates.as_slice() {
        [tool] => Ok(*tool),
        _ => Err(candidates),
    }
}

/// One migration file as its tool sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalMigration {
    /// What the tracking table records for it (a version number, a folder name, drizzle's
    /// journal timestamp, `R:<description>` for a flyway repeatable migration).
    pub version: String,
    /// How a person names it: the file or folder name without `.sql`.
    pub name: String,
    /// Relative to the migrations folder, `/`-separated.
    pub file: String,
    pub path: PathBuf,
    /// The file's bytes, which the checksums cover.
    pub bytes: Vec<u8>,
    /// A flyway repeatable migration, applied again whenever it changes.
    pub repeatable: bool,
}

impl LocalMigration {
    fn read(dir: &Path, file: &str, version: String, name: String) -> Result<Self, MigrationError> {
        let path = dir.join(file);
        let bytes = fs::read(&path).map_err(|source| MigrationError::ReadFile {
            path: path.clone(),
            source,
        })?;
        Ok(LocalMigration {
            version,
            name,
            file: file.to_string(),
            path,
            bytes,
            repeatable: false,
        })
    }

    fn text(&self) -> Result<&str, MigrationError> {
        // Worded as `fs::read_to_string` words it, so every unreadable file reads alike.
        std::str::from_utf8(&self.bytes).map_err(|_| MigrationError::ReadFile {
            path: self.path.clone(),
            source: io::Error::new(
                io::ErrorKind::InvalidData,
                "stream did not contain valid UTF-8",
            ),
        })
    }
}

/// A piece of a migration that the tool sends to the server in one go.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Batch {
    pub file: PathBuf,
    pub sql: String,
    /// The 0-based line of the file the piece starts on, so errors name the file's line.
    pub first_line: u32,
    /// Whether the piece runs as one transaction; when not, each statement runs on its own.
    pub transactional: bool,
}

impl Batch {
    fn whole(text: &str) -> Batch {
        Batch {
            file: PathBuf::new(),
            sql: text.to_string(),
            first_line: 0,
            transactional: true,
        }
    }
}

/// One row of a tracking table in the common shape of the tracking queries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Applied {
    pub version: String,
    pub name: Option<String>,
    pub checksum: Option<String>,
    pub state: AppliedState,
    /// Seconds since the Unix epoch, when the tool records it.
    pub applied_at: Option<i64>,
    /// The order rows were written in.
    pub rank: i64,
}

/// What a tracking row says about its migration.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppliedState {
    Applied,
    /// Started and failed (sqlx and flyway `success = false`, prisma unfinished without a
    /// rollback).
    Failed,
    /// golang-migrate's `dirty`: the migration stopped halfway.
    Dirty,
    /// prisma `rolled_back_at`: marked as rolled back, so applied again later.
    RolledBack,
    /// flyway's baseline: versions up to it count as applied.
    Baseline,
}

impl AppliedState {
    pub fn parse(text: &str) -> AppliedState {
        match text {
            "failed" => AppliedState::Failed,
            "dirty" => AppliedState::Dirty,
            "rolled_back" => AppliedState::RolledBack,
            "baseline" => AppliedState::Baseline,
            _ => AppliedState::Applied,
        }
    }
}

/// The tracking rows of `tool` as rows per migration: golang-migrate records only the latest
/// version, which stands for every file up to it.
pub fn expand_rows(tool: Tool, files: &[LocalMigration], rows: Vec<Applied>) -> Vec<Applied> {
    match tool {
        Tool::GolangMigrate => golang_migrate::expand(files, rows),
        _ => rows,
    }
}

/// Tables and schemas of migration tools: bookkeeping, never the application's schema.
pub const TRACKING_SCHEMAS: [&str; 2] = ["drizzle", "supabase_migrations"];
pub const TRACKING_TABLES: [&str; 5] = [
    "_prisma_migrations",
    "_sqlx_migrations",
    "flyway_schema_history",
    "schema_migrations",
    "ar_internal_metadata",
];

struct Entry {
    name: String,
    is_dir: bool,
}

fn entries(dir: &Path) -> Result<Vec<Entry>, MigrationError> {
    let read_error = |source| MigrationError::ReadDir {
        dir: dir.to_path_buf(),
        source,
    };
    let listing = match fs::read_dir(dir) {
        Ok(listing) => listing,
        Err(error) if error.kind() == io::ErrorKind::NotFound => {
            return Err(MigrationError::DirNotFound {
                dir: dir.to_path_buf(),
            })
        }
        Err(error) => return Err(read_error(error)),
    };
    let mut entries = Vec::new();
    for entry in listing {
        let entry = entry.map_err(read_error)?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if name.starts_with('.') {
            continue;
        }
        entries.push(Entry {
            is_dir: entry.path().is_dir(),
            name,
        });
    }
    entries.sort_by(|a, b| a.name.cmp(&b.name));
    Ok(entries)
}

/// The leading digits of a file name, and the rest after one separator: `0002_users.sql` →
/// (`0002`, `users.sql`).
fn leading_number(name: &str) -> Option<(&str, &str)> {
    let end = name.find(|c: char| !c.is_ascii_digit())?;
    if end == 0 {
        return None;
    }
    let rest = &name[end..];
    let rest = rest.strip_prefix('_').unwrap_or(rest);
    Some((&name[..end], rest))
}

/// A number without its leading zeros, as a `bigint` version column prints it.
fn without_zeros(digits: &str) -> String {
    let trimmed = digits.trim_start_matches('0');
    if trimmed.is_empty() {
        "0".to_string()
    } else {
        trimmed.to_string()
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha256};
    hex(&Sha256::digest(bytes))
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write;
    bytes.iter().fold(String::new(), |mut out, byte| {
        let _ = write!(out, "{byte:02x}");
        out
    })
}

/// Migrations named `<digits>_<name>.sql` (and optionally `.up.sql`), ordered by number: the
/// layout of sqlx, golang-migrate, dbmate and supabase.
fn numbered(
    dir: &Path,
    accept: impl Fn(&str) -> Option<&str>,
    version: impl Fn(&str) -> String,
) -> Result<Vec<LocalMigration>, MigrationError> {
    let mut found = Vec::new();
    for entry in entries(dir)? {
        if entry.is_dir {
            continue;
        }
        let Some(stem) = accept(&entry.name) else {
            continue;
        };
        let Some((digits, _)) = leading_number(stem) else {
            continue;
        };
        found.push(LocalMigration::read(
            dir,
            &entry.name,
            version(digits),
            stem.to_string(),
        )?);
    }
    found.sort_by(|a, b| {
        super::apply::compare_numbers(&a.version, &b.version).then_with(|| a.file.cmp(&b.file))
    });
    Ok(found)
}

/// The leading number of the latest of `found` (in the tool's order, repeatable migrations
/// aside) and its file: what the next version continues.
fn latest_number(found: &[LocalMigration]) -> Result<Option<(&str, &str)>, CaptureError> {
    let Some(last) = found.iter().rev().find(|m| !m.repeatable) else {
        return Ok(None);
    };
    match leading_number(&last.file) {
        Some((digits, _)) => Ok(Some((digits, last.file.as_str()))),
        None => Err(CaptureError::Numbering {
            file: last.file.clone(),
            why: "its name does not start with a number",
        }),
    }
}

/// One new migration per run, `<version>_<name>` (the stem `render` is given with the run and
/// its place), numbered after the latest of `found`: the layout of sqlx, golang-migrate,
/// dbmate, supabase, prisma and Rails. `render` returns each file to write and its content.
fn numbered_capture(
    request: &Request,
    found: &[LocalMigration],
    default: Numbering,
    render: impl Fn(&Run, usize, &str) -> Vec<(String, String)>,
) -> Result<Files, CaptureError> {
    let versions = next_versions(
        latest_number(found)?,
        default,
        request.now_seconds(),
        request.runs.len(),
    )?;
    let mut plan = Files::default();
    for (index, (run, version)) in request.runs.iter().zip(versions).enumerate() {
        let stem = format!("{version}_{}", request.name_of(index));
        plan.files.extend(render(run, index, &stem));
        plan.migrations.push(stem);
    }
    Ok(plan)
}

/// The content of a down migration for a captured up migration: there is none to write.
fn no_down(name: &str) -> String {
    format!("-- {name} captured drift from the live database; it has no down migration.\n")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for tool in Tool::ALL {
            assert_eq!(Tool::from_name(tool.name()), Some(tool));
        }
        assert_eq!(Tool::from_name("liquibase"), None);
    }

    #[test]
    fn the_files_marks_win_and_tracking_tables_decide_the_rest() {
        assert_eq!(
            choose(&[Tool::Drizzle], Some(&[Tool::Prisma])),
            Ok(Tool::Drizzle)
        );
        assert_eq!(
            choose(&[Tool::GolangMigrate, Tool::Sqlx], Some(&[Tool::Sqlx])),
            Ok(Tool::Sqlx)
        );
        assert_eq!(
            choose(&[Tool::GolangMigrate, Tool::Sqlx], None),
            Err(vec![Tool::GolangMigrate, Tool::Sqlx])
        );
        assert_eq!(choose(&[], Some(&[Tool::Supabase])), Ok(Tool::Supabase));
        assert_eq!(choose(&[], Some(&[])), Ok(Tool::Plain));
        assert_eq!(choose(&[], None), Ok(Tool::Plain));
        assert_eq!(
            choose(&[Tool::Dbmate], Some(&[Tool::Dbmate, Tool::Rails])),
            Ok(Tool::Dbmate)
        );
        assert_eq!(
            choose(&[], Some(&[Tool::Sqlx, Tool::Flyway])),
            Err(vec![Tool::Sqlx, Tool::Flyway])
        );
    }

    #[test]
    fn leading_numbers() {
        assert_eq!(
            leading_number("0002_users.sql"),
            Some(("0002", "users.sql"))
        );
        assert_eq!(
            leading_number("20240101_x.up.sql"),
            Some(("20240101", "x.up.sql"))
        );
        assert_eq!(leading_number("V1__x.sql"), None);
        assert_eq!(without_zeros("0002"), "2");
        assert_eq!(without_zeros("000"), "0");
    }
}
