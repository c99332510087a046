//! The one decision path from two schemas to the changes a person is shown: role maps, the
//! semantic diff, rules, ignore lists and severity overrides, in that order. `check`, `diff` and
//! the snapshot commit message all go through [`compare`], so they never disagree.

use crate::audit::scope::remove_audit_objects;
use crate::config::Config;
use crate::diff::{self, rules, scope, Change};
use crate::model::Database;

/// One side of a comparison: a schema and the environment whose role names it uses.
pub struct Side {
    pub database: Database,
    pub env: String,
}

/// The changes from `old` to `new` under `config`, ordered for reading.
pub fn compare(config: &Config, mut old: Side, mut new: Side) -> Vec<Change> {
    // The audit trail is never drift, even in a snapshot taken before it was left out.
    remove_audit_objects(&mut old.database);
    remove_audit_objects(&mut new.database);
    scope::map_roles(&mut old.database, &config.roles(&old.env));
    scope::map_roles(&mut new.database, &config.roles(&new.env));
    let mut changes = diff::diff(&old.database, &new.database);
    changes.extend(rules::check(&config.rules, &new.database));
    config.ignore.retain(&mut changes);
    config.severity.apply(&mut changes);
    diff::sort(&mut changes);
    changes
}

/// Adds findings that come from outside the two schemas (the audit trail's) to `changes`,
/// with the same ignore lists and severity overrides, in reading order.
pub fn add_findings(config: &Config, changes: &mut Vec<Change>, mut findings: Vec<Change>) {
    config.ignore.retain(&mut findings);
    config.severity.apply(&mut findings);
    changes.append(&mut findings);
    diff::sort(changes);
}
