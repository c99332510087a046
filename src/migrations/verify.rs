//! The integrity rules, pure: migration files, the tracking table's rows and git's history of
//! the files → findings (each naming its migration and, where git is involved, the commits) and
//! one status row per migration.

use std::collections::BTreeMap;

use super::tools::{Applied, AppliedState, LocalMigration, Tool};
use crate::diff::Severity;

/// One commit, as the findings name it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommitRef {
    pub id: String,
    /// Seconds since the Unix epoch (the committer's time).
    pub time: i64,
    /// Its place along HEAD's first-parent line, oldest first: what "after" means between
    /// commits, whose times have one-second resolution.
    pub sequence: usize,
    /// Whether the commit changed only line endings or trailing whitespace of the file.
    pub whitespace_only: bool,
}

impl CommitRef {
    pub fn short(&self) -> &str {
        &self.id[..self.id.len().min(7)]
    }
}

/// What git knows about one migration file.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct FileHistory {
    /// The commit that added the file.
    pub added: Option<CommitRef>,
    /// The commits that changed it after that, oldest first.
    pub changed: Vec<CommitRef>,
    /// New or modified in the work tree or index, against HEAD.
    pub uncommitted: bool,
}

/// A snapshot commit whose `Schema-Migrations` trailer names the latest applied migration:
/// evidence that every migration up to it was applied by then.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AppliedBy {
    pub commit: CommitRef,
    pub tool: String,
    pub latest: String,
}

/// Git's side, keyed by file relative to the migrations folder.
#[derive(Debug, Clone, Default)]
pub struct GitFacts {
    pub files: BTreeMap<String, FileHistory>,
    pub snapshots: Vec<AppliedBy>,
}

/// What was learned from the database.
#[derive(Debug, Clone)]
pub enum Tracking {
    /// Not read (`--offline`).
    NotChecked,
    /// None of the tool's tracking tables exists.
    Missing,
    Rows(Vec<Applied>),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub severity: Severity,
    /// `missing`, `edited`, `edited_after_apply`, `failed`, `dirty`, `pending`, `out_of_order`,
    /// `changed_after_added`, `uncommitted`, `no_tracker`.
    pub kind: &'static str,
    /// The migration's name; empty for a finding about the whole folder.
    pub migration: String,
    pub detail: String,
    /// Full ids of the commits involved, oldest first.
    pub commits: Vec<String>,
}

/// One line of `migrations status`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusRow {
    pub version: String,
    pub name: String,
    pub file: Option<String>,
    pub applied_at: Option<i64>,
    /// `applied`, `pending`, `failed`, `dirty`, `rolled back`, `baseline`, `missing file`,
    /// `unknown` (not checked).
    pub state: &'static str,
    /// `ok`, `changed`, `changed (whitespace only)`, or `-` without a checksum to compare.
    pub checksum: &'static str,
    pub added: Option<CommitRef>,
    pub last_changed: Option<CommitRef>,
}

#[derive(Debug, Clone)]
pub struct Verified {
    pub findings: Vec<Finding>,
    pub rows: Vec<StatusRow>,
}

/// Checks `files` of `tool` (in `folder`, as the findings name it) against `tracking` and `git`.
pub fn verify(
    tool: Tool,
    folder: &str,
    files: &[LocalMigration],
    tracking: &Tracking,
    git: &GitFacts,
) -> Verified {
    let mut findings = Vec::new();
    let mut rows = Vec::new();
    let none = FileHistory::default();
    let history = |file: &LocalMigration| git.files.get(&file.file).unwrap_or(&none);

    let applied = match tracking {
        Tracking::Rows(rows) => Some(latest_per_version(rows)),
        Tracking::Missing => {
            if tool != Tool::Plain {
                findings.push(Finding {
                    severity: Severity::Warning,
                    kind: "no_tracker",
                    migration: String::new(),
                    detail: format!(
                        "no {} tracking table in the database: looked for {}",
                        tool.name(),
                        tool.tracking_tables().join(", ")
                    ),
                    commits: Vec::new(),
                });
            }
            None
        }
        Tracking::NotChecked => None,
    };
    let position: BTreeMap<&str, usize> = files
        .iter()
        .enumerate()
        .map(|(index, file)| (file.version.as_str(), index))
        .collect();
    let baseline = applied.as_ref().and_then(|rows| {
        rows.values()
            .filter(|row| row.state == AppliedState::Baseline)
            .map(|row| row.version.clone())
            .max_by(|a, b| super::apply::version_order(a, b))
    });
    let last_applied = applied.as_ref().and_then(|rows| {
        rows.values()
            .filter(|row| counts_as_applied(row.state))
            .filter_map(|row| position.get(row.version.as_str()).copied())
            .filter(|index| !files[*index].repeatable)
            .max()
    });

    for (index, file) in files.iter().enumerate() {
        let history = history(file);
        let mut row = StatusRow {
            version: file.version.clone(),
            name: file.name.clone(),
            file: Some(file.file.clone()),
            applied_at: None,
            state: "unknown",
            checksum: "-",
            added: history.added.clone(),
            last_changed: history.changed.last().cloned(),
        };
        if let Some(applied) = &applied {
            let below_baseline = baseline.as_ref().is_some_and(|b| {
                !file.repeatable && super::apply::version_order(&file.version, b).is_le()
            });
            match applied.get(file.version.as_str()) {
                Some(tracked) if tracked.state != AppliedState::RolledBack => {
                    row.applied_at = tracked.applied_at;
                    row.state = state_name(tracked.state);
                    check_applied(
                        tool,
                        file,
                        tracked,
                        history,
                        git,
                        files,
                        &mut row,
                        &mut findings,
                    );
                }
                _ if below_baseline => row.state = "baseline",
                tracked => {
                    row.state = "pending";
                    let rolled_back = tracked.is_some_and(|t| t.state == AppliedState::RolledBack);
                    let note = if rolled_back { " (rolled back)" } else { "" };
                    findings.push(match last_applied.filter(|last| *last > index && !file.repeatable) {
                        Some(last) => Finding {
                            severity: Severity::Warning,
                            kind: "out_of_order",
                            migration: file.name.clone(),
                            detail: format!(
                                "not applied{note}, but {} which comes after it is: applying it now runs it out of order",
                                files[last].name
                            ),
                            commits: Vec::new(),
                        },
                        None => Finding {
                            severity: Severity::Warning,
                            kind: "pending",
                            migration: file.name.clone(),
                            detail: format!("not applied yet{note}"),
                            commits: Vec::new(),
                        },
                    });
                }
            }
        }
        if let Some(added) = history
            .added
            .as_ref()
            .filter(|_| !history.changed.is_empty())
        {
            let changed: Vec<&str> = history.changed.iter().map(CommitRef::short).collect();
            let whitespace = if history.changed.iter().all(|c| c.whitespace_only) {
                " (only line endings or trailing whitespace)"
            } else {
                ""
            };
            findings.push(Finding {
                severity: Severity::Warning,
                kind: "changed_after_added",
                migration: file.name.clone(),
                detail: format!(
                    "changed in git after the commit that added it{whitespace}: added in {}, changed in {}",
                    added.short(),
                    changed.join(", ")
                ),
                commits: std::iter::once(added)
                    .chain(&history.changed)
                    .map(|c| c.id.clone())
                    .collect(),
            });
        }
        if history.uncommitted {
            findings.push(Finding {
                severity: Severity::Warning,
                kind: "uncommitted",
                migration: file.name.clone(),
                detail: format!("{folder}/{} is not committed", file.file),
                commits: Vec::new(),
            });
        }
        rows.push(row);
    }

    if let Some(applied) = &applied {
        let mut by_rank: Vec<&Applied> = applied.values().copied().collect();
        by_rank.sort_by_key(|row| row.rank);
        let mut furthest: Option<usize> = None;
        for tracked in by_rank {
            let Some(&index) = position.get(tracked.version.as_str()) else {
                if matches!(
                    tracked.state,
                    AppliedState::RolledBack | AppliedState::Baseline
                ) {
                    continue;
                }
                let name = tracked
                    .name
                    .clone()
                    .unwrap_or_else(|| tracked.version.clone());
                findings.push(Finding {
                    severity: Severity::Critical,
                    kind: "missing",
                    migration: name.clone(),
                    detail: format!(
                        "applied{} but no file for version {} in {folder}",
                        tracked
                            .applied_at
                            .map(|t| format!(" at {}", timestamp(t)))
                            .unwrap_or_default(),
                        tracked.version
                    ),
                    commits: Vec::new(),
                });
                rows.push(StatusRow {
                    version: tracked.version.clone(),
                    name,
                    file: None,
                    applied_at: tracked.applied_at,
                    state: "missing file",
                    checksum: "-",
                    added: None,
                    last_changed: None,
                });
                continue;
            };
            if !counts_as_applied(tracked.state) || files[index].repeatable {
                continue;
            }
            match furthest {
                Some(before) if before > index => findings.push(Finding {
                    severity: Severity::Warning,
                    kind: "out_of_order",
                    migration: files[index].name.clone(),
                    detail: format!("applied after {}, which comes after it", files[before].name),
                    commits: Vec::new(),
                }),
                _ => furthest = Some(index),
            }
        }
    }
    findings.sort_by_key(|finding| std::cmp::Reverse(finding.severity));
    Verified { findings, rows }
}

fn counts_as_applied(state: AppliedState) -> bool {
    matches!(
        state,
        AppliedState::Applied | AppliedState::Failed | AppliedState::Dirty
    )
}

fn state_name(state: AppliedState) -> &'static str {
    match state {
        AppliedState::Applied => "applied",
        AppliedState::Failed => "failed",
        AppliedState::Dirty => "dirty",
        AppliedState::RolledBack => "rolled back",
        AppliedState::Baseline => "baseline",
    }
}

/// The latest row per version (a prisma migration retried after a rollback has several).
fn latest_per_version(rows: &[Applied]) -> BTreeMap<&str, &Applied> {
    let mut latest: BTreeMap<&str, &Applied> = BTreeMap::new();
    for row in rows {
        let keep = latest
            .get(row.version.as_str())
            .map_or(true, |kept| kept.rank <= row.rank);
        if keep {
            latest.insert(&row.version, row);
        }
    }
    latest
}

/// The findings about one applied migration: its state, its checksum or, for a tool without
/// checksums, the commits that changed it after it was applied.
#[allow(clippy::too_many_arguments)]
fn check_applied(
    tool: Tool,
    file: &LocalMigration,
    tracked: &Applied,
    history: &FileHistory,
    git: &GitFacts,
    files: &[LocalMigration],
    row: &mut StatusRow,
    findings: &mut Vec<Finding>,
) {
    let finding = |severity, kind, detail: String, commits: Vec<String>| Finding {
        severity,
        kind,
        migration: file.name.clone(),
        detail,
        commits,
    };
    match tracked.state {
        AppliedState::Failed => findings.push(finding(
            Severity::Critical,
            "failed",
            format!("the {} tracking table records it as failed or unfinished", tool.name()),
            Vec::new(),
        )),
        AppliedState::Dirty => findings.push(finding(
            Severity::Critical,
            "dirty",
            "the tracking table is dirty at this version: it stopped halfway; fix the schema by hand, then force the version".to_string(),
            Vec::new(),
        )),
        _ => {}
    }
    if let Some(recorded) = tracked.checksum.as_deref().filter(|_| tool.has_checksums()) {
        if tool.checksum_matches(&file.bytes, recorded) {
            row.checksum = "ok";
            return;
        }
        let whitespace = whitespace_variants(&file.bytes)
            .iter()
            .any(|variant| tool.checksum_matches(variant, recorded));
        row.checksum = if whitespace {
            "changed (whitespace only)"
        } else {
            "changed"
        };
        let now = tool.checksum(&file.bytes).unwrap_or_default();
        if file.repeatable {
            row.state = "pending";
            findings.push(finding(
                Severity::Warning,
                "pending",
                "changed since it was last applied: flyway applies a repeatable migration again"
                    .to_string(),
                Vec::new(),
            ));
            return;
        }
        let what = if whitespace {
            "only line endings or trailing whitespace changed since it was applied"
        } else {
            "the file changed since it was applied"
        };
        let commits: Vec<String> = history.changed.iter().map(|c| c.id.clone()).collect();
        findings.push(finding(
            Severity::Critical,
            "edited",
            format!(
                "{what}: checksum {} in the tracking table, {} now",
                abbreviated(recorded),
                abbreviated(&now)
            ),
            commits,
        ));
        return;
    }
    let Some((applied_at, evidence)) = applied_time(tracked, file, git, files) else {
        return;
    };
    let after: Vec<&CommitRef> = history
        .changed
        .iter()
        // After the snapshot commit that recorded the apply is a place on the line, not a
        // time: commit times have one-second resolution.
        .filter(|c| match evidence {
            Some(snapshot) => c.sequence > snapshot.sequence,
            None => c.time > applied_at,
        })
        .collect();
    if after.is_empty() {
        return;
    }
    let what = if after.iter().all(|c| c.whitespace_only) {
        "changed in git after it was applied, though only line endings or trailing whitespace"
    } else {
        "changed in git after it was applied"
    };
    let names: Vec<&str> = after.iter().map(|c| c.short()).collect();
    let mut commits: Vec<String> = evidence.iter().map(|c| c.id.clone()).collect();
    commits.extend(after.iter().map(|c| c.id.clone()));
    findings.push(finding(
        Severity::Critical,
        "edited_after_apply",
        format!(
            "{what} ({}): {}; the database ran the earlier version",
            match evidence {
                Some(snapshot) => format!("recorded as applied by snapshot {}", snapshot.short()),
                None => format!("applied at {}", timestamp(applied_at)),
            },
            names.join(", ")
        ),
        commits,
    ));
}

/// When the migration was applied: the tracking table's time, else the first snapshot commit
/// whose `Schema-Migrations` trailer names it or a later migration of the same tool.
fn applied_time<'g>(
    tracked: &Applied,
    file: &LocalMigration,
    git: &'g GitFacts,
    files: &[LocalMigration],
) -> Option<(i64, Option<&'g CommitRef>)> {
    if let Some(at) = tracked.applied_at {
        return Some((at, None));
    }
    let index = files.iter().position(|f| f.version == file.version)?;
    git.snapshots
        .iter()
        .filter(|snapshot| {
            files
                .iter()
                .position(|f| f.name == snapshot.latest)
                .is_some_and(|latest| latest >= index)
        })
        .min_by_key(|snapshot| snapshot.commit.sequence)
        .map(|snapshot| (snapshot.commit.time, Some(&snapshot.commit)))
}

/// The file as it may have been applied before an editor or git touched only its line endings
/// or trailing whitespace.
fn whitespace_variants(bytes: &[u8]) -> Vec<Vec<u8>> {
    let text = String::from_utf8_lossy(bytes);
    let lf = text.replace("\r\n", "\n");
    let stripped: String = lf
        .split('\n')
        .map(str::trim_end)
        .collect::<Vec<_>>()
        .join("\n");
    let mut variants = Vec::new();
    for base in [lf.clone(), stripped] {
        let crlf = base.replace('\n', "\r\n");
        for variant in [base.clone(), crlf] {
            variants.push(variant.clone().into_bytes());
            let trimmed = variant.trim_end_matches(['\r', '\n']);
            variants.push(trimmed.as_bytes().to_vec());
            variants.push(format!("{trimmed}\n").into_bytes());
            variants.push(format!("{trimmed}\r\n").into_bytes());
        }
    }
    variants
}

/// A long hex digest cut to its first 12 digits, as a person compares them.
fn abbreviated(checksum: &str) -> String {
    if checksum.len() > 16 && checksum.bytes().all(|b| b.is_ascii_hexdigit()) {
        format!("{}…", &checksum[..12])
    } else {
        checksum.to_string()
    }
}

/// `2024-05-01 12:00:00 UTC`.
pub fn timestamp(seconds: i64) -> String {
    let days = seconds.div_euclid(86_400);
    let second_of_day = seconds.rem_euclid(86_400);
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    format!(
        "{year:04}-{month:02}-{day:02} {:02}:{:02}:{:02} UTC",
        second_of_day / 3600,
        second_of_day % 3600 / 60,
        second_of_day % 60
    )
}

#[cfg(test)]
mod tests;
