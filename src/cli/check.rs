//! `schemagit check`: the live database against the committed snapshot. Writes nothing. A
//! change while the latest applied migration is still the one the snapshot recorded is a
//! manual change; so is one the audit trail, when the database has it, logged as manual since
//! that snapshot.

use clap::Args;

use super::judge::{self, Compared, FailOn, Format};
use super::notify::{self, Drift, NotifyArgs};
use super::source::{self, Found, Loaded, Source};
use super::{CliError, Context, ErrorKind, Outcome};
use crate::audit::{self, Since};
use crate::compare;
use crate::migrations::trailer;

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

    #[command(flatten)]
    pub notify: NotifyArgs,
}

pub fn run(context: &mut Context, args: CheckArgs) -> Result<Outcome, CliError> {
    let expected = match source::find(context, &Source::Revision(args.rev.clone()))? {
        Found::Schema(expected) => *expected,
        Found::NoSnapshot { revision } => {
            return Err(CliError::new(
                ErrorKind::Snapshot,
                format!(
                    "no snapshot to check against: {revision} has no {}",
                    context.config.snapshot_folder
                ),
            )
            .with_hint("run `schemagit snapshot` first to record the expected schema (or choose the environment with --env, the revision with --rev)"))
        }
    };
    let revision = context.repo()?.commit_id(&args.rev)?.map_or_else(
        || args.rev.clone(),
        |id| format!("{} ({})", args.rev, &id[..12]),
    );
    let target = source::configured_target(context)?;
    let latest_applied = super::migrations::latest_applied(context, &target);
    // Manual changes since the snapshot commit that `--rev` names or follows.
    let snapshot_commit = context
        .repo()?
        .last_snapshot_commit(&args.rev, &context.config.env)?;
    let since = snapshot_commit
        .as_ref()
        .map(|commit| Since::commit(&commit.message, commit.time));
    let bar = context.progress_bar(0, "queries");
    let read = source::read_live_audited(&target, &context.config, since.as_ref(), true, &|step| {
        bar.watch(step)
    });
    bar.finish();
    let (read, audited) = read?;
    if let Some(reason) = &audited.unreadable {
        context.note(format_args!(
            "warning: the audit trail could not be read, so manual changes are not reported: {reason}"
        ));
    }
    let live = Loaded {
        database: read.database,
        env: context.config.env.clone(),
        label: target.display_redacted(),
        replay_owner: None,
    };
    let compared = Compared {
        header: format!(
            "check {}: {} against {}",
            context.config.env, live.label, expected.label
        ),
        title: format!("Schema drift in {}", context.config.env),
        facts: vec![
            ("Environment".into(), context.config.env.clone()),
            ("Database".into(), live.label.clone()),
            ("Expected".into(), expected.label.clone()),
            ("Revision".into(), revision),
        ],
        full_list: format!("`schemagit check --env {}`", context.config.env),
    };
    let mut changes = judge::compare(context, expected, live);
    let recorded = snapshot_commit
        .as_ref()
        .and_then(|commit| trailer::in_message(&commit.message));
    let manual = trailer::manual_change(recorded, latest_applied.as_deref(), &changes);
    changes.splice(0..0, manual);
    let logged = audited.log.map(|log| log.events).unwrap_or_default();
    let findings = audit::findings(&audited.triggers, &logged);
    compare::add_findings(&context.config, &mut changes, findings);
    let outcome = judge::report(context, &compared, &changes, args.format, args.fail_on)?;
    // Drift is what fails the check: nothing is sent when it passes.
    if outcome != Outcome::Clean {
        let drift = Drift {
            what: &compared.header,
            report: compared.subject(),
            changes: &changes,
        };
        notify::send(context, &args.notify, &drift);
    }
    Ok(outcome)
}
