//! golang-migrate: `<version>_<title>.up.sql` (and `.down.sql`), run in version order, each
//! file sent whole. `schema_migrations (version bigint, dirty boolean)` holds one row: the
//! latest version, dirty when it stopped halfway. Every file up to that version counts as
//! applied; the table keeps no checksum and no time.

use std::path::Path;

use super::{
    no_down, numbered, numbered_capture, without_zeros, Applied, AppliedState, LocalMigration,
};
use crate::migrations::apply::compare_numbers;
use crate::migrations::capture::{existing, CaptureError, Files, Numbering, Request};
use crate::migrations::{MigrationError, Tool};

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    numbered(dir, |name| name.strip_suffix(".up.sql"), without_zeros)
}

/// The one row as a row per file up to it (the row itself when its file is gone).
pub(super) fn expand(files: &[LocalMigration], rows: Vec<Applied>) -> Vec<Applied> {
    let Some(latest) = rows.into_iter().next() else {
        return Vec::new();
    };
    let mut applied: Vec<Applied> = files
        .iter()
        .filter(|file| compare_numbers(&file.version, &latest.version).is_lt())
        .zip(0..)
        .map(|(file, rank)| Applied {
            version: file.version.clone(),
            name: None,
            checksum: None,
            state: AppliedState::Applied,
            applied_at: None,
            rank,
        })
        .collect();
    applied.push(Applied {
        rank: i64::try_from(applied.len()).unwrap_or(i64::MAX),
        ..latest
    });
    applied
}

/// `<version>_<name>.up.sql` and a `.down.sql` per run, numbered as the folder is (`migrate
/// create` writes `YYYYMMDDHHMMSS` by default, `-seq` a sequence). golang-migrate opens no
/// transaction, so a transactional run keeps the script's `BEGIN` and `COMMIT`; a statement
/// that cannot run in one gets a file of its own, since the file is sent as one query.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::GolangMigrate, request.dir)?;
    numbered_capture(request, &found, Numbering::Timestamp, |run, _, stem| {
        vec![
            (format!("{stem}.up.sql"), run.sql_in_transaction()),
            (format!("{stem}.down.sql"), no_down(stem)),
        ]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(version: &str) -> LocalMigration {
        LocalMigration {
            version: version.into(),
            name: version.into(),
            file: format!("{version}_x.up.sql"),
            path: format!("{version}_x.up.sql").into(),
            bytes: Vec::new(),
            repeatable: false,
        }
    }

    #[test]
    fn the_latest_version_stands_for_every_file_up_to_it() {
        let files = [file("1"), file("2"), file("10")];
        let row = Applied {
            version: "2".into(),
            name: None,
            checksum: None,
            state: AppliedState::Dirty,
            applied_at: None,
            rank: 0,
        };
        let expanded = expand(&files, vec![row]);
        let states: Vec<(&str, AppliedState)> = expanded
            .iter()
            .map(|a| (a.version.as_str(), a.state))
            .collect();
        assert_eq!(
            states,
            [("1", AppliedState::Applied), ("2", AppliedState::Dirty)]
        );
    }
}
