//! `schemagit check`: the live database against the committed snapshot. Writes nothing.

use clap::Args;

use super::judge::{self, FailOn, Format};
use super::source::{self, Loaded, Source};
use super::{CliError, Context, Outcome};

#[derive(Debug, Args)]
pub struct CheckArgs {
    /// The revision whose snapshot is the expected schema
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,

    /// The lowest severity that fails the check: critical exits 1, warning (and info, when
    /// asked) exit 2
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Output format (--json overrides it)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(context: &mut Context, args: CheckArgs) -> Result<Outcome, CliError> {
    let expected = source::load(context, &Source::Revision(args.rev.clone()))?;
    let target = source::configured_target(context)?;
    let live = Loaded {
        database: source::read_live(&target, &context.config)?.database,
        env: context.config.env.clone(),
        label: target.display_redacted(),
    };
    let title = format!("Schema drift: {} against {}", live.label, expected.label);
    let changes = judge::compare(context, expected, live);
    judge::report(context, &title, &changes, args.format, args.fail_on)
}
