//! Every data-driven diff case (`tests/data/diff/<case>/old.json`, `new.json`) round-trips
//! through `plan` on a real server: the old schema restored from nothing, the plan to the new
//! one applied, and the result has the new schema's fingerprint; then the same backwards.
//!
//! The cases are the objects a change is about, without what every database holds or the
//! schemas they live in: both sides get what a new database holds and their schemas (owned by
//! the objects' owner) before they are built.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{cluster, fingerprint_of, Repo};
use schemagit::model::{Database, Schema};

fn load(path: &Path) -> Database {
    let text = std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

/// The case's schema on top of what a new database holds, with the schemas its objects name.
fn complete(mut case: Database, empty: &Database) -> Database {
    let mut schemas: BTreeMap<String, String> = BTreeMap::new();
    let named = case
        .tables
        .iter()
        .map(|t| (&t.schema, &t.owner))
        .chain(case.views.iter().map(|v| (&v.schema, &v.owner)))
        .chain(
            case.materialized_views
                .iter()
                .map(|v| (&v.schema, &v.owner)),
        )
        .chain(case.sequences.iter().map(|s| (&s.schema, &s.owner)))
        .chain(case.functions.iter().map(|f| (&f.schema, &f.owner)))
        .chain(case.types.iter().map(|t| (&t.schema, &t.owner)));
    for (schema, owner) in named {
        schemas
            .entry(schema.clone())
            .or_insert_with(|| owner.clone());
    }
    for schema in &empty.schemas {
        if !case.schemas.iter().any(|s| s.name == schema.name) {
            case.schemas.push(schema.clone());
        }
    }
    for (name, owner) in schemas {
        if !case.schemas.iter().any(|s| s.name == name) {
            case.schemas.push(Schema {
                name,
                owner,
                comment: None,
                grants: Vec::new(),
                revoked: Vec::new(),
            });
        }
    }
    for extension in &empty.extensions {
        if !case.extensions.iter().any(|e| e.name == extension.name) {
            case.extensions.push(extension.clone());
        }
    }
    case.sort();
    case
}

fn write_folder(db: &Database, dir: &Path) {
    for (path, bytes) in schemagit::codec::encode(db).unwrap().files {
        let file = dir.join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, bytes).unwrap();
    }
}

fn roles(names: &std::collections::BTreeSet<String>) {
    for role in names {
        cluster().execute(
            "postgres",
            &format!(
                "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{}') THEN CREATE ROLE {} NOLOGIN; END IF; END $$",
                role.replace('\'', "''"),
                schemagit::model::quote_ident(role)
            ),
        );
    }
}

#[test]
fn every_diff_case_round_trips_through_plan() {
    let repo = Repo::new();
    let fresh = cluster().fresh_database("cases_empty");
    let url = cluster().url(&fresh);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let empty_folder = repo.path().join("snapshots/default");
    let mut files = BTreeMap::new();
    for entry in walkdir::WalkDir::new(&empty_folder) {
        let entry = entry.unwrap();
        if entry.file_type().is_file() {
            let path = entry.path().strip_prefix(&empty_folder).unwrap();
            files.insert(
                path.to_string_lossy().into_owned(),
                std::fs::read(entry.path()).unwrap(),
            );
        }
    }
    let empty = schemagit::codec::decode(&files).unwrap();

    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/diff");
    let mut cases: Vec<_> = std::fs::read_dir(&root)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    cases.sort();
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let old = complete(load(&case.join("old.json")), &empty);
        let new = complete(load(&case.join("new.json")), &empty);
        let mut names = schemagit::plan::roles(&old);
        names.extend(schemagit::plan::roles(&new));
        roles(&names);
        let dirs = tempfile::tempdir().unwrap();
        let (old_dir, new_dir) = (dirs.path().join("old"), dirs.path().join("new"));
        write_folder(&old, &old_dir);
        write_folder(&new, &new_dir);
        for (from, to, want) in [(&old_dir, &new_dir, &new), (&new_dir, &old_dir, &old)] {
            let target = cluster().fresh_database("cases_run");
            let target_url = cluster().url(&target);
            let restored = repo.schemagit(&[
                "restore",
                from.to_str().unwrap(),
                "--database-url",
                &target_url,
            ]);
            if restored.code != 0 {
                failures.push(format!(
                    "{name}: restoring {} failed: {}",
                    from.display(),
                    restored.stderr
                ));
                common::drop_database(&target);
                continue;
            }
            let plan = repo
                .schemagit(&[
                    "plan",
                    from.to_str().unwrap(),
                    to.to_str().unwrap(),
                    "--json",
                ])
                .success()
                .json();
            match common::apply_plan(&target, &plan) {
                Err(error) => failures.push(format!("{name}: the plan failed at {error}")),
                Ok(()) => {
                    let want = schemagit::codec::encode(want).unwrap().manifest.fingerprint;
                    if fingerprint_of(&repo, &target) != want {
                        let diff = repo
                            .schemagit(&["diff", to.to_str().unwrap(), &target_url])
                            .stdout;
                        failures.push(format!("{name}: the plan ran but did not arrive:\n{diff}"));
                    }
                }
            }
            common::drop_database(&target);
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
