//! Every data-driven diff case (`tests/data/diff/<case>/old.json`, `new.json`) round-trips
//! through `plan` on a real server: the old schema restored from nothing, the plan to the new
//! one applied, and the result has the new schema's fingerprint; then the same backwards.
//!
//! The cases are the objects a change is about, without what every database holds or the
//! schemas they live in: both sides get what a new database holds and their schemas (owned by
//! the objects' owner) before they are built. Some cases are about text or objects PostgreSQL
//! never makes: they are listed in [`UNBUILDABLE`] with why, and the test holds that they
//! still cannot be built, so a case that becomes buildable leaves the list.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{cluster, fingerprint_of, Repo};
use schemagit::model::{Database, Schema};

/// The cases no server can hold, and why: the differ reads them from files, never from a
/// database.
const UNBUILDABLE: &[(&str, &str)] = &[
    (
        "cosmetic_definition_changes_are_info",
        "view and function texts written as PostgreSQL never deparses them",
    ),
    (
        "dollar_quoted_text_is_byte_for_byte",
        "a plpython3u function, a language the test servers lack",
    ),
    (
        "function_security_definer_added_search_path_dropped",
        "a function text PostgreSQL deparses otherwise",
    ),
    (
        "identical_schemas_have_no_changes",
        "a view on app.invoices, which the case leaves out",
    ),
    (
        "identity_generated_columns_and_replica_identity",
        "a replica identity index the case leaves out, identity bounds past the column's type",
    ),
    (
        "identity_sequence_inheritance_and_attached_indexes",
        "a child of app.base, which the case leaves out",
    ),
    (
        "index_swapped_trigger_disabled",
        "a trigger calling app.touch(), which the case leaves out",
    ),
    (
        "new_objects_are_one_row_each",
        "view and function texts PostgreSQL deparses otherwise",
    ),
    (
        "policy_loosened_and_dropped",
        "a policy on a column and a function the case leaves out",
    ),
    (
        "tables_added_removed_owner_and_comment",
        "an extension owned by a role that did not create it",
    ),
    (
        "view_lost_security_barrier_and_filter",
        "a view on app.invoices, which the case leaves out",
    ),
];

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
    for (path, bytes) in schemagit::codec::encode(db.clone()).unwrap().files {
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
    for (name, _) in UNBUILDABLE {
        assert!(
            root.join(name).is_dir(),
            "no case {name}: leave it off UNBUILDABLE"
        );
    }
    let mut failures = Vec::new();
    for case in &cases {
        let name = case.file_name().unwrap().to_string_lossy().into_owned();
        let unbuildable = UNBUILDABLE.iter().any(|(n, _)| *n == name);
        let old = complete(load(&case.join("old.json")), &empty);
        let new = complete(load(&case.join("new.json")), &empty);
        let mut names = schemagit::plan::roles(&old);
        names.extend(schemagit::plan::roles(&new));
        roles(&names);
        let dirs = tempfile::tempdir().unwrap();
        let (old_dir, new_dir) = (dirs.path().join("old"), dirs.path().join("new"));
        write_folder(&old, &old_dir);
        write_folder(&new, &new_dir);
        let mut built = 0;
        for (from, to, want) in [(&old_dir, &new_dir, &new), (&new_dir, &old_dir, &old)] {
            let target = cluster().fresh_database("cases_run");
            let target_url = cluster().url(&target);
            let restored = repo.schemagit(&[
                "restore",
                from.to_str().unwrap(),
                "--database-url",
                &target_url,
            ]);
            if unbuildable {
                built += usize::from(restored.code == 0);
            } else if restored.code != 0 {
                failures.push(format!(
                    "{name}: restoring {} failed: {}",
                    from.display(),
                    restored.stderr
                ));
            }
            if unbuildable || restored.code != 0 {
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
                    let want = schemagit::codec::encode(want.clone())
                        .unwrap()
                        .manifest
                        .fingerprint;
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
        if unbuildable && built == 2 {
            failures.push(format!(
                "{name}: both sides build now: take it off UNBUILDABLE"
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} failures:\n{}",
        failures.len(),
        failures.join("\n\n")
    );
}
