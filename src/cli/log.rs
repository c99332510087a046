//! `schemagit log [OBJECT]`: the snapshot commits of the environment's folder, newest first,
//! each with its changes in check and diff's wording; read-only.

use clap::Args;

use super::{suggest, CliError, Context, ErrorKind, Outcome};
use crate::codec::{decode_objects, ObjectName, MANIFEST};
use crate::compare;
use crate::config::Config;
use crate::diff::retain_about;
use crate::report::changed_by_trailers;
use crate::report::log::{write_log_entry, write_log_json, LogEntry};
use crate::time::{parse_date, DayEnd};
use crate::vcs::{env_section, FolderCommit, HistoryQuery};

#[derive(Debug, Args)]
pub struct LogArgs {
    /// Only the commits that changed this object or its parts, named as check and diff name
    /// them: `app.users`, `app.users.email`, `app.org_total(bigint)`
    #[arg(value_name = "OBJECT")]
    pub object: Option<String>,

    /// Walk the first-parent history of this revision
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,

    /// Only commits made on or after DATE (2026-12-02, 2026-12-02T14:30, …+02:00, @<unix seconds>)
    #[arg(long, value_name = "DATE")]
    pub since: Option<String>,

    /// Only commits made on or before DATE (a bare date includes that whole day)
    #[arg(long, value_name = "DATE")]
    pub until: Option<String>,

    /// Show at most N commits
    #[arg(short = 'n', long = "max-count", value_name = "N")]
    pub max_count: Option<usize>,
}

fn date(text: Option<&str>, end: DayEnd) -> Result<Option<i64>, CliError> {
    text.map(|text| parse_date(text, end))
        .transpose()
        .map_err(|e| CliError::new(ErrorKind::Usage, e.to_string()))
}

pub fn run(context: &mut Context, args: LogArgs) -> Result<Outcome, CliError> {
    let since = date(args.since.as_deref(), DayEnd::Start)?;
    let until = date(args.until.as_deref(), DayEnd::End)?;
    let name = args.object.as_deref().map(ObjectName::parse);
    let files = name.as_ref().map(ObjectName::paths);
    let folder = context.config.snapshot_folder.clone();
    let mut history = context.repo()?.folder_history(&HistoryQuery {
        revision: &args.rev,
        folder: &folder,
        files: files.as_deref(),
        unread: &[MANIFEST],
        since,
        until,
    })?;
    let shown = name.as_ref().map(ObjectName::display);
    let owner = name.as_ref().and_then(ObjectName::owner);
    let mut log = Vec::new();
    while args.max_count.map_or(true, |max| log.len() < max) {
        let Some(commit) = history.next().transpose()? else {
            break;
        };
        if let Some(entry) = entry(&context.config, commit, shown.as_deref(), owner.as_deref())? {
            log.push(entry);
        }
    }
    let seen = history.seen();
    drop(history);
    if let (Some(name), Some(files)) = (&name, &files) {
        // Commits outside --since/--until are not looked at: the object may be in them.
        let there = || -> Result<bool, CliError> {
            let found = context.repo()?.read_files(&args.rev, &folder, files)?;
            Ok(found.is_some_and(|found| !found.is_empty()))
        };
        if log.is_empty() && !seen && !there()? {
            return Err(unknown_object(context, name, &args.rev));
        }
    }
    let written = if context.json {
        write_log_json(context.out, &log)
    } else {
        log.iter()
            .enumerate()
            .try_for_each(|(i, entry)| write_log_entry(context.out, entry, i == 0, context.color))
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    if log.is_empty() && !context.json {
        context.note(format_args!(
            "no snapshot commits of {folder} in {}{}",
            args.rev,
            shown
                .map(|s| format!(" that changed {s}"))
                .unwrap_or_default()
        ));
    }
    Ok(Outcome::Clean)
}

/// What one commit changed (about the object, when one is named); `None` when nothing shown.
fn entry(
    config: &Config,
    commit: FolderCommit,
    name: Option<&str>,
    owner: Option<&str>,
) -> Result<Option<LogEntry>, CliError> {
    let (old, new) = (decode_objects(&commit.old)?, decode_objects(&commit.new)?);
    let changes = match name {
        Some(name) => {
            let mut changes = compare::step(config, &config.env, old.clone(), new.clone());
            retain_about(&mut changes, name, owner, &old, &new);
            changes
        }
        None => compare::step(config, &config.env, old, new),
    };
    if changes.is_empty() {
        return Ok(None);
    }
    Ok(Some(LogEntry {
        commit: commit.id,
        time: commit.time,
        author: commit.author,
        subject: commit.subject,
        changed_by: changed_by_trailers(env_section(&commit.message, &config.env)),
        changes,
    }))
}

/// No commit of the history ever held `name`.
fn unknown_object(context: &Context, name: &ObjectName, revision: &str) -> CliError {
    let error = CliError::new(
        ErrorKind::UnknownObject,
        format!(
            "no object {} in the history of {} at {revision}",
            name.typed, context.config.snapshot_folder
        ),
    );
    match suggest::close_names(context, revision, name) {
        Some(hint) => error.with_hint(hint),
        None => error.with_hint("name it as check and diff do (`app.users`, `app.users.email`, `app.org_total(bigint)`), or choose the environment with --env"),
    }
}
