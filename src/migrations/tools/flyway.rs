//! Flyway: versioned `V<version>__<description>.sql` (`_` in a version is `.`) in version
//! order, then repeatable `R__<description>.sql` in description order, applied again whenever
//! their checksum changes. `flyway_schema_history` records `version`, `description`, `type`,
//! `checksum` and `success`. The checksum is CRC-32 over the file's lines read without their
//! terminators (`\n`, `\r\n` or `\r`; a byte-order mark on the first line dropped), each
//! line's UTF-8 bytes fed in turn, stored as a signed 32-bit integer: line endings never change
//! it.

use std::path::Path;

use super::{entries, LocalMigration};
use crate::migrations::apply::version_order;
use crate::migrations::capture::{
    existing, next_versions, CaptureError, Files, Numbering, Request,
};
use crate::migrations::{MigrationError, Tool};

/// A flyway file name: `Some((version, description))`, the version `None` for a repeatable.
pub(super) fn parse_name(name: &str) -> Option<(Option<String>, String)> {
    let stem = name.strip_suffix(".sql")?;
    let (prefix, description) = stem.split_once("__")?;
    let description = description.replace('_', " ");
    if prefix == "R" {
        return Some((None, description));
    }
    let version = prefix.strip_prefix('V')?;
    if version.is_empty()
        || !version
            .chars()
            .all(|c| c.is_ascii_digit() || c == '.' || c == '_')
    {
        return None;
    }
    Some((Some(version.replace('_', ".")), description))
}

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    let mut versioned = Vec::new();
    let mut repeatable = Vec::new();
    for entry in entries(dir)? {
        if entry.is_dir {
            continue;
        }
        let Some((version, description)) = parse_name(&entry.name) else {
            continue;
        };
        let name = entry.name.trim_end_matches(".sql").to_string();
        match version {
            Some(version) => versioned.push(LocalMigration::read(dir, &entry.name, version, name)?),
            None => {
                let mut migration =
                    LocalMigration::read(dir, &entry.name, format!("R:{description}"), name)?;
                migration.repeatable = true;
                repeatable.push(migration);
            }
        }
    }
    versioned.sort_by(|a, b| version_order(&a.version, &b.version));
    repeatable.sort_by(|a, b| a.version.cmp(&b.version));
    versioned.extend(repeatable);
    Ok(versioned)
}

pub(super) fn checksum(bytes: &[u8]) -> String {
    let mut hasher = crc32fast::Hasher::new();
    for (index, line) in lines(bytes).enumerate() {
        let line = if index == 0 {
            line.strip_prefix("\u{feff}".as_bytes()).unwrap_or(line)
        } else {
            line
        };
        hasher.update(line);
    }
    // Java's `(int) crc32.getValue()`: the same 32 bits, read as signed.
    i32::from_ne_bytes(hasher.finalize().to_ne_bytes()).to_string()
}

/// Lines as Java's `BufferedReader.readLine` returns them.
fn lines(bytes: &[u8]) -> impl Iterator<Item = &[u8]> {
    let mut rest = bytes;
    std::iter::from_fn(move || {
        if rest.is_empty() {
            return None;
        }
        let end = rest
            .iter()
            .position(|b| *b == b'\n' || *b == b'\r')
            .unwrap_or(rest.len());
        let line = &rest[..end];
        let terminator = match (rest.get(end), rest.get(end + 1)) {
            (Some(b'\r'), Some(b'\n')) => 2,
            (Some(_), _) => 1,
            (None, _) => 0,
        };
        rest = &rest[end + terminator..];
        Some(line)
    })
}

/// `V<version>__<name>.sql` per run, the version continuing the latest versioned migration's
/// as it is written: its last part one higher in its width (`V7`, `V1_3`, `V007`), or the time
/// now for a `YYYYMMDDHHMMSS` version. Flyway runs each migration in a transaction of its own,
/// so the script's `BEGIN` and `COMMIT` are left out; a statement that cannot run in one gets
/// a migration of its own, which Flyway recognises and runs without a transaction (a file that
/// mixed both would need `mixed = true`).
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Flyway, request.dir)?;
    let last = found.iter().rev().find(|m| !m.repeatable);
    let written = last.and_then(|m| Some((m.file.strip_prefix('V')?.split_once("__")?.0, m)));
    let (head, latest) = match written {
        Some((version, m)) => {
            let cut = version.rfind(['.', '_']).map_or(0, |at| at + 1);
            (&version[..cut], Some((&version[cut..], m.file.as_str())))
        }
        None => ("", None),
    };
    let versions = next_versions(
        latest,
        Numbering::Sequence { width: 1, first: 1 },
        request.now_seconds(),
        request.runs.len(),
    )?;
    let mut plan = Files::default();
    for (index, (run, version)) in request.runs.iter().zip(versions).enumerate() {
        let stem = format!("V{head}{version}__{}", request.name_of(index));
        plan.files.push((format!("{stem}.sql"), run.sql()));
        plan.migrations.push(stem);
    }
    Ok(plan)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_parse_like_flyway() {
        assert_eq!(
            parse_name("V1_1__add_users.sql"),
            Some((Some("1.1".into()), "add users".into()))
        );
        assert_eq!(
            parse_name("R__refresh_views.sql"),
            Some((None, "refresh views".into()))
        );
        assert_eq!(parse_name("U1__undo.sql"), None);
        assert_eq!(parse_name("V1_add.sql"), None);
    }

    #[test]
    fn the_checksum_ignores_line_endings_and_the_byte_order_mark() {
        // CRC-32 of "abc" is 0x352441c2; of "select 1;select 2;" read as two lines.
        assert_eq!(checksum(b"abc"), "891568578");
        let lf = checksum(b"select 1;\nselect 2;\n");
        assert_eq!(lf, checksum(b"select 1;\r\nselect 2;"));
        assert_eq!(lf, checksum(b"\xef\xbb\xbfselect 1;\rselect 2;\n"));
        assert_eq!(lf, checksum(b"select 1;select 2;"));
        // CRC-32 of "123456789" is 0xcbf43926, above i32::MAX: stored negative.
        assert_eq!(checksum(b"123456789"), "-873187034");
    }
}
