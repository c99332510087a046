//! drizzle-kit: `meta/_journal.json` lists the migrations (`tag`, `when`) in order; each is
//! `<tag>.sql`, its statements separated by `--> statement-breakpoint`. The migrator records
//! one row per migration in `drizzle.__drizzle_migrations (id, hash, created_at)`: `hash` is
//! the SHA-256 hex of the whole file, `created_at` the journal's `when`.

use std::fs;
use std::path::Path;

use serde::Deserialize;

use super::{leading_number, sha256_hex, Batch, LocalMigration};
use crate::migrations::capture::{next_versions, CaptureError, Files, Numbering, Request};
use crate::migrations::{MigrationError, Tool};

const BREAKPOINT: &str = "--> statement-breakpoint";
const JOURNAL: &str = "meta/_journal.json";

#[derive(Deserialize)]
struct Journal {
    /// The journal format's version, which drizzle-kit also writes into each entry.
    #[serde(default)]
    version: Option<String>,
    entries: Vec<JournalEntry>,
}

#[derive(Deserialize)]
struct JournalEntry {
    #[serde(default)]
    idx: Option<i64>,
    when: i64,
    tag: String,
}

fn read_journal(dir: &Path) -> Result<(String, Journal), MigrationError> {
    let path = dir.join(JOURNAL);
    let text = fs::read_to_string(&path).map_err(|source| MigrationError::ReadFile {
        path: path.clone(),
        source,
    })?;
    let journal: Journal = serde_json::from_str(&text).map_err(|e| MigrationError::BadJournal {
        path: path.clone(),
        message: e.to_string(),
    })?;
    Ok((text, journal))
}

pub(super) fn discover(dir: &Path) -> Result<Vec<LocalMigration>, MigrationError> {
    let (_, journal) = read_journal(dir)?;
    journal
        .entries
        .into_iter()
        .map(|entry| {
            LocalMigration::read(
                dir,
                &format!("{}.sql", entry.tag),
                entry.when.to_string(),
                entry.tag,
            )
        })
        .collect()
}

pub(super) fn checksum(bytes: &[u8]) -> String {
    sha256_hex(bytes)
}

/// Each piece between breakpoints is sent on its own, as the migrator does.
pub(super) fn batches(text: &str) -> Vec<Batch> {
    let mut line = 0;
    let mut batches = Vec::new();
    for piece in text.split(BREAKPOINT) {
        if !piece.trim().is_empty() {
            batches.push(Batch {
                first_line: line,
                sql: piece.to_string(),
                ..Batch::whole("")
            });
        }
        line += u32::try_from(piece.matches('\n').count()).unwrap_or(0);
    }
    batches
}

/// `<NNNN>_<name>.sql` with `--> statement-breakpoint` between its statements, and its entry
/// appended to `meta/_journal.json` as drizzle-kit writes one (`idx`, `version`, `when` in
/// milliseconds, `tag`, `breakpoints`), the rest of the journal kept byte for byte. The
/// migrator runs every pending migration in one transaction of its own: the script's `BEGIN`
/// and `COMMIT` are left out, and a statement that cannot run in a transaction cannot run at
/// all. `when` is later than every entry's, since the migrator applies what is newer than the
/// last migration it recorded.
pub(super) fn capture(request: &Request) -> Result<Files, CaptureError> {
    request.refuse_outside_transaction(
        Tool::Drizzle,
        "drizzle's migrator runs all pending migrations in one transaction; apply them by hand \
         and capture the rest",
    )?;
    let (text, journal) = read_journal(request.dir)?;
    let last = journal.entries.last();
    let number = next_versions(
        last.and_then(|entry| Some((leading_number(&entry.tag)?.0, entry.tag.as_str()))),
        Numbering::Sequence {
            width: 4,
            first: journal.entries.len() as u128,
        },
        request.now_seconds(),
        1,
    )?
    .concat();
    let tag = format!("{number}_{}", request.name);
    let entry = Entry {
        idx: last.map_or(0, |entry| {
            entry
                .idx
                .unwrap_or(journal.entries.len() as i64 - 1)
                .saturating_add(1)
        }),
        version: journal.version.clone().unwrap_or_else(|| "7".to_string()),
        when: journal
            .entries
            .iter()
            .map(|entry| entry.when.saturating_add(1))
            .fold(request.now_millis(), i64::max),
        tag: tag.clone(),
    };
    let updated = append_entry(&text, &entry).map_err(|message| CaptureError::BadJournal {
        path: request.dir.join(JOURNAL),
        message: message.to_string(),
    })?;
    let statements: Vec<String> = request
        .runs
        .iter()
        .flat_map(|run| {
            run.statements
                .iter()
                .map(|statement| format!("{statement};"))
        })
        .collect();
    Ok(Files {
        files: vec![(
            format!("{tag}.sql"),
            format!("{}\n", statements.join(&format!("\n{BREAKPOINT}\n"))),
        )],
        updated: vec![(JOURNAL.to_string(), updated)],
        migrations: vec![tag],
    })
}

/// A new journal entry.
struct Entry {
    idx: i64,
    version: String,
    when: i64,
    tag: String,
}

/// The journal `text` with `entry` after its last entry. The new entry is a copy of the last
/// one with its `idx`, `when`, `tag` and `breakpoints` values replaced, after the separator
/// the entries already have, so that it is laid out as they are; in an empty list it is laid
/// out as drizzle-kit's `JSON.stringify(journal, null, 2)` does. Everything else is kept.
fn append_entry(text: &str, entry: &Entry) -> Result<String, &'static str> {
    let bytes = text.as_bytes();
    let object = skip_space(bytes, 0);
    let (open, close) = members(bytes, object)?
        .into_iter()
        .find(|(key, _)| &text[key.0..key.1] == "\"entries\"")
        .map(|(_, value)| value)
        .ok_or("it has no entries")?;
    let elements = elements(bytes, open)?;
    let values = [
        ("\"idx\"", entry.idx.to_string()),
        ("\"when\"", entry.when.to_string()),
        ("\"tag\"", format!("\"{}\"", entry.tag)),
        ("\"breakpoints\"", "true".to_string()),
    ];
    let Some(&(last_start, last_end)) = elements.last() else {
        let new = format!(
            "[\n    {{\n      \"idx\": {},\n      \"version\": \"{}\",\n      \"when\": {},\n      \"tag\": \"{}\",\n      \"breakpoints\": true\n    }}\n  ]",
            entry.idx, entry.version, entry.when, entry.tag
        );
        return Ok(format!("{}{new}{}", &text[..open], &text[close..]));
    };
    let last_members = members(bytes, last_start)?;
    let separator = match elements.len() {
        // A lone entry on a line of its own is followed by the next on a line alike; one on
        // the list's line by the separator between its own members (`, ` or `,`).
        1 if text[open + 1..last_start].contains('\n') => {
            format!(",{}", &text[open + 1..last_start])
        }
        1 => match last_members.as_slice() {
            [(_, first), (second, _), ..] if !text[first.1..second.0].contains('\n') => {
                text[first.1..second.0].to_string()
            }
            _ => ",".to_string(),
        },
        n => text[elements[n - 2].1..last_start].to_string(),
    };
    let mut copy = String::new();
    let mut kept = last_start;
    let mut replaced = 0;
    for (key, value) in last_members {
        if let Some((_, new)) = values.iter().find(|(name, _)| &text[key.0..key.1] == *name) {
            copy.push_str(&text[kept..value.0]);
            copy.push_str(new);
            kept = value.1;
            replaced += 1;
        }
    }
    if replaced != values.len() {
        return Err("its last entry lacks idx, when, tag or breakpoints");
    }
    copy.push_str(&text[kept..last_end]);
    Ok(format!(
        "{}{separator}{copy}{}",
        &text[..last_end],
        &text[last_end..]
    ))
}

fn skip_space(bytes: &[u8], mut at: usize) -> usize {
    while bytes.get(at).is_some_and(u8::is_ascii_whitespace) {
        at += 1;
    }
    at
}

/// The end (one past) of the JSON value starting at `at`, in text that parsed as JSON.
fn value_end(bytes: &[u8], at: usize) -> Result<usize, &'static str> {
    let mut depth = 0usize;
    let mut i = at;
    while let Some(&byte) = bytes.get(i) {
        match byte {
            b'"' => {
                i += 1;
                while let Some(&c) = bytes.get(i) {
                    i += if c == b'\\' { 2 } else { 1 };
                    if c == b'"' {
                        break;
                    }
                }
                if depth == 0 {
                    return Ok(i);
                }
                continue;
            }
            b'{' | b'[' => depth += 1,
            b'}' | b']' => {
                if depth == 0 {
                    return Ok(i);
                }
                depth -= 1;
                if depth == 0 {
                    return Ok(i + 1);
                }
            }
            b',' | b' ' | b'\t' | b'\n' | b'\r' if depth == 0 => return Ok(i),
            _ => {}
        }
        i += 1;
    }
    if depth == 0 && i > at {
        Ok(i)
    } else {
        Err("it ends early")
    }
}

type Span = (usize, usize);

/// The keys and values of the object starting at `at`.
fn members(bytes: &[u8], at: usize) -> Result<Vec<(Span, Span)>, &'static str> {
    if bytes.get(at) != Some(&b'{') {
        return Err("an object was expected");
    }
    let mut found = Vec::new();
    let mut i = skip_space(bytes, at + 1);
    while bytes.get(i) == Some(&b'"') {
        let key = (i, value_end(bytes, i)?);
        i = skip_space(bytes, key.1);
        if bytes.get(i) != Some(&b':') {
            return Err("a key has no value");
        }
        let start = skip_space(bytes, i + 1);
        let value = (start, value_end(bytes, start)?);
        found.push((key, value));
        i = skip_space(bytes, value.1);
        if bytes.get(i) == Some(&b',') {
            i = skip_space(bytes, i + 1);
        }
    }
    Ok(found)
}

/// The span of each element of the array starting at `at`.
fn elements(bytes: &[u8], at: usize) -> Result<Vec<Span>, &'static str> {
    if bytes.get(at) != Some(&b'[') {
        return Err("entries is not a list");
    }
    let mut found = Vec::new();
    let mut i = skip_space(bytes, at + 1);
    while bytes.get(i).is_some_and(|&b| b != b']') {
        let end = value_end(bytes, i)?;
        found.push((i, end));
        i = skip_space(bytes, end);
        if bytes.get(i) == Some(&b',') {
            i = skip_space(bytes, i + 1);
        }
    }
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn breakpoints_split_and_lines_follow() {
        let batches = batches(
            "CREATE TABLE a (id int);\n--> statement-breakpoint\nCREATE TABLE b (id int);\n",
        );
        let pieces: Vec<(&str, u32)> = batches
            .iter()
            .map(|b| (b.sql.trim(), b.first_line))
            .collect();
        assert_eq!(
            pieces,
            [
                ("CREATE TABLE a (id int);", 0),
                ("CREATE TABLE b (id int);", 1)
            ]
        );
    }

    #[test]
    fn the_hash_is_sha256_of_the_whole_file() {
        assert_eq!(
            checksum(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
