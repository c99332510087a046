//! drizzle-kit: `meta/_journal.json` lists the migrations (`tag`, `when`) in order; each is
//! `<tag>.sql`, its statements separated by `--> statement-breakpoint`. The migrator records
//! one row per migration in `drizzle.__drizzle_migrations (id, hash, created_at)`: `hash` is
//! the SHA-256 hex of the whole file, `created_at` the journal's `when`.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use super::{sha256_hex, Batch, LocalMigration};
use crate::migrations::MigrationError;

const BREAKPOINT: &str = "--> statement-breakpoint";

#[derive(Deserialize)]
struct Journal {
    entries: Vec<JournalEntry>,
}

#[derive(Deserialize)]
struct JournalEntry {
    when: i64,
    tag: String,
}

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    let path = dir.join("meta/_journal.json");
    let text = fs::read_to_string(&path).map_err(|source| MigrationError::ReadFile {
        path: path.clone(),
        source,
    })?;
    let journal: Journal = serde_json::from_str(&text).map_err(|e| MigrationError::BadJournal {
        path: path.clone(),
        message: e.to_string(),
    })?;
    journal
        .entries
        .into_iter()
        .map(|entry| {
            LocalMigration::read(
                dir,
                &format!("{}.sql", entry.tag),
                entry.when.to_string(),
                entry.tag,
            )
        })
        .collect()
}

pub(super) fn checksum(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

/// Each piece between breakpoints is sent on its own, as the migrator does.
pub(super) fn batches(text: &str) -> Vec<Batch> {
    let mut line = 0;
    let mut batches = Vec::new();
    for piece in text.split(BREAKPOINT) {
        if !piece.trim().is_empty() {
            batches.push(Batch {
                first_line: line,
                sql: piece.to_string(),
                ..Batch::whole("")
            });
        }
        line += u32::try_from(piece.matches('\n').count()).unwrap_or(0);
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakpoints_split_and_lines_follow() {
        let batches = batches(
            "CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);\n",
        );
        let pieces: Vec<(&str, u32)> = batches
            .iter()
            .map(|b| (b.sql.trim(), b.first_line))
            .collect();
        assert_eq!(
            pieces,
            [
                ("CREATE TABLE a (id int);", 0),
                ("CREATE TABLE b (id int);", 1)
            ]
        );
    }

    #[test]
    fn the_hash_is_sha256_of_the_whole_file() {
        assert_eq!(
            checksum(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
