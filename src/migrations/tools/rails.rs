//! Rails (Active Record): `db/migrate/<timestamp>_<name>.rb`, run in version order.
//! `schema_migrations (version varchar)` lists the applied versions; `ar_internal_metadata`
//! marks the table as Rails'. No checksum, no time. The migrations are Ruby, so they are not
//! replayed.

use std::path::Path;

use super::{entries, leading_number, numbered_capture, LocalMigration};
use crate::migrations::apply::compare_numbers;
use crate::migrations::capture::{existing, CaptureError, Files, Numbering, Request, Run};
use crate::migrations::{MigrationError, Tool};

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

/// `<YYYYMMDDHHMMSS>_<name>.rb` per run, as `rails generate migration` writes it: a class named
/// after the migration, on the Active Record version the latest migration names, whose `up`
/// hands the SQL to `execute`. Rails runs each migration in a transaction of its own, so the
/// script's `BEGIN` and `COMMIT` are left out; a statement that cannot run in one gets a
/// migration of its own with `disable_ddl_transaction!`. Rails refuses two migrations of one
/// name, so a name already in the folder is an error.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    let found = existing(Tool::Rails, request.dir)?;
    let names: Vec<String> = (0..request.runs.len())
        .map(|index| request.name_of(index))
        .collect();
    for migration in &found {
        let taken = leading_number(&migration.name).map(|(_, rest)| rest);
        if let Some(name) = names.iter().find(|name| taken == Some(name.as_str())) {
            return Err(CaptureError::NameTaken {
                dir: request.dir.to_path_buf(),
                name: name.clone(),
            });
        }
    }
    let version = found
        .iter()
        .rev()
        .find_map(|m| active_record_version(&String::from_utf8_lossy(&m.bytes)))
        .ok_or_else(|| CaptureError::RailsVersion {
            dir: request.dir.to_path_buf(),
        })?;
    numbered_capture(request, &found, Numbering::Timestamp, |run, index, stem| {
        vec![(
            format!("{stem}.rb"),
            migration_class(&names[index], &version, run),
        )]
    })
}

/// The `7.1` of the first `ActiveRecord::Migration[7.1]` in a migration's source.
fn active_record_version(source: &str) -> Option<String> {
    let (_, rest) = source.split_once("ActiveRecord::Migration[")?;
    let (version, _) = rest.split_once(']')?;
    let valid = !version.is_empty() && version.chars().all(|c| c.is_ascii_digit() || c == '.');
    valid.then(|| version.to_string())
}

/// The migration's Ruby source. The SQL goes in a `<<~'SQL'` heredoc: quoted, so that Ruby
/// leaves `#{` and backslashes in it alone, and squiggly, so that the indentation added to
/// every line is taken off again. Its terminator is a word no line of the SQL is.
fn migration_class(name: &str, version: &str, run: &Run) -> String {
    let class: String = name
        .split('_')
        .map(|part| {
            let mut chars = part.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_ascii_uppercase().to_string() + chars.as_str()
            })
        })
        .collect();
    let sql = run.sql();
    let terminator = (1..)
        .map(|n| {
            if n == 1 {
                "SQL".to_string()
            } else {
                format!("SQL{n}")
            }
        })
        .find(|word| !sql.lines().any(|line| line.trim() == word))
        .unwrap_or_default();
    let body: String = sql
        .lines()
        .map(|line| {
            if line.is_empty() {
                "\n".to_string()
            } else {
                format!("      {line}\n")
            }
        })
        .collect();
    let options = if run.transactional {
        ""
    } else {
        "  disable_ddl_transaction!\n\n"
    };
    format!(
        "class {class} < ActiveRecord::Migration[{version}]\n{options}  def up\n    execute <<~'{terminator}'\n{body}    {terminator}\n  end\n\n  def down\n    raise ActiveRecord::IrreversibleMigration\n  end\nend\n"
    )
}
