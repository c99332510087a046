//! Supabase CLI: `supabase/migrations/<timestamp>_<name>.sql` in version order.
//! `supabase_migrations.schema_migrations (version, name, statements)` records each applied
//! version with the statements it ran; no checksum and no time.

use std::path::Path;

use super::{numbered, numbered_capture, LocalMigration};
use crate::migrations::capture::{existing, CaptureError, Files, Numbering, Request};
use crate::migrations::{MigrationError, Tool};

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    numbered(dir, |name| name.strip_suffix(".sql"), str::to_string)
}

/// `<YYYYMMDDHHMMSS>_<name>.sql` per run, as `supabase migration new` writes it. The CLI sends
/// a file's statements as one pipeline, which PostgreSQL runs as one transaction: the script's
/// `BEGIN` and `COMMIT` are left out. A statement that cannot run in a transaction gets a file
/// of its own; the CLI runs such statements (`CREATE INDEX CONCURRENTLY` and its kin) outside
/// the pipeline since version 2.109, and earlier versions refuse them wherever they are.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Supabase, request.dir)?;
    numbered_capture(request, &found, Numbering::Timestamp, |run, _, stem| {
        vec![(format!("{stem}.sql"), run.sql())]
    })
}
