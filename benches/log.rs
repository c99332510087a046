//! `schemagit log` over 1,000 snapshot commits of a 1,000-table schema. Builds the history with
//! git plumbing (the first snapshot, then 999 commits that each add a column to one table, with
//! the manifest kept true), then times the release binary: the whole history, one table, one
//! column, the newest ten, and `--json`. Run with `cargo bench --bench log`; prints the median
//! of several runs of each.

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use git2::{FileMode, Oid, Repository, Signature, Tree};
use schemagit::codec::{self, ManifestEntry};
use schemagit::model::{Column, Database};

mod synthetic;

const TABLES: usize = 1_000;
const COMMITS: usize = 1_000;
const FOLDER: &str = "snapshots/bench";

/// `base` with the blob at `path` (components) replaced by `blob`.
fn graft(repo: &Repository, base: Option<&Tree>, path: &[&str], blob: Oid) -> Oid {
    let mut builder = repo.treebuilder(base).unwrap();
    let (first, rest) = path.split_first().unwrap();
    if rest.is_empty() {
        builder.insert(first, blob, FileMode::Blob.into()).unwrap();
    } else {
        let child = base
            .and_then(|tree| tree.get_name(first))
            .map(|entry| repo.find_tree(entry.id()).unwrap());
        let grafted = graft(repo, child.as_ref(), rest, blob);
        builder
            .insert(first, grafted, FileMode::Tree.into())
            .unwrap();
    }
    builder.write().unwrap()
}

/// A repository whose `main` holds `COMMITS` snapshot commits of `db`.
fn history(dir: &Path, mut db: Database) {
    let repo = Repository::init(dir).unwrap();
    let signature = Signature::now("bench", "bench@example.com").unwrap();
    let snapshot = codec::encode(db.clone()).unwrap();
    let mut manifest = snapshot.manifest.clone();
    let mut tree: Option<Tree> = None;
    for (path, bytes) in &snapshot.files {
        let full = format!("{FOLDER}/{path}");
        let parts: Vec<&str> = full.split('/').collect();
        let id = graft(&repo, tree.as_ref(), &parts, repo.blob(bytes).unwrap());
        tree = Some(repo.find_tree(id).unwrap());
    }
    let tree = tree.unwrap();
    let mut parent = repo
        .commit(
            Some("HEAD"),
            &signature,
            &signature,
            "schema(bench): initial snapshot",
            &tree,
            &[],
        )
        .unwrap();
    for n in 1..COMMITS {
        let i = (n * 7) % TABLES;
        let table = &mut db.tables[i];
        table.columns.push(Column {
            name: format!("added_{n}"),
            data_type: "text".into(),
            ..Column::default()
        });
        let one = codec::encode(Database {
            tables: vec![table.clone()],
            ..Database::default()
        })
        .unwrap();
        let entry: &ManifestEntry = &one.manifest.objects[0];
        let bytes = &one.files[&entry.path];
        let listed = manifest
            .objects
            .iter_mut()
            .find(|e| e.path == entry.path)
            .unwrap();
        listed.blake3 = entry.blake3.clone();
        manifest.fingerprint = codec::fingerprint(&manifest.objects);
        let commit = repo.find_commit(parent).unwrap();
        let base = commit.tree().unwrap();
        let table_path = format!("{FOLDER}/{}", entry.path);
        let parts: Vec<&str> = table_path.split('/').collect();
        let id = graft(&repo, Some(&base), &parts, repo.blob(bytes).unwrap());
        let with_table = repo.find_tree(id).unwrap();
        let manifest_path = format!("{FOLDER}/{}", codec::MANIFEST);
        let parts: Vec<&str> = manifest_path.split('/').collect();
        let manifest_blob = repo.blob(&codec::manifest_bytes(&manifest)).unwrap();
        let id = graft(&repo, Some(&with_table), &parts, manifest_blob);
        let tree = repo.find_tree(id).unwrap();
        let message = format!(
            "schema(bench): 1 change, 1 critical\n\nCritical:\n  added column {}",
            entry.name
        );
        parent = repo
            .commit(
                Some("HEAD"),
                &signature,
                &signature,
                &message,
                &tree,
                &[&commit],
            )
            .unwrap();
    }
}

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

/// The median wall time of `schemagit log ARGS` over five runs, and the bytes it printed.
fn time_log(repo: &Path, args: &[&str]) -> (Duration, usize) {
    let mut times = Vec::new();
    let mut printed = 0;
    for _ in 0..5 {
        let start = Instant::now();
        let output = Command::new(env!("CARGO_BIN_EXE_schemagit"))
            .args(["log", "--env", "bench", "--repo"])
            .arg(repo)
            .args(args)
            .stdin(Stdio::null())
            .output()
            .unwrap();
        times.push(start.elapsed());
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        printed = output.stdout.len();
    }
    (median(times), printed)
}

fn main() {
    let db = synthetic::database(TABLES, 230, 100, false);
    let dir = tempfile::tempdir().unwrap();
    let start = Instant::now();
    history(dir.path(), db.clone());
    println!(
        "{TABLES} tables, 230 functions, 100 views, {} files; {COMMITS} commits built in {:?}",
        db.object_count() + 1,
        start.elapsed()
    );
    let table = schemagit::model::qualified(&db.tables[7].schema, &db.tables[7].name);
    let column = format!("{table}.added_1");
    for (label, args) in [
        ("whole history", vec![]),
        ("whole history --json", vec!["--json"]),
        ("newest ten", vec!["-n", "10"]),
        ("one table", vec![table.as_str()]),
        ("one column", vec![column.as_str()]),
    ] {
        let (time, bytes) = time_log(dir.path(), &args);
        println!("schemagit log {label}: {time:?} ({bytes} bytes printed)");
    }
}
