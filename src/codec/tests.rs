use super::*;
use crate::model::*;

fn table(schema: &str, name: &str) -> Table {
    Table {
        schema: schema.into(),
        name: name.into(),
        owner: "app".into(),
        unlogged: false,
        partition_by: None,
        partition_of: None,
        partition_bound: None,
        inherits: vec![],
        options: vec![],
        comment: Some("line one\nline \"two\"".into()),
        row_level_security: RowLevelSecurity {
            enabled: true,
            forced: false,
        },
        columns: vec![Column {
            name: "id".into(),
            data_type: "bigint".into(),
            collation: None,
            not_null: true,
            default: None,
            identity: Some(Box::new(Identity {
                generated: "always".into(),
                sequence_name: None,
                sequence_owner: None,
                grants: vec![],
                revoked: vec![],
                sequence: SequenceOptions {
                    data_type: "bigint".into(),
                    start: 1,
                    increment: 1,
                    min: 1,
                    max: i64::MAX,
                    cache: 1,
                    cycle: false,
                },
            })),
            generated: None,
            comment: None,
            ..Column::default()
        }],
        constraints: vec![],
        indexes: vec![],
        policies: vec![],
        triggers: vec![],
        grants: vec![Grant {
            grantee: "PUBLIC".into(),
            column: Some("id".into()),
            privileges: vec![Privilege::Select],
            with_grant_option: false,
        }],
        revoked: vec![],
        ..Table::default()
    }
}

fn function(name: &str, args: &str) -> Function {
    Function {
        schema: "app".into(),
        name: name.into(),
        kind: "function".into(),
        identity_arguments: args.into(),
        owner: "app".into(),
        returns: Some("bigint".into()),
        language: "sql".into(),
        volatility: "stable".into(),
        security_definer: true,
        strict: false,
        leakproof: false,
        parallel: "unsafe".into(),
        config: vec!["search_path=pg_catalog, app".into()],
        comment: None,
        definition: lines("CREATE FUNCTION x()\n RETURNS bigint\nAS $$ select 1 $$\n"),
        grants: vec![],
        revoked: vec![],
    }
}

fn sample() -> Database {
    let mut db = Database {
        schemas: vec![Schema {
            name: "app".into(),
            owner: "app".into(),
            comment: None,
            grants: vec![],
            revoked: vec![],
        }],
        tables: [
            "users",
            "Users",
            "../x",
            "a/b\\c",
            "CON",
            "trailing.",
            "日本",
        ]
        .into_iter()
        .map(|n| table("app", n))
        .collect(),
        functions: vec![
            function("org_total", "bigint"),
            function(&"f".repeat(200), &"character varying, ".repeat(20)),
        ],
        extensions: vec![Extension {
            name: "pgcrypto".into(),
            schema: "public".into(),
            version: "1.3".into(),
            owner: "app".into(),
            comment: None,
            ..Extension::default()
        }],
        others: vec![
            CatalogObject {
                kind: "cast".into(),
                schema: None,
                name: "bigint AS app.cents".into(),
                arguments: None,
                owner: None,
                comment: None,
                properties: [("context".to_string(), serde_json::json!("assignment"))].into(),
                unreadable: vec![],
                grants: vec![],
                revoked: vec![],
            },
            CatalogObject {
                kind: "operator".into(),
                schema: Some("app".into()),
                name: "===".into(),
                arguments: Some("integer, integer".into()),
                owner: Some("app".into()),
                comment: None,
                properties: [("hashes".to_string(), serde_json::json!(true))].into(),
                unreadable: vec!["comment".into()],
                grants: vec![],
                revoked: vec![],
            },
        ],
        ..Database::default()
    };
    db.sort();
    db
}

#[test]
fn files_round_trip_through_the_model_byte_for_byte() {
    let db = sample();
    let snapshot = encode(db.clone()).unwrap();
    let decoded = decode(&snapshot.files).unwrap();
    assert_eq!(decoded, db);
    assert_eq!(encode(decoded).unwrap().files, snapshot.files);
    assert!(verify(&snapshot.files).is_empty());
}

#[test]
fn files_written_from_the_model_are_the_canonical_text_of_their_json() {
    // Files are written straight from the model; each must be what its parsed JSON value
    // renders to, as when they were written from that value.
    let snapshot = encode(sample()).unwrap();
    for (path, bytes) in &snapshot.files {
        let value: serde_json::Value = serde_json::from_slice(bytes).unwrap();
        assert_eq!(
            json::to_canonical(&value),
            std::str::from_utf8(bytes).unwrap(),
            "{path}"
        );
    }
}

#[test]
fn every_path_stays_inside_the_folder_and_is_unique_ignoring_case() {
    let snapshot = encode(sample()).unwrap();
    let mut lower = std::collections::HashSet::new();
    for path in snapshot.files.keys() {
        assert!(lower.insert(path.to_lowercase()), "collision: {path}");
        for segment in path.split('/') {
            assert!(segment.len() <= 255, "{segment}");
            assert!(
                segment != ".." && segment != "." && !segment.is_empty(),
                "{path}"
            );
            assert!(!segment.ends_with('.') && !segment.contains('\\'), "{path}");
        }
    }
    assert!(snapshot.files.contains_key("app/tables/^users.json"));
    assert!(snapshot.files.contains_key("app/tables/%2E%2E%2Fx.json"));
    assert!(snapshot
        .files
        .contains_key("_database/extensions/pgcrypto.json"));
}

#[test]
fn manifest_names_objects_as_users_type_them() {
    let snapshot = encode(sample()).unwrap();
    let names: Vec<&str> = snapshot
        .manifest
        .objects
        .iter()
        .map(|e| e.name.as_str())
        .collect();
    assert!(names.contains(&"app.\"Users\""));
    assert!(names.contains(&"app.org_total(bigint)"));
}

#[test]
fn verify_names_every_broken_file() {
    let mut files = encode(sample()).unwrap().files;
    files.insert("app/tables/users.json".into(), b"{}\n".to_vec());
    files.insert("app/tables/stray.json".into(), b"{}\n".to_vec());
    files.remove("app/tables/^users.json");
    let problems = verify(&files);
    let paths: Vec<&str> = problems.iter().map(|p| p.path.as_str()).collect();
    assert_eq!(
        paths,
        vec![
            "app/tables/^users.json",
            "app/tables/users.json",
            "app/tables/stray.json"
        ],
        "{problems:?}"
    );
}

/// A snapshot folder's files, by path.
type Files = BTreeMap<String, Vec<u8>>;

#[test]
fn decode_refuses_tampered_stray_and_missing_files() {
    let intact = encode(sample()).unwrap().files;
    assert!(decode(&intact).is_ok());
    let refused = |change: &dyn Fn(&mut Files)| {
        let mut files = intact.clone();
        change(&mut files);
        decode(&files).unwrap_err().to_string()
    };
    let edited = refused(&|files| {
        let bytes = files.get_mut("app/tables/users.json").unwrap();
        *bytes = String::from_utf8(bytes.clone())
            .unwrap()
            .replace("\"app\"", "\"mallory\"")
            .into_bytes();
    });
    assert!(
        edited.starts_with("app/tables/users.json: content hash blake3:"),
        "{edited}"
    );
    let stray = refused(&|files| {
        files.insert("app/tables/stray.json".into(), b"{}\n".to_vec());
    });
    assert_eq!(
        stray,
        "app/tables/stray.json: stray file: not listed in the manifest"
    );
    let missing = refused(&|files| {
        files.remove("app/tables/users.json");
    });
    assert_eq!(
        missing,
        "app/tables/users.json: missing from the snapshot folder"
    );
}

#[test]
fn verify_catches_a_non_canonical_file_with_a_matching_hash() {
    let snapshot = encode(sample()).unwrap();
    let mut entries = snapshot.manifest.objects.clone();
    let path = "_database/extensions/pgcrypto.json";
    let compact = serde_json::to_vec(
        &serde_json::from_slice::<serde_json::Value>(&snapshot.files[path]).unwrap(),
    )
    .unwrap();
    let entry = entries.iter_mut().find(|e| e.path == path).unwrap();
    entry.blake3 = file_hash(&compact);
    let manifest = Manifest::new(entries);
    let mut files = snapshot.files.clone();
    files.insert(path.into(), compact);
    files.insert(MANIFEST.into(), manifest_bytes(&manifest));
    let problems = verify(&files);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert!(problems[0].reason.contains("canonical"));
}

#[test]
fn a_future_format_is_refused_with_an_upgrade_hint() {
    let mut files = encode(sample()).unwrap().files;
    let text = String::from_utf8(files[MANIFEST].clone()).unwrap();
    files.insert(
        MANIFEST.into(),
        text.replace("\"format\": 1", "\"format\": 2").into_bytes(),
    );
    let message = decode(&files).unwrap_err().to_string();
    assert!(message.contains("upgrade schemagit"), "{message}");
}

#[test]
fn verify_refuses_a_generic_object_of_an_unknown_kind() {
    let snapshot = encode(sample()).unwrap();
    let path = snapshot
        .manifest
        .objects
        .iter()
        .find(|e| e.kind == "cast")
        .unwrap()
        .path
        .clone();
    let text = String::from_utf8(snapshot.files[&path].clone()).unwrap();
    let forged = text
        .replace("\"kind\": \"cast\"", "\"kind\": \"bogus\"")
        .into_bytes();
    let mut entries = snapshot.manifest.objects.clone();
    entries.iter_mut().find(|e| e.path == path).unwrap().blake3 = file_hash(&forged);
    let mut files = snapshot.files.clone();
    files.insert(path.clone(), forged);
    files.insert(MANIFEST.into(), manifest_bytes(&Manifest::new(entries)));
    let problems = verify(&files);
    assert_eq!(problems.len(), 1, "{problems:?}");
    assert_eq!(problems[0].path, path);
}
