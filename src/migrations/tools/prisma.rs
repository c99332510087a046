//! prisma migrate: one folder per migration, `<timestamp>_<name>/migration.sql`, run in name
//! order. `_prisma_migrations` records `migration_name`, `checksum` (SHA-256 hex of
//! migration.sql), `started_at`, `finished_at` and `rolled_back_at`. Prisma accepts a file
//! whose line endings git converted: the checksum of the script, of it with CRLF made LF, or
//! with LF made CRLF.

use std::path::Path;

use super::{entries, numbered_capture, sha256_hex, LocalMigration};
use crate::migrations::capture::{existing, CaptureError, Files, Numbering, Request};
use crate::migrations::{MigrationError, Tool};

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    let mut found = Vec::new();
    for entry in entries(dir)? {
        if entry.is_dir && dir.join(&entry.name).join("migration.sql").is_file() {
            found.push(LocalMigration::read(
                dir,
                &format!("{}/migration.sql", entry.name),
                entry.name.clone(),
                entry.name,
            )?);
        }
    }
    Ok(found)
}

pub(super) fn checksum(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

pub(super) fn matches(bytes: &[u8], recorded: &str) -> bool {
    let text = String::from_utf8_lossy(bytes);
    let lf = text.replace("\r\n", "\n");
    let crlf = text.replace('\n', "\r\n");
    [bytes, lf.as_bytes(), crlf.as_bytes()]
        .iter()
        .any(|variant| sha256_hex(variant) == recorded)
}

/// `<YYYYMMDDHHMMSS>_<name>/migration.sql` per run, as `prisma migrate dev --create-only`
/// writes it. Prisma sends the file as one query, which PostgreSQL runs as one transaction: the
/// script's `BEGIN` and `COMMIT` are left out, and a statement that cannot run in a transaction
/// gets a migration of its own, where it is the only statement and runs on its own.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Prisma, request.dir)?;
    numbered_capture(request, &found, Numbering::Timestamp, |run, _, stem| {
        vec![(format!("{stem}/migration.sql"), run.sql())]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converted_line_endings_still_match() {
        let recorded = checksum(b"CREATE TABLE a (id int);\n");
        assert!(matches(b"CREATE TABLE a (id int);\r\n", &recorded));
        assert!(matches(b"CREATE TABLE a (id int);\n", &recorded));
        assert!(!matches(b"CREATE TABLE a (id bigint);\n", &recorded));
    }
}
