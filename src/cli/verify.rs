//! `schemagit verify [DIR]`: a snapshot folder's integrity, every failing file named.

use std::path::PathBuf;

use clap::Args;

use super::{source, CliError, Context, ErrorKind, Outcome};
use crate::codec;
use crate::folder::read_folder;
use crate::report::wire::{self, VerifyReport};

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The snapshot folder [default: snapshots/<env> in the work tree]
    #[arg(value_name = "DIR")]
    pub dir: Option<PathBuf>,

    /// Verify the snapshot committed at this revision instead of the work tree
    #[arg(long, value_name = "REV", conflicts_with = "dir")]
    pub rev: Option<String>,
}

pub fn run(context: &mut Context, args: VerifyArgs) -> Result<Outcome, CliError> {
    let folder = context.config.snapshot_folder.clone();
    let (label, files) = match (&args.rev, &args.dir) {
        (Some(rev), _) => {
            let files = source::committed_folder(context, rev)?;
            (format!("{rev}:{folder}"), files)
        }
        (None, Some(dir)) => (dir.display().to_string(), read_folder(dir)?),
        (None, None) => {
            let root = context.work_tree("verify without --rev")?;
            (folder.clone(), read_folder(&root.join(&folder))?)
        }
    };
    let problems = codec::verify(&files);
    let objects = codec::decode_manifest(&files)
        .map(|m| m.objects.len())
        .unwrap_or(0);
    let report = VerifyReport {
        folder: label.clone(),
        ok: problems.is_empty(),
        objects,
        problems: problems.iter().map(Into::into).collect(),
    };
    let written = if context.json {
        wire::write_json(context.out, &report)
    } else {
        wire::write_verify_human(context.out, &report)
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    if problems.is_empty() {
        return Ok(Outcome::Clean);
    }
    let noun = if problems.len() == 1 {
        "file fails"
    } else {
        "files fail"
    };
    Err(CliError::new(
        ErrorKind::Snapshot,
        format!("snapshot {label} is not intact: {} {noun} verification (listed above)", problems.len()),
    )
    .with_hint("a fresh `schemagit snapshot` rewrites the folder; `git checkout -- <folder>` restores the committed one"))
}
