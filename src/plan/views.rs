//! Views and materialized views.

use super::step::{Name, Step};
use super::Context;
use crate::model::Database;

pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let _ = (old, new, context);
    Vec::new()
}

/// Views and materialized views on both sides that are dropped and created again rather than
/// replaced in place.
pub fn invalidated(old: &Database, new: &Database) -> Vec<Name> {
    let _ = (old, new);
    Vec::new()
}

/// Every view, materialized view and function on both sides, with the names its old
/// definition uses.
pub fn dependants(old: &Database, new: &Database) -> Vec<(Name, Vec<Name>)> {
    let _ = (old, new);
    Vec::new()
}
