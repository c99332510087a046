//! dbmate: `<version>_<name>.sql` in version order, each holding a `-- migrate:up` section and
//! a `-- migrate:down` section; `-- migrate:up transaction:false` runs the up section outside
//! a transaction. `schema_migrations (version varchar)` lists the applied versions, with no
//! checksum and no time.

use std::path::Path;

use super::{numbered, numbered_capture, Batch, LocalMigration};
use crate::migrations::capture::{existing, CaptureError, Files, Numbering, Request};
use crate::migrations::{MigrationError, Tool};

const UP: &str = "-- migrate:up";
const DOWN: &str = "-- migrate:down";

pub(super) fn has_markers(text: &str) -> bool {
    text.lines().any(|line| line.trim_start().starts_with(UP))
}

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    numbered(dir, |name| name.strip_suffix(".sql"), str::to_string)
}

/// The up section only, with its transaction option.
pub(super) fn batches(text: &str) -> Vec<Batch> {
    let mut sql = String::new();
    let mut first_line = 0;
    let mut transactional = true;
    let mut in_up = false;
    for (number, line) in text.split_inclusive('\n').enumerate() {
        let marker = line.trim_start();
        if let Some(options) = marker.strip_prefix(UP) {
            in_up = true;
            first_line = u32::try_from(number + 1).unwrap_or(0);
            transactional = !options.split_whitespace().any(|o| o == "transaction:false");
        } else if marker.starts_with(DOWN) {
            in_up = false;
        } else if in_up {
            sql.push_str(line);
        }
    }
    vec![Batch {
        sql,
        first_line,
        transactional,
        ..Batch::whole("")
    }]
}

/// `<YYYYMMDDHHMMSS>_<name>.sql` (the folder's own numbering, if it has another) per run, as
/// `dbmate new` writes it: dbmate runs the up section in a transaction of its own, so the
/// script's `BEGIN` and `COMMIT` are left out; a statement that cannot run in one gets a file
/// of its own with `transaction:false`, since dbmate sends the section as one query.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Dbmate, request.dir)?;
    numbered_capture(request, &found, Numbering::Timestamp, |run, _, stem| {
        let options = if run.transactional {
            ""
        } else {
            " transaction:false"
        };
        vec![(
            format!("{stem}.sql"),
            format!("{UP}{options}\n{}\n{DOWN}\n", run.sql()),
        )]
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_up_section_runs_with_its_transaction_option() {
        let text = "-- migrate:up transaction:false\nCREATE INDEX CONCURRENTLY i ON t (a);\n\n-- migrate:down\nDROP INDEX i;\n";
        let up = batches(text);
        assert_eq!(up.len(), 1);
        assert_eq!(up[0].sql, "CREATE INDEX CONCURRENTLY i ON t (a);\n\n");
        assert_eq!(up[0].first_line, 1);
        assert!(!up[0].transactional);
        assert!(batches("-- migrate:up\nselect 1;\n")[0].transactional);
    }
}
