//! The README is what the tool does: its `schemagit.toml` example parses as written and shows
//! every key; the demo's, `init`'s and `check`'s outputs and the JSON examples are what they
//! print; the exit-code table lists the binary's exit codes.

mod common;

use std::path::Path;

use common::Repo;
use schemagit::config::{Config, Flags};

fn readme() -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("README.md")).unwrap()
}

/// The first fenced block of `language` after the heading that starts with `heading`.
fn block_after(heading: &str, language: &str) -> String {
    let text = readme();
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("README has no heading {heading:?}"));
    let fence = format!("```{language}\n");
    let open = start + text[start..].find(&fence).unwrap() + fence.len();
    let close = open + text[open..].find("```").unwrap();
    text[open..close].to_string()
}

fn resolve(toml: &str) -> Result<Config, String> {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("schemagit.toml"), toml).unwrap();
    Config::resolve(dir.path(), &Flags::default(), &|_| None).map_err(|e| e.to_string())
}

/// The keys a table of `schemagit.toml` accepts, as the parser lists them when it meets one it
/// does not know: `prefix` puts the probe in that table.
fn accepted_keys(prefix: &str) -> Vec<String> {
    let probe = format!("{prefix}not_a_key = 1\n");
    let message = resolve(&probe).expect_err("an unknown key is refused");
    // serde words it "expected `a`", "expected `a` or `b`" or "expected one of `a`, `b`, `c`".
    let list = message
        .split("expected ")
        .nth(1)
        .unwrap_or_else(|| panic!("no key list in {message:?}"));
    list.trim_start_matches("one of ")
        .split(", ")
        .flat_map(|part| part.split(" or "))
        .map(|key| key.trim().trim_matches('`').to_string())
        .collect()
}

#[test]
fn the_configuration_example_parses_as_written_and_shows_every_key() {
    let example = block_after("## Configuration", "toml");
    let config = resolve(&example).unwrap_or_else(|e| panic!("{e}\n{example}"));
    assert_eq!(config.env, "prod");
    let parsed: toml::Table = example.parse().unwrap();
    let table = |path: &[&str]| -> toml::Table {
        let mut table = parsed.clone();
        for part in path {
            table = table[*part].as_table().unwrap().clone();
        }
        table
    };
    for (probe, path) in [
        ("", vec![]),
        ("[env.x]\n", vec!["env", "dev"]),
        ("[ignore]\n", vec!["ignore"]),
        ("[scope]\n", vec!["scope"]),
        ("[rules]\n", vec!["rules"]),
        ("[audit]\n", vec!["audit"]),
    ] {
        let shown = if path == ["env", "dev"] {
            // An environment's keys are spread over the example's environments.
            let mut keys = table(&["env", "prod"]);
            keys.extend(table(&["env", "dev"]));
            keys
        } else {
            table(&path)
        };
        for key in accepted_keys(probe) {
            assert!(
                shown.contains_key(&key),
                "the README's schemagit.toml does not show {key:?} in [{}]",
                path.join(".")
            );
        }
    }
}

/// `expected` as the README writes it: `…` stands for any lines, and a commit id for any.
fn assert_output_matches(expected: &str, actual: &str) {
    let mut lines = actual.lines();
    let mut skipping = false;
    for want in expected.lines() {
        if want.trim() == "…" {
            skipping = true;
            continue;
        }
        let matches = |got: &str| match want.strip_prefix("committed ") {
            Some(rest) => {
                let (id, tail) = rest.split_once(' ').unwrap_or((rest, ""));
                got.strip_prefix("committed ").is_some_and(|g| {
                    let (gid, gtail) = g.split_once(' ').unwrap_or((g, ""));
                    gid.len() == id.len()
                        && gid.chars().all(|c| c.is_ascii_hexdigit())
                        && gtail == tail
                })
            }
            None => got == want,
        };
        loop {
            let got = lines
                .next()
                .unwrap_or_else(|| panic!("README line {want:?} not in the output:\n{actual}"));
            if matches(got) {
                break;
            }
            assert!(
                skipping,
                "README says {want:?}, the demo printed {got:?}:\n{actual}"
            );
        }
        skipping = false;
    }
    assert!(
        lines.next().is_none() || skipping,
        "the demo printed more than the README shows:\n{actual}"
    );
}

#[test]
fn the_demo_prints_what_the_readme_shows() {
    if !common::cluster()
        .deparses_like_the_committed_snapshot("the_demo_prints_what_the_readme_shows")
    {
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let repo = Repo::new();
    std::fs::copy(
        root.join("schemagit.toml"),
        repo.path().join("schemagit.toml"),
    )
    .unwrap();
    std::fs::create_dir(repo.path().join("migrations")).unwrap();
    for entry in std::fs::read_dir(root.join("migrations")).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(
            &path,
            repo.path()
                .join("migrations")
                .join(path.file_name().unwrap()),
        )
        .unwrap();
    }
    let expected = block_after("The first command prints what it committed", "");
    // The README's first command, without `cargo run --release --`.
    let demo = || {
        repo.schemagit(&[
            "snapshot",
            "--from-migrations",
            "--env",
            "demo",
            "--branch",
            "schemagit-demo",
        ])
        .success()
    };
    assert_output_matches(&expected, &demo().stdout);
    let again = demo();
    let last = again.stdout.lines().last().unwrap_or_default();
    let prose = readme().split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        prose.contains(&format!("`{last}`")),
        "the README does not quote the second run: {}",
        again.stdout
    );
}

#[test]
fn the_init_section_shows_what_init_prints() {
    let repo = Repo::new();
    let first = repo.schemagit(&["init"]).success();
    let second = repo.schemagit(&["init"]);
    let transcript = format!(
        "$ schemagit init\n{}{}$ schemagit init\n{}$ echo $?\n{}\n",
        first.stdout, first.stderr, second.stderr, second.code
    );
    assert_eq!(
        block_after("## Start a repository: `schemagit init`", ""),
        transcript
    );
}

/// The exit codes the binary has: its `exit_code` map, and the findings' 1 and 2.
fn exit_codes_of_the_binary() -> std::collections::BTreeSet<u32> {
    let main =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("src/main.rs")).unwrap();
    let map = &main[main
        .find("fn exit_code(")
        .expect("main.rs maps error kinds to exit codes")..];
    let map = &map[..map.find("\n}\n").unwrap()];
    let mut codes: std::collections::BTreeSet<u32> = map
        .lines()
        .filter_map(|line| line.split_once("=> ")?.1.trim_end_matches(',').parse().ok())
        .collect();
    codes.extend(
        main.split("ExitCode::from(")
            .skip(1)
            .filter_map(|rest| rest.split_once(')')?.0.parse::<u32>().ok()),
    );
    codes
}

#[test]
fn the_exit_code_table_lists_every_exit_code_and_nothing_else() {
    let text = readme();
    let section = &text[text.find("### Exit codes").unwrap()..];
    let table = section["### Exit codes".len()..].trim_start();
    let table = &table[..table.find("\n\n").unwrap()];
    // Each code opens its entry: `N` followed by what it means.
    let listed: std::collections::BTreeSet<u32> = table
        .split('`')
        .collect::<Vec<_>>()
        .windows(2)
        .filter(|pair| pair[1].starts_with(' ') && pair[1].len() > 1)
        .filter_map(|pair| pair[0].parse().ok())
        .collect();
    let codes = exit_codes_of_the_binary();
    assert!(codes.contains(&130) && codes.contains(&3), "{codes:?}");
    assert_eq!(listed, codes, "the README's exit codes, and the binary's");
}

/// The kinds fixture snapshotted as environment `prod` whose URL is in `PROD_DATABASE_URL`,
/// then the changes the README's `check` examples show: RLS turned off and a function changed.
fn drifted_prod(hint: &str) -> (String, Repo, Vec<(&'static str, String)>) {
    let cluster = common::cluster();
    let db = cluster.database_from(hint, &common::fixtures("kinds"));
    let repo = Repo::new();
    std::fs::write(
        repo.path().join("schemagit.toml"),
        "[env.prod]\nurl_env = \"PROD_DATABASE_URL\"\n",
    )
    .unwrap();
    let vars = vec![("PROD_DATABASE_URL", cluster.url(&db))];
    run(&repo, &["snapshot", "--env", "prod"], &vars).success();
    cluster.execute(
        &db,
        "ALTER TABLE shop.customers DISABLE ROW LEVEL SECURITY;
         CREATE OR REPLACE FUNCTION shop.total_for(customer text) RETURNS numeric LANGUAGE sql AS $$ SELECT 2::numeric $$;",
    );
    (db, repo, vars)
}

fn run(repo: &Repo, args: &[&str], vars: &[(&str, String)]) -> common::Run {
    let vars: Vec<(&str, &str)> = vars.iter().map(|(k, v)| (*k, v.as_str())).collect();
    common::run_schemagit_with(repo.path(), args, &vars)
}

#[test]
fn the_check_example_is_what_check_prints() {
    let (db, repo, vars) = drifted_prod("readme_check");
    common::cluster().execute(&db, "CREATE INDEX orders_total_idx ON shop.orders (total)");
    let check = run(&repo, &["check", "--env", "prod"], &vars);
    // The README's database is not the test's: its address is the README's.
    let stderr: String = check
        .stderr
        .lines()
        .map(|line| {
            match line
                .strip_prefix("check prod: ")
                .and_then(|rest| rest.split_once(" against "))
            {
                Some((_, revision)) => format!(
                    "check prod: postgresql://schemagit_ro@db.internal:5432/app against {revision}\n"
                ),
                None => format!("{line}\n"),
            }
        })
        .collect();
    let transcript = format!(
        "$ schemagit check --env prod\n{stderr}{}$ echo $?\n{}\n",
        check.stdout, check.code
    );
    assert_eq!(block_after("### Gate a deploy on drift", ""), transcript);
}

/// `actual` has the README example's shape: the same keys, array lengths and kinds of value;
/// and the same values where `exact` (everywhere) or `exact_keys` (under those keys) says so,
/// where a README string ending in `…` stands for any string that starts as it does.
fn assert_json_like(
    readme: &serde_json::Value,
    actual: &serde_json::Value,
    exact: bool,
    exact_keys: &[&str],
    at: &str,
) {
    use serde_json::Value;
    match (readme, actual) {
        (Value::Object(want), Value::Object(got)) => {
            let keys = |o: &serde_json::Map<String, Value>| o.keys().cloned().collect::<Vec<_>>();
            assert_eq!(keys(want), keys(got), "the keys of {at}: {actual}");
            for (key, value) in want {
                let exact = exact || exact_keys.contains(&key.as_str());
                assert_json_like(value, &got[key], exact, exact_keys, &format!("{at}.{key}"));
            }
        }
        (Value::Array(want), Value::Array(got)) => {
            assert_eq!(want.len(), got.len(), "the length of {at}: {actual}");
            for (i, (w, g)) in want.iter().zip(got).enumerate() {
                assert_json_like(w, g, exact, exact_keys, &format!("{at}[{i}]"));
            }
        }
        (Value::String(want), Value::String(got)) if exact => match want.strip_suffix('…') {
            Some(start) => assert!(got.starts_with(start.trim_end()), "{at}: {got:?}"),
            None => assert_eq!(want, got, "{at}"),
        },
        (want, got) if exact => assert_eq!(want, got, "{at}"),
        (want, got) => assert_eq!(
            std::mem::discriminant(want),
            std::mem::discriminant(got),
            "{at}: the README shows {want}, the tool prints {got}"
        ),
    }
}

fn readme_json(after: &str) -> serde_json::Value {
    let block = block_after(after, "json");
    serde_json::from_str(&block).unwrap_or_else(|e| panic!("{e}:\n{block}"))
}

#[test]
fn the_json_examples_are_what_the_tool_prints() {
    let (_db, repo, vars) = drifted_prod("readme_json");
    let check = run(&repo, &["check", "--json", "--env", "prod"], &vars);
    assert_eq!(check.code, 1, "{}", check.stderr);
    assert_json_like(
        &readme_json("### `--json`"),
        &check.json(),
        true,
        &[],
        "check --json",
    );

    // Before the snapshot takes the drift in: `plan --revert` undoes it. Its statements and
    // hazards have the keys of the README's, whatever their number.
    let plan = run(
        &repo,
        &["plan", "--revert", "--json", "--env", "prod"],
        &vars,
    )
    .success()
    .json();
    let example = readme_json("`schemagit plan --json`");
    let keys = |v: &serde_json::Value| v.as_object().unwrap().keys().cloned().collect::<Vec<_>>();
    assert_eq!(keys(&example), keys(&plan), "{plan}");
    assert_json_like(
        &example["summary"]["from"],
        &plan["summary"]["from"],
        false,
        &[],
        "plan",
    );
    assert_eq!(keys(&example["summary"]), keys(&plan["summary"]), "{plan}");
    let statements = plan["statements"].as_array().unwrap();
    assert!(statements.len() >= 2, "{plan}");
    for statement in statements {
        assert_eq!(keys(&example["statements"][0]), keys(statement), "{plan}");
        for hazard in statement["hazards"].as_array().unwrap() {
            assert_eq!(keys(&example["statements"][0]["hazards"][0]), keys(hazard));
        }
    }

    let snapshot = run(&repo, &["snapshot", "--json", "--env", "prod"], &vars)
        .success()
        .json();
    let mut example = readme_json("`schemagit snapshot --json`:");
    // The README's snapshot changed one table, this one a table and a function: each file
    // change has the shape of the README's.
    let file_changes = snapshot["changes"].as_array().unwrap().len();
    example["changes"] =
        serde_json::Value::Array(vec![example["changes"][0].clone(); file_changes]);
    assert_json_like(
        &example,
        &snapshot,
        false,
        &["env", "folder", "branch", "dry_run", "pushed"],
        "snapshot --json",
    );
    assert!(
        snapshot["fingerprint"]
            .as_str()
            .is_some_and(|f| f.starts_with("blake3:")),
        "{snapshot}"
    );

    // `verify --json` gives {"folder", "ok", "objects", "problems": [{"path", "reason"}]}.
    let file = repo.path().join("snapshots/prod/shop/tables/orders.json");
    let mut bytes = std::fs::read(&file).unwrap();
    bytes.extend_from_slice(b" ");
    std::fs::write(&file, bytes).unwrap();
    let verify = run(&repo, &["verify", "--json", "--env", "prod"], &[]);
    assert_eq!(verify.code, 6, "{}", verify.stderr);
    let report = verify.json();
    let text = readme();
    let prose = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let keys = |v: &serde_json::Value| -> String {
        v.as_object()
            .unwrap()
            .keys()
            .map(|k| format!("{k:?}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let described = format!(
        "`schemagit verify --json` gives `{{{}: [{{{}}}]}}`",
        keys(&report),
        keys(&report["problems"][0])
    );
    assert!(
        prose.contains(&described),
        "the README does not say {described}"
    );
}
