//! sqlx migrate: `<version>_<description>.sql`, or reversible `.up.sql` / `.down.sql` pairs,
//! run in version order. `_sqlx_migrations` records `version`, `description`, `success` and
//! `checksum`: the SHA-384 of the file's bytes. A file whose first line is `-- no-transaction`
//! runs outside a transaction.

use std::path::Path;

use super::{hex, no_down, numbered, numbered_capture, without_zeros, Batch, LocalMigration};
use crate::migrations::capture::{existing, CaptureError, Files, Numbering, Request};
use crate::migrations::{MigrationError, Tool};

const NO_TRANSACTION: &str = "-- no-transaction";

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    numbered(
        dir,
        |name| {
            if name.ends_with(".down.sql") {
                None
            } else {
                name.strip_suffix(".up.sql")
                    .or_else(|| name.strip_suffix(".sql"))
            }
        },
        without_zeros,
    )
}

pub(super) fn checksum(bytes: &[u8]) -> String {
    use sha2::{Digest, Sha384};
    hex(&Sha384::digest(bytes))
}

pub(super) fn batches(text: &str) -> Vec<Batch> {
    let transactional = !text.trim_start().starts_with(NO_TRANSACTION);
    vec![Batch {
        transactional,
        ..Batch::whole(text)
    }]
}

/// `<YYYYMMDDHHMMSS>_<name>.sql` per run (the folder's own numbering, if it has another), or
/// an `.up.sql` and `.down.sql` pair in a folder of reversible migrations, as `sqlx migrate
/// add` writes them. sqlx runs each migration in a transaction of its own, so the script's
/// `BEGIN` and `COMMIT` are left out; a statement that cannot run in one gets a file of its
/// own starting with `-- no-transaction`, since sqlx sends the file as one query.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Sqlx, request.dir)?;
    let reversible = found.iter().any(|m| m.file.ends_with(".up.sql"));
    numbered_capture(request, &found, Numbering::Timestamp, |run, _, stem| {
        let mut sql = run.sql();
        if !run.transactional {
            sql.insert_str(0, &format!("{NO_TRANSACTION}\n"));
        }
        if reversible {
            vec![
                (format!("{stem}.up.sql"), sql),
                (format!("{stem}.down.sql"), no_down(stem)),
            ]
        } else {
            vec![(format!("{stem}.sql"), sql)]
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_checksum_is_sha384_and_no_transaction_is_honoured() {
        assert_eq!(
            checksum(b"abc"),
            "cb00753f45a35e8bb5a03d699ac65007272c32ab0eded1631a8b605a43ff5bed8086072ba1e7cc2358baeca134c825a7"
        );
        assert!(
            !batches("-- no-transaction\nCREATE INDEX CONCURRENTLY x ON t (a);")[0].transactional
        );
        assert!(batches("CREATE TABLE t (a int);")[0].transactional);
    }
}
