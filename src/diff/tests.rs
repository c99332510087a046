//! Data-driven cases: `tests/data/diff/<case>/old.json` and `new.json` are two models,
//! `expected.txt` the changes, one per line: `severity kind action object: detail`.

use std::path::Path;

use super::{diff, Action};
use crate::model::Database;

fn load(path: &Path) -> Database {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    let mut db: Database =
        serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    db.sort();
    db
}

#[test]
fn every_case_gives_its_expected_changes() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diff");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    assert!(
        cases.len() >= 10,
        "the diff cases are missing from {}",
        root.display()
    );
    let mut failures = Vec::new();
    for case in &cases {
        let changes = diff(&load(&case.join("old.json")), &load(&case.join("new.json")));
        let actual: Vec<String> = changes
            .iter()
            .map(|c| {
                format!(
                    "{} {} {} {}: {}",
                    c.severity,
                    c.kind,
                    c.action.as_str(),
                    c.object,
                    c.detail
                )
            })
            .collect();
        let expected: Vec<String> = std::fs::read_to_string(case.join("expected.txt"))
            .unwrap()
            .lines()
            .map(str::to_string)
            .collect();
        if actual != expected {
            failures.push(format!(
                "{}:\n  expected:\n    {}\n  actual:\n    {}",
                case.file_name().unwrap().to_string_lossy(),
                expected.join("\n    "),
                actual.join("\n    ")
            ));
        }
        for change in changes.iter().filter(|c| c.detail == "definition changed") {
            assert!(
                change.text_diff.is_some(),
                "{}: {} has no text diff",
                case.display(),
                change.object
            );
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn diffing_is_symmetric_in_what_it_finds() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/data/diff/tables_added_removed_owner_and_comment");
    let (old, new) = (load(&root.join("old.json")), load(&root.join("new.json")));
    let mirrored = |changes: Vec<super::Change>, reverse: bool| -> Vec<(String, String, String)> {
        let mut found: Vec<(String, String, String)> = changes
            .into_iter()
            .map(|c| {
                let action = match (reverse, c.action) {
                    (true, Action::Added) => Action::Removed,
                    (true, Action::Removed) => Action::Added,
                    (_, action) => action,
                };
                // `owner a -> b` read backwards is `owner b -> a`; other details name the
                // side they describe, so only the object and action must mirror.
                let detail = match c.detail.split_once(" -> ") {
                    Some((before, after)) if reverse && !after.contains(" -> ") => {
                        let (label, from) = before.rsplit_once(' ').unwrap_or(("", before));
                        format!("{label} {after} -> {from}")
                    }
                    Some(_) => c.detail,
                    None => String::new(),
                };
                (
                    format!("{} {}", c.kind, c.object),
                    action.as_str().to_string(),
                    detail,
                )
            })
            .collect();
        found.sort();
        found
    };
    let forward = mirrored(diff(&old, &new), false);
    let backward = mirrored(diff(&new, &old), true);
    assert!(forward.len() >= 5, "{forward:?}");
    assert_eq!(forward, backward);
    assert!(diff(&old, &old).is_empty());
}
