//! Reads a whole schema in one `REPEATABLE READ READ ONLY` transaction, with a constant number
//! of round trips: every bulk query is sent at once and their rows are assembled into a model.

use std::time::Duration;

use tokio_postgres::{Client, Row};

use super::rows;
use crate::model::Database;

/// Session settings that make the server's deparsed text the same everywhere: an empty
/// `search_path` qualifies every name, and fixed date, time-zone and number formats keep
/// literal defaults and partition bounds stable (pg_dump sets the same).
const SESSION_SETTINGS: &str = "SET LOCAL search_path = '';
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL IntervalStyle = 'postgres';
SET LOCAL TimeZone = 'UTC';
SET LOCAL extra_float_digits = 3;
SET LOCAL bytea_output = 'hex';
SET LOCAL row_security = off;";

pub(crate) const SCHEMAS: &str = include_str!("sql/schemas.sql");
pub(crate) const RELATIONS: &str = include_str!("sql/relations.sql");
pub(crate) const COLUMNS: &str = include_str!("sql/columns.sql");
pub(crate) const CONSTRAINTS: &str = include_str!("sql/constraints.sql");
pub(crate) const INDEXES: &str = include_str!("sql/indexes.sql");
pub(crate) const POLICIES: &str = include_str!("sql/policies.sql");
pub(crate) const TRIGGERS: &str = include_str!("sql/triggers.sql");
pub(crate) const SEQUENCES: &str = include_str!("sql/sequences.sql");
pub(crate) const FUNCTIONS: &str = include_str!("sql/functions.sql");
pub(crate) const AGGREGATES: &str = include_str!("sql/aggregates.sql");
pub(crate) const TYPES: &str = include_str!("sql/types.sql");
pub(crate) const EXTENSIONS: &str = include_str!("sql/extensions.sql");

/// How long introspection may wait, for a lock and in all.
#[derive(Debug, Clone, Copy)]
pub struct IntrospectOptions {
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
}

impl Default for IntrospectOptions {
    fn default() -> Self {
        IntrospectOptions {
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(300),
        }
    }
}

/// The schema, and the facts about the server that go into a commit message, not the files.
#[derive(Debug, Clone)]
pub struct Introspection {
    pub database: Database,
    pub server_version: String,
}

#[derive(Debug, thiserror::Error)]
pub enum IntrospectError {
    #[error("reading the catalog ({query}) failed: {message}")]
    Query {
        query: &'static str,
        message: String,
    },
    #[error("the catalog returned something unexpected: {0}")]
    Unexpected(String),
}

impl IntrospectError {
    fn query(query: &'static str, error: tokio_postgres::Error) -> Self {
        let message = match error.as_db_error() {
            Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
            None => error.to_string(),
        };
        IntrospectError::Query { query, message }
    }
}

async fn run(client: &Client, name: &'static str, sql: &str) -> Result<Vec<Row>, IntrospectError> {
    client
        .query(sql, &[])
        .await
        .map_err(|e| IntrospectError::query(name, e))
}

/// Reads the schema of the database `client` is connected to.
pub async fn introspect(
    client: &Client,
    options: IntrospectOptions,
) -> Result<Introspection, IntrospectError> {
    let begin = format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET LOCAL lock_timeout = {};
SET LOCAL statement_timeout = {};
{SESSION_SETTINGS}",
        options.lock_timeout.as_millis(),
        options.statement_timeout.as_millis()
    );
    client
        .batch_execute(&begin)
        .await
        .map_err(|e| IntrospectError::query("begin", e))?;
    // All queries go out at once on the one connection (tokio-postgres pipelines them), so the
    // whole read costs about one round trip plus the server's work.
    let (version, fetched) = tokio::try_join!(
        async {
            run(
                client,
                "server_version",
                "SELECT pg_catalog.current_setting('server_version')",
            )
            .await
        },
        async {
            tokio::try_join!(
                run(client, "schemas.sql", SCHEMAS),
                run(client, "relations.sql", RELATIONS),
                run(client, "columns.sql", COLUMNS),
                run(client, "constraints.sql", CONSTRAINTS),
                run(client, "indexes.sql", INDEXES),
                run(client, "policies.sql", POLICIES),
                run(client, "triggers.sql", TRIGGERS),
                run(client, "sequences.sql", SEQUENCES),
                run(client, "functions.sql", FUNCTIONS),
                run(client, "aggregates.sql", AGGREGATES),
                run(client, "types.sql", TYPES),
                run(client, "extensions.sql", EXTENSIONS),
            )
        }
    )?;
    client
        .batch_execute("COMMIT")
        .await
        .map_err(|e| IntrospectError::query("commit", e))?;
    let server_version: String = version
        .first()
        .map(|row| row.get(0))
        .ok_or_else(|| IntrospectError::Unexpected("no server_version".into()))?;
    let (
        schemas,
        relations,
        columns,
        constraints,
        indexes,
        policies,
        triggers,
        sequences,
        functions,
        aggregates,
        types,
        extensions,
    ) = fetched;
    let database = rows::assemble(rows::Fetched {
        schemas,
        relations,
        columns,
        constraints,
        indexes,
        policies,
        triggers,
        sequences,
        functions,
        aggregates,
        types,
        extensions,
    })
    .map_err(IntrospectError::Unexpected)?;
    Ok(Introspection {
        database,
        server_version,
    })
}
