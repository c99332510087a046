//! What is not drift between environments: ignored objects and kinds, and role names that
//! differ per environment (prod's `app_rw` is staging's `app_rw_staging`).

use std::collections::BTreeMap;

use super::Change;
pub use crate::model::scope::glob_match;
use crate::model::{Database, PrivilegedMut};

/// Objects and kinds whose changes are not reported.
#[derive(Debug, Clone, Default)]
pub struct Ignore {
    /// Patterns over qualified names (`app.tmp_*`); a match on an object ignores its parts too.
    pub objects: Vec<String>,
    /// Change kinds (`comment`, `owner`, …).
    pub kinds: Vec<String>,
}

impl Ignore {
    pub fn retain(&self, changes: &mut Vec<Change>) {
        changes.retain(|change| {
            !self.kinds.iter().any(|k| k == change.kind)
                && !self.objects.iter().any(|pattern| {
                    glob_match(pattern, &change.object) || glob_match(pattern, &change.parent)
                })
        });
    }
}

/// Renames roles (owners, grantees, policy roles) from an environment's names to the names
/// they are compared under.
pub fn map_roles(db: &mut Database, roles: &BTreeMap<String, String>) {
    if roles.is_empty() {
        return;
    }
    let rename = |name: &mut String| {
        if let Some(mapped) = roles.get(name.as_str()) {
            *name = mapped.clone();
        }
    };
    let regrant = |object: &mut dyn PrivilegedMut| {
        let (grants, revoked) = object.privileges_mut();
        for list in [grants, revoked] {
            list.iter_mut().for_each(|grant| rename(&mut grant.grantee));
            list.sort();
        }
    };
    for s in &mut db.schemas {
        rename(&mut s.owner);
        regrant(s);
    }
    for t in &mut db.tables {
        rename(&mut t.owner);
        regrant(t);
        for identity in t.columns.iter_mut().filter_map(|c| c.identity.as_mut()) {
            identity.sequence_owner.iter_mut().for_each(rename);
            for list in [&mut identity.grants, &mut identity.revoked] {
                list.iter_mut().for_each(|grant| rename(&mut grant.grantee));
                list.sort();
            }
        }
        for policy in &mut t.policies {
            policy.roles.iter_mut().for_each(rename);
            policy.roles.sort();
            policy.roles.dedup();
        }
    }
    for v in &mut db.views {
        rename(&mut v.owner);
        regrant(v);
    }
    for m in &mut db.materialized_views {
        rename(&mut m.owner);
        regrant(m);
    }
    for s in &mut db.sequences {
        rename(&mut s.owner);
        regrant(s);
    }
    for f in &mut db.functions {
        rename(&mut f.owner);
        regrant(f);
    }
    for t in &mut db.types {
        rename(&mut t.owner);
        regrant(t);
    }
    for o in &mut db.others {
        o.owner.iter_mut().for_each(rename);
        regrant(o);
    }
    for e in &mut db.extensions {
        rename(&mut e.owner);
    }
}
