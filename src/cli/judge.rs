//! What `check` and `diff` share: compare two loaded schemas under the configuration (role
//! maps, rules, ignore lists, severity overrides), print the changes, and judge them.

use std::io::IsTerminal;

use clap::ValueEnum;

use super::source::Loaded;
use super::{CliError, Context, Outcome};
use crate::diff::{self, rules, scope, Change, Severity};
use crate::report::changes;

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
pub fn compare(context: &Context, mut old: Loaded, mut new: Loaded) -> Vec<Change> {
    let config = &context.config;
    scope::map_roles(&mut old.database, &config.roles(&old.env));
    scope::map_roles(&mut new.database, &config.roles(&new.env));
    let mut changes = diff::diff(&old.database, &new.database);
    changes.extend(rules::check(&config.rules, &new.database));
    config.ignore.retain(&mut changes);
    config.severity.apply(&mut changes);
    diff::sort(&mut changes);
    changes
}

/// Prints `changes` as asked and judges them: critical → 1; at or above `fail_on` → 2.
pub fn report(
    context: &mut Context,
    title: &str,
    changes: &[Change],
    format: Format,
    fail_on: FailOn,
) -> Result<Outcome, CliError> {
    if context.json {
        changes::write_json(context.out, changes)?;
    } else {
        match format {
            Format::Human => {
                let color =
                    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none();
                changes::write_human(context.out, changes, color)?;
            }
            Format::Markdown => changes::write_markdown(context.out, title, changes)?,
        }
    }
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
