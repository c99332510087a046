//! A role that may read less: what it cannot read is marked, never reported as a change, and
//! secrets it can read never reach a file, a commit or a message.

mod common;

use common::{cluster, Repo};

/// A key=value URL for `dbname` as `user`.
fn url_as(user: &str, dbname: &str) -> String {
    let cluster = cluster();
    format!(
        "host={} port={} user={user} dbname={dbname}",
        cluster.socket_dir.display(),
        cluster.port
    )
}

fn read(repo: &Repo, revision: &str, path: &str) -> serde_json::Value {
    serde_json::from_str(&repo.git(&["show", &format!("{revision}:snapshots/default/{path}")]))
        .unwrap()
}

/// The file of the object of `kind` named `name` at `revision`.
fn read_object(repo: &Repo, revision: &str, kind: &str, name: &str) -> serde_json::Value {
    let manifest = read(repo, revision, "manifest.json");
    let entry = manifest["objects"]
        .as_array()
        .unwrap()
        .iter()
        .find(|o| o["kind"] == kind && o["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name} in {manifest}"));
    read(repo, revision, entry["path"].as_str().unwrap())
}

#[test]
fn what_a_least_privileged_role_cannot_read_is_marked_and_never_drift() {
    let db = cluster().fresh_database("least");
    cluster().execute(
        &db,
        &format!(
            "CREATE FOREIGN DATA WRAPPER lp_wrapper;
             CREATE SERVER lp_server FOREIGN DATA WRAPPER lp_wrapper;
             CREATE USER MAPPING FOR PUBLIC SERVER lp_server OPTIONS (user 'remote', password 'hunter2');
             CREATE SUBSCRIPTION lp_sub_{db} CONNECTION 'host=/nonexistent dbname=x password=hunter2'
               PUBLICATION p WITH (connect = false);
             CREATE TABLE public.t (id int);
             DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'lp_reader') THEN
                 CREATE ROLE lp_reader LOGIN;
               END IF;
             END $$;
             GRANT CONNECT ON DATABASE {db} TO lp_reader;"
        ),
    );
    let repo = Repo::new();
    let superuser = cluster().url(&db);
    let reader = url_as("lp_reader", &db);
    repo.schemagit(&["snapshot", "--database-url", &superuser])
        .success();
    let subscription = format!("lp_sub_{db}");
    let full = read_object(&repo, "HEAD", "subscription", &subscription);
    assert_eq!(
        full["properties"]["connection"],
        "host=/nonexistent dbname=x password=***"
    );
    assert!(full.get("unreadable").is_none());

    // The reader's snapshot says what it could not read: a warning, a trailer, a marker.
    let run = repo
        .schemagit(&["snapshot", "--database-url", &reader])
        .success();
    assert!(
        run.stderr.contains("warning: this role could not read")
            && run
                .stderr
                .contains("user mapping public@lp_server (options)"),
        "{}",
        run.stderr
    );
    let message = repo.git(&["log", "-1", "--format=%B"]);
    assert!(
        message.contains(&format!(
            "Schema-Unreadable: subscription lp_sub_{db} (binary, comment, connection,"
        )) && message.contains("user mapping public@lp_server (options)"),
        "{message}"
    );
    // …and its commit lists no semantic change: nothing it could not read counts as one.
    assert!(
        message.starts_with("schema(default): 0 changes\n"),
        "{message}"
    );
    let partial = read_object(&repo, "HEAD", "subscription", &subscription);
    assert!(partial["properties"].get("connection").is_none());
    assert!(partial["unreadable"]
        .as_array()
        .unwrap()
        .contains(&serde_json::json!("connection")));
    let mapping = read_object(&repo, "HEAD", "user_mapping", "public@lp_server");
    assert_eq!(mapping["unreadable"], serde_json::json!(["options"]));
    assert!(mapping["properties"].get("options").is_none());

    // Neither direction is drift: the full read against the partial snapshot, and the partial
    // read against the full one.
    for (url, revision) in [(&superuser, "HEAD"), (&reader, "HEAD~1")] {
        let check = repo.schemagit(&["check", "--json", "--rev", revision, "--database-url", url]);
        assert_eq!(check.code, 0, "{}\n{}", check.stdout, check.stderr);
        assert_eq!(check.json()["changes"], serde_json::json!([]));
    }
    // Nor does `diff` compare what one side could not read, in either order.
    for (from, to) in [("HEAD~1", "HEAD"), ("HEAD", "HEAD~1")] {
        let diff = repo.schemagit(&["diff", "--json", from, to]);
        assert_eq!(diff.code, 0, "{}\n{}", diff.stdout, diff.stderr);
        assert_eq!(
            diff.json()["changes"],
            serde_json::json!([]),
            "{from}..{to}"
        );
    }
    // A real change the reader can see still shows.
    cluster().execute(&db, "ALTER SERVER lp_server VERSION '2'");
    let check = repo.schemagit(&["check", "--json", "--database-url", &reader]);
    let changes = check.json()["changes"].clone();
    assert_eq!(changes.as_array().unwrap().len(), 1, "{changes}");
    assert_eq!(changes[0]["object"], "lp_server");
}

#[test]
fn secret_settings_are_redacted_and_lock_holders_queries_hide_passwords() {
    let db = cluster().fresh_database("secrets");
    cluster().execute(
        &db,
        &format!(
            "ALTER DATABASE {db} SET app.api_token = 'tok-123';
             ALTER DATABASE {db} SET work_mem = '8MB';
             DO $$ BEGIN
               IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'secret_role') THEN
                 CREATE ROLE secret_role;
               END IF;
             END $$;
             ALTER ROLE secret_role IN DATABASE {db} SET app.password = 'pw-456';
             CREATE TABLE public.orders (id int);
             CREATE VIEW public.big_orders AS SELECT id FROM public.orders;
             CREATE FUNCTION public.f() RETURNS int LANGUAGE sql
               SET app.secret_key = 'sk-789' SET work_mem = '4MB' AS 'SELECT 1';"
        ),
    );
    let repo = Repo::new();
    let url = cluster().url(&db);
    repo.schemagit(&["snapshot", "--database-url", &url])
        .success();
    let files = schemagit::folder::read_folder(&repo.path().join("snapshots/default")).unwrap();
    for (path, bytes) in &files {
        let text = String::from_utf8_lossy(bytes);
        for secret in ["tok-123", "pw-456", "sk-789"] {
            assert!(!text.contains(secret), "{secret} reached {path}");
        }
    }
    let log = repo.git(&["log", "-p", "--format=%B"]);
    assert!(
        !log.contains("tok-123") && !log.contains("sk-789"),
        "a secret reached a commit"
    );
    let database = read_object(&repo, "HEAD", "settings", "database");
    assert_eq!(
        database["properties"]["settings"],
        serde_json::json!(["app.api_token=<redacted>", "work_mem=8MB"])
    );
    let role = read_object(&repo, "HEAD", "settings", "role secret_role");
    assert_eq!(
        role["properties"]["settings"],
        serde_json::json!(["app.password=<redacted>"])
    );
    let function = read_object(&repo, "HEAD", "function", "public.f()");
    assert_eq!(
        function["config"],
        serde_json::json!(["app.secret_key=<redacted>", "work_mem=4MB"])
    );
    let definition = function["definition"].to_string();
    assert!(
        !definition.contains("sk-789") && definition.contains("<redacted>"),
        "{definition}"
    );

    // Another session holds a lock while its query text holds a password.
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "lock_timeout_ms = 300\n",
    )
    .unwrap();
    let runtime = common::runtime();
    let holder = common::session(
        &runtime,
        &url,
        "BEGIN; LOCK TABLE public.orders IN ACCESS EXCLUSIVE MODE;
         ALTER ROLE secret_role PASSWORD 'very-secret-password';",
    );
    let run = repo.schemagit(&["snapshot", "--database-url", &url]);
    runtime.block_on(async { holder.batch_execute("ROLLBACK").await.unwrap() });
    assert_eq!(run.code, 4, "{}", run.stderr);
    assert!(
        run.stderr.contains("public.orders is locked by pid")
            && run.stderr.contains("ALTER ROLE secret_role PASSWORD '…'"),
        "{}",
        run.stderr
    );
    assert!(
        !run.stderr.contains("very-secret-password"),
        "{}",
        run.stderr
    );
}
