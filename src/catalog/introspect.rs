//! Reads a whole schema in one `REPEATABLE READ READ ONLY` transaction, as one state the
//! database was really in.
//!
//! Two things make that harder than it looks. PostgreSQL's deparse functions
//! (`pg_get_functiondef`, `pg_get_viewdef`, `pg_get_expr`, …) read the latest catalog, not the
//! transaction's snapshot, so DDL committed while the read runs could mix two states: a stamp of
//! the catalogs' row versions is taken inside the read and again afterwards, and the read starts
//! over when they differ. And deparsing a view takes `AccessShareLock` on it and on every
//! relation its query names, held to the end of the transaction: each query therefore runs
//! inside a savepoint that is rolled back once its rows have arrived (which releases its locks),
//! and views are deparsed in batches of bounded lock count, so a read never holds more than
//! about `max_locks_per_transaction` relation locks at once whatever the schema's size.
//!
//! The bulk queries are spread over a few sessions (`connections` in `schemagit.toml`) that
//! share the first session's exported snapshot (`pg_export_snapshot()` / `SET TRANSACTION
//! SNAPSHOT`), so the server's cores work in parallel on one consistent view; a server or
//! pooler that allows only one session is read over that one. On each session the queries are
//! prepared, then executed, pipelined: the whole read costs a few round trips plus the
//! server's work.

use std::borrow::Cow;
use std::time::Duration;

use futures_util::future::{join_all, BoxFuture, FutureExt};
use futures_util::TryStreamExt;
use tokio_postgres::types::ToSql;
use tokio_postgres::{Client, Row, Statement};

use super::connect::{connect_more, ConnectOptions};
use super::redact::redact_sql;
use super::rows::{self, Collected, Fetched, Part};
use crate::model::Database;

/// Session settings that make the server's deparsed text the same everywhere: an empty
/// `search_path` qualifies every name, and fixed date, time-zone and number formats keep
/// literal defaults and partition bounds stable (pg_dump sets the same). The read's
/// parallelism is its sessions: the server starts no parallel workers for its queries, so a
/// read takes no more backends than `connections` says (on two cores, workers beside three
/// sessions cost a 10,000-table read some 0.1 s more than they gain).
const SESSION_SETTINGS: &str = "SET LOCAL search_path = '';
SET LOCAL max_parallel_workers_per_gather = 0;
SET LOCAL DateStyle = 'ISO, YMD';
SET LOCAL IntervalStyle = 'postgres';
SET LOCAL TimeZone = 'UTC';
SET LOCAL extra_float_digits = 3;
SET LOCAL bytea_output = 'hex';
SET LOCAL row_security = off;";

/// The savepoint every query runs under; rolling back to it releases the locks the query took.
const SAVEPOINT: &str = "schemagit_read";

/// What decides which query variants to send and how views are batched: the server's version,
/// whether this role may read subscriptions' connection strings, and the lock table's share
/// per transaction.
const SERVER_FACTS: &str =
    "SELECT pg_catalog.current_setting('server_version_num')::int AS version_num,
       pg_catalog.current_setting('server_version') AS version,
       pg_catalog.has_column_privilege('pg_catalog.pg_subscription', 'subconninfo', 'SELECT')
         AS reads_conninfo,
       pg_catalog.current_setting('max_locks_per_transaction')::int AS locks_per_transaction";

/// The first session's snapshot, for the others to read in.
const EXPORT_SNAPSHOT: &str = "SELECT pg_catalog.pg_export_snapshot()";

/// The transactions a snapshot sees as running or not yet started: inside the read, those
/// of the read's snapshot; after it, those of a new one.
const XID_SNAPSHOT: &str = "SELECT pg_catalog.pg_current_snapshot()::text";

const CATALOG_STAMP: &str = include_str!("sql/catalog_stamp.sql");
const CATALOG_STAMP_15: &str = include_str!("sql/catalog_stamp_15.sql");
const VIEW_LOCK_WEIGHTS: &str = include_str!("sql/view_lock_weights.sql");
const VIEW_DEFINITIONS: &str = include_str!("sql/view_definitions.sql");

/// Every bulk query, the part of the model its rows feed, and from which server version
/// (`server_version_num`) it applies; a later entry for the same part replaces an earlier one.
const QUERIES: &[(Part, &str, &str, i32)] = &[
    (
        Part::Schemas,
        "schemas.sql",
        include_str!("sql/schemas.sql"),
        0,
    ),
    (
        Part::Relations,
        "relations.sql",
        include_str!("sql/relations.sql"),
        0,
    ),
    (
        Part::Columns,
        "columns.sql",
        include_str!("sql/columns.sql"),
        0,
    ),
    (
        Part::Constraints,
        "constraints.sql",
        include_str!("sql/constraints.sql"),
        0,
    ),
    (
        Part::Indexes,
        "indexes.sql",
        include_str!("sql/indexes.sql"),
        0,
    ),
    (
        Part::Policies,
        "policies.sql",
        include_str!("sql/policies.sql"),
        0,
    ),
    (
        Part::Triggers,
        "triggers.sql",
        include_str!("sql/triggers.sql"),
        0,
    ),
    (Part::Rules, "rules.sql", include_str!("sql/rules.sql"), 0),
    (
        Part::Statistics,
        "statistics.sql",
        include_str!("sql/statistics.sql"),
        0,
    ),
    (
        Part::Sequences,
        "sequences.sql",
        include_str!("sql/sequences.sql"),
        0,
    ),
    (
        Part::Functions,
        "functions.sql",
        include_str!("sql/functions.sql"),
        0,
    ),
    (
        Part::Aggregates,
        "aggregates.sql",
        include_str!("sql/aggregates.sql"),
        0,
    ),
    (Part::Types, "types.sql", include_str!("sql/types.sql"), 0),
    (
        Part::Extensions,
        "extensions.sql",
        include_str!("sql/extensions.sql"),
        0,
    ),
    (
        Part::ExtensionMembers,
        "extension_members.sql",
        include_str!("sql/extension_members.sql"),
        0,
    ),
    (
        Part::Collations,
        "collations.sql",
        include_str!("sql/collations.sql"),
        0,
    ),
    (Part::Casts, "casts.sql", include_str!("sql/casts.sql"), 0),
    (
        Part::Operators,
        "operators.sql",
        include_str!("sql/operators.sql"),
        0,
    ),
    (
        Part::TextSearch,
        "text_search.sql",
        include_str!("sql/text_search.sql"),
        0,
    ),
    (
        Part::EventTriggers,
        "event_triggers.sql",
        include_str!("sql/event_triggers.sql"),
        0,
    ),
    (
        Part::Publications,
        "publications.sql",
        include_str!("sql/publications.sql"),
        0,
    ),
    (
        Part::Publications,
        "publications_15.sql",
        include_str!("sql/publications_15.sql"),
        150_000,
    ),
    (
        Part::ForeignData,
        "foreign_data.sql",
        include_str!("sql/foreign_data.sql"),
        0,
    ),
    (
        Part::DefaultPrivileges,
        "default_privileges.sql",
        include_str!("sql/default_privileges.sql"),
        0,
    ),
    (
        Part::Settings,
        "settings.sql",
        include_str!("sql/settings.sql"),
        0,
    ),
    (
        Part::Languages,
        "languages.sql",
        include_str!("sql/languages.sql"),
        0,
    ),
];

/// Subscriptions: with the connection string when the role may read it, else without.
const SUBSCRIPTIONS: (&str, &str) = ("subscriptions.sql", include_str!("sql/subscriptions.sql"));
const SUBSCRIPTIONS_PUBLIC: (&str, &str) = (
    "subscriptions_public.sql",
    include_str!("sql/subscriptions_public.sql"),
);

/// The oldest server the queries are written for.
const OLDEST_SUPPORTED: i32 = 130_000;

/// How many times a read is started again when DDL committed while it ran, and how long it
/// waits before the first retry (doubling after each).
const ATTEMPTS: u32 = 5;
const FIRST_BACKOFF: Duration = Duration::from_millis(50);

/// Relation locks a view batch's own query takes on catalogs, on top of the views' own.
const BATCH_OVERHEAD: i64 = 8;

/// How long introspection may wait, for a lock and in all, and over how many sessions it reads.
#[derive(Debug, Clone, Copy)]
pub struct IntrospectOptions {
    pub lock_timeout: Duration,
    pub statement_timeout: Duration,
    /// The most sessions one read uses (at least 1): the bulk queries are spread over them, all
    /// in the one snapshot the first session exports, so the server's cores share the work.
    pub connections: usize,
}

/// Sessions per read unless configured: the server's deparse work spread over a few cores,
/// without crowding a small server's connection slots.
pub const DEFAULT_CONNECTIONS: usize = 3;

impl Default for IntrospectOptions {
    fn default() -> Self {
        IntrospectOptions {
            lock_timeout: Duration::from_secs(5),
            statement_timeout: Duration::from_secs(300),
            connections: DEFAULT_CONNECTIONS,
        }
    }
}

/// What a read tells its watcher as it goes (a progress bar): the number of queries it is about
/// to run, again for each read when DDL makes it start over, then each query whose rows arrived.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadStep {
    Started { queries: usize },
    Finished,
}

/// The schema, and the facts about the server that go into a commit message, not the files.
#[derive(Debug, Clone)]
pub struct Introspection {
    pub database: Database,
    pub server_version: String,
    /// How many reads it took: more than one when DDL committed during a read.
    pub attempts: u32,
    /// How many sessions the last read shared its snapshot over.
    pub sessions: usize,
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
    #[error(
        "DDL kept changing the schema while it was read: {attempts} reads in a row saw the \
         catalog change before they finished, so none is a state the database was in"
    )]
    KeptChanging { attempts: u32 },
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

    fn is_lock_timeout(&self) -> bool {
        matches!(self, IntrospectError::Query { code: Some(code), .. } if code == "55P03")
    }
}

/// A stamp of the catalogs: one line per catalog (its name, row count and row-version sum),
/// taken with the statements for `version_num`, which the stamp after the read reuses.
#[derive(Debug, PartialEq, Eq)]
struct Stamp {
    version_num: i32,
    lines: Vec<StampLine>,
}

type StampLine = (String, i64, Option<String>);

/// What says whether a read is one state of the schema, whether or not the read went on to
/// succeed.
enum Proof<'c> {
    /// No transaction ended between the read's snapshot and the end of the read: the catalog
    /// was the snapshot's throughout.
    Quiet,
    /// The stamp of the read's snapshot, for one taken after the read to equal.
    Stamped(Stamped<'c>),
}

/// The stamp of a read's snapshot, and the sessions that read in it.
struct Stamped<'c> {
    stamp: Stamp,
    sessions: Vec<&'c Client>,
    /// The read's snapshot as `pg_current_snapshot()` gives it.
    xids: String,
}

/// Whether no transaction has ended since the snapshot `before` (`xmin:xmax:xip`) was taken,
/// judging by `after`, taken later: then none has committed DDL, which takes a transaction id.
/// A transaction that ends was either running in `before` (listed in its xip), and is then
/// gone from `after`'s, or started since, and then moves `after`'s xmax (one past the latest
/// transaction that ended) past `before`'s.
fn no_transaction_ended(before: &str, after: &str) -> bool {
    let running = |snapshot| str::split_once(snapshot, ':').map(|(_, rest)| rest);
    matches!((running(before), running(after)), (Some(a), Some(b)) if a == b)
}

/// Reads the schema of the database `client` is connected to. With `more` (where further
/// sessions to the same database can connect) and more than one connection allowed, the bulk
/// queries are spread over several sessions that share the first one's snapshot. A read during
/// which DDL committed (whatever the symptom: a mixed state, "cache lookup failed", an object
/// gone between two lookups) starts again, a bounded number of times with a short back-off.
pub async fn introspect(
    client: &Client,
    more: Option<&ConnectOptions>,
    options: IntrospectOptions,
    watch: &(dyn Fn(ReadStep) + Sync),
) -> Result<Introspection, IntrospectError> {
    let helpers = match more {
        Some(target) => connect_more(target, options.connections.saturating_sub(1)).await,
        None => Vec::new(),
    };
    let mut backoff = FIRST_BACKOFF;
    for attempt in 1..=ATTEMPTS {
        // What judges the read, once it got that far.
        let mut proof = None;
        let outcome = read_rows(client, &helpers, options, watch, &mut proof).await;
        // Whatever happened, every transaction ends before anything else is sent.
        for session in std::iter::once(client).chain(&helpers) {
            let _ = session.batch_execute("ROLLBACK").await;
        }
        if let Err(error) = &outcome {
            if error.is_lock_timeout() {
                return Err(IntrospectError::LockTimeout {
                    waited: options.lock_timeout,
                    holders: lock_holders(client).await,
                });
            }
        }
        // The rows are put together on a thread of their own while the server takes the
        // stamp that judges them.
        let (outcome, assembling) = match outcome {
            Ok(read) => {
                let fetched = read.fetched;
                let assembling = std::thread::spawn(move || rows::assemble(fetched));
                (Ok((read.server_version, read.sessions)), Some(assembling))
            }
            Err(error) => (Err(error), None),
        };
        // Nothing can have changed when no transaction ended since the read's snapshot, as
        // on a quiet server; otherwise a stamp taken now must equal the read's.
        let unchanged = match &proof {
            Some(Proof::Quiet) => true,
            Some(Proof::Stamped(before)) => {
                let after = client
                    .query_one(XID_SNAPSHOT, &[])
                    .await
                    .map_err(|e| IntrospectError::query("snapshot", e))?;
                no_transaction_ended(&before.xids, after.get(0))
                    || stamp_now(&before.sessions, options, before.stamp.version_num).await?
                        == before.stamp
            }
            None => false,
        };
        let assembled = assembling.map(|thread| thread.join().expect("assembling rows panicked"));
        if unchanged {
            let (server_version, sessions) = outcome?;
            let database = assembled
                .expect("a read that succeeded is being assembled")
                .map_err(IntrospectError::Unexpected)?;
            return Ok(Introspection {
                database,
                server_version,
                attempts: attempt,
                sessions,
            });
        }
        if proof.is_none() {
            // The read failed before it could be judged: nothing says DDL caused it.
            outcome?;
        }
        if attempt < ATTEMPTS {
            tokio::time::sleep(backoff).await;
            backoff *= 2;
        }
    }
    Err(IntrospectError::KeptChanging { attempts: ATTEMPTS })
}

/// The catalog stamp as of now, its statements dealt out over `sessions` (those that read in
/// the read's snapshot, so on the same server), each session in a transaction of its own that
/// starts after the read ended.
async fn stamp_now(
    sessions: &[&Client],
    options: IntrospectOptions,
    version_num: i32,
) -> Result<Stamp, IntrospectError> {
    let begin = format!("{}\nSAVEPOINT {SAVEPOINT};", begin(options));
    stamp_dealt(sessions, Some(&begin), version_num).await
}

/// The catalog stamp, its statements dealt out over `sessions`: each in a transaction of its
/// own that `begin` starts, or, without it, in the transaction each is in, which has the
/// savepoint.
async fn stamp_dealt(
    sessions: &[&Client],
    begin: Option<&str>,
    version_num: i32,
) -> Result<Stamp, IntrospectError> {
    let statements: Vec<&str> = stamp_statements(version_num).collect();
    let shares = join_all(sessions.iter().enumerate().map(|(place, session)| {
        let share = statements.iter().skip(place).step_by(sessions.len());
        async move {
            match begin {
                Some(begin) => stamp_in_transaction(session, begin, share.copied()).await,
                None => stamp_lines(session, share.copied()).await,
            }
        }
    }))
    .await;
    let shares = shares.into_iter().collect::<Result<Vec<_>, _>>()?;
    let lines = dealt_back(shares, statements.len())
        .into_iter()
        .flatten()
        .collect();
    Ok(Stamp { version_num, lines })
}

/// The results of `count` statements dealt out round-robin (statement i to share i modulo the
/// shares, each share in its statements' order), back in statement order.
fn dealt_back<T>(shares: Vec<Vec<T>>, count: usize) -> Vec<T> {
    let mut shares: Vec<_> = shares.into_iter().map(Vec::into_iter).collect();
    let dealt = shares.len();
    (0..count)
        .map(|i| shares[i % dealt].next().expect("one result per statement"))
        .collect()
}

/// The statements of the catalog stamp for a server of `version_num`.
fn stamp_statements(version_num: i32) -> impl Iterator<Item = &'static str> {
    let extra = (version_num >= 150_000).then_some(CATALOG_STAMP_15);
    CATALOG_STAMP
        .split(";\n")
        .chain(extra)
        .map(|statement| statement.trim().trim_end_matches(';'))
        .filter(|statement| statement.lines().any(|line| !line.starts_with("--")))
}

/// The lines of the stamp `statements` in a transaction of their own, which `begin` starts.
async fn stamp_in_transaction(
    session: &Client,
    begin: &str,
    statements: impl Iterator<Item = &str>,
) -> Result<Vec<Vec<StampLine>>, IntrospectError> {
    session
        .batch_execute(begin)
        .await
        .map_err(|e| IntrospectError::query("begin", e))?;
    let lines = stamp_lines(session, statements).await;
    let _ = session.batch_execute("ROLLBACK").await;
    lines
}

/// The lines of the stamp `statements`, each statement's own, taken inside a transaction that
/// has the savepoint: one statement at a time, each rolled back to the savepoint so that no
/// more than one statement's locks are held.
async fn stamp_lines(
    client: &Client,
    statements: impl Iterator<Item = &str>,
) -> Result<Vec<Vec<StampLine>>, IntrospectError> {
    let rollback = format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}");
    let mut lines = Vec::new();
    for statement in statements {
        let rows = client
            .query(statement, &[])
            .await
            .map_err(|e| IntrospectError::query("catalog_stamp.sql", e))?;
        client
            .batch_execute(&rollback)
            .await
            .map_err(|e| IntrospectError::query("savepoint", e))?;
        lines.push(
            rows.iter()
                .map(|row| (row.get(0), row.get(1), row.get(2)))
                .collect(),
        );
    }
    Ok(lines)
}

fn begin(options: IntrospectOptions) -> String {
    format!(
        "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY;
SET LOCAL lock_timeout = {};
SET LOCAL statement_timeout = {};
{SESSION_SETTINGS}",
        options.lock_timeout.as_millis(),
        options.statement_timeout.as_millis()
    )
}

/// Which sessions hold an ACCESS EXCLUSIVE lock on a table, for the lock-timeout message. Their
/// queries are shown with every literal blanked: one may be `ALTER ROLE … PASSWORD '…'`.
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
                shorten(&redact_sql(&query.unwrap_or_default()), 100)
            )
        })
        .collect();
    if holders.is_empty() {
        String::new()
    } else {
        format!(": {}", holders.join("; "))
    }
}

/// `text` with runs of white space as one space, cut to `limit` characters.
fn shorten(text: &str, limit: usize) -> String {
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match flat.char_indices().nth(limit) {
        Some((end, _)) => format!("{}…", &flat[..end]),
        None => flat,
    }
}

/// One query of the read: what it feeds, its name in messages, its text and its parameter.
struct Job {
    part: Part,
    name: &'static str,
    sql: Cow<'static, str>,
    oids: Option<Vec<u32>>,
}

/// About how much server work the catalog stamp is, in the units of [`Job::cost`].
const STAMP_COST: u64 = 12;

impl Job {
    /// About how much server work the job is, relative to the others, for spreading the jobs
    /// over sessions: measured on a 10,000-table schema, where columns, indexes and
    /// constraints are most of the read, and stable in proportion across schemas.
    fn cost(&self) -> u64 {
        match self.part {
            Part::Columns => 20,
            Part::Indexes => 12,
            Part::Constraints => 8,
            Part::Relations => 2,
            Part::Sequences | Part::Policies | Part::Triggers | Part::Types => 1,
            Part::ViewDefinitions => self.oids.as_ref().map_or(0, |oids| oids.len() as u64) / 25,
            _ => 0,
        }
    }
}

/// What one read fetched.
struct Read {
    fetched: Fetched,
    server_version: String,
    sessions: usize,
}

/// One read, in repeatable-read transactions under the savepoint: `client`'s and those of the
/// `helpers` that could import its snapshot. `proof` receives what judges the read, so that a
/// read that fails can still be judged by it: on several sessions, once the queries are done,
/// the last session leaves the read and looks whether any transaction ended since the read's
/// snapshot; only if one did do the others take the stamp of the snapshot, still in it. On
/// one session, the stamp is taken first.
async fn read_rows<'c>(
    client: &'c Client,
    helpers: &'c [Client],
    options: IntrospectOptions,
    watch: &(dyn Fn(ReadStep) + Sync),
    proof: &mut Option<Proof<'c>>,
) -> Result<Read, IntrospectError> {
    let begin = begin(options);
    client
        .batch_execute(&begin)
        .await
        .map_err(|e| IntrospectError::query("begin", e))?;
    // The first query fixes the transaction's snapshot: the stamp below is of that snapshot,
    // and the helpers import it. A server that cannot export one is read by one session.
    let mut exported = None;
    if !helpers.is_empty() {
        match client.query_one(EXPORT_SNAPSHOT, &[]).await {
            Ok(row) => exported = Some(row.get::<_, String>(0)),
            Err(_) => {
                let _ = client.batch_execute("ROLLBACK").await;
                client
                    .batch_execute(&begin)
                    .await
                    .map_err(|e| IntrospectError::query("begin", e))?;
            }
        }
    }
    client
        .batch_execute(&format!("SAVEPOINT {SAVEPOINT};"))
        .await
        .map_err(|e| IntrospectError::query("savepoint", e))?;
    let rollback = format!("ROLLBACK TO SAVEPOINT {SAVEPOINT}");
    let facts = client
        .query_one(SERVER_FACTS, &[])
        .await
        .map_err(|e| IntrospectError::query("server facts", e))?;
    let version_num: i32 = facts.get("version_num");
    let server_version: String = facts.get("version");
    let reads_conninfo: bool = facts.get("reads_conninfo");
    let locks_per_transaction: i32 = facts.get("locks_per_transaction");
    if version_num < OLDEST_SUPPORTED {
        return Err(IntrospectError::Unsupported {
            version: server_version,
        });
    }
    let xids: String = client
        .query_one(XID_SNAPSHOT, &[])
        .await
        .map_err(|e| IntrospectError::query("snapshot", e))?
        .get(0);
    let joined = match &exported {
        Some(snapshot) => join_snapshot(helpers, &begin, snapshot).await,
        None => Vec::new(),
    };
    let weights = client
        .query(VIEW_LOCK_WEIGHTS, &[])
        .await
        .map_err(|e| IntrospectError::query("view_lock_weights.sql", e))?;
    client
        .batch_execute(&rollback)
        .await
        .map_err(|e| IntrospectError::query("savepoint", e))?;

    let jobs = jobs(
        version_num,
        reads_conninfo,
        view_batches(&weights, i64::from(locks_per_transaction)),
    );
    let sessions: Vec<&Client> = std::iter::once(client).chain(joined).collect();
    let (readers, observer) = match sessions.split_last() {
        Some((last, others)) if !others.is_empty() => (others, Some(*last)),
        _ => (&sessions[..], None),
    };
    let first_load = if observer.is_some() { 0 } else { STAMP_COST };
    let shares = spread(&jobs, sessions.len(), first_load);
    watch(ReadStep::Started {
        queries: jobs.len(),
    });
    // On one session the stamp comes first: it reads the snapshot, whenever in the read it
    // runs, and the session has no other to look from once the read is done.
    let first = async {
        let taken = match observer {
            Some(_) => None,
            None => Some(stamp_dealt(&[client], None, version_num).await),
        };
        let share = match taken {
            Some(Err(_)) => None,
            _ => Some(run_share(client, &jobs, &shares[0], &rollback, watch).await),
        };
        (taken, share)
    };
    let others = join_all(
        sessions
            .iter()
            .zip(&shares)
            .skip(1)
            .map(|(session, share)| run_share(session, &jobs, share, &rollback, watch)),
    );
    let ((taken, first), others) = futures_util::future::join(first, others).await;
    let snapshot_stamp = match observer {
        None => Some(taken.expect("one session takes the stamp first")?),
        Some(observer) => {
            let _ = observer.batch_execute("ROLLBACK").await;
            let after = observer
                .query_one(XID_SNAPSHOT, &[])
                .await
                .map_err(|e| IntrospectError::query("snapshot", e))?;
            if no_transaction_ended(&xids, after.get(0)) {
                *proof = Some(Proof::Quiet);
                None
            } else {
                Some(stamp_dealt(readers, None, version_num).await?)
            }
        }
    };
    if let Some(stamp) = snapshot_stamp {
        *proof = Some(Proof::Stamped(Stamped {
            stamp,
            sessions: sessions.clone(),
            xids,
        }));
    }
    let results = first.into_iter().chain(others);
    // Every session's rows, put back in job order; the failure of the earliest job is the one
    // reported, as a read on one session would have reported it.
    let mut rows: Vec<Option<Collected>> = (0..jobs.len()).map(|_| None).collect();
    let mut failure: Option<(usize, IntrospectError)> = None;
    for (share, result) in shares.iter().zip(results) {
        match result {
            Ok(fetched) => {
                for (&index, fetched) in share.iter().zip(fetched) {
                    rows[index] = Some(fetched);
                }
            }
            Err((place, error)) => {
                let index = share[place];
                if !failure.as_ref().is_some_and(|(first, _)| *first < index) {
                    failure = Some((index, error));
                }
            }
        }
    }
    if let Some((_, error)) = failure {
        return Err(error);
    }
    let mut fetched = Fetched::default();
    for (job, rows) in jobs.iter().zip(rows) {
        fetched.push(job.part, rows.expect("every job ran on one session"));
    }
    for session in readers {
        session
            .batch_execute("COMMIT")
            .await
            .map_err(|e| IntrospectError::query("commit", e))?;
    }
    Ok(Read {
        fetched,
        server_version,
        sessions: sessions.len(),
    })
}

/// The helpers that could start a transaction in the exported `snapshot`; a helper that could
/// not (a pooler that sent it to another server, say) is left out of this read.
async fn join_snapshot<'c>(helpers: &'c [Client], begin: &str, snapshot: &str) -> Vec<&'c Client> {
    let join = format!(
        "{begin}\nSET TRANSACTION SNAPSHOT '{}';\nSAVEPOINT {SAVEPOINT};",
        snapshot.replace('\'', "''")
    );
    let joined = join_all(helpers.iter().map(|helper| helper.batch_execute(&join))).await;
    let mut sessions = Vec::with_capacity(helpers.len());
    for (helper, result) in helpers.iter().zip(joined) {
        match result {
            Ok(()) => sessions.push(helper),
            Err(_) => {
                let _ = helper.batch_execute("ROLLBACK").await;
            }
        }
    }
    sessions
}

/// The jobs spread over `sessions`, the first of which starts with `first_load` of other
/// work: costliest first, each to the session with the least work so far; each share in job
/// order, so that a session sends its queries in the usual order.
fn spread(jobs: &[Job], sessions: usize, first_load: u64) -> Vec<Vec<usize>> {
    let mut order: Vec<usize> = (0..jobs.len()).collect();
    order.sort_by_key(|&index| std::cmp::Reverse(jobs[index].cost()));
    let mut shares: Vec<(u64, Vec<usize>)> = vec![(0, Vec::new()); sessions.max(1)];
    shares[0].0 = first_load;
    for index in order {
        let lightest = shares
            .iter_mut()
            .min_by_key(|(load, share)| (*load, share.len()))
            .expect("at least one session");
        lightest.0 += jobs[index].cost();
        lightest.1.push(index);
    }
    shares
        .into_iter()
        .map(|(_, mut share)| {
            share.sort_unstable();
            share
        })
        .collect()
}

/// Runs the jobs `share` names on one session: all prepared, then all executed, pipelined,
/// each step followed by the rollback that releases the locks it took (parsing locks the
/// catalogs a query names; planning and executing it, their indexes and whatever the deparse
/// functions look at). Every step is awaited; the first failure is returned with its place in
/// `share`.
async fn run_share(
    client: &Client,
    jobs: &[Job],
    share: &[usize],
    rollback: &str,
    watch: &(dyn Fn(ReadStep) + Sync),
) -> Result<Vec<Collected>, (usize, IntrospectError)> {
    let mut preparing: Vec<BoxFuture<'_, Result<Option<Statement>, tokio_postgres::Error>>> =
        Vec::with_capacity(share.len() * 2);
    for &index in share {
        preparing.push(
            client
                .prepare(&jobs[index].sql)
                .map(|r| r.map(Some))
                .boxed(),
        );
        preparing.push(
            client
                .batch_execute(rollback)
                .map(|r| r.map(|()| None))
                .boxed(),
        );
    }
    let mut prepared = join_all(preparing).await.into_iter();
    let mut statements: Vec<Statement> = Vec::with_capacity(share.len());
    for (place, &index) in share.iter().enumerate() {
        let statement = prepared.next().expect("one result per step");
        let reset = prepared.next().expect("one result per step");
        let failed = |e| (place, IntrospectError::query(jobs[index].name, e));
        let statement = statement.map_err(failed)?;
        reset.map_err(|e| (place, IntrospectError::query("savepoint", e)))?;
        statements.push(statement.expect("a prepare step returns its statement"));
    }
    let params: Vec<Vec<&(dyn ToSql + Sync)>> = share
        .iter()
        .map(|&index| match &jobs[index].oids {
            Some(oids) => vec![oids as &(dyn ToSql + Sync)],
            None => Vec::new(),
        })
        .collect();
    let mut steps: Vec<BoxFuture<'_, Result<Option<Collected>, IntrospectError>>> =
        Vec::with_capacity(share.len() * 2);
    for ((statement, params), &index) in statements.iter().zip(&params).zip(share) {
        let job = &jobs[index];
        steps.push(
            collect(client, statement, params, job)
                .map(|r| {
                    watch(ReadStep::Finished);
                    r.map(Some)
                })
                .boxed(),
        );
        steps.push(
            client
                .batch_execute(rollback)
                .map(|r| {
                    r.map(|()| None)
                        .map_err(|e| IntrospectError::query("savepoint", e))
                })
                .boxed(),
        );
    }
    let mut results = join_all(steps).await.into_iter();
    let mut fetched = Vec::with_capacity(share.len());
    for (place, _) in share.iter().enumerate() {
        let collected = results.next().expect("one result per step");
        let reset = results.next().expect("one result per step");
        let collected = collected.map_err(|e| (place, e))?;
        reset.map_err(|e| (place, e))?;
        fetched.push(collected.expect("a query step returns its rows"));
    }
    Ok(fetched)
}

/// Runs `job`'s statement and takes its rows in as they arrive.
async fn collect(
    client: &Client,
    statement: &Statement,
    params: &[&(dyn ToSql + Sync)],
    job: &Job,
) -> Result<Collected, IntrospectError> {
    let failed = |e| IntrospectError::query(job.name, e);
    let stream = client
        .query_raw(statement, params.iter().copied())
        .await
        .map_err(failed)?;
    let mut stream = std::pin::pin!(stream);
    let mut collected = Collected::new(job.part);
    while let Some(row) = stream.try_next().await.map_err(failed)? {
        collected
            .add(row)
            .map_err(|e| IntrospectError::Unexpected(format!("{}: {e}", job.name)))?;
    }
    Ok(collected)
}

/// The queries for this server, the view batches right after the relations they complete.
fn jobs(version_num: i32, reads_conninfo: bool, view_batches: Vec<Vec<u32>>) -> Vec<Job> {
    let mut chosen: Vec<(Part, &'static str, &'static str)> = Vec::new();
    for &(part, name, sql, since) in QUERIES {
        if version_num < since {
            continue;
        }
        match chosen.iter_mut().find(|(p, _, _)| *p == part) {
            Some(entry) => *entry = (part, name, sql),
            None => chosen.push((part, name, sql)),
        }
    }
    let (name, sql) = if reads_conninfo {
        SUBSCRIPTIONS
    } else {
        SUBSCRIPTIONS_PUBLIC
    };
    chosen.push((Part::Subscriptions, name, sql));
    let mut jobs = Vec::with_capacity(chosen.len() + view_batches.len());
    let mut batches = Some(view_batches);
    for (part, name, sql) in chosen {
        let sql = match part {
            Part::Columns => Cow::Owned(columns_sql(sql, version_num)),
            _ => Cow::Borrowed(sql),
        };
        jobs.push(Job {
            part,
            name,
            sql,
            oids: None,
        });
        if part == Part::Relations {
            for oids in batches.take().unwrap_or_default() {
                jobs.push(Job {
                    part: Part::ViewDefinitions,
                    name: "view_definitions.sql",
                    sql: Cow::Borrowed(VIEW_DEFINITIONS),
                    oids: Some(oids),
                });
            }
        }
    }
    jobs
}

/// `columns.sql` for a server of `version_num`: the columns that moved between versions read
/// directly, because `to_jsonb` of every `pg_attribute` row would cost a third of the query.
/// `attstattarget` means "default" by -1 up to 16 and by null from 17, which `NULLIF` reads
/// alike; `attcompression` is there from 14.
fn columns_sql(template: &str, version_num: i32) -> String {
    let compression = if version_num >= 140_000 {
        "NULLIF(a.attcompression::text, '')"
    } else {
        "NULL::text"
    };
    template
        .replace("{statistics}", "NULLIF(a.attstattarget::int, -1)")
        .replace("{compression}", compression)
}

/// Views grouped so that deparsing one group takes at most about `locks_per_transaction`
/// relation locks (a view that needs more goes alone).
fn view_batches(weights: &[Row], locks_per_transaction: i64) -> Vec<Vec<u32>> {
    let pairs: Vec<(u32, i64)> = weights
        .iter()
        .map(|row| (row.get::<_, u32>(0), i64::from(row.get::<_, i32>(1))))
        .collect();
    pack(&pairs, (locks_per_transaction - BATCH_OVERHEAD).max(1))
}

/// Greedy packing of `(oid, weight)` into batches of total weight at most `budget`.
fn pack(pairs: &[(u32, i64)], budget: i64) -> Vec<Vec<u32>> {
    let mut batches: Vec<Vec<u32>> = Vec::new();
    let mut load = 0;
    for &(oid, weight) in pairs {
        match batches.last_mut() {
            Some(batch) if load + weight <= budget => {
                batch.push(oid);
                load += weight;
            }
            _ => {
                batches.push(vec![oid]);
                load = weight;
            }
        }
    }
    batches
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_same_xmax_and_the_same_running_transactions_mean_none_ended() {
        let before = "100:120:100,105,117";
        assert!(no_transaction_ended(before, "100:120:100,105,117"));
        assert!(!no_transaction_ended(before, "100:121:100,105,117"));
        assert!(!no_transaction_ended(before, "100:120:100,117"));
        assert!(!no_transaction_ended(before, "105:120:105,117"));
        assert!(!no_transaction_ended("100:100:", "100:101:"));
        assert!(no_transaction_ended("100:100:", "100:100:"));
        assert!(!no_transaction_ended("", ""));
    }

    #[test]
    fn stamp_statements_dealt_out_come_back_in_their_order() {
        let statements: Vec<usize> = (0..13).collect();
        for sessions in 1..=4 {
            let shares: Vec<Vec<usize>> = (0..sessions)
                .map(|place| {
                    statements
                        .iter()
                        .copied()
                        .skip(place)
                        .step_by(sessions)
                        .collect()
                })
                .collect();
            assert_eq!(
                dealt_back(shares, statements.len()),
                statements,
                "{sessions}"
            );
        }
    }

    #[test]
    fn views_are_packed_within_the_lock_budget() {
        let pairs = [(1, 3), (2, 3), (3, 5), (4, 12), (5, 1)];
        assert_eq!(pack(&pairs, 6), vec![vec![1, 2], vec![3], vec![4], vec![5]]);
        assert_eq!(pack(&pairs, 100), vec![vec![1, 2, 3, 4, 5]]);
        assert!(pack(&[], 10).is_empty());
    }

    #[test]
    fn every_part_is_read_once_on_every_version() {
        for version in [130_000, 140_000, 150_000, 170_000] {
            let jobs = jobs(version, false, vec![vec![1], vec![2]]);
            let mut parts: Vec<Part> = jobs
                .iter()
                .map(|j| j.part)
                .filter(|p| *p != Part::ViewDefinitions)
                .collect();
            let count = parts.len();
            parts.sort();
            parts.dedup();
            assert_eq!(parts.len(), count, "a part read twice on {version}");
            assert_eq!(count, QUERIES.len() - 1 + 1, "every part on {version}");
            let relations = jobs.iter().position(|j| j.part == Part::Relations).unwrap();
            assert_eq!(jobs[relations + 1].part, Part::ViewDefinitions);
            assert_eq!(jobs[relations + 2].part, Part::ViewDefinitions);
        }
        let publications = |version| {
            jobs(version, true, Vec::new())
                .into_iter()
                .find(|j| j.part == Part::Publications)
                .unwrap()
                .name
        };
        assert_eq!(publications(140_000), "publications.sql");
        assert_eq!(publications(150_000), "publications_15.sql");
    }

    #[test]
    fn jobs_are_spread_by_cost_and_keep_their_order_in_each_share() {
        let jobs = jobs(150_000, true, vec![vec![1; 50], vec![2; 50]]);
        let shares = spread(&jobs, 3, STAMP_COST);
        let mut all: Vec<usize> = shares.concat();
        all.sort_unstable();
        assert_eq!(all, (0..jobs.len()).collect::<Vec<_>>(), "each job once");
        let part = |index: usize| jobs[index].part;
        let share_of = |wanted| {
            shares
                .iter()
                .position(|s| s.iter().any(|&i| part(i) == wanted))
        };
        assert_ne!(share_of(Part::Columns), share_of(Part::Indexes));
        assert_ne!(share_of(Part::Columns), share_of(Part::Constraints));
        assert!(shares
            .iter()
            .all(|share| share.windows(2).all(|w| w[0] < w[1])));
        assert_eq!(
            spread(&jobs, 1, STAMP_COST),
            vec![(0..jobs.len()).collect::<Vec<_>>()]
        );
        let columns = jobs.iter().position(|j| j.part == Part::Columns).unwrap();
        assert!(
            !spread(&jobs, 2, STAMP_COST)[0].contains(&columns),
            "the costliest job goes to a session without the stamp"
        );
    }

    #[test]
    fn columns_are_read_directly_on_every_version() {
        for version in [130_000, 140_000, 170_000] {
            let sql = columns_sql(include_str!("sql/columns.sql"), version);
            assert!(!sql.contains('{') && !sql.contains("to_jsonb"), "{version}");
        }
        assert!(columns_sql("{compression}", 130_000).contains("NULL::text"));
        assert!(columns_sql("{compression}", 140_000).contains("attcompression"));
    }

    #[test]
    fn lock_holders_queries_are_shortened() {
        assert_eq!(shorten("a\n  b\tc", 10), "a b c");
        assert_eq!(shorten("abcdef", 3), "abc…");
    }
}
