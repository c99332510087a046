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
    #[arg(value_name = "A", required_unless_present = "databases")]
    pub old: Option<String>,

    /// The new side, in the same forms
    #[arg(value_name = "B", required_unless_present = "databases")]
    pub new: Option<String>,

    /// Read every database on the server (--database-url, else DATABASE_URL) whose name
    /// matches PATTERN, name the schema most share, and show how each other one differs
    #[arg(long, value_name = "PATTERN", conflicts_with_all = ["old", "new"])]
    pub databases: Option<String>,

    /// How many databases --databases reads at once [default: jobs from schemagit.toml, else 4]
    #[arg(long, value_name = "N", requires = "databases", value_parser = clap::value_parser!(u16).range(1..))]
    pub jobs: Option<u16>,

    /// The lowest severity that makes the exit code non-zero
    #[arg(long, value_enum, default_value_t = FailOn::Warning)]
    pub fail_on: FailOn,

    /// Output format (--json overrides it)
    #[arg(long, value_enum, default_value_t = Format::Human)]
    pub format: Format,
}

pub fn run(context: &mut Context, args: DiffArgs) -> Result<Outcome, CliError> {
    if let Some(pattern) = &args.databases {
        return super::fleet::diff(context, pattern, &args);
    }
    let (Some(old_text), Some(new_text)) = (&args.old, &args.new) else {
        unreachable!("clap requires A and B without --databases");
    };
    let root = context.root.clone();
    let (old, new) = source::load_pair(
        context,
        &Source::parse(old_text, &root),
        &Source::parse(new_text, &root),
    )?;
    let compared = Compared {
        header: format!("diff: {} → {}", old.label, new.label),
        title: format!("Schema changes: {} → {}", old.label, new.label),
        facts: vec![
            ("Environment".into(), context.config.env.clone()),
            ("Old".into(), old.label.clone()),
            ("New".into(), new.label.clone()),
        ],
        full_list: format!("`schemagit diff {} {}`", redact(old_text), redact(new_text)),
    };
    let changes = judge::compare(context, old, new);
    judge::report(context, &compared, &changes, args.format, args.fail_on)
}
