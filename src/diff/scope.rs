//! What is not drift between environments: ignored objects and kinds, and role names that
//! differ per environment (prod's `app_rw` is staging's `app_rw_staging`).

use std::collections::BTreeMap;

use super::Change;
pub use crate::model::scope::glob_match;
use crate::model::{Database, Grant};

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
    let map = |name: &mut String| {
        if let Some(mapped) = roles.get(name.as_str()) {
            *name = mapped.clone();
        }
    };
    let map_grants = |grants: &mut Vec<Grant>| {
        for grant in grants.iter_mut() {
            if let Some(mapped) = roles.get(&grant.grantee) {
                grant.grantee = mapped.clone();
            }
        }
        grants.sort();
    };
    for s in &mut db.schemas {
        map(&mut s.owner);
        map_grants(&mut s.grants);
        map_grants(&mut s.revoked);
    }
    for t in &mut db.tables {
        map(&mut t.owner);
        map_grants(&mut t.grants);
        map_grants(&mut t.revoked);
        for policy in &mut t.policies {
            policy.roles.iter_mut().for_each(map);
            policy.roles.sort();
            policy.roles.dedup();
        }
    }
    for v in &mut db.views {
        map(&mut v.owner);
        map_grants(&mut v.grants);
        map_grants(&mut v.revoked);
    }
    for m in &mut db.materialized_views {
        map(&mut m.owner);
        map_grants(&mut m.grants);
        map_grants(&mut m.revoked);
    }
    for s in &mut db.sequences {
        map(&mut s.owner);
        map_grants(&mut s.grants);
        map_grants(&mut s.revoked);
    }
    for f in &mut db.functions {
        map(&mut f.owner);
        map_grants(&mut f.grants);
        map_grants(&mut f.revoked);
    }
    for t in &mut db.types {
        map(&mut t.owner);
        map_grants(&mut t.grants);
        map_grants(&mut t.revoked);
    }
    for e in &mut db.extensions {
        map(&mut e.owner);
    }
}
