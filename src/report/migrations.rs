//! `migrations verify` and `migrations status` for people and machines: findings by severity
//! with the documented JSON wire shape, and the status table.

use std::io::{self, Write};

use serde::Serialize;

use crate::diff::Severity;
use crate::migrations::verify::{timestamp, CommitRef, Finding, StatusRow};

/// `migrations verify --json`: the contract's wire shape.
#[derive(Debug, Serialize)]
struct VerifyReport<'a> {
    summary: super::changes::SummaryReport,
    tool: &'a str,
    findings: Vec<FindingEntry<'a>>,
}

#[derive(Debug, Serialize)]
struct FindingEntry<'a> {
    severity: &'static str,
    kind: &'static str,
    migration: &'a str,
    detail: &'a str,
    commits: &'a [String],
}

/// `migrations status --json`.
#[derive(Debug, Serialize)]
struct StatusReport<'a> {
    tool: &'a str,
    migrations: Vec<StatusEntry<'a>>,
}

#[derive(Debug, Serialize)]
struct StatusEntry<'a> {
    version: &'a str,
    name: &'a str,
    file: Option<&'a str>,
    state: &'static str,
    applied_at: Option<String>,
    checksum: &'static str,
    added: Option<&'a str>,
    last_changed: Option<&'a str>,
}

fn summary(findings: &[Finding]) -> super::changes::SummaryReport {
    let count = |severity| findings.iter().filter(|f| f.severity == severity).count();
    super::changes::SummaryReport {
        critical: count(Severity::Critical),
        warning: count(Severity::Warning),
        info: count(Severity::Info),
    }
}

pub fn write_verify_json(out: &mut dyn Write, tool: &str, findings: &[Finding]) -> io::Result<()> {
    let report = VerifyReport {
        summary: summary(findings),
        tool,
        findings: findings
            .iter()
            .map(|f| FindingEntry {
                severity: f.severity.as_str(),
                kind: f.kind,
                migration: &f.migration,
                detail: &f.detail,
                commits: &f.commits,
            })
            .collect(),
    };
    super::wire::write_json(out, &report)
}

/// One line per finding, most severe first, then a count.
pub fn write_verify_human(
    out: &mut dyn Write,
    findings: &[Finding],
    migrations: usize,
) -> io::Result<()> {
    if findings.is_empty() {
        return writeln!(
            out,
            "no findings: {}",
            super::changes::counted(migrations, "migration")
        );
    }
    for finding in findings {
        let subject = if finding.migration.is_empty() {
            String::new()
        } else {
            format!("{} ", finding.migration)
        };
        writeln!(
            out,
            "{:<8} {:<19} {subject}{}",
            finding.severity.as_str(),
            finding.kind,
            finding.detail
        )?;
    }
    let s = summary(findings);
    writeln!(
        out,
        "{}: {} critical, {}, {} info",
        super::changes::counted(findings.len(), "finding"),
        s.critical,
        super::changes::counted(s.warning, "warning"),
        s.info
    )
}

fn short(commit: Option<&CommitRef>) -> Option<&str> {
    commit.map(CommitRef::short)
}

pub fn write_status_json(out: &mut dyn Write, tool: &str, rows: &[StatusRow]) -> io::Result<()> {
    let report = StatusReport {
        tool,
        migrations: rows
            .iter()
            .map(|row| StatusEntry {
                version: &row.version,
                name: &row.name,
                file: row.file.as_deref(),
                state: row.state,
                applied_at: row.applied_at.map(timestamp),
                checksum: row.checksum,
                added: row.added.as_ref().map(|c| c.id.as_str()),
                last_changed: row.last_changed.as_ref().map(|c| c.id.as_str()),
            })
            .collect(),
    };
    super::wire::write_json(out, &report)
}

/// A table: version, name, state, applied at, checksum, the commit that added the file and the
/// last that changed it.
pub fn write_status_human(out: &mut dyn Write, rows: &[StatusRow]) -> io::Result<()> {
    let header = [
        "VERSION",
        "NAME",
        "STATE",
        "APPLIED AT",
        "CHECKSUM",
        "ADDED",
        "CHANGED",
    ];
    let cells: Vec<[String; 7]> = rows
        .iter()
        .map(|row| {
            [
                row.version.clone(),
                row.file.clone().unwrap_or_else(|| row.name.clone()),
                row.state.to_string(),
                row.applied_at.map_or_else(|| "-".to_string(), timestamp),
                row.checksum.to_string(),
                short(row.added.as_ref()).unwrap_or("-").to_string(),
                short(row.last_changed.as_ref()).unwrap_or("-").to_string(),
            ]
        })
        .collect();
    let mut widths = header.map(str::len);
    for row in &cells {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |out: &mut dyn Write, row: &[&str]| {
        let mut text = String::new();
        for (index, (cell, width)) in row.iter().zip(widths).enumerate() {
            if index + 1 == row.len() {
                text.push_str(cell);
            } else {
                text.push_str(&format!("{cell:<width$}  "));
            }
        }
        writeln!(out, "{}", text.trim_end())
    };
    line(out, &header)?;
    for row in &cells {
        line(out, &row.each_ref().map(String::as_str))?;
    }
    Ok(())
}
