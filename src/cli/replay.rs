//! Running plans: into a throwaway PostgreSQL to prove them (`plan --verify`), and into an
//! empty database the user names (`restore`). Nothing here runs a plan against a database
//! that holds anything.

use std::collections::BTreeSet;

use tokio_postgres::Client;

use super::source::read_connected;
use super::{runtime, CliError, ErrorKind};
use crate::catalog::connect::{self, ConnectOptions};
use crate::codec;
use crate::config::Config;
use crate::ephemeral::EphemeralPostgres;
use crate::model::{quote_ident, Database};
use crate::plan::{self, Options, Plan};

/// Runs a plan's statements in order on one connection: each transactional run in one
/// transaction, rolled back whole when a statement fails.
pub async fn apply(client: &Client, plan: &Plan) -> Result<(), CliError> {
    for (transactional, statements) in plan.groups() {
        if transactional {
            run(client, "BEGIN").await?;
        }
        for statement in statements {
            if let Err(error) = run(client, &statement.sql).await {
                if transactional {
                    let _ = client.batch_execute("ROLLBACK").await;
                }
                return Err(error);
            }
        }
        if transactional {
            run(client, "COMMIT").await?;
        }
    }
    Ok(())
}

async fn run(client: &Client, sql: &str) -> Result<(), CliError> {
    client.batch_execute(sql).await.map_err(|error| {
        let reason = error
            .as_db_error()
            .map_or_else(|| error.to_string(), |db| db.message().to_string());
        CliError::new(
            ErrorKind::Migrations,
            format!("the plan failed at `{}`: {reason}", first_line(sql)),
        )
    })
}

fn first_line(sql: &str) -> String {
    let line = sql.lines().next().unwrap_or_default();
    if line.len() < sql.len() {
        format!("{line} …")
    } else {
        line.to_string()
    }
}

/// The object files that differ between two schemas, by path: what a fingerprint mismatch
/// comes from.
pub fn differing(a: &Database, b: &Database) -> Result<Vec<String>, CliError> {
    let (a, b) = (
        codec::encode(a.clone())?.manifest,
        codec::encode(b.clone())?.manifest,
    );
    let entries = |m: &codec::Manifest| -> BTreeSet<(String, String)> {
        m.objects
            .iter()
            .map(|e| (e.path.clone(), e.blake3.clone()))
            .collect()
    };
    let (a, b) = (entries(&a), entries(&b));
    let paths: BTreeSet<String> = a
        .symmetric_difference(&b)
        .map(|(path, _)| path.clone())
        .collect();
    Ok(paths.into_iter().collect())
}

/// "3 objects still differ: a, b, c" for an error line, the list cut after ten.
pub fn list(paths: &[String]) -> String {
    let shown: Vec<&str> = paths.iter().take(10).map(String::as_str).collect();
    let more = paths.len().saturating_sub(shown.len());
    let tail = if more > 0 {
        format!(" and {more} more")
    } else {
        String::new()
    };
    format!(
        "{}: {}{tail}",
        crate::report::changes::counted(paths.len(), "object"),
        shown.join(", ")
    )
}

/// The roles in `roles` that the server `client` is connected to does not have.
pub async fn missing_roles(
    client: &Client,
    roles: &BTreeSet<String>,
) -> Result<BTreeSet<String>, CliError> {
    let existing: BTreeSet<String> = client
        .query("SELECT rolname::text FROM pg_roles", &[])
        .await
        .map_err(|e| CliError::new(ErrorKind::Migrations, format!("cannot list roles: {e}")))?
        .iter()
        .map(|row| row.get(0))
        .collect();
    Ok(roles.difference(&existing).cloned().collect())
}

/// Creates every role in `roles` that the server does not have (cluster-wide; only ever run
/// on a throwaway server).
async fn create_roles(client: &Client, roles: &BTreeSet<String>) -> Result<(), CliError> {
    for role in missing_roles(client, roles).await? {
        run(
            client,
            &format!("CREATE ROLE {} NOLOGIN", quote_ident(&role)),
        )
        .await?;
    }
    Ok(())
}

/// A schema built into an empty database.
pub struct Built {
    /// What the database holds now, read back.
    pub database: Database,
    /// What the empty database held before: its `public` schema and `plpgsql`.
    pub empty: Database,
    /// The extensions the empty database came with whose owner differs from the target's
    /// (see [`adopt_extension_owners`]).
    pub kept_owners: Vec<String>,
}

/// Builds `target` into the empty database `client` is connected to: reads what the empty
/// database already holds (its `public` schema, `plpgsql`), applies the plan from that to
/// `target`, and reads the result back.
pub async fn build(
    client: &Client,
    at: &ConnectOptions,
    target: &Database,
    config: &Config,
) -> Result<Built, CliError> {
    let empty = read_connected(client, at, config).await?;
    apply(client, &plan::plan(&empty, target, Options::default())).await?;
    let mut database = read_connected(client, at, config).await?;
    let kept_owners = adopt_extension_owners(&mut database, &empty, target);
    Ok(Built {
        database,
        empty,
        kept_owners,
    })
}

/// The extensions a new database comes with (`plpgsql`) are owned by the server's bootstrap
/// superuser, and PostgreSQL has no statement that gives an extension another owner: where
/// `read` still holds such an extension, it takes the owner `target` gives it, so only what a
/// plan can change is compared. Returns `plpgsql (owned by postgres here)` for each one whose
/// owner differed, for a note.
pub fn adopt_extension_owners(
    read: &mut Database,
    empty: &Database,
    target: &Database,
) -> Vec<String> {
    let mut kept = Vec::new();
    for extension in &mut read.extensions {
        let came_with = empty.extensions.iter().any(|e| e.name == extension.name);
        let wanted = target.extensions.iter().find(|e| e.name == extension.name);
        if let (true, Some(wanted)) = (came_with, wanted) {
            if wanted.owner != extension.owner {
                kept.push(format!(
                    "{} (owned by {} here)",
                    extension.name, extension.owner
                ));
                extension.owner = wanted.owner.clone();
            }
        }
    }
    kept
}

/// What a replay proved, or where it stopped.
pub struct Proof {
    /// Objects that differ from the old side after building it from nothing.
    pub build_differs: Vec<String>,
    /// Objects that differ from the new side after applying the plan.
    pub plan_differs: Vec<String>,
}

/// Proves `plan` in a throwaway PostgreSQL: builds `old` from nothing, applies the plan, and
/// reads the result, which must be `new` object for object. The server is removed whatever
/// happens.
pub fn prove(
    old: &Database,
    new: &Database,
    plan: &Plan,
    config: &Config,
) -> Result<Proof, CliError> {
    let server = EphemeralPostgres::start()?;
    let result = runtime()?.block_on(async {
        let admin = ConnectOptions::parse(&server.url("postgres"))?;
        let client = connect::connect(&admin).await?;
        let mut names = plan::roles(old);
        names.extend(plan::roles(new));
        create_roles(&client, &names).await?;
        run(&client, "CREATE DATABASE schemagit_plan").await?;
        drop(client);
        let at = ConnectOptions::parse(&server.url("schemagit_plan"))?;
        let client = connect::connect(&at).await?;
        let built = build(&client, &at, old, config).await?;
        let build_differs = differing(&built.database, old)?;
        if !build_differs.is_empty() {
            return Ok(Proof {
                build_differs,
                plan_differs: Vec::new(),
            });
        }
        apply(&client, plan).await?;
        let mut after = read_connected(&client, &at, config).await?;
        adopt_extension_owners(&mut after, &built.empty, new);
        Ok::<_, CliError>(Proof {
            build_differs,
            plan_differs: differing(&after, new)?,
        })
    });
    server.stop()?;
    result
}
