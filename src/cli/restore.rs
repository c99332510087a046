//! `schemagit restore SOURCE`: builds a schema into an empty database, the one the user
//! names. It refuses a database that holds anything, so it can never change or lose data.

use clap::Args;

use super::replay;
use super::source::{self, Found, Source};
use super::{runtime, CliError, Context, ErrorKind, Outcome};
use crate::catalog::connect;
use crate::model::{quote_ident, Database};
use crate::plan;

#[derive(Debug, Args)]
pub struct RestoreArgs {
    /// The schema to build: a git revision, a snapshot folder, a postgres:// URL, env:NAME or
    /// migrations[:DIR]
    #[arg(value_name = "SOURCE")]
    pub source: String,
}

pub fn run(context: &mut Context, args: RestoreArgs) -> Result<Outcome, CliError> {
    let root = context.root.clone();
    let wanted = match source::find(context, &Source::parse(&args.source, &root))? {
        Found::Schema(loaded) => loaded,
        Found::NoSnapshot { revision } => {
            return Err(CliError::new(
                ErrorKind::Snapshot,
                format!(
                    "revision {revision} has no snapshot folder {}",
                    context.config.snapshot_folder
                ),
            )
            .with_hint("choose the environment with --env, or a revision that has a snapshot"))
        }
    };
    let target = source::configured_target(context)?;
    let config = context.config.clone();
    let built = runtime()?.block_on(async {
        let client = connect::connect(&target).await?;
        let present = source::read_connected(&client, &target, &config).await?;
        if let Some(object) = holds_something(&present) {
            return Err(CliError::new(
                ErrorKind::Usage,
                format!(
                    "{} is not empty: it holds {object}",
                    target.display_redacted()
                ),
            )
            .with_hint("restore builds a schema into a new, empty database only: CREATE DATABASE one and name it with --database-url"));
        }
        // Roles belong to the server, not to the database: restore makes none of them.
        let missing = replay::missing_roles(&client, &plan::roles(&wanted.database)).await?;
        if !missing.is_empty() {
            let names: Vec<&str> = missing.iter().map(String::as_str).collect();
            let create: Vec<String> = names
                .iter()
                .map(|r| format!("CREATE ROLE {} NOLOGIN;", quote_ident(r)))
                .collect();
            return Err(CliError::new(
                ErrorKind::Usage,
                format!(
                    "{} lacks roles that {} names: {}",
                    target.display_redacted(),
                    wanted.label,
                    names.join(", ")
                ),
            )
            .with_hint(format!(
                "roles belong to the server, and restore creates none: create them first ({})",
                create.join(" ")
            )));
        }
        replay::build(&client, &target, &wanted.database, &config).await
    })?;
    let differs = replay::differing(&built.database, &wanted.database)?;
    if !differs.is_empty() {
        return Err(CliError::new(
            ErrorKind::Migrations,
            format!(
                "restored {} into {}, but {} differ from it",
                wanted.label,
                target.display_redacted(),
                replay::list(&differs)
            ),
        )
        .with_hint("`schemagit diff` between the source and the database shows how"));
    }
    let same = if built.kept_owners.is_empty() {
        "the same fingerprint".to_string()
    } else {
        format!(
            "the same but for the owner of {}, which PostgreSQL has no statement to change",
            built.kept_owners.join(", ")
        )
    };
    context.note(format!(
        "restored {} into {}: {}, {same}",
        wanted.label,
        target.display_redacted(),
        crate::report::changes::counted(wanted.database.object_count(), "object")
    ));
    Ok(Outcome::Clean)
}

/// The first object an empty database would not hold: anything beyond the `public` schema
/// and the `plpgsql` extension every new database has.
fn holds_something(db: &Database) -> Option<String> {
    let schema = db.schemas.iter().find(|s| s.name != "public");
    let extension = db.extensions.iter().find(|e| e.name != "plpgsql");
    schema
        .map(|s| format!("schema {}", s.name))
        .or_else(|| {
            db.tables
                .first()
                .map(|t| format!("table {}.{}", t.schema, t.name))
        })
        .or_else(|| {
            db.views
                .first()
                .map(|v| format!("view {}.{}", v.schema, v.name))
        })
        .or_else(|| {
            db.materialized_views
                .first()
                .map(|v| format!("materialized view {}.{}", v.schema, v.name))
        })
        .or_else(|| {
            db.sequences
                .first()
                .map(|s| format!("sequence {}.{}", s.schema, s.name))
        })
        .or_else(|| {
            db.functions
                .first()
                .map(|f| format!("function {}.{}", f.schema, f.name))
        })
        .or_else(|| {
            db.types
                .first()
                .map(|t| format!("type {}.{}", t.schema, t.name))
        })
        .or_else(|| extension.map(|e| format!("extension {}", e.name)))
        .or_else(|| {
            db.others
                .first()
                .map(|o| format!("{} {}", o.kind.replace('_', " "), o.name))
        })
}
