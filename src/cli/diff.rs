//! `schemagit diff A B`: the changes from one schema source to another.

use clap::Args;

use super::judge::{self, Compared, FailOn, Format};
use super::source::{self, Source};
use super::{CliError, Context, Outcome};
use crate::catalog::connect::redact;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// The old side: a git revision, a snapshot folder, a postgres:// URL, env:NAME, or
    /// migrations[:DIR]
    #[arg(value_name = "A")]
    pub old: String,

    /// The new side, in the same forms
    #[arg(value_name = "B")]
    pub new: String,

    /// The lowest severity that makes the exit code non-zero
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Output format (--json overrides it)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(context: &mut Context, args: DiffArgs) -> Result<Outcome, CliError> {
    let root = context.root.clone();
    let (old, new) = source::load_pair(
        context,
        &Source::parse(&args.old, &root),
        &Source::parse(&args.new, &root),
    )?;
    let compared = Compared {
        header: format!("diff: {} → {}", old.label, new.label),
        title: format!("Schema changes: {} → {}", old.label, new.label),
        facts: vec![
            ("Environment".into(), context.config.env.clone()),
            ("Old".into(), old.label.clone()),
            ("New".into(), new.label.clone()),
        ],
        full_list: format!(
            "`schemagit diff {} {}`",
            redact(&args.old),
            redact(&args.new)
        ),
    };
    let changes = judge::compare(context, old, new);
    judge::report(context, &compared, &changes, args.format, args.fail_on)
}
