//! The documented `--json` shapes of `snapshot` and `verify`, and their human renderings.
//! These are wire types of their own, never internal structs serialised by accident.

use std::io::{self, Write};

use serde::Serialize;

use super::changes::counted;
use crate::codec::{FileChange, Problem};
use crate::diff::Change;
use crate::fleet::Group;

/// `schemagit snapshot --json`.
#[derive(Debug, Serialize)]
pub struct SnapshotReport {
    pub env: String,
    /// The folder written, relative to the repository root.
    pub folder: String,
    pub fingerprint: String,
    pub objects: usize,
    /// The commit made, or `null` when the snapshot was unchanged or not committed.
    pub commit: Option<String>,
    /// The branch committed to (`refs/heads/…`), when a commit was made.
    pub branch: Option<String>,
    /// `true` for `--dry-run`: the changes are what a real run would commit; nothing was written.
    pub dry_run: bool,
    /// The remote the branch was pushed to (`--push`), or `null` when nothing was pushed.
    pub pushed: Option<String>,
    pub changes: Vec<FileChangeReport>,
}

/// `schemagit snapshot --all --json` and `--databases --json`: the one commit of the run,
/// and each database's report as `snapshot --json` gives it (its `commit` is the run's commit
/// when its folder changed, else `null`).
#[derive(Debug, Serialize)]
pub struct FleetReport {
    pub commit: Option<String>,
    pub branch: Option<String>,
    pub dry_run: bool,
    pub pushed: Option<String>,
    pub databases: Vec<SnapshotReport>,
    /// The databases that could not be read; none of them is in the commit.
    pub failed: Vec<FleetFailure>,
}

/// A database of a fleet run that failed, and why.
#[derive(Debug, Serialize)]
pub struct FleetFailure {
    pub env: String,
    pub error: String,
}

/// `schemagit diff --databases --json`: the groups of identical schemas (the majority first),
/// each other database's changes from the majority, and the databases that could not be read.
#[derive(Debug, Serialize)]
pub struct FleetDiffReport<'a> {
    pub majority: Option<GroupReport<'a>>,
    pub groups: Vec<GroupReport<'a>>,
    pub differing: Vec<DifferingReport<'a>>,
    pub failed: Vec<FleetFailure>,
}

#[derive(Debug, Serialize)]
pub struct GroupReport<'a> {
    pub fingerprint: &'a str,
    pub databases: &'a [String],
}

#[derive(Debug, Serialize)]
pub struct DifferingReport<'a> {
    pub env: &'a str,
    pub fingerprint: &'a str,
    #[serde(flatten)]
    pub changes: super::changes::ChangeReport<'a>,
}

impl<'a> FleetDiffReport<'a> {
    pub fn new(
        groups: &'a [Group],
        differing: &'a [(String, String, Vec<Change>)],
        failed: Vec<FleetFailure>,
    ) -> Self {
        let group = |g: &'a Group| GroupReport {
            fingerprint: &g.fingerprint,
            databases: &g.databases,
        };
        FleetDiffReport {
            majority: groups.first().map(group),
            groups: groups.iter().map(group).collect(),
            differing: differing
                .iter()
                .map(|(env, fingerprint, changes)| DifferingReport {
                    env,
                    fingerprint,
                    changes: super::changes::report(changes),
                })
                .collect(),
            failed,
        }
    }
}

/// `diff --databases` for people: the majority schema, then each database that differs from
/// it and its changes (as `diff` shows them, or as markdown).
pub fn write_fleet_diff(
    out: &mut dyn Write,
    groups: &[Group],
    differing: &[(String, String, Vec<Change>)],
    markdown: bool,
    color: bool,
) -> io::Result<()> {
    let total: usize = groups.iter().map(|g| g.databases.len()).sum();
    let Some(majority) = groups.first() else {
        return writeln!(out, "no database could be read");
    };
    let (heading, item) = if markdown { ("## ", "- ") } else { ("", "  ") };
    writeln!(
        out,
        "{heading}majority schema {}: {} of {}",
        majority.fingerprint,
        majority.databases.len(),
        counted(total, "database")
    )?;
    if differing.is_empty() {
        return writeln!(out, "{item}every database has this schema");
    }
    for (env, fingerprint, changes) in differing {
        writeln!(
            out,
            "\n{heading}{env} differs ({fingerprint}): {}",
            counted(changes.len(), "change")
        )?;
        if markdown {
            for change in changes {
                writeln!(
                    out,
                    "- **{}** {} {} `{}`: {}",
                    change.severity.as_str(),
                    change.action.as_str(),
                    change.kind.replace('_', " "),
                    change.object,
                    change.detail
                )?;
            }
        } else {
            super::changes::write_human(out, changes, color)?;
        }
    }
    Ok(())
}

/// One object file added, changed or removed by a snapshot.
#[derive(Debug, Serialize)]
pub struct FileChangeReport {
    pub action: &'static str,
    pub kind: String,
    pub object: String,
    pub path: String,
}

impl From<&FileChange> for FileChangeReport {
    fn from(change: &FileChange) -> Self {
        FileChangeReport {
            action: change.action.as_str(),
            kind: change.kind.clone(),
            object: change.name.clone(),
            path: change.path.clone(),
        }
    }
}

/// `schemagit verify --json`.
#[derive(Debug, Serialize)]
pub struct VerifyReport {
    pub folder: String,
    pub ok: bool,
    pub objects: usize,
    pub problems: Vec<ProblemReport>,
}

#[derive(Debug, Serialize)]
pub struct ProblemReport {
    pub path: String,
    pub reason: String,
}

impl From<&Problem> for ProblemReport {
    fn from(problem: &Problem) -> Self {
        ProblemReport {
            path: problem.path.clone(),
            reason: problem.reason.clone(),
        }
    }
}

pub fn write_json<T: Serialize>(out: &mut dyn Write, value: &T) -> io::Result<()> {
    serde_json::to_writer_pretty(&mut *out, value)?;
    writeln!(out)
}

/// The summary line, one line per change (a first snapshot has one per object: written out
/// in blocks, not a write per line), the commit and the push.
pub fn write_snapshot_human(out: &mut dyn Write, report: &SnapshotReport) -> io::Result<()> {
    let mut out = io::BufWriter::new(out);
    writeln!(
        out,
        "snapshot {}: {}, {}",
        report.env,
        counted(report.objects, "object"),
        report.fingerprint
    )?;
    for change in &report.changes {
        writeln!(
            out,
            "  {:<8} {} {}",
            change.action,
            change.kind.replace('_', " "),
            change.object
        )?;
    }
    match (&report.commit, &report.branch) {
        (Some(commit), Some(branch)) => writeln!(
            out,
            "committed {} on {}",
            &commit[..commit.len().min(12)],
            branch.trim_start_matches("refs/heads/")
        )?,
        _ if report.dry_run => writeln!(out, "dry run: nothing written or committed")?,
        _ => writeln!(
            out,
            "unchanged: {} already matches the last commit, nothing to commit",
            report.folder
        )?,
    }
    if let Some(remote) = &report.pushed {
        writeln!(out, "pushed to {remote}")?;
    }
    out.flush()
}

/// One line per database (what changed in its folder), then the run's commit.
pub fn write_fleet_human(out: &mut dyn Write, report: &FleetReport) -> io::Result<()> {
    let width = report
        .databases
        .iter()
        .map(|d| d.env.len())
        .chain(report.failed.iter().map(|f| f.env.len()))
        .max()
        .unwrap_or(0);
    let mut changed = 0;
    for database in &report.databases {
        let state = if database.changes.is_empty() {
            "unchanged".to_string()
        } else {
            changed += 1;
            format!("{} changed", counted(database.changes.len(), "file"))
        };
        writeln!(
            out,
            "{:<width$}  {}, {}: {state}",
            database.env,
            counted(database.objects, "object"),
            &database.fingerprint[..database.fingerprint.len().min(19)]
        )?;
    }
    for failure in &report.failed {
        writeln!(out, "{:<width$}  failed: {}", failure.env, failure.error)?;
    }
    let total = report.databases.len() + report.failed.len();
    match (&report.commit, &report.branch) {
        (Some(commit), Some(branch)) => writeln!(
            out,
            "committed {} on {}: {changed} of {total} changed",
            &commit[..commit.len().min(12)],
            branch.trim_start_matches("refs/heads/")
        )?,
        _ if report.dry_run => writeln!(
            out,
            "dry run: {changed} of {total} would change; nothing written or committed"
        )?,
        _ => writeln!(
            out,
            "unchanged: all {} already match the last commit, nothing to commit",
            report.databases.len()
        )?,
    }
    match &report.pushed {
        Some(remote) => writeln!(out, "pushed to {remote}"),
        None => Ok(()),
    }
}

pub fn write_verify_human(out: &mut dyn Write, report: &VerifyReport) -> io::Result<()> {
    for problem in &report.problems {
        writeln!(
            out,
            "{}/{}: {}",
            report.folder, problem.path, problem.reason
        )?;
    }
    if report.ok {
        writeln!(
            out,
            "{}: {}, every hash and the fingerprint check out",
            report.folder,
            counted(report.objects, "object")
        )?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_fleet_diff_counts_one_database_in_the_singular() {
        let groups = [Group {
            fingerprint: "blake3:ab".to_string(),
            databases: vec!["tenant_a".to_string()],
        }];
        let mut out = Vec::new();
        write_fleet_diff(&mut out, &groups, &[], false, false).unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "majority schema blake3:ab: 1 of 1 database\n  every database has this schema\n"
        );
    }
}
