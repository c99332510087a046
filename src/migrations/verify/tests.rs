use super::*;

fn file(tool: Tool, version: &str, text: &str) -> LocalMigration {
    LocalMigration {
        version: version.into(),
        name: format!("{version}_m"),
        file: format!("{version}_m.sql"),
        path: format!("{version}_m.sql").into(),
        bytes: text.as_bytes().to_vec(),
        repeatable: tool == Tool::Flyway && version.starts_with("R:"),
    }
}

fn row(tool: Tool, migration: &LocalMigration, state: AppliedState, rank: i64) -> Applied {
    Applied {
        version: migration.version.clone(),
        name: Some(migration.name.clone()),
        checksum: tool.checksum(&migration.bytes),
        state,
        applied_at: Some(1_700_000_000),
        rank,
    }
}

fn commit(id: &str, time: i64) -> CommitRef {
    CommitRef {
        id: format!("{id}000000000"),
        time,
        sequence: usize::try_from(time).unwrap(),
        whitespace_only: false,
    }
}

fn kinds(verified: &Verified) -> Vec<(&'static str, &str, Severity)> {
    verified
        .findings
        .iter()
        .map(|f| (f.kind, f.migration.as_str(), f.severity))
        .collect()
}

fn check(tool: Tool, files: &[LocalMigration], rows: Vec<Applied>) -> Verified {
    verify(
        tool,
        "migrations",
        files,
        &Tracking::Rows(rows),
        &GitFacts::default(),
    )
}

#[test]
fn applied_and_unchanged_is_clean() {
    for tool in [Tool::Sqlx, Tool::Prisma, Tool::Drizzle, Tool::Flyway] {
        let files = [
            file(tool, "1", "create table a ();\n"),
            file(tool, "2", "select 1;\n"),
        ];
        let rows = vec![
            row(tool, &files[0], AppliedState::Applied, 1),
            row(tool, &files[1], AppliedState::Applied, 2),
        ];
        let verified = check(tool, &files, rows);
        assert_eq!(kinds(&verified), [], "{tool:?}");
        assert!(verified
            .rows
            .iter()
            .all(|r| r.state == "applied" && r.checksum == "ok"));
    }
}

#[test]
fn a_changed_checksum_is_critical_and_says_when_only_whitespace_changed() {
    let tool = Tool::Sqlx;
    let applied = file(tool, "1", "create table a ();\n");
    let rows = vec![row(tool, &applied, AppliedState::Applied, 1)];
    let edited = [file(tool, "1", "create table a (id int);\n")];
    let verified = check(tool, &edited, rows.clone());
    assert_eq!(kinds(&verified), [("edited", "1_m", Severity::Critical)]);
    assert!(verified.findings[0]
        .detail
        .starts_with("the file changed since it was applied"));

    for text in [
        "create table a ();\r\n",
        "create table a ();   \n",
        "create table a ();",
    ] {
        let verified = check(tool, &[file(tool, "1", text)], rows.clone());
        assert_eq!(
            kinds(&verified),
            [("edited", "1_m", Severity::Critical)],
            "{text:?}"
        );
        assert!(
            verified.findings[0]
                .detail
                .starts_with("only line endings or trailing whitespace changed"),
            "{text:?}: {}",
            verified.findings[0].detail
        );
        assert_eq!(verified.rows[0].checksum, "changed (whitespace only)");
    }
}

#[test]
fn pending_missing_failed_dirty_and_out_of_order() {
    let tool = Tool::Sqlx;
    let files = [
        file(tool, "1", "a"),
        file(tool, "2", "b"),
        file(tool, "3", "c"),
    ];
    let gone = file(tool, "9", "gone");
    let verified = check(
        tool,
        &files,
        vec![
            row(tool, &files[0], AppliedState::Applied, 1),
            row(tool, &files[2], AppliedState::Failed, 2),
            row(tool, &gone, AppliedState::Applied, 3),
        ],
    );
    assert_eq!(
        kinds(&verified),
        [
            ("failed", "3_m", Severity::Critical),
            ("missing", "9_m", Severity::Critical),
            ("out_of_order", "2_m", Severity::Warning),
        ]
    );
    let verified = check(
        tool,
        &files,
        vec![
            row(tool, &files[0], AppliedState::Applied, 1),
            row(tool, &files[2], AppliedState::Applied, 2),
            row(tool, &files[1], AppliedState::Dirty, 3),
        ],
    );
    assert_eq!(
        kinds(&verified),
        [
            ("dirty", "2_m", Severity::Critical),
            ("out_of_order", "2_m", Severity::Warning),
        ]
    );
    let verified = check(
        tool,
        &files,
        vec![row(tool, &files[0], AppliedState::Applied, 1)],
    );
    assert_eq!(
        kinds(&verified),
        [
            ("pending", "2_m", Severity::Warning),
            ("pending", "3_m", Severity::Warning),
        ]
    );
}

#[test]
fn a_rolled_back_prisma_migration_is_pending_and_a_flyway_baseline_covers_older_files() {
    let files = [file(Tool::Prisma, "1", "a")];
    let verified = check(
        Tool::Prisma,
        &files,
        vec![row(Tool::Prisma, &files[0], AppliedState::RolledBack, 1)],
    );
    assert_eq!(kinds(&verified), [("pending", "1_m", Severity::Warning)]);
    assert_eq!(verified.findings[0].detail, "not applied yet (rolled back)");

    let files = [file(Tool::Flyway, "1", "a"), file(Tool::Flyway, "2", "b")];
    let mut baseline = row(Tool::Flyway, &files[0], AppliedState::Baseline, 1);
    baseline.checksum = None;
    let verified = check(Tool::Flyway, &files, vec![baseline]);
    assert_eq!(kinds(&verified), [("pending", "2_m", Severity::Warning)]);
    assert_eq!(verified.rows[0].state, "baseline");
}

#[test]
fn a_changed_repeatable_migration_is_pending() {
    let tool = Tool::Flyway;
    let old = file(tool, "R:views", "create view v as select 1;");
    let rows = vec![row(tool, &old, AppliedState::Applied, 1)];
    let verified = check(
        tool,
        &[file(tool, "R:views", "create view v as select 2;")],
        rows,
    );
    assert_eq!(
        kinds(&verified),
        [("pending", "R:views_m", Severity::Warning)]
    );
}

#[test]
fn no_tracking_table_names_the_tables_looked_for() {
    let files = [file(Tool::Drizzle, "1", "a")];
    let verified = verify(
        Tool::Drizzle,
        "drizzle",
        &files,
        &Tracking::Missing,
        &GitFacts::default(),
    );
    assert_eq!(kinds(&verified), [("no_tracker", "", Severity::Warning)]);
    assert!(verified.findings[0]
        .detail
        .contains("drizzle.__drizzle_migrations"));
    let plain = verify(
        Tool::Plain,
        "m",
        &files,
        &Tracking::Missing,
        &GitFacts::default(),
    );
    assert_eq!(kinds(&plain), []);
}

#[test]
fn git_history_changed_after_added_uncommitted_and_after_apply() {
    let tool = Tool::Dbmate;
    let files = [file(tool, "1", "a"), file(tool, "2", "b")];
    let mut git = GitFacts::default();
    git.files.insert(
        "1_m.sql".into(),
        FileHistory {
            added: Some(commit("aaaaaaa", 100)),
            changed: vec![commit("bbbbbbb", 200), commit("ccccccc", 400)],
            uncommitted: false,
        },
    );
    git.files.insert(
        "2_m.sql".into(),
        FileHistory {
            added: None,
            changed: vec![],
            uncommitted: true,
        },
    );
    let mut applied = row(tool, &files[0], AppliedState::Applied, 1);
    applied.applied_at = None;
    // Without a time or a snapshot that records it, only the git history speaks.
    let verified = verify(
        tool,
        "db/migrations",
        &files,
        &Tracking::Rows(vec![applied.clone()]),
        &git,
    );
    assert_eq!(
        kinds(&verified),
        [
            ("changed_after_added", "1_m", Severity::Warning),
            ("pending", "2_m", Severity::Warning),
            ("uncommitted", "2_m", Severity::Warning),
        ]
    );
    let changed = &verified.findings[0];
    assert_eq!(
        changed.detail,
        "changed in git after the commit that added it: added in aaaaaaa, changed in bbbbbbb, ccccccc"
    );
    assert_eq!(changed.commits.len(), 3);
    assert_eq!(
        verified.findings[2].detail,
        "db/migrations/2_m.sql is not committed"
    );

    // A snapshot at time 300 recorded 1_m as applied: the change at 400 came after.
    git.snapshots.push(AppliedBy {
        commit: commit("ddddddd", 300),
        tool: "dbmate".into(),
        latest: "1_m".into(),
    });
    let verified = verify(
        tool,
        "db/migrations",
        &files,
        &Tracking::Rows(vec![applied.clone()]),
        &git,
    );
    let after = verified
        .findings
        .iter()
        .find(|f| f.kind == "edited_after_apply")
        .expect("a change after the apply is found");
    assert_eq!(after.severity, Severity::Critical);
    assert_eq!(
        after.detail,
        "changed in git after it was applied (recorded as applied by snapshot ddddddd): ccccccc; the database ran the earlier version"
    );
    assert_eq!(after.commits, ["ddddddd000000000", "ccccccc000000000"]);

    // Commit times have one-second resolution: a change made in the second of the snapshot
    // commit, after it on the line, still comes after the apply.
    let mut same_second = git.clone();
    same_second.snapshots[0].commit.time = 400;
    same_second.snapshots[0].commit.sequence = 399;
    let verified = verify(
        tool,
        "db/migrations",
        &files,
        &Tracking::Rows(vec![applied.clone()]),
        &same_second,
    );
    assert!(
        verified
            .findings
            .iter()
            .any(|f| f.kind == "edited_after_apply"),
        "{:?}",
        verified.findings
    );

    // A tracking time works the same way.
    applied.applied_at = Some(150);
    let verified = verify(
        tool,
        "db/migrations",
        &files,
        &Tracking::Rows(vec![applied]),
        &GitFacts {
            snapshots: vec![],
            ..git
        },
    );
    let after = verified
        .findings
        .iter()
        .find(|f| f.kind == "edited_after_apply")
        .expect("a change after the apply is found");
    assert!(
        after.detail.contains("bbbbbbb, ccccccc"),
        "{}",
        after.detail
    );
}

#[test]
fn offline_reports_only_git_findings_and_unknown_states() {
    let files = [file(Tool::Sqlx, "1", "a")];
    let verified = verify(
        Tool::Sqlx,
        "m",
        &files,
        &Tracking::NotChecked,
        &GitFacts::default(),
    );
    assert_eq!(kinds(&verified), []);
    assert_eq!(verified.rows[0].state, "unknown");
}

#[test]
fn timestamps_are_utc() {
    assert_eq!(timestamp(0), "1970-01-01 00:00:00 UTC");
    assert_eq!(timestamp(1_700_000_000), "2023-11-14 22:13:20 UTC");
    assert_eq!(timestamp(951_782_400), "2000-02-29 00:00:00 UTC");
}
