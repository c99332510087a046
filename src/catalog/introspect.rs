//! Reads a whole schema in one `REPEATABLE READ READ ONLY` transaction, with a constant number
//! of round trips: every bulk query is sent at once and their rows are assembled into a model.

use std::time::Duration;

use futures_util::future::join_all;
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

const SCHEMAS: &str = include_str!("sql/schemas.sql");
const RELATIONS: &str = include_str!("sql/relations.sql");
const COLUMNS: &str = include_str!("sql/columns.sql");
const CONSTRAINTS: &str = include_str!("sql/constraints.sql");
const INDEXES: &str = include_str!("sql/indexes.sql");
const POLICIES: &str = include_str!("sql/policies.sql");
const TRIGGERS: &str = include_str!("sql/triggers.sql");
const RULES: &str = include_str!("sql/rules.sql");
const STATISTICS: &str = include_str!("sql/statistics.sql");
const SEQUENCES: &str = include_str!("sql/sequences.sql");
const FUNCTIONS: &str = include_str!("sql/functions.sql");
const AGGREGATES: &str = include_str!("sql/aggregates.sql");
const TYPES: &str = include_str!("sql/types.sql");
const EXTENSIONS: &str = include_str!("sql/extensions.sql");
const EXTENSION_MEMBERS: &str = include_str!("sql/extension_members.sql");
const COLLATIONS: &str = include_str!("sql/collations.sql");
const CASTS: &str = include_str!("sql/casts.sql");
const OPERATORS: &str = include_str!("sql/operators.sql");
const TEXT_SEARCH: &str = include_str!("sql/text_search.sql");
const EVENT_TRIGGERS: &str = include_str!("sql/event_triggers.sql");
const PUBLICATIONS: &str = include_str!("sql/publications.sql");
const PUBLICATIONS_15: &str = include_str!("sql/publications_15.sql");
const SUBSCRIPTIONS: &str = include_str!("sql/subscriptions.sql");
const SUBSCRIPTIONS_PUBLIC: &str = include_str!("sql/subscriptions_public.sql");
const FOREIGN_DATA: &str = include_str!("sql/foreign_data.sql");
const DEFAULT_PRIVILEGES: &str = include_str!("sql/default_privileges.sql");
const SETTINGS: &str = include_str!("sql/settings.sql");
const LANGUAGES: &str = include_str!("sql/languages.sql");

/// What decides which query variants to send: the server's version and whether this role may
/// read subscriptions' connection strings.
const SERVER_FACTS: &str = "SELECT pg_catalog.current_setting('server_version_num')::int,
       pg_catalog.current_setting('server_version'),
       pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')";

/// The oldest server the queries are written for.
const OLDEST_SUPPORTED: i32 = 130_000;

/// How many times a read that raced with DDL (an object dropped between two catalog lookups)
/// is started again.
const ATTEMPTS: usize = 3;

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
        /// The SQLSTATE, when the server sent one.
        code: Option<String>,
    },
    #[error("gave up waiting {waited:?} for a table lock (lock_timeout){holders}")]
    LockTimeout { waited: Duration, holders: String },
    #[error("PostgreSQL {version} is not supported: schemagit reads PostgreSQL 13 and later")]
    Unsupported { version: String },
    #[error("the catalog returned something unexpected: {0}")]
    Unexpected(String),
}

impl IntrospectError {
    fn query(query: &'static str, error: tokio_postgres::Error) -> Self {
        match error.as_db_error() {
            Some(db) => IntrospectError::Query {
                query,
                message: format!("{} (SQLSTATE {})", db.message(), db.code().code()),
                code: Some(db.code().code().to_string()),
            },
            None => IntrospectError::Query {
                query,
                message: error.to_string(),
                code: None,
            },
        }
    }

    fn code(&self) -> Option<&str> {
        match self {
            IntrospectError::Query { code, .. } => code.as_deref(),
            _ => None,
        }
    }

    /// An object vanished between two catalog lookups because of concurrent DDL: the deparse
    /// functions read the latest catalog, not the transaction's snapshot. Worth another try.
    fn raced_with_ddl(&self) -> bool {
        match self {
            IntrospectError::Query { message, code, .. } => {
                message.contains("cache lookup failed")
                    || matches!(code.as_deref(), Some("42P01" | "42704" | "42883" | "3F000"))
            }
            _ => false,
        }
    }
}

async fn run(client: &Client, name: &'static str, sql: &str) -> Result<Vec<Row>, IntrospectError> {
    client
        .query(sql, &[])
        .await
        .map_err(|e| IntrospectError::query(name, e))
}

/// Reads the schema of the database `client` is connected to, starting again when concurrent
/// DDL dropped an object mid-read, and naming who holds the lock when `lock_timeout` ran out.
pub async fn introspect(
    client: &Client,
    options: IntrospectOptions,
) -> Result<Introspection, IntrospectError> {
    let mut attempt = 1;
    loop {
        match read_once(client, options).await {
            Ok(introspection) => return Ok(introspection),
            Err(error) => {
                // The transaction is aborted; end it before anything else is sent.
                let _ = client.batch_execute("ROLLBACK").await;
                if error.code() == Some("55P03") {
                    return Err(IntrospectError::LockTimeout {
                        waited: options.lock_timeout,
                        holders: lock_holders(client).await,
                    });
                }
                if !error.raced_with_ddl() || attempt == ATTEMPTS {
                    return Err(error);
                }
                attempt += 1;
            }
        }
    }
}

/// Which sessions hold an ACCESS EXCLUSIVE lock on a table, for the lock-timeout message.
async fn lock_holders(client: &Client) -> String {
    const HOLDERS: &str = include_str!("sql/lock_holders.sql");
    let Ok(rows) = client.query(HOLDERS, &[]).await else {
        return String::new();
    };
    let holders: Vec<String> = rows
        .iter()
        .map(|row| {
            let table: Option<String> = row.get(0);
            let pid: i32 = row.get(1);
            let user: Option<String> = row.get(2);
            let application: Option<String> = row.get(3);
            let query: Option<String> = row.get(4);
            format!(
                "{} is locked by pid {pid} ({}, {}): {}",
                table.unwrap_or_default(),
                user.unwrap_or_default(),
                application
                    .filter(|a| !a.is_empty())
                    .unwrap_or_else(|| "no application_name".into()),
                query.unwrap_or_default()
            )
        })
        .collect();
    if holders.is_empty() {
        String::new()
    } else {
        format!(": {}", holders.join("; "))
    }
}

async fn read_once(
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
    let facts = run(client, "server facts", SERVER_FACTS).await?;
    let row = facts
        .first()
        .ok_or_else(|| IntrospectError::Unexpected("no server facts".into()))?;
    let version_num: i32 = row.get(0);
    let server_version: String = row.get(1);
    let reads_conninfo: bool = row.get(2);
    if version_num < OLDEST_SUPPORTED {
        return Err(IntrospectError::Unsupported {
            version: server_version,
        });
    }
    let publications = if version_num >= 150_000 {
        ("publications_15.sql", PUBLICATIONS_15)
    } else {
        ("publications.sql", PUBLICATIONS)
    };
    let subscriptions = if reads_conninfo {
        ("subscriptions.sql", SUBSCRIPTIONS)
    } else {
        ("subscriptions_public.sql", SUBSCRIPTIONS_PUBLIC)
    };
    let queries: [(&'static str, &str); 26] = [
        ("schemas.sql", SCHEMAS),
        ("relations.sql", RELATIONS),
        ("columns.sql", COLUMNS),
        ("constraints.sql", CONSTRAINTS),
        ("indexes.sql", INDEXES),
        ("policies.sql", POLICIES),
        ("triggers.sql", TRIGGERS),
        ("rules.sql", RULES),
        ("statistics.sql", STATISTICS),
        ("sequences.sql", SEQUENCES),
        ("functions.sql", FUNCTIONS),
        ("aggregates.sql", AGGREGATES),
        ("types.sql", TYPES),
        ("extensions.sql", EXTENSIONS),
        ("extension_members.sql", EXTENSION_MEMBERS),
        ("collations.sql", COLLATIONS),
        ("casts.sql", CASTS),
        ("operators.sql", OPERATORS),
        ("text_search.sql", TEXT_SEARCH),
        ("event_triggers.sql", EVENT_TRIGGERS),
        publications,
        subscriptions,
        ("foreign_data.sql", FOREIGN_DATA),
        ("default_privileges.sql", DEFAULT_PRIVILEGES),
        ("settings.sql", SETTINGS),
        ("languages.sql", LANGUAGES),
    ];
    // All queries go out at once on the one connection (tokio-postgres pipelines them), so the
    // whole read costs about two round trips plus the server's work. Every one is awaited:
    // after the first failure the rest fail with "transaction is aborted", and the first
    // failure is the one worth reporting.
    let results = join_all(queries.iter().map(|(name, sql)| run(client, name, sql))).await;
    let mut fetched = Vec::with_capacity(results.len());
    let mut aborted = None;
    for result in results {
        match result {
            Ok(rows) => fetched.push(rows),
            Err(error) if error.code() == Some("25P02") => aborted = aborted.or(Some(error)),
            Err(error) => return Err(error),
        }
    }
    if let Some(error) = aborted {
        return Err(error);
    }
    client
        .batch_execute("COMMIT")
        .await
        .map_err(|e| IntrospectError::query("commit", e))?;
    let [schemas, relations, columns, constraints, indexes, policies, triggers, rules, statistics, sequences, functions, aggregates, types, extensions, extension_members, collations, casts, operators, text_search, event_triggers, publications, subscriptions, foreign_data, default_privileges, settings, languages] =
        <[Vec<Row>; 26]>::try_from(fetched)
            .map_err(|_| IntrospectError::Unexpected("a catalog query returned no result".into()))?;
    let others = [
        collations,
        casts,
        operators,
        text_search,
        event_triggers,
        publications,
        subscriptions,
        foreign_data,
        default_privileges,
        settings,
        languages,
    ]
    .concat();
    let database = rows::assemble(rows::Fetched {
        schemas,
        relations,
        columns,
        constraints,
        indexes,
        policies,
        triggers,
        rules,
        statistics,
        sequences,
        functions,
        aggregates,
        types,
        extensions,
        extension_members,
        others,
    })
    .map_err(IntrospectError::Unexpected)?;
    Ok(Introspection {
        database,
        server_version,
    })
}
