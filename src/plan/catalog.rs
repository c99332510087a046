//! Every other kind of catalog object: collations, casts, operators and their classes and
//! families, text search objects, conversions, event triggers, publications, subscriptions,
//! foreign data wrappers, servers, user mappings, default privileges, settings, languages,
//! access methods.

use super::step::Step;
use super::Context;
use crate::model::Database;

pub fn steps(old: &Database, new: &Database, context: &Context) -> Vec<Step> {
    let _ = (old, new, context);
    Vec::new()
}
