//! `schemagit show OBJECT`: one object's definition at a revision, for a person, or its stored
//! file with `--json`; read-only, and only the manifest and that file are read.

use clap::Args;

use super::{suggest, CliError, Context, ErrorKind, Outcome};
use crate::codec::{decode_manifest, decode_objects, ObjectName, MANIFEST};
use crate::report::show::write_object;

#[derive(Debug, Args)]
pub struct ShowArgs {
    /// The object, named as check and diff name it: `app.users`, `app.users.email`,
    /// `app.org_total(bigint)`
    #[arg(value_name = "OBJECT")]
    pub object: String,

    /// The revision whose snapshot holds it
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,
}

pub fn run(context: &mut Context, args: ShowArgs) -> Result<Outcome, CliError> {
    let folder = context.config.snapshot_folder.clone();
    let repo = context.repo()?;
    let no_snapshot = || {
        CliError::new(
            ErrorKind::Snapshot,
            format!("revision {} has no snapshot folder {folder}", args.rev),
        )
        .with_hint("choose the environment with --env, or a revision that has a snapshot (schemagit snapshot makes one)")
    };
    let files = repo
        .read_files(&args.rev, &folder, &[MANIFEST.to_string()])?
        .filter(|files| !files.is_empty())
        .ok_or_else(no_snapshot)?;
    let manifest = decode_manifest(&files)?;
    let name = ObjectName::parse(&args.object);
    let wanted = name.display();
    let owner = name.owner();
    let (entry, part) = match manifest
        .objects
        .iter()
        .find(|e| e.name == wanted || e.name == name.typed)
    {
        Some(entry) => (entry, None),
        None => {
            let part = name.parts.last().cloned();
            match manifest
                .objects
                .iter()
                .find(|e| Some(&e.name) == owner.as_ref())
            {
                Some(entry) => (entry, part),
                None => return Err(unknown(context, &name, &args.rev)),
            }
        }
    };
    let path = entry.path.clone();
    let files = repo
        .read_files(&args.rev, &folder, std::slice::from_ref(&path))?
        .unwrap_or_default();
    let Some(bytes) = files.get(&path) else {
        return Err(CliError::new(
            ErrorKind::Snapshot,
            format!(
                "{folder}/{path}: listed in the manifest at {} but missing",
                args.rev
            ),
        )
        .with_hint("run `schemagit verify --rev REV` to see every broken file"));
    };
    let db = decode_objects(&files)?;
    let shown_part = part.filter(|p| {
        db.tables.first().is_some_and(|t| {
            t.columns.iter().any(|c| &c.name == p)
                || t.constraints.iter().any(|c| &c.name == p)
                || t.indexes.iter().any(|i| &i.name == p)
                || t.policies.iter().any(|x| &x.name == p)
                || t.triggers.iter().any(|x| &x.name == p)
                || t.rules.iter().any(|x| &x.name == p)
        })
    });
    if entry.name != wanted && entry.name != name.typed && shown_part.is_none() {
        return Err(unknown(context, &name, &args.rev));
    }
    let written = if context.json {
        context.out.write_all(bytes)
    } else {
        write_object(context.out, &db, shown_part.as_deref())
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    Ok(Outcome::Clean)
}

fn unknown(context: &Context, name: &ObjectName, revision: &str) -> CliError {
    let error = CliError::new(
        ErrorKind::UnknownObject,
        format!(
            "no object {} in {} at {revision}",
            name.typed, context.config.snapshot_folder
        ),
    );
    match suggest::close_names(context, revision, name) {
        Some(hint) => error.with_hint(hint),
        None => error.with_hint("name it as check and diff do (`app.users`, `app.users.email`, `app.org_total(bigint)`), or choose the environment with --env and the revision with --rev"),
    }
}
