//! Rails (Active Record): `db/migrate/<timestamp>_<name>.rb`, run in version order.
//! `schema_migrations (version varchar)` lists the applied versions; `ar_internal_metadata`
//! marks the table as Rails'. No checksum, no time. The migrations are Ruby, so they are not
//! replayed.

use std::path::Path;

use super::{entries, leading_number, LocalMigration};
use crate::migrations::apply::compare_numbers;
use crate::migrations::MigrationError;

/// `Some(version)` for a Rails migration file name.
pub(super) fn parse_name(name: &str) -> Option<&str> {
    let stem = name.strip_suffix(".rb")?;
    let (digits, rest) = leading_number(stem)?;
    (!rest.is_empty()).then_some(digits)
}

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    let mut found = Vec::new();
    for entry in entries(dir)? {
        if let Some(version) = parse_name(&entry.name).filter(|_| !entry.is_dir) {
            let name = entry.name.trim_end_matches(".rb").to_string();
            found.push(LocalMigration::read(
                dir,
                &entry.name,
                version.to_string(),
                name,
            )?);
        }
    }
    found.sort_by(|a, b| compare_numbers(&a.version, &b.version));
    Ok(found)
}
