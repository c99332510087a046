//! Schemas, extensions, types, sequences and functions.

use super::step::{Name, Step};
use super::Context;
use crate::model::Database;

pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let _ = (old, new, context);
    Vec::new()
}

/// Types and functions on both sides that are dropped and created again rather than altered.
pub fn invalidated(old: &Database, new: &Database) -> Vec<Name> {
    let _ = (old, new);
    Vec::new()
}
