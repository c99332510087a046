//! `schemagit snapshot --databases` and `--all`: many databases in one run, one commit, shards
//! that partition the fleet. A real PostgreSQL, real repositories, the compiled binary.

mod common;

use std::collections::BTreeSet;

use common::{cluster, Repo};

const TENANT_SQL: &str = "CREATE SCHEMA app;
CREATE TABLE app.users (id bigint PRIMARY KEY, email text NOT NULL);
CREATE TABLE app.invoices (id bigint PRIMARY KEY, user_id bigint REFERENCES app.users, total numeric);";

/// `count` tenant databases named `<prefix>_tNN`, all with the same schema.
fn tenants(prefix: &str, count: usize) -> Vec<String> {
    (0..count)
        .map(|i| {
            let name = format!("{prefix}_t{i:02}");
            cluster().execute("postgres", &format!("CREATE DATABASE {name}"));
            cluster().execute(&name, TENANT_SQL);
            name
        })
        .collect()
}

fn fleet(repo: &Repo, pattern: &str, extra: &[&str]) -> common::Run {
    let server = cluster().url("postgres");
    let mut args = vec![
        "snapshot",
        "--json",
        "--databases",
        pattern,
        "--database-url",
        &server,
    ];
    args.extend_from_slice(extra);
    repo.schemagit(&args)
}

fn envs(report: &serde_json::Value) -> BTreeSet<String> {
    report["databases"]
        .as_array()
        .unwrap()
        .iter()
        .map(|d| d["env"].as_str().unwrap().to_string())
        .collect()
}

#[test]
fn a_fleet_lands_in_one_commit_and_only_what_changed_is_committed_again() {
    let names = tenants("fleetone", 21);
    let drifted = &names[7];
    cluster().execute(
        drifted,
        "CREATE INDEX invoices_total_idx ON app.invoices (total);",
    );
    let repo = Repo::new();
    let before = repo.commit_count();

    let report = fleet(&repo, "fleetone_*", &["--jobs", "3"])
        .success()
        .json();
    assert_eq!(
        repo.commit_count(),
        before + 1,
        "one commit for the whole run"
    );
    assert_eq!(envs(&report), names.iter().cloned().collect());
    let commit = report["commit"].as_str().unwrap();
    for name in &names {
        assert!(repo
            .path()
            .join(format!("snapshots/{name}/manifest.json"))
            .is_file());
    }
    // Identical schemas are the same git tree; the drifted one is not.
    let tree = |name: &str| repo.git(&["rev-parse", &format!("HEAD:snapshots/{name}")]);
    assert_eq!(tree(&names[0]), tree(&names[20]));
    assert_ne!(tree(&names[0]), tree(drifted));
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.starts_with("schema: 21 of 21 databases changed"),
        "{message}"
    );
    assert!(message.contains(&format!("\nSchema-Env: {drifted}\n")));

    // Nothing changed: nothing committed.
    let again = fleet(&repo, "fleetone_*", &[]).success().json();
    assert!(again["commit"].is_null());
    assert_eq!(repo.commit_count(), before + 1);
    assert_ne!(
        again["databases"][0]["fingerprint"],
        serde_json::Value::Null
    );

    // One tenant changes: the commit touches its folder alone, and `log --env` finds it.
    let changed = &names[3];
    cluster().execute(changed, "ALTER TABLE app.users ADD COLUMN name text;");
    let third = fleet(&repo, "fleetone_*", &[]).success().json();
    assert_ne!(third["commit"].as_str().unwrap(), commit);
    let touched = repo.git(&["show", "--name-only", "--format=", "HEAD"]);
    assert!(
        touched
            .lines()
            .all(|path| path.starts_with(&format!("snapshots/{changed}/"))),
        "{touched}"
    );
    let subject = repo.git(&["log", "-1", "--format=%s"]);
    assert!(
        subject.starts_with(&format!("schema({changed}): ")),
        "{subject}"
    );
    let log = repo
        .schemagit(&["log", "--env", changed, "--json"])
        .success();
    assert!(log.stdout.contains("app.users.name"), "{}", log.stdout);
}

#[test]
fn shards_partition_the_fleet_the_same_way_every_time() {
    let names = tenants("fleetshard", 12);
    let repo = Repo::new();
    let mut union = BTreeSet::new();
    let mut total = 0;
    for i in 1..=3 {
        let shard = format!("{i}/3");
        let args = ["--dry-run", "--shard", shard.as_str()];
        let first = envs(&fleet(&repo, "fleetshard_*", &args).success().json());
        let second = envs(&fleet(&repo, "fleetshard_*", &args).success().json());
        assert_eq!(first, second, "shard {shard} is stable");
        total += first.len();
        union.extend(first);
    }
    assert_eq!(total, names.len(), "no database is in two shards");
    assert_eq!(union, names.into_iter().collect());
    assert_eq!(repo.commit_count(), 1, "a dry run commits nothing");
}

#[test]
fn each_shard_pushes_its_own_branch() {
    let names = tenants("fleetpush", 4);
    let repo = Repo::new();
    let remote = tempfile::tempdir().unwrap();
    repo.git(&["init", "-q", "--bare", remote.path().to_str().unwrap()]);
    let remote_path = remote.path().to_str().unwrap().to_string();
    let mut landed = BTreeSet::new();
    for i in 1..=2 {
        let shard = format!("{i}/2");
        let args = [
            "--shard",
            shard.as_str(),
            "--branch",
            "fleet-shard-{shard}",
            "--push",
            remote_path.as_str(),
        ];
        let report = fleet(&repo, "fleetpush_*", &args).success().json();
        if report["databases"].as_array().unwrap().is_empty() {
            continue;
        }
        assert_eq!(report["branch"], format!("refs/heads/fleet-shard-{i}"));
        assert_eq!(report["pushed"], remote_path.as_str());
        let pushed = common::hermetic(std::process::Command::new("git"))
            .args([
                "ls-tree",
                "--name-only",
                &format!("fleet-shard-{i}"),
                "snapshots/",
            ])
            .current_dir(remote.path())
            .output()
            .unwrap();
        for folder in String::from_utf8(pushed.stdout).unwrap().lines() {
            landed.insert(folder.trim_start_matches("snapshots/").to_string());
        }
    }
    assert_eq!(landed, names.into_iter().collect());
}

#[test]
fn a_database_that_fails_does_not_stop_the_others() {
    let names = tenants("fleetall", 1);
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.good]\nurl_env = \"GOOD_URL\"\n\n[env.down]\nurl_env = \"DOWN_URL\"\n",
    )
    .unwrap();
    let good = cluster().url(&names[0]);
    let run = common::run_schemagit_with(
        repo.path(),
        &["snapshot", "--all", "--json"],
        &[
            ("GOOD_URL", good.as_str()),
            ("DOWN_URL", "postgresql://nobody@127.0.0.1:1/app"),
        ],
    );
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("error: down: cannot connect"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("1 of 2 environments failed: down"));
    let report = run.json();
    assert_eq!(report["failed"][0]["env"], "down");
    assert_eq!(report["databases"][0]["env"], "good");
    assert!(repo.path().join("snapshots/good/manifest.json").is_file());
    assert!(!repo.path().join("snapshots/down").exists());
    let subject = repo.git(&["log", "-1", "--format=%s"]);
    assert!(
        subject.starts_with("schema(good): initial snapshot"),
        "{subject}"
    );
}

#[test]
fn jobs_bound_the_connections_open_at_once() {
    let names = tenants("fleetjobs", 4);
    for name in &names {
        cluster().execute(
            name,
            "CREATE VIEW app.user_emails AS SELECT email FROM app.users;",
        );
    }
    let runtime = common::runtime();
    // Every tenant's view is locked, so every read that starts waits for its lock: the reads
    // waiting at once are the connections the run has open at once.
    let lockers: Vec<_> = names
        .iter()
        .map(|name| {
            common::session(
                &runtime,
                &cluster().url(name),
                "BEGIN; LOCK TABLE app.user_emails IN ACCESS EXCLUSIVE MODE;",
            )
        })
        .collect();
    let watcher = common::session(&runtime, &cluster().url("postgres"), "");
    let waiting = || -> i64 {
        runtime.block_on(async {
            watcher
                .query_one(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname LIKE 'fleetjobs\\_%' AND wait_event_type = 'Lock'",
                    &[],
                )
                .await
                .unwrap()
                .get(0)
        })
    };
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "lock_timeout_ms = 60000\n",
    )
    .unwrap();
    let server = cluster().url("postgres");
    let child = common::hermetic(std::process::Command::new(env!("CARGO_BIN_EXE_schemagit")))
        .args([
            "snapshot",
            "--json",
            "--databases",
            "fleetjobs_*",
            "--database-url",
            &server,
            "--jobs",
            "2",
        ])
        .current_dir(repo.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let mut peak = 0;
    let started = std::time::Instant::now();
    // Release the locks one at a time, each once the run waits on two (or on all still locked).
    for (released, locker) in lockers.iter().enumerate() {
        let expected = (lockers.len() - released).min(2) as i64;
        loop {
            let now = waiting();
            peak = peak.max(now);
            if now >= expected || started.elapsed() > std::time::Duration::from_secs(60) {
                break;
            }
        }
        // With every lock still held, an unbounded run would go on opening connections: watch
        // for them a while before the first release (a bounded run never shows more than 2).
        if released == 0 {
            let settled = std::time::Instant::now();
            while settled.elapsed() < std::time::Duration::from_secs(1) {
                peak = peak.max(waiting());
            }
        }
        runtime.block_on(locker.batch_execute("COMMIT")).unwrap();
        peak = peak.max(waiting());
    }
    let output = child.wait_with_output().unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(peak, 2, "reads waiting at once with --jobs 2");
    for name in &names {
        assert!(repo
            .path()
            .join(format!("snapshots/{name}/manifest.json"))
            .is_file());
    }
}

#[test]
fn diff_names_the_tenant_that_drifted_from_the_majority() {
    let names = tenants("fleetdiff", 5);
    let drifted = &names[2];
    cluster().execute(
        drifted,
        "CREATE INDEX invoices_total_idx ON app.invoices (total);",
    );
    let repo = Repo::new();
    let server = cluster().url("postgres");
    let diff = |extra: &[&str]| {
        let mut args = vec![
            "diff",
            "--databases",
            "fleetdiff_*",
            "--database-url",
            &server,
        ];
        args.extend_from_slice(extra);
        repo.schemagit(&args)
    };
    let json = diff(&["--json"]);
    assert_eq!(json.code, 2, "a warning: {}", json.stderr);
    let report = json.json();
    assert_eq!(report["majority"]["databases"].as_array().unwrap().len(), 4);
    assert_eq!(report["differing"][0]["env"], drifted.as_str());
    assert_eq!(report["differing"][0]["summary"]["warning"], 1);
    assert_eq!(
        report["differing"][0]["changes"][0]["object"],
        "app.invoices.invoices_total_idx"
    );
    let human = diff(&[]);
    assert_eq!(human.code, 2);
    assert!(
        human.stdout.starts_with("majority schema blake3:"),
        "{}",
        human.stdout
    );
    assert!(human
        .stdout
        .contains(&format!("\n{drifted} differs (blake3:")));
    assert!(human.stdout.contains("app.invoices.invoices_total_idx"));
    let markdown = diff(&["--format", "markdown"]);
    assert!(markdown.stdout.contains(&format!("## {drifted} differs")));
    assert_eq!(diff(&["--fail-on", "critical"]).code, 0);
    cluster().execute(drifted, "DROP INDEX app.invoices_total_idx;");
    let same = diff(&[]);
    assert_eq!(same.code, 0, "{}", same.stdout);
    assert!(same.stdout.contains("every database has this schema"));
}

/// Each database's block of trailers names the latest migration its own tracking table says
/// was applied, from the one migrations folder the fleet shares.
#[test]
fn each_database_of_a_fleet_records_its_latest_applied_migration() {
    let names = tenants("fleetmig", 2);
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.default]\nmigrations = \"db/migrations\"\n",
    )
    .unwrap();
    let folder = repo.path().join("db/migrations");
    std::fs::create_dir_all(&folder).unwrap();
    for n in 1..=2 {
        std::fs::write(
            folder.join(format!("2024010100000{n}_step{n}.sql")),
            format!(
                "-- migrate:up\nCREATE TABLE app.step{n} (id int);\n-- migrate:down\nSELECT 1;\n"
            ),
        )
        .unwrap();
    }
    repo.git(&["add", "-A"]);
    repo.git(&["commit", "-qm", "migrations"]);
    // The first tenant has run both migrations, the second only the first.
    for (name, applied) in names.iter().zip([2, 1]) {
        let mut sql =
            "CREATE TABLE schema_migrations (version varchar(128) PRIMARY KEY);".to_string();
        for n in 1..=applied {
            sql.push_str(&format!(
                "CREATE TABLE app.step{n} (id int);
                 INSERT INTO schema_migrations VALUES ('2024010100000{n}');"
            ));
        }
        cluster().execute(name, &sql);
    }
    let run = fleet(&repo, "fleetmig_*", &[]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let message = repo.git(&["log", "-1", "--format=%B"]);
    for (name, latest) in names
        .iter()
        .zip(["20240101000002_step2", "20240101000001_step1"])
    {
        let block = message
            .split("Schema-Env: ")
            .find(|block| block.starts_with(&format!("{name}\n")))
            .unwrap_or_else(|| panic!("no trailers for {name}: {message}"));
        assert!(
            block.contains(&format!("\nSchema-Migrations: dbmate {latest}\n")),
            "{name}: {message}"
        );
    }
}
