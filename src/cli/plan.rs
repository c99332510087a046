//! `schemagit plan A B`: the SQL that turns schema A into schema B, with its hazards.
//! `--revert` writes the way back from the live database to the committed snapshot,
//! `--capture` the way from the snapshot to what the database has become; `--verify` proves
//! the plan in a throwaway PostgreSQL. The plan is only ever printed or written to a file.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::SystemTime;

use clap::Args;
use serde::Serialize;

use super::replay;
use super::source::{self, Found, Loaded, Source};
use super::{runtime, CliError, Context, ErrorKind, Outcome};
use crate::catalog::connect::{self, redact, ConnectOptions};
use crate::ephemeral::EphemeralPostgres;
use crate::migrations::{self, tracking, Tool};
use crate::plan::{self, HazardKind, Options, Plan, Statement};

#[derive(Debug, Args)]
pub struct PlanArgs {
    /// The schema to start from: a git revision, a snapshot folder, a postgres:// URL,
    /// env:NAME, migrations[:DIR], or `empty` (what a new database holds)
    #[arg(value_name = "A", required_unless_present_any = ["revert", "capture"])]
    pub old: Option<String>,

    /// The schema to arrive at, in the same forms
    #[arg(value_name = "B", required_unless_present_any = ["revert", "capture"])]
    pub new: Option<String>,

    /// Undo drift: the plan from the live database back to the committed snapshot (--rev)
    #[arg(long, conflicts_with_all = ["old", "new", "capture"])]
    pub revert: bool,

    /// Keep drift: the plan from the committed snapshot (--rev) to the live database
    #[arg(long, conflicts_with_all = ["old", "new"])]
    pub capture: bool,

    /// The committed snapshot that --revert and --capture compare the database with
    #[arg(long, value_name = "REV", default_value = "HEAD")]
    pub rev: String,

    /// Lock-light forms: indexes built and dropped CONCURRENTLY outside the transaction,
    /// constraints added NOT VALID and validated after, a lock_timeout at the top
    #[arg(long)]
    pub online: bool,

    /// Prove the plan: build A in a throwaway PostgreSQL, apply the plan, and require the
    /// result to be B object for object (needs the PostgreSQL server binaries)
    #[arg(long)]
    pub verify: bool,

    /// The captured migration's name
    #[arg(
        long,
        value_name = "NAME",
        default_value = "capture_drift",
        requires = "capture"
    )]
    pub name: String,

    /// The migrations folder --capture writes into [default: migrations from schemagit.toml]
    #[arg(long, value_name = "DIR", requires = "capture")]
    pub dir: Option<PathBuf>,

    /// The migration tool whose convention --capture follows [default: detected from the files
    /// and the tracking tables]
    #[arg(long, value_name = "TOOL", value_parser = super::migrations::parse_tool, requires = "capture")]
    pub tool: Option<Tool>,
}

/// `plan --json`.
#[derive(Serialize)]
struct Wire<'a> {
    statements: &'a [Statement],
    summary: Summary,
}

#[derive(Serialize)]
struct Summary {
    from: String,
    to: String,
    statements: usize,
    /// How many statements carry each kind of hazard.
    hazards: BTreeMap<HazardKind, usize>,
    /// Whether `--verify` replayed the plan (and it held).
    verified: bool,
    /// What `--capture` wrote.
    captured: Option<CapturedWire>,
}

#[derive(Serialize)]
struct CapturedWire {
    tool: &'static str,
    /// The new files, relative to the repository, in the order the tool runs them.
    files: Vec<String>,
    /// Existing files that were changed (drizzle's journal).
    updated: Vec<String>,
    /// The new migrations as `migrations status` names them.
    migrations: Vec<String>,
}

pub fn run(context: &mut Context, args: PlanArgs) -> Result<Outcome, CliError> {
    let (old, new) = sides(context, &args)?;
    let plan = plan::plan(
        &old.database,
        &new.database,
        Options {
            online: args.online,
        },
    );
    if args.verify && !plan.is_empty() {
        context.note(format!(
            "verifying the plan ({}) in a throwaway PostgreSQL",
            crate::report::changes::counted(plan.statements.len(), "statement")
        ));
        verify(context, &old, &new, &plan)?;
    }
    let captured = match args.capture && !plan.is_empty() {
        true => Some(capture(context, &args, &plan)?),
        false => None,
    };
    let summary = Summary {
        from: old.label.clone(),
        to: new.label.clone(),
        statements: plan.statements.len(),
        hazards: plan.hazard_counts().into_iter().collect(),
        verified: args.verify && !plan.is_empty(),
        captured,
    };
    let written = if context.json {
        serde_json::to_writer_pretty(
            &mut *context.out,
            &Wire {
                statements: &plan.statements,
                summary,
            },
        )
        .map_err(std::io::Error::other)
        .and_then(|()| writeln!(context.out))
    } else {
        write!(context.out, "{}", script(&plan, &summary))
    };
    written.map_err(|e| CliError::writing_stdout(&e))?;
    Ok(Outcome::Clean)
}

/// Writes the plan as new migrations in the folder's convention, and says where.
fn capture(context: &mut Context, args: &PlanArgs, plan: &Plan) -> Result<CapturedWire, CliError> {
    let root = context.work_tree("plan --capture")?.to_path_buf();
    let relative = args
        .dir
        .clone()
        .unwrap_or_else(|| context.config.migrations.clone());
    let dir = root.join(&relative);
    let tool = match args.tool {
        Some(tool) => tool,
        None => {
            let from_files = Tool::detect_from_files(&dir)?;
            let target = source::configured_target(context)?;
            let trackers = runtime()?.block_on(async {
                let client = connect::connect(&target).await?;
                Ok::<_, CliError>(tracking::present(&client).await?)
            })?;
            super::migrations::choose(&from_files, Some(&trackers), &relative)?
        }
    };
    let outside = plan.statements.iter().any(|s| !s.transactional);
    let captured = migrations::capture::capture(
        &dir,
        tool,
        &args.name,
        &plan.script(),
        outside,
        SystemTime::now(),
    )?;
    let in_repo = |file: &String| relative.join(file).display().to_string();
    let wire = CapturedWire {
        tool: tool.name(),
        files: captured.files.iter().map(in_repo).collect(),
        updated: captured.updated.iter().map(in_repo).collect(),
        migrations: captured.migrations,
    };
    context.note(format!(
        "captured the drift as {} ({}){}; review and commit it",
        wire.files.join(", "),
        tool.name(),
        if wire.updated.is_empty() {
            String::new()
        } else {
            format!(", and updated {}", wire.updated.join(", "))
        }
    ));
    Ok(wire)
}

/// The two schemas: the sources given, or the live database and the committed snapshot.
fn sides(context: &mut Context, args: &PlanArgs) -> Result<(Loaded, Loaded), CliError> {
    if args.revert || args.capture {
        let live = live(context)?;
        let committed = revision(context, &args.rev)?;
        return Ok(if args.revert {
            (live, committed)
        } else {
            (committed, live)
        });
    }
    let (Some(old), Some(new)) = (&args.old, &args.new) else {
        unreachable!("clap requires A and B without --revert or --capture");
    };
    let (mut old, mut new) = (side(context, old)?, side(context, new)?);
    source::adopt_replay_owners(&mut old, &mut new);
    Ok((old, new))
}

fn side(context: &Context, text: &str) -> Result<Loaded, CliError> {
    if text == "empty" {
        return empty(context);
    }
    let root = context.root.clone();
    match source::find(context, &Source::parse(text, &root))? {
        Found::Schema(loaded) => Ok(*loaded),
        Found::NoSnapshot { revision } => Err(no_snapshot(context, &revision)),
    }
}

fn revision(context: &Context, revision: &str) -> Result<Loaded, CliError> {
    match source::find(context, &Source::Revision(revision.to_string()))? {
        Found::Schema(loaded) => Ok(*loaded),
        Found::NoSnapshot { revision } => Err(no_snapshot(context, &revision)),
    }
}

fn no_snapshot(context: &Context, revision: &str) -> CliError {
    CliError::new(
        ErrorKind::Snapshot,
        format!(
            "revision {revision} has no snapshot folder {}",
            context.config.snapshot_folder
        ),
    )
    .with_hint("choose the environment with --env, or a revision that has a snapshot; for the whole schema from nothing, plan from `empty`")
}

/// The configured database, read live.
fn live(context: &Context) -> Result<Loaded, CliError> {
    let target = source::configured_target(context)?;
    let read = source::read_live(&target, &context.config)?;
    Ok(Loaded {
        database: read.database,
        env: context.config.env.clone(),
        label: format!("{} ({})", context.config.env, target.display_redacted()),
        replay_owner: None,
    })
}

/// What a new database holds before anything is made in it, read from one in a throwaway
/// PostgreSQL: a plan from it is the whole schema's DDL.
fn empty(context: &Context) -> Result<Loaded, CliError> {
    let server = EphemeralPostgres::start()?;
    let read = runtime()?.block_on(async {
        let at = ConnectOptions::parse(&server.url("postgres"))?;
        let client = connect::connect(&at).await?;
        source::read_connected(&client, &at, &context.config).await
    });
    let version = server.server_version().to_string();
    server.stop()?;
    Ok(Loaded {
        database: read?,
        env: context.config.env.clone(),
        label: format!("empty (a new database, PostgreSQL {version})"),
        replay_owner: None,
    })
}

/// Replays the plan; a plan that does not arrive at B is a failure of the tool (exit 7), with
/// the objects that differ.
fn verify(context: &mut Context, old: &Loaded, new: &Loaded, plan: &Plan) -> Result<(), CliError> {
    let proof = replay::prove(&old.database, &new.database, plan, &context.config)?;
    if !proof.build_differs.is_empty() {
        return Err(CliError::new(
            ErrorKind::Migrations,
            format!(
                "cannot build {} in a throwaway PostgreSQL to prove the plan: {} differ from it",
                old.label,
                replay::list(&proof.build_differs)
            ),
        )
        .with_hint("the plan is not proven; a schema read from another PostgreSQL major version can deparse differently"));
    }
    if !proof.plan_differs.is_empty() {
        return Err(CliError::new(
            ErrorKind::Migrations,
            format!(
                "the plan does not turn {} into {}: after it ran, {} still differ",
                old.label,
                new.label,
                replay::list(&proof.plan_differs)
            ),
        )
        .with_hint("do not run this plan; `schemagit diff` shows the difference"));
    }
    context.note("verified: the plan turns A into B object for object");
    Ok(())
}

/// The plan as a script: what it goes from and to and every hazard first, as comments, then
/// the statements.
fn script(plan: &Plan, summary: &Summary) -> String {
    let mut out = format!(
        "-- schemagit plan: {} → {}\n",
        redact(&summary.from),
        redact(&summary.to)
    );
    if plan.is_empty() {
        out.push_str("-- the schemas are the same: nothing to do\n");
        return out;
    }
    let counts: Vec<String> = summary
        .hazards
        .iter()
        .map(|(kind, n)| format!("{n} {}", kind.label()))
        .collect();
    out.push_str(&format!(
        "-- {}{}\n",
        crate::report::changes::counted(plan.statements.len(), "statement"),
        if counts.is_empty() {
            String::from(", no hazards")
        } else {
            format!("; hazards: {}", counts.join(", "))
        }
    ));
    for statement in &plan.statements {
        for hazard in &statement.hazards {
            out.push_str(&format!(
                "--   {:<11} {}\n",
                hazard.kind.label(),
                hazard.detail
            ));
        }
    }
    if summary.verified {
        out.push_str("-- verified in a throwaway PostgreSQL: the plan turns A into B\n");
    }
    out.push('\n');
    out.push_str(&plan.script());
    out
}
