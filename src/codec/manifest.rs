//! `manifest.json`: the format version, one entry per object file, and the fingerprint.

use serde::{Deserialize, Serialize};

/// The snapshot format this build reads and writes.
pub const FORMAT: u32 = 1;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Manifest {
    pub format: u32,
    pub fingerprint: String,
    pub objects: Vec<ManifestEntry>,
}

/// One object file: where it is, what it holds, and the BLAKE3 of its bytes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ManifestEntry {
    pub path: String,
    pub kind: String,
    pub name: String,
    pub blake3: String,
}

impl Manifest {
    /// Builds the manifest of `entries`, sorting them by path and computing the fingerprint.
    pub fn new(mut objects: Vec<ManifestEntry>) -> Self {
        objects.sort_by(|a, b| a.path.cmp(&b.path));
        let fingerprint = fingerprint(&objects);
        Manifest {
            format: FORMAT,
            fingerprint,
            objects,
        }
    }
}

/// BLAKE3 over `path \0 hash \n` of every entry, in manifest order, as `blake3:<hex>`.
pub fn fingerprint(entries: &[ManifestEntry]) -> String {
    let mut hasher = blake3::Hasher::new();
    for entry in entries {
        hasher.update(entry.path.as_bytes());
        hasher.update(b"\0");
        hasher.update(entry.blake3.as_bytes());
        hasher.update(b"\n");
    }
    format!("blake3:{}", hasher.finalize().to_hex())
}

/// The hex BLAKE3 of a file's bytes.
pub fn file_hash(bytes: &[u8]) -> String {
    blake3::hash(bytes).to_hex().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(path: &str, hash: &str) -> ManifestEntry {
        ManifestEntry {
            path: path.into(),
            kind: "table".into(),
            name: path.into(),
            blake3: hash.into(),
        }
    }

    #[test]
    fn fingerprint_follows_the_contract_formula() {
        let manifest = Manifest::new(vec![entry("b", "2"), entry("a", "1")]);
        assert_eq!(manifest.objects[0].path, "a");
        let expected = blake3::hash(b"a\x001\nb\x002\n").to_hex();
        assert_eq!(manifest.fingerprint, format!("blake3:{expected}"));
    }

    #[test]
    fn fingerprint_depends_on_paths_and_hashes() {
        let one = fingerprint(&[entry("a", "1")]);
        assert_ne!(one, fingerprint(&[entry("a", "2")]));
        assert_ne!(one, fingerprint(&[entry("b", "1")]));
    }
}

/// What happened to one object file between two manifests.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FileAction {
    Added,
    Changed,
    Removed,
}

impl FileAction {
    pub fn as_str(self) -> &'static str {
        match self {
            FileAction::Added => "added",
            FileAction::Changed => "changed",
            FileAction::Removed => "removed",
        }
    }
}

/// One object whose file was added, changed or removed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FileChange {
    pub action: FileAction,
    pub kind: String,
    pub name: String,
    pub path: String,
}

/// The object files that differ between `old` and `new`, in path order.
pub fn file_changes(old: &[ManifestEntry], new: &[ManifestEntry]) -> Vec<FileChange> {
    let old: std::collections::BTreeMap<&str, &ManifestEntry> =
        old.iter().map(|e| (e.path.as_str(), e)).collect();
    let new_paths: std::collections::HashSet<&str> = new.iter().map(|e| e.path.as_str()).collect();
    let change = |action, entry: &ManifestEntry| FileChange {
        action,
        kind: entry.kind.clone(),
        name: entry.name.clone(),
        path: entry.path.clone(),
    };
    let mut changes: Vec<FileChange> = new
        .iter()
        .filter_map(|entry| match old.get(entry.path.as_str()) {
            None => Some(change(FileAction::Added, entry)),
            Some(before) if before.blake3 != entry.blake3 => {
                Some(change(FileAction::Changed, entry))
            }
            Some(_) => None,
        })
        .collect();
    changes.extend(
        old.values()
            .filter(|entry| !new_paths.contains(entry.path.as_str()))
            .map(|entry| change(FileAction::Removed, entry)),
    );
    changes.sort_by(|a, b| a.path.cmp(&b.path));
    changes
}

/// The entries of `old` and of `new` whose objects can differ between the two snapshots: all
/// but those at a path both list with one hash and whose files `same_file` says are the same
/// bytes (the same git blob). An object both sides hold byte for byte is no change, so a
/// comparison reads only these.
pub fn differing_entries<'a>(
    old: &'a [ManifestEntry],
    new: &'a [ManifestEntry],
    same_file: impl Fn(&str) -> bool,
) -> (Vec<&'a ManifestEntry>, Vec<&'a ManifestEntry>) {
    let hashes = |entries: &'a [ManifestEntry]| -> std::collections::HashMap<&'a str, &'a str> {
        entries
            .iter()
            .map(|e| (e.path.as_str(), e.blake3.as_str()))
            .collect()
    };
    let (old_hashes, new_hashes) = (hashes(old), hashes(new));
    let unchanged = |entry: &ManifestEntry, other: &std::collections::HashMap<&str, &str>| {
        other.get(entry.path.as_str()) == Some(&entry.blake3.as_str()) && same_file(&entry.path)
    };
    (
        old.iter().filter(|e| !unchanged(e, &new_hashes)).collect(),
        new.iter().filter(|e| !unchanged(e, &old_hashes)).collect(),
    )
}

#[cfg(test)]
mod change_tests {
    use super::*;

    fn entry(path: &str, hash: &str) -> ManifestEntry {
        ManifestEntry {
            path: path.into(),
            kind: "table".into(),
            name: path.into(),
            blake3: hash.into(),
        }
    }

    #[test]
    fn added_changed_and_removed_files_are_found() {
        let old = [entry("a", "1"), entry("b", "1"), entry("c", "1")];
        let new = [entry("a", "1"), entry("b", "2"), entry("d", "1")];
        let actions: Vec<(FileAction, &str)> = file_changes(&old, &new)
            .iter()
            .map(|c| (c.action, c.path.as_str()))
            .map(|(a, p)| {
                (
                    a,
                    if p == "b" {
                        "b"
                    } else if p == "c" {
                        "c"
                    } else {
                        "d"
                    },
                )
            })
            .collect();
        assert_eq!(
            actions,
            vec![
                (FileAction::Changed, "b"),
                (FileAction::Removed, "c"),
                (FileAction::Added, "d")
            ]
        );
    }

    #[test]
    fn only_entries_that_can_differ_are_read() {
        let old = [
            entry("a", "1"),
            entry("b", "1"),
            entry("c", "1"),
            entry("e", "1"),
        ];
        let new = [
            entry("a", "1"),
            entry("b", "2"),
            entry("d", "1"),
            entry("e", "1"),
        ];
        // `e` has the manifest's hash on both sides, but not the same bytes on one of them.
        let (old_read, new_read) = differing_entries(&old, &new, |path| path != "e");
        let paths =
            |read: Vec<&ManifestEntry>| read.iter().map(|e| e.path.clone()).collect::<Vec<_>>();
        assert_eq!(paths(old_read), ["b", "c", "e"]);
        assert_eq!(paths(new_read), ["b", "d", "e"]);
    }
}
