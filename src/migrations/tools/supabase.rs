//! Supabase CLI: `supabase/migrations/<timestamp>_<name>.sql` in version order.
//! `supabase_migrations.schema_migrations (version, name, statements)` records each applied
//! version with the statements it ran; no checksum and no time.

use std::path::Path;

use super::{numbered, LocalMigration};
use crate::migrations::MigrationError;

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    numbered(dir, |name| name.strip_suffix(".sql"), str::to_string)
}
