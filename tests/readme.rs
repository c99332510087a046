//! The README is what the tool does: its `schemagit.toml` example parses as written and shows
//! every key, and the demo's output is what the demo prints.

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
