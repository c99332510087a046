//! A plain ordered folder of `.sql` files (or one folder per migration with an `up.sql`), in
//! version order, with no tracking table: git history is the only record of what changed.

use std::path::Path;

use super::LocalMigration;
use crate::migrations::{apply, MigrationError};

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    apply::discover(dir)?
        .into_iter()
        .map(|file| {
            let name = file.name.trim_end_matches(".sql").to_string();
            LocalMigration::read(dir, &file.name, file.name.clone(), name)
        })
        .collect()
}
