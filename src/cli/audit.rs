//! `schemagit audit`: the DDL audit trail inside the database — install, uninstall, status,
//! the SQL for teams that ship it as a migration, the log, and pruning it.

use clap::{Args, Subcommand};
use serde::Serialize;
use tokio_postgres::Client;

use super::{runtime, source, CliError, Context, ErrorKind, Outcome};
use crate::audit::{self, AuditError, AuditEvent, Enabled, Filter, Installed, Point};
use crate::catalog::connect;
use crate::report::changes::counted;

#[derive(Debug, Args)]
pub struct AuditArgs {
    #[command(subcommand)]
    pub command: AuditCommand,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Install the audit trail (schema `schemagit`, event triggers), or upgrade an older one in
    /// place keeping its log; needs a superuser
    Install,
    /// Remove the audit trail: its event triggers, its log and its archive
    Uninstall,
    /// Whether the audit trail is installed, its version, and whether its triggers are enabled
    /// (exit 1 when one is not)
    Status,
    /// Print the install SQL (with the [audit] settings of schemagit.toml), to ship as a
    /// migration of your own
    Sql {
        /// Print the rollback instead
        #[arg(long)]
        uninstall: bool,
    },
    /// Print the logged schema changes, oldest first
    Log(LogArgs),
    /// Delete events older than an age, or move them into schemagit.schema_drift_log_archive
    Prune {
        /// The age: 90d, 12h, 30m, 2w
        #[arg(long, value_name = "AGE")]
        older_than: String,
        /// Move the events into the archive instead of deleting them
        #[arg(long)]
        archive: bool,
    },
}

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Events since an age ago (7d, 12h) or a timestamp (2026-12-01, 2026-12-01T08:00:00Z)
    #[arg(long, value_name = "WHEN")]
    pub since: Option<String>,
    /// Events until an age ago or a timestamp
    #[arg(long, value_name = "WHEN")]
    pub until: Option<String>,
    /// Events by this role (the session's or the one it acted as)
    #[arg(long, value_name = "ROLE")]
    pub user: Option<String>,
    /// Manual changes only, not migrations
    #[arg(long)]
    pub manual: bool,
}

impl From<AuditError> for CliError {
    fn from(e: AuditError) -> Self {
        let (kind, hint) = match &e {
            AuditError::Privilege { .. } => (
                ErrorKind::Database,
                Some("nothing was changed; run it as a superuser, or ship `schemagit audit sql` as a migration that one runs"),
            ),
            AuditError::NotInstalled => (
                ErrorKind::Database,
                Some("install it with `schemagit audit install`"),
            ),
            AuditError::NoAccess { .. } => (
                ErrorKind::Database,
                Some("a superuser can grant it: GRANT USAGE ON SCHEMA schemagit TO that role; GRANT SELECT ON schemagit.schema_drift_log TO that role"),
            ),
            AuditError::Outdated { .. } => (
                ErrorKind::Database,
                Some("`schemagit audit install` upgrades it in place, keeping the log"),
            ),
            AuditError::Newer { .. } => (
                ErrorKind::Usage,
                Some("nothing was changed; use the newer schemagit that installed it"),
            ),
            AuditError::BadTime { .. } => (ErrorKind::Usage, None),
            AuditError::Query { .. } => (ErrorKind::Database, None),
        };
        let error = CliError::new(kind, e.to_string());
        match hint {
            Some(hint) => error.with_hint(hint),
            None => error,
        }
    }
}

/// A subcommand that connects.
enum Job {
    Install,
    Uninstall,
    Status,
    Log(LogArgs),
    Prune { age: String, archive: bool },
}

pub fn run(context: &mut Context, args: AuditArgs) -> Result<Outcome, CliError> {
    let job = match args.command {
        AuditCommand::Sql { uninstall } => return print_sql(context, uninstall),
        AuditCommand::Install => Job::Install,
        AuditCommand::Uninstall => Job::Uninstall,
        AuditCommand::Status => Job::Status,
        AuditCommand::Log(log) => Job::Log(log),
        AuditCommand::Prune {
            older_than,
            archive,
        } => Job::Prune {
            age: audit::parse_age(&older_than).map_err(|message| {
                CliError::new(ErrorKind::Usage, format!("--older-than: {message}"))
            })?,
            archive,
        },
    };
    let target = source::configured_target(context)?;
    let label = target.display_redacted();
    let config = context.config.audit.clone();
    let report = runtime()?.block_on(async {
        let client = connect::connect(&target).await?;
        Ok::<_, CliError>(match job {
            Job::Install => Report::Installed(audit::install(&client, &config).await?),
            Job::Uninstall => Report::Uninstalled(audit::uninstall(&client).await?),
            Job::Status => Report::Status(audit::status(&client).await?),
            Job::Log(log) => Report::Log(read_log(&client, log).await?),
            Job::Prune { age, archive } => Report::Pruned {
                count: audit::prune(&client, &age, archive).await?,
                age,
                archive,
            },
        })
    })?;
    let outcome = match &report {
        Report::Status(Some(status))
            if status
                .triggers
                .iter()
                .any(|t| t.enabled != Enabled::Enabled) =>
        {
            Outcome::Critical
        }
        _ => Outcome::Clean,
    };
    let written = if context.json {
        write_json(context, &report)
    } else {
        write_human(context, &report, &label)
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    Ok(outcome)
}

/// `audit sql`: the install script with the configured settings, or the rollback.
fn print_sql(context: &mut Context, uninstall: bool) -> Result<Outcome, CliError> {
    let sql = if uninstall {
        audit::UNINSTALL_SQL.to_string()
    } else {
        format!("{}\n{}", audit::INSTALL_SQL, context.config.audit.as_sql())
    };
    context
        .out
        .write_all(sql.as_bytes())
        .map_err(|e| CliError::writing_stdout(&e))?;
    Ok(Outcome::Clean)
}

async fn read_log(client: &Client, args: LogArgs) -> Result<Vec<AuditEvent>, CliError> {
    let filter = Filter {
        since: args.since.as_deref().map(Point::parse),
        until: args.until.as_deref().map(Point::parse),
        user: args.user,
        manual: args.manual,
    };
    Ok(audit::events(client, &filter).await?)
}

/// What a subcommand found or did.
enum Report {
    Installed(Installed),
    Uninstalled(Option<i64>),
    Status(Option<audit::AuditStatus>),
    Log(Vec<AuditEvent>),
    Pruned {
        count: u64,
        age: String,
        archive: bool,
    },
}

/// `audit status --json` (and install, uninstall, prune): what the database holds now.
#[derive(Serialize)]
struct StatusWire {
    installed: bool,
    version: Option<u32>,
    triggers: Vec<TriggerWire>,
    events: Option<i64>,
}

#[derive(Serialize)]
struct TriggerWire {
    name: String,
    state: &'static str,
}

#[derive(Serialize)]
struct ActionWire {
    action: &'static str,
    version: Option<u32>,
    previous_version: Option<u32>,
    events: Option<u64>,
}

fn write_json(context: &mut Context, report: &Report) -> std::io::Result<()> {
    let value = match report {
        Report::Installed(installed) => serde_json::to_value(ActionWire {
            action: match installed {
                Installed::New => "installed",
                Installed::Upgraded { .. } => "upgraded",
                Installed::Reinstalled => "reinstalled",
            },
            version: Some(audit::VERSION),
            previous_version: match installed {
                Installed::Upgraded { from } => *from,
                Installed::Reinstalled => Some(audit::VERSION),
                Installed::New => None,
            },
            events: None,
        }),
        Report::Uninstalled(logged) => serde_json::to_value(ActionWire {
            action: if logged.is_some() {
                "uninstalled"
            } else {
                "not_installed"
            },
            version: None,
            previous_version: None,
            events: logged.map(|n| n.max(0) as u64),
        }),
        Report::Status(status) => serde_json::to_value(StatusWire {
            installed: status.is_some(),
            version: status.as_ref().and_then(|s| s.version),
            triggers: status
                .iter()
                .flat_map(|s| &s.triggers)
                .map(|t| TriggerWire {
                    name: t.name.clone(),
                    state: t.enabled.as_str(),
                })
                .collect(),
            events: status.as_ref().and_then(|s| s.logged),
        }),
        Report::Log(events) => serde_json::to_value(events),
        Report::Pruned { count, archive, .. } => serde_json::to_value(ActionWire {
            action: if *archive { "archived" } else { "deleted" },
            version: None,
            previous_version: None,
            events: Some(*count),
        }),
    }
    .map_err(std::io::Error::other)?;
    serde_json::to_writer_pretty(&mut *context.out, &value).map_err(std::io::Error::other)?;
    writeln!(context.out)
}

fn write_human(context: &mut Context, report: &Report, label: &str) -> std::io::Result<()> {
    let out = &mut *context.out;
    match report {
        Report::Installed(Installed::New) => writeln!(
            out,
            "installed the audit trail (version {}) in {label}: schema schemagit, event triggers {}",
            audit::VERSION,
            audit::scope::EVENT_TRIGGERS.join(", ")
        ),
        Report::Installed(Installed::Upgraded { from }) => writeln!(
            out,
            "upgraded the audit trail in {label} from {} to version {}; its log is kept",
            from.map(|v| format!("version {v}"))
                .unwrap_or_else(|| "an unversioned install".into()),
            audit::VERSION
        ),
        Report::Installed(Installed::Reinstalled) => writeln!(
            out,
            "the audit trail (version {}) was already installed in {label}; installed again: triggers enabled, settings written",
            audit::VERSION
        ),
        Report::Uninstalled(Some(logged)) => writeln!(
            out,
            "removed the audit trail from {label}, with its {}",
            counted((*logged).max(0) as usize, "logged event")
        ),
        Report::Uninstalled(None) => writeln!(
            out,
            "the audit trail is not installed in {label}: nothing to remove"
        ),
        Report::Status(None) => writeln!(out, "audit trail: not installed in {label}"),
        Report::Status(Some(status)) => {
            let version = status
                .version
                .map(|v| format!("version {v}"))
                .unwrap_or_else(|| "unknown version".into());
            writeln!(out, "audit trail: installed in {label}, {version}")?;
            for trigger in &status.triggers {
                writeln!(out, "  {:<24} {}", trigger.name, trigger.enabled.as_str())?;
            }
            match status.logged {
                Some(n) => writeln!(out, "events logged: {n}"),
                None => writeln!(out, "events logged: no log table"),
            }
        }
        Report::Log(events) => {
            for event in events {
                writeln!(
                    out,
                    "{}  {:<9}  {} ({})  {}: {}",
                    event.when(),
                    event.origin(),
                    event.who(),
                    event
                        .application_name
                        .as_deref()
                        .filter(|a| !a.is_empty())
                        .unwrap_or("no application_name"),
                    event.what(),
                    event.statement_line(160)
                )?;
            }
            Ok(())
        }
        Report::Pruned {
            count,
            age,
            archive: true,
        } => writeln!(
            out,
            "moved {} older than {age} into schemagit.schema_drift_log_archive",
            counted(*count as usize, "event")
        ),
        Report::Pruned { count, age, .. } => {
            writeln!(out, "deleted {} older than {age}", counted(*count as usize, "event"))
        }
    }
}
