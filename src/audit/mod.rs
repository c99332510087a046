//! The DDL audit trail inside the database: event triggers that log each schema change with
//! who made it and whether a migration did (`sql/install.sql`, `sql/uninstall.sql`), and
//! reading, pruning and judging that log.
//!
//! - [`install`], [`uninstall`], [`status`]: the trail itself, versioned; an older install is
//!   upgraded in place and keeps its log.
//! - [`events`], [`events_since`]: the log, filtered for `audit log`, or since the previous
//!   snapshot commit ([`Since`]) for `snapshot` and `check`.
//! - [`prune`]: old events deleted, or moved into the archive.
//! - [`scope`]: the trail's own objects, which are never snapshotted or drift.

mod event;
mod findings;
pub mod scope;
mod settings;
mod since;
mod window;

use tokio_postgres::Client;

#[cfg(test)]
pub(crate) use event::example as event_example;
pub use event::AuditEvent;
pub use findings::{findings, Enabled, TriggerState};
pub use settings::AuditConfig;
pub use since::{Since, TRAILER};
pub use window::{parse_age, Point};

/// The install script: creates the trail, or upgrades an older one in place.
pub const INSTALL_SQL: &str = include_str!("sql/install.sql");
/// The rollback: removes the trail, its log and its archive.
pub const UNINSTALL_SQL: &str = include_str!("sql/uninstall.sql");
/// The version `INSTALL_SQL` installs (the schema's comment names it).
pub const VERSION: u32 = 2;

const STATUS: &str = include_str!("sql/status.sql");
const COUNT: &str = include_str!("sql/count.sql");
const EVENTS: &str = include_str!("sql/events.sql");
const EVENTS_SINCE: &str = include_str!("sql/events_since.sql");
const READ_POINT: &str = include_str!("sql/read_point.sql");
const AUDIT_SCHEMA: &str = include_str!("sql/audit_schema.sql");
const PRUNE: &str = include_str!("sql/prune.sql");
const ARCHIVE: &str = include_str!("sql/archive.sql");

/// What the schema's comment says before the version number.
const VERSION_PREFIX: &str = "schemagit DDL audit trail, version ";

#[derive(Debug, thiserror::Error)]
pub enum AuditError {
    #[error("{action} the audit trail needs a superuser (event triggers can only be created and dropped by one), or a managed service's equivalent role; role {role} may not: {message}")]
    Privilege {
        action: &'static str,
        role: String,
        message: String,
    },
    #[error("the audit trail is not installed in this database")]
    NotInstalled,
    #[error("role {role} may not read the audit log schemagit.schema_drift_log")]
    NoAccess { role: String },
    #[error("this database holds audit trail version {installed}, older than version {VERSION}, whose log this schemagit reads")]
    Outdated { installed: u32 },
    #[error("this database holds audit trail version {installed}, newer than the version {VERSION} this schemagit installs")]
    Newer { installed: u32 },
    #[error("{flag} {value:?} is neither an age (90d, 12h, 30m) nor a timestamp the server can read: {message}")]
    BadTime {
        flag: &'static str,
        value: String,
        message: String,
    },
    #[error("{what} failed: {message}")]
    Query { what: &'static str, message: String },
}

impl AuditError {
    fn query(what: &'static str, error: tokio_postgres::Error) -> Self {
        AuditError::Query {
            what,
            message: server_message(&error),
        }
    }
}

fn server_message(error: &tokio_postgres::Error) -> String {
    match error.as_db_error() {
        Some(db) => format!("{} (SQLSTATE {})", db.message(), db.code().code()),
        None => error.to_string(),
    }
}

fn is_privilege_error(error: &tokio_postgres::Error) -> bool {
    error
        .code()
        .is_some_and(|code| *code == tokio_postgres::error::SqlState::INSUFFICIENT_PRIVILEGE)
}

/// What `status` found.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditStatus {
    /// The installed version; `None` when the schema `schemagit` does not say which.
    pub version: Option<u32>,
    pub triggers: Vec<TriggerState>,
    /// How many events the log holds (`None` when it has no log table, or this role may not
    /// read it).
    pub logged: Option<i64>,
}

/// Whether the trail is installed (`None` when there is no schema `schemagit`), its version,
/// its event triggers' states and the size of its log.
pub async fn status(client: &Client) -> Result<Option<AuditStatus>, AuditError> {
    let rows = client
        .query(STATUS, &[])
        .await
        .map_err(|e| AuditError::query("reading the audit trail's status", e))?;
    let Some(first) = rows.first() else {
        return Ok(None);
    };
    let comment: Option<String> = first.get(0);
    let version = comment
        .as_deref()
        .and_then(|c| c.strip_prefix(VERSION_PREFIX))
        .and_then(|v| v.trim().parse().ok());
    let triggers = rows
        .iter()
        .map(|row| TriggerState {
            name: row.get(1),
            enabled: Enabled::from_catalog(row.get::<_, Option<String>>(2).as_deref()),
        })
        .collect();
    let logged = if log_state(client).await? == LogState::Present {
        let row = client
            .query_one(COUNT, &[])
            .await
            .map_err(|e| AuditError::query("counting the audit log", e))?;
        Some(row.get(0))
    } else {
        None
    };
    Ok(Some(AuditStatus {
        version,
        triggers,
        logged,
    }))
}

/// What `install` did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Installed {
    /// There was no trail.
    New,
    /// An older version (or one that did not say which) was upgraded, its log kept.
    Upgraded { from: Option<u32> },
    /// This version was there already; it was installed again (triggers on, settings renewed).
    Reinstalled,
}

/// Installs the trail (or upgrades an older one) and writes `config`'s migration patterns, in
/// one transaction: on any failure nothing is changed.
pub async fn install(client: &Client, config: &AuditConfig) -> Result<Installed, AuditError> {
    let before = status(client).await?;
    if let Some(installed) = before.as_ref().and_then(|s| s.version) {
        if installed > VERSION {
            return Err(AuditError::Newer { installed });
        }
    }
    in_transaction(client, Alteration::Install, async {
        client.batch_execute(INSTALL_SQL).await?;
        for (name, patterns) in config.rows() {
            client
                .execute(settings::WRITE_SETTING, &[&name, &patterns])
                .await?;
        }
        Ok(())
    })
    .await?;
    Ok(match before {
        None => Installed::New,
        Some(AuditStatus {
            version: Some(VERSION),
            ..
        }) => Installed::Reinstalled,
        Some(status) => Installed::Upgraded {
            from: status.version,
        },
    })
}

/// Removes the trail with its log and archive, in one transaction; returns how many events
/// the log held, or `None` when there was no trail.
pub async fn uninstall(client: &Client) -> Result<Option<i64>, AuditError> {
    let Some(before) = status(client).await? else {
        return Ok(None);
    };
    in_transaction(client, Alteration::Uninstall, async {
        client.batch_execute(UNINSTALL_SQL).await
    })
    .await?;
    Ok(Some(before.logged.unwrap_or(0)))
}

/// What a transaction of [`in_transaction`] does to the trail, as its messages say it.
#[derive(Debug, Clone, Copy)]
enum Alteration {
    Install,
    Uninstall,
}

impl Alteration {
    fn verb(self) -> &'static str {
        match self {
            Alteration::Install => "installing",
            Alteration::Uninstall => "removing",
        }
    }

    fn what(self) -> &'static str {
        match self {
            Alteration::Install => "installing the audit trail",
            Alteration::Uninstall => "removing the audit trail",
        }
    }
}

/// Runs `work` in a transaction of its own, committed when it succeeds and rolled back when
/// it fails; a refusal for want of privilege says so.
async fn in_transaction(
    client: &Client,
    alteration: Alteration,
    work: impl std::future::Future<Output = Result<(), tokio_postgres::Error>>,
) -> Result<(), AuditError> {
    let what = alteration.what();
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|e| AuditError::query(what, e))?;
    let outcome = match work.await {
        Ok(()) => client.batch_execute("COMMIT").await,
        Err(error) => Err(error),
    };
    let Err(error) = outcome else {
        return Ok(());
    };
    let _ = client.batch_execute("ROLLBACK").await;
    if is_privilege_error(&error) {
        return Err(AuditError::Privilege {
            action: alteration.verb(),
            role: current_role(client).await,
            message: error
                .as_db_error()
                .map(|db| db.message().to_string())
                .unwrap_or_else(|| error.to_string()),
        });
    }
    Err(AuditError::query(what, error))
}

/// The role this session acts as, for a message; `?` when even that cannot be read.
async fn current_role(client: &Client) -> String {
    client
        .query_one("SELECT current_user::text", &[])
        .await
        .map(|row| row.get(0))
        .unwrap_or_else(|_| "?".into())
}

/// `audit log`'s filters.
#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub since: Option<Point>,
    pub until: Option<Point>,
    /// Events whose session or acting role is this one.
    pub user: Option<String>,
    /// Manual changes only (not migrations).
    pub manual: bool,
}

/// The log's events that pass `filter`, oldest first.
pub async fn events(client: &Client, filter: &Filter) -> Result<Vec<AuditEvent>, AuditError> {
    require_log(client).await?;
    for (flag, point) in [("--since", &filter.since), ("--until", &filter.until)] {
        if let Some(Point::At(text)) = point {
            if let Err(error) = client
                .query_one("SELECT $1::text::timestamptz", &[text])
                .await
            {
                return Err(AuditError::BadTime {
                    flag,
                    value: text.clone(),
                    message: error
                        .as_db_error()
                        .map(|db| db.message().to_string())
                        .unwrap_or_else(|| error.to_string()),
                });
            }
        }
    }
    let (since_ago, since_at) = split(&filter.since);
    let (until_ago, until_at) = split(&filter.until);
    let rows = client
        .query(
            EVENTS,
            &[
                &since_ago,
                &since_at,
                &until_ago,
                &until_at,
                &filter.user,
                &filter.manual,
            ],
        )
        .await
        .map_err(|e| AuditError::query("reading the audit log", e))?;
    rows.iter()
        .map(AuditEvent::from_row)
        .collect::<Result<_, _>>()
        .map_err(|e| AuditError::query("reading the audit log", e))
}

fn split(point: &Option<Point>) -> (Option<&str>, Option<&str>) {
    match point {
        Some(Point::Ago(interval)) => (Some(interval.as_str()), None),
        Some(Point::At(text)) => (None, Some(text.as_str())),
        None => (None, None),
    }
}

/// Whether this role can read an audit log here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum LogState {
    Present,
    Missing,
    Unreadable,
}

async fn log_state(client: &Client) -> Result<LogState, AuditError> {
    let state: String = client
        .query_one(AUDIT_SCHEMA, &[])
        .await
        .map_err(|e| AuditError::query("looking for the audit log", e))?
        .get(0);
    Ok(match state.as_str() {
        "present" => LogState::Present,
        "unreadable" => LogState::Unreadable,
        _ => LogState::Missing,
    })
}

/// That the database has an audit log of this version, which this role may read.
async fn require_log(client: &Client) -> Result<(), AuditError> {
    match log_state(client).await? {
        LogState::Present => {}
        LogState::Missing => return Err(AuditError::NotInstalled),
        LogState::Unreadable => {
            return Err(AuditError::NoAccess {
                role: current_role(client).await,
            })
        }
    }
    match status(client).await? {
        Some(AuditStatus {
            version: Some(installed),
            ..
        }) if installed < VERSION => Err(AuditError::Outdated { installed }),
        _ => Ok(()),
    }
}

/// The log as one read saw it: the events it had not seen before, and which transactions this
/// read saw (for the `Schema-Audit-Snapshot:` trailer).
#[derive(Debug, Clone)]
pub struct LogRead {
    pub events: Vec<AuditEvent>,
    pub snapshot: String,
}

/// The events logged since `since` (`manual`: manual changes only), read in one read-only
/// transaction; `None` when the database has no audit log, which is no error.
pub async fn events_since(
    client: &Client,
    since: &Since,
    manual: bool,
) -> Result<Option<LogRead>, AuditError> {
    match require_log(client).await {
        Ok(()) => {}
        Err(AuditError::NotInstalled) => return Ok(None),
        Err(error) => return Err(error),
    }
    let what = "reading the audit log";
    client
        .batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
        .await
        .map_err(|e| AuditError::query(what, e))?;
    let read = async {
        let snapshot: String = client.query_one(READ_POINT, &[]).await?.get(0);
        let commit_time = since.commit_time.map(|t| t as f64);
        let rows = client
            .query(EVENTS_SINCE, &[&since.snapshot, &commit_time, &manual])
            .await?;
        let events = rows
            .iter()
            .map(AuditEvent::from_row)
            .collect::<Result<_, _>>()?;
        Ok(Some(LogRead { events, snapshot }))
    }
    .await;
    let _ = client.batch_execute("ROLLBACK").await;
    read.map_err(|e| AuditError::query(what, e))
}

/// Deletes the events older than `age` (a PostgreSQL interval), or moves them into the archive
/// when `archive`, in one transaction; returns how many.
pub async fn prune(client: &Client, age: &str, archive: bool) -> Result<u64, AuditError> {
    require_log(client).await?;
    let what = if archive {
        "archiving the audit log"
    } else {
        "pruning the audit log"
    };
    client
        .batch_execute("BEGIN")
        .await
        .map_err(|e| AuditError::query(what, e))?;
    let statement = if archive { ARCHIVE } else { PRUNE };
    let outcome = async {
        let moved = client.execute(statement, &[&age]).await?;
        client.batch_execute("COMMIT").await?;
        Ok(moved)
    }
    .await;
    if outcome.is_err() {
        let _ = client.batch_execute("ROLLBACK").await;
    }
    outcome.map_err(|e| AuditError::query(what, e))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_install_script_names_its_version_and_every_secret_word() {
        assert!(INSTALL_SQL.contains(&format!(
            "COMMENT ON SCHEMA schemagit IS '{VERSION_PREFIX}{VERSION}';"
        )));
        for word in crate::catalog::redact::SECRET_WORDS {
            assert!(
                INSTALL_SQL.contains(&format!("|{word}|"))
                    || INSTALL_SQL.contains(&format!("({word}|"))
                    || INSTALL_SQL.contains(&format!("|{word})")),
                "the install script's redaction misses {word}"
            );
        }
        for trigger in scope::EVENT_TRIGGERS {
            assert!(INSTALL_SQL.contains(&format!("CREATE EVENT TRIGGER {trigger} ")));
            assert!(UNINSTALL_SQL.contains(&format!("DROP EVENT TRIGGER IF EXISTS {trigger};")));
        }
    }
}
