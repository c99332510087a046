//! Which changes are about one object: the object itself and its parts, or, for a part (a
//! column, an index, a policy), that part and the row that added or removed the object it
//! belongs to with it.

use super::{rules, Action, Change};
use crate::model::Database;

/// Keeps the changes about `name` (as check and diff spell it); `owner` is the object whose
/// file holds it when it is a part; `old` and `new` are the objects compared.
pub fn retain_about(
    changes: &mut Vec<Change>,
    name: &str,
    owner: Option<&str>,
    old: &Database,
    new: &Database,
) {
    let inside = format!("{name}.");
    let had = |db: &Database| rules::names(db).iter().any(|n| n == name);
    let (was, is) = (had(old), had(new));
    changes.retain(|change| {
        if change.object == name || change.parent == name || change.object.starts_with(&inside) {
            return true;
        }
        // A new (or dropped) table is one row; it is about a column that came (or went) with it.
        owner.is_some_and(|owner| {
            change.object == owner
                && match change.action {
                    Action::Added => is,
                    Action::Removed => was,
                    _ => false,
                }
        })
    });
}
