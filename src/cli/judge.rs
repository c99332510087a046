//! What `check` and `diff` share: compare two loaded schemas through the library's one
//! decision path ([`crate::compare`]), print the changes, and judge them.

use clap::ValueEnum;

use super::source::Loaded;
use super::{CliError, Context, Outcome};
use crate::compare::{self, Side};
use crate::diff::{Change, Severity};
use crate::report::changes;
use crate::report::markdown::{self, Subject};

/// What a report compared, in words.
pub struct Compared {
    /// One line for stderr: `check prod: postgresql://app@db/app against HEAD:snapshots/prod`.
    pub header: String,
    /// The markdown report's title.
    pub title: String,
    /// The markdown report's table of what was compared: (label, value), no credentials.
    pub facts: Vec<(String, String)>,
    /// The command that lists every change, for a markdown report cut short.
    pub full_list: String,
}

impl Compared {
    /// What the markdown report says was compared.
    pub fn subject(&self) -> Subject<'_> {
        Subject {
            title: &self.title,
            facts: &self.facts,
            full_list: &self.full_list,
        }
    }
}

/// `--format` of `check` and `diff` (`--json` wins over it).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Format {
    #[default]
    Human,
    Markdown,
}

/// `--fail-on`: the lowest severity that makes the exit code non-zero.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum FailOn {
    Critical,
    #[default]
    Warning,
    Info,
}

/// The changes from `old` to `new`, everything in the configuration applied.
pub fn compare(context: &Context, old: Loaded, new: Loaded) -> Vec<Change> {
    let side = |loaded: Loaded| Side {
        database: loaded.database,
        env: loaded.env,
    };
    compare::compare(&context.config, side(old), side(new))
}

/// Prints `changes` as asked and judges them: critical → 1; at or above `fail_on` → 2.
/// `compared` says what was compared: a note on stderr (the data on stdout stays data), and
/// the markdown report's title.
pub fn report(
    context: &mut Context,
    compared: &Compared,
    changes: &[Change],
    format: Format,
    fail_on: FailOn,
) -> Result<Outcome, CliError> {
    context.note(&compared.header);
    let written = if context.json {
        changes::write_json(context.out, changes)
    } else {
        match format {
            Format::Human => changes::write_human(context.out, changes, context.color),
            Format::Markdown => markdown::write_markdown(context.out, &compared.subject(), changes),
        }
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    let threshold = match fail_on {
        FailOn::Critical => Severity::Critical,
        FailOn::Warning => Severity::Warning,
        FailOn::Info => Severity::Info,
    };
    let worst = changes.iter().map(|c| c.severity).max();
    Ok(match worst {
        Some(Severity::Critical) => Outcome::Critical,
        Some(severity) if severity >= threshold => Outcome::Warning,
        _ => Outcome::Clean,
    })
}
