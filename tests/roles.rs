//! Role names PostgreSQL quotes in an ACL (`a/b`, `x=y`, `q"uote`, …) as owners, grantees and
//! grantors of every kind of object that has privileges, end to end: snapshot, verify, check.

mod common;

use std::collections::BTreeMap;

use common::{cluster, fixtures, Repo};
use schemagit::codec::path::{encode_name, encode_schema, file_name};
use schemagit::folder::read_folder;
use serde_json::{json, Value};

const FOLDER: &str = "snapshots/default";

/// The roles of tests/fixtures/roles, in its order: role i owns the objects numbered i + 1 and
/// grants on them to role i + 1, which passes SELECT on its table to role i + 2.
const ROLES: [&str; 7] = [
    "a/b_roles_test",
    "x=y_roles_test",
    "c,d_roles_test",
    "q\"uote_roles_test",
    "with space_roles_test",
    "st*r_roles_test",
    "Ünï_roles_test",
];

fn database() -> String {
    cluster().database_from("roles", &fixtures("roles"))
}

fn snapshot(repo: &Repo, dbname: &str) -> Value {
    let url = cluster().url(dbname);
    repo.schemagit(&["snapshot", "--json", "--database-url", &url])
        .success()
        .json()
}

fn grant(grantee: &str, privileges: &[&str]) -> Value {
    json!({"grantee": grantee, "privileges": privileges})
}

/// A list of grants in a canonical order, so that two lists compare as sets.
fn sorted(grants: &Value) -> Vec<String> {
    let mut grants: Vec<String> = grants
        .as_array()
        .map(|list| list.iter().map(Value::to_string).collect())
        .unwrap_or_default();
    grants.sort();
    grants
}

/// Checks that the file at `path` has `owner` and exactly `grants`; returns the file.
fn expect_file(
    files: &BTreeMap<String, Vec<u8>>,
    path: &str,
    owner: Option<&str>,
    grants: &[Value],
    problems: &mut Vec<String>,
) -> Value {
    let Some(bytes) = files.get(path) else {
        problems.push(format!("no file {path}"));
        return Value::Null;
    };
    let file: Value = serde_json::from_slice(bytes).unwrap();
    if file["owner"].as_str() != owner {
        problems.push(format!("{path}: owner {} is not {owner:?}", file["owner"]));
    }
    if sorted(&file["grants"]) != sorted(&Value::from(grants.to_vec())) {
        problems.push(format!(
            "{path}: grants {} are not {}",
            file["grants"],
            Value::from(grants.to_vec())
        ));
    }
    file
}

#[test]
fn quoted_role_names_are_owners_grantees_and_grantors_of_every_kind() {
    let db = database();
    let repo = Repo::new();
    snapshot(&repo, &db);
    let files = read_folder(&repo.path().join(FOLDER)).unwrap();
    let mut problems = Vec::new();
    for (i, owner) in ROLES.iter().copied().enumerate() {
        let grantee = ROLES[(i + 1) % ROLES.len()];
        let third = ROLES[(i + 2) % ROLES.len()];
        let n = i + 1;
        let schema = encode_schema(&format!("s{n}"));
        let usage = [grant(grantee, &["USAGE"])];
        let owned = Some(owner);
        expect_file(
            &files,
            &format!("{schema}/schema.json"),
            owned,
            &usage,
            &mut problems,
        );
        expect_file(
            &files,
            &format!("{schema}/tables/t.json"),
            owned,
            &[
                json!({"grantee": grantee, "privileges": ["SELECT", "INSERT"], "with_grant_option": true}),
                json!({"grantee": grantee, "column": "c", "privileges": ["UPDATE"]}),
                grant(third, &["SELECT"]),
            ],
            &mut problems,
        );
        expect_file(
            &files,
            &format!("{schema}/sequences/seq.json"),
            owned,
            &usage,
            &mut problems,
        );
        let function = expect_file(
            &files,
            &format!("{schema}/functions/f().json"),
            owned,
            &[grant(grantee, &["EXECUTE"])],
            &mut problems,
        );
        if function["revoked"] != json!([grant("PUBLIC", &["EXECUTE"])]) {
            problems.push(format!("s{n}.f(): revoked {}", function["revoked"]));
        }
        expect_file(
            &files,
            &format!("{schema}/types/ty.json"),
            owned,
            &usage,
            &mut problems,
        );
        for (folder, name) in [
            ("foreign_servers", format!("srv{n}")),
            ("languages", format!("lang{n}")),
        ] {
            expect_file(
                &files,
                &format!("_database/{folder}/{name}.json"),
                owned,
                &usage,
                &mut problems,
            );
        }
        for (name, privileges) in [
            (format!("{owner} in schema s{n} on tables"), ["SELECT"]),
            (format!("{owner} in all schemas on types"), ["USAGE"]),
        ] {
            let path = format!(
                "_database/default_privileges/{}",
                file_name(&encode_name(&name))
            );
            let file = expect_file(
                &files,
                &path,
                None,
                &[grant(grantee, &privileges)],
                &mut problems,
            );
            if file["name"] != name.as_str() || file["properties"]["role"] != owner {
                problems.push(format!("{path}: name {} for {name:?}", file["name"]));
            }
        }
    }
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    repo.schemagit(&["verify"]).success();
    let commits = repo.commit_count();
    snapshot(&repo, &db);
    assert_eq!(
        repo.commit_count(),
        commits,
        "an unchanged database is no commit"
    );
}

#[test]
fn a_new_grant_to_a_quoted_role_is_a_critical_change() {
    let db = database();
    let repo = Repo::new();
    snapshot(&repo, &db);
    cluster().execute(&db, r#"GRANT DELETE ON s1.t TO "with space_roles_test""#);
    let url = cluster().url(&db);
    let run = repo.schemagit(&["check", "--json", "--database-url", &url]);
    assert_eq!(
        run.code, 1,
        "stdout:\n{}\nstderr:\n{}",
        run.stdout, run.stderr
    );
    assert_eq!(
        run.json()["changes"],
        json!([{
            "severity": "critical",
            "kind": "grant",
            "action": "added",
            "object": "s1.t",
            "detail": "DELETE to with space_roles_test"
        }]),
        "{}",
        run.stdout
    );
}
