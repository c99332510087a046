//! Tables and what lives in their files: columns, constraints, indexes, row-level security,
//! policies, triggers, rules, statistics, partitions, inheritance, storage and privileges.

use super::step::{Name, Step};
use super::Context;
use crate::model::Database;

/// The statements for every table that differs between the sides.
pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let _ = (old, new, context);
    Vec::new()
}

/// Tables on both sides whose change stops what uses them from working as it stands: a
/// column dropped, or its type or collation changed.
pub fn invalidated(old: &Database, new: &Database) -> Vec<Name> {
    let _ = (old, new);
    Vec::new()
}
