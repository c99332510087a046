//! Privilege changes: what a grantee gained (always critical: access widened) or lost.

use std::collections::BTreeMap;

use super::{Action, Change};
use crate::model::{quote_ident, Grant, Privilege};

/// One privilege fact: (grantee, column, grant option) → privilege.
type Fact = (String, Option<String>, bool, Privilege);

fn facts(grants: &[Grant]) -> Vec<Fact> {
    grants
        .iter()
        .flat_map(|g| {
            g.privileges
                .iter()
                .map(|p| (g.grantee.clone(), g.column.clone(), g.with_grant_option, *p))
        })
        .collect()
}

fn minus(a: &[Fact], b: &[Fact]) -> Vec<Fact> {
    a.iter().filter(|f| !b.contains(f)).cloned().collect()
}

/// The grants of an object, both lists: granted beyond the default and revoked from it.
pub(super) struct Access<'a> {
    pub grants: &'a [Grant],
    pub revoked: &'a [Grant],
}

/// Appends the privilege changes of `object` (in `parent`'s file) from `old` to `new`.
pub(super) fn diff_access(
    object: &str,
    parent: &str,
    old: Access,
    new: Access,
    out: &mut Vec<Change>,
) {
    let (old_granted, old_revoked) = (facts(old.grants), facts(old.revoked));
    let (new_granted, new_revoked) = (facts(new.grants), facts(new.revoked));
    let mut gained = minus(&new_granted, &old_granted);
    gained.extend(minus(&old_revoked, &new_revoked));
    let mut lost = minus(&old_granted, &new_granted);
    lost.extend(minus(&new_revoked, &old_revoked));
    for (action, facts) in [(Action::Added, gained), (Action::Removed, lost)] {
        let mut groups: BTreeMap<(String, Option<String>, bool), Vec<Privilege>> = BTreeMap::new();
        for (grantee, column, grantable, privilege) in facts {
            groups
                .entry((grantee, column, grantable))
                .or_default()
                .push(privilege);
        }
        for ((grantee, column, grantable), mut privileges) in groups {
            privileges.sort();
            privileges.dedup();
            let list: Vec<&str> = privileges.iter().map(|p| p.sql()).collect();
            let target = match &column {
                Some(column) => format!("{object}.{}", quote_ident(column)),
                None => object.to_string(),
            };
            let preposition = if action == Action::Added {
                "to"
            } else {
                "from"
            };
            let option = if grantable { " WITH GRANT OPTION" } else { "" };
            let detail = format!("{} {preposition} {grantee}{option}", list.join(", "));
            let change = Change::new("grant", target, parent, action, detail);
            out.push(if action == Action::Added {
                change.widening()
            } else {
                change
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::diff::Severity;

    fn grant(grantee: &str, privileges: &[Privilege]) -> Grant {
        Grant {
            grantee: grantee.into(),
            column: None,
            privileges: privileges.to_vec(),
            with_grant_option: false,
        }
    }

    #[test]
    fn a_new_grant_is_critical_and_a_lost_one_a_warning() {
        let mut out = Vec::new();
        let old = [grant("app_rw", &[Privilege::Select, Privilege::Update])];
        let new = [
            grant("app_rw", &[Privilege::Select]),
            grant("PUBLIC", &[Privilege::Select]),
        ];
        diff_access(
            "app.t",
            "app.t",
            Access {
                grants: &old,
                revoked: &[],
            },
            Access {
                grants: &new,
                revoked: &[],
            },
            &mut out,
        );
        assert_eq!(out.len(), 2, "{out:?}");
        assert_eq!(
            (out[0].action, out[0].severity),
            (Action::Added, Severity::Critical)
        );
        assert_eq!(out[0].detail, "SELECT to PUBLIC");
        assert_eq!(
            (out[1].action, out[1].severity),
            (Action::Removed, Severity::Warning)
        );
        assert_eq!(out[1].detail, "UPDATE from app_rw");
    }

    #[test]
    fn dropping_a_revoke_gives_the_privilege_back() {
        let mut out = Vec::new();
        let revoked = [grant("PUBLIC", &[Privilege::Execute])];
        diff_access(
            "app.f()",
            "app.f()",
            Access {
                grants: &[],
                revoked: &revoked,
            },
            Access {
                grants: &[],
                revoked: &[],
            },
            &mut out,
        );
        assert_eq!(out[0].detail, "EXECUTE to PUBLIC");
        assert_eq!(out[0].severity, Severity::Critical);
    }
}
