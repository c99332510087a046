//! `schemagit init`: writes a commented `schemagit.toml`, `snapshots/.gitkeep` and the two CI
//! workflows into the repository; refuses to overwrite any of them without `--force`.

use std::io::Write;
use std::path::Path;

use clap::Args;
use serde::Serialize;

use super::{CliError, ErrorKind, Outcome};
use crate::init::{self, InitError};
use crate::vcs::Repo;

#[derive(Debug, Args)]
pub struct InitArgs {
    /// Overwrite the files that exist
    #[arg(long)]
    pub force: bool,

    /// The action the workflows install schemagit with: OWNER/REPO@REF, or ./PATH in this
    /// repository
    #[arg(long, value_name = "REF", default_value = init::DEFAULT_ACTION)]
    pub action: String,

    /// Also write .github/workflows/snapshot-fleet.yml: N shards side by side, each running
    /// `snapshot --databases PATTERN --shard I/N --branch schema/fleet-shard-I --push`
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u16).range(1..))]
    pub shards: Option<u16>,
}

/// `init --json`.
#[derive(Serialize)]
struct InitReport<'a> {
    written: Vec<&'a str>,
    secrets: Vec<String>,
}

/// What `init` needs: the repository, the environments (`--env`, repeatable) and the streams.
pub struct Init<'a> {
    pub repo: &'a Repo,
    pub envs: &'a [String],
    pub json: bool,
    pub quiet: bool,
    pub out: &'a mut dyn Write,
    pub err: &'a mut dyn Write,
}

pub fn run(init: Init, args: InitArgs) -> Result<Outcome, CliError> {
    let root = init.repo.workdir().ok_or_else(|| {
        CliError::new(
            ErrorKind::Repository,
            format!(
                "the repository {} is bare: init writes into a work tree",
                init.repo.root().display()
            ),
        )
        .with_hint("run it in a clone with a checkout")
    })?;
    let fleet = args
        .shards
        .map(|shards| init::fleet_workflow(shards, &args.action))
        .transpose();
    let files = init::files(init.envs, &args.action)
        .and_then(|mut files| {
            files.extend(fleet?);
            Ok(files)
        })
        .map_err(|e| {
            let hint = match e {
                InitError::Action(_) => "for example --action acme/schemagit@v1",
                _ => "for example --env production --env staging",
            };
            CliError::new(ErrorKind::Usage, e.to_string()).with_hint(hint)
        })?;
    let existing: Vec<&str> = files
        .iter()
        .map(|file| file.path)
        .filter(|path| root.join(path).symlink_metadata().is_ok())
        .collect();
    if !existing.is_empty() && !args.force {
        let (verb, them) = if existing.len() == 1 {
            ("exists", "it")
        } else {
            ("exist", "them")
        };
        return Err(CliError::new(
            ErrorKind::Usage,
            format!("{} already {verb}: init wrote nothing", existing.join(", ")),
        )
        .with_hint(format!("pass --force to overwrite {them}")));
    }
    for file in &files {
        write(root, file.path, &file.contents)?;
    }
    let envs: Vec<&str> = match init.envs {
        [] => init::DEFAULT_ENVIRONMENTS.to_vec(),
        envs => envs.iter().map(String::as_str).collect(),
    };
    let secrets: Vec<String> = envs.iter().map(|env| init::url_variable(env)).collect();
    let written = if init.json {
        let report = InitReport {
            written: files.iter().map(|file| file.path).collect(),
            secrets: secrets.clone(),
        };
        crate::report::wire::write_json(init.out, &report)
    } else {
        files
            .iter()
            .try_for_each(|file| writeln!(init.out, "wrote {}", file.path))
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    if !init.quiet {
        let _ = writeln!(
            init.err,
            "next: add the repository {} {} (and SLACK_WEBHOOK_URL for alerts), then run `schemagit snapshot --env {}` and commit",
            if secrets.len() == 1 { "secret" } else { "secrets" },
            secrets.join(", "),
            envs[0]
        );
    }
    Ok(Outcome::Clean)
}

fn write(root: &Path, path: &str, contents: &str) -> Result<(), CliError> {
    let target = root.join(path);
    let failed = |e: &std::io::Error| {
        CliError::new(ErrorKind::Io, format!("cannot write {path}"))
            .caused_by(e)
            .with_hint("check the permissions of the repository's folders")
    };
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| failed(&e))?;
    }
    std::fs::write(&target, contents).map_err(|e| failed(&e))
}
