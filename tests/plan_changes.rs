//! Every schema change the fingerprint sees (tests/common/changes.rs, on the fixture schema of
//! every object kind) round-trips through `plan`: the plan from before to after, applied to a
//! real copy of the database before, gives exactly the fingerprint after, and the plan back
//! gives the fingerprint before.

mod common;

use common::changes::CHANGES;
use common::{cluster, fixtures};

#[test]
fn every_schema_change_round_trips_through_plan() {
    let base = cluster().database_from("plan_kinds", &fixtures("kinds"));
    common::plan_round_trips(
        "every_schema_change_round_trips_through_plan",
        &base,
        CHANGES,
    );
}

#[test]
fn the_schema_of_every_object_kind_restores_from_nothing() {
    let base = cluster().database_from("restore_kinds", &fixtures("kinds"));
    common::plan_restores(&base);
}
