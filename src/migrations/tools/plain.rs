//! A plain ordered folder of `.sql` files (or one folder per migration with an `up.sql`), in
//! version order, with no tracking table: git history is the only record of what changed.

use std::path::Path;

use super::{latest_number, LocalMigration};
use crate::migrations::capture::{
    existing, next_versions, CaptureError, Files, Numbering, Request,
};
use crate::migrations::{apply, MigrationError, Tool};

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    apply::discover(dir)?
        .into_iter()
        .map(|file| {
            let name = file.name.trim_end_matches(".sql").to_string();
            LocalMigration::read(dir, &file.name, file.name.clone(), name)
        })
        .collect()
}

/// The script as it is, `BEGIN` and `COMMIT` included, as the next file of the folder: its
/// number one higher than the latest's, in its width (`0007_<name>.sql` after `0006_…`), and a
/// folder `<number>_<name>/up.sql` where migrations are folders. A plain folder has no tool
/// that opens a transaction, so the script's own transactions are what keeps it whole, and
/// its statements that cannot run in one stand between them, as `psql -f` runs them.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Plain, request.dir)?;
    let version = next_versions(
        latest_number(&found)?,
        Numbering::Sequence { width: 4, first: 1 },
        request.now_seconds(),
        1,
    )?
    .concat();
    let stem = format!("{version}_{}", request.name);
    let file = if found.last().is_some_and(|m| m.file.ends_with("/up.sql")) {
        format!("{stem}/up.sql")
    } else {
        format!("{stem}.sql")
    };
    let mut text = request.script.to_string();
    if !text.ends_with('\n') {
        text.push('\n');
    }
    Ok(Files {
        migrations: vec![file.trim_end_matches(".sql").to_string()],
        files: vec![(file, text)],
        updated: Vec::new(),
    })
}
