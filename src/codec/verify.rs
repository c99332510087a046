//! The integrity check of a snapshot folder: every file listed, hashed as listed, canonical,
//! at the path its object belongs at, no stray files, and the fingerprint right.

use std::collections::BTreeMap;

use super::{
    decode_manifest, decode_object, file_hash, fingerprint, manifest_bytes, objects, ManifestEntry,
    MANIFEST,
};
use crate::model::Database;

/// One file that fails verification, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub path: String,
    pub reason: String,
}

impl Problem {
    fn new(path: &str, reason: impl Into<String>) -> Self {
        Problem {
            path: path.to_string(),
            reason: reason.into(),
        }
    }
}

/// Checks a snapshot folder's files (every file found in it, keyed by relative path).
/// Returns every problem found; an empty list means the snapshot is intact.
pub fn verify(files: &BTreeMap<String, Vec<u8>>) -> Vec<Problem> {
    let manifest = match decode_manifest(files) {
        Ok(manifest) => manifest,
        Err(e) => return vec![Problem::new(MANIFEST, e.to_string())],
    };
    let mut problems = Vec::new();
    if files.get(MANIFEST).map(Vec::as_slice) != Some(manifest_bytes(&manifest).as_slice()) {
        problems.push(Problem::new(
            MANIFEST,
            "not in canonical form (hand-edited? entries must be sorted by path)",
        ));
    }
    let expected = fingerprint(&manifest.objects);
    if manifest.fingerprint != expected {
        problems.push(Problem::new(
            MANIFEST,
            format!(
                "fingerprint {} does not match its entries ({expected})",
                manifest.fingerprint
            ),
        ));
    }
    problems.extend(check_entries(&manifest.objects, files));
    let listed: std::collections::HashSet<&str> =
        manifest.objects.iter().map(|e| e.path.as_str()).collect();
    for path in files.keys() {
        if path != MANIFEST && !listed.contains(path.as_str()) {
            problems.push(Problem::new(path, "stray file: not listed in the manifest"));
        }
    }
    problems
}

/// The problems of every entry's file, in manifest order. Each file is hashed, decoded and
/// encoded again on its own, so the entries are split over the machine's cores.
fn check_entries(entries: &[ManifestEntry], files: &BTreeMap<String, Vec<u8>>) -> Vec<Problem> {
    crate::parallel::map(entries, |entry| check_entry(entry, files))
        .into_iter()
        .flatten()
        .collect()
}

/// What is wrong with one entry's file, if anything.
fn check_entry(entry: &ManifestEntry, files: &BTreeMap<String, Vec<u8>>) -> Option<Problem> {
    let Some(bytes) = files.get(&entry.path) else {
        return Some(Problem::new(
            &entry.path,
            "listed in the manifest but missing",
        ));
    };
    let actual = file_hash(bytes);
    if actual != entry.blake3 {
        return Some(Problem::new(
            &entry.path,
            format!(
                "content hash blake3:{actual} differs from the manifest's blake3:{} (edited by hand?)",
                entry.blake3
            ),
        ));
    }
    check_object(&entry.kind, &entry.name, &entry.path, bytes)
        .map(|reason| Problem::new(&entry.path, reason))
}

/// Decodes one object file and encodes it again: it must give the same bytes at the same path
/// under the same kind and name.
fn check_object(kind: &str, name: &str, path: &str, bytes: &[u8]) -> Option<String> {
    let mut db = Database::default();
    if let Err(e) = decode_object(&mut db, kind, path, bytes) {
        return Some(e.to_string());
    }
    let Some((actual_kind, actual_name, actual_path, value)) = objects(db).pop() else {
        return Some(format!("holds no {kind} this schemagit knows"));
    };
    if actual_kind.as_str() != kind || actual_name != name {
        return Some(format!(
            "holds {} {actual_name}, but the manifest says {kind} {name}",
            actual_kind.as_str()
        ));
    }
    if actual_path != path {
        return Some(format!("{actual_name} belongs at {actual_path}"));
    }
    if value().as_bytes() != bytes {
        return Some("not in canonical form (keys, order or layout differ)".to_string());
    }
    None
}
