//! Owners of a replayed schema. A replay runs as the throwaway server's superuser, so
//! everything it creates belongs to that role, while in a real environment the migrations ran
//! as the role that owns the application's objects. Compared with an environment, the replay's
//! superuser is read as that environment's main owner (the role owning most of its objects);
//! roles the migrations create and grant to keep their own names. Extensions keep their owner:
//! creating one usually takes a superuser in every environment, and `plpgsql` belongs to the
//! bootstrap superuser everywhere. Extensions keep their owner:
//! creating one usually takes a superuser in every environment, and `plpgsql` belongs to the
//! bootstrap superuser everywhere.

use std::collections::BTreeMap;

use crate::diff::scope::map_roles;
use crate::model::Database;

/// The role that owns most of `db`'s schemas and schema objects (the least name on a tie);
/// `pg_database_owner`, which owns `public` by default, does not count.
pub fn main_owner(db: &Database) -> Option<String> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    let owners = db
        .schemas
        .iter()
        .map(|s| s.owner.as_str())
        .chain(db.tables.iter().map(|t| t.owner.as_str()))
        .chain(db.views.iter().map(|v| v.owner.as_str()))
        .chain(db.materialized_views.iter().map(|m| m.owner.as_str()))
        .chain(db.sequences.iter().map(|s| s.owner.as_str()))
        .chain(db.functions.iter().map(|f| f.owner.as_str()))
        .chain(db.types.iter().map(|t| t.owner.as_str()));
    for owner in owners.filter(|owner| *owner != "pg_database_owner") {
        *counts.entry(owner).or_default() += 1;
    }
    let most = counts.values().copied().max()?;
    counts
        .into_iter()
        .find(|(_, count)| *count == most)
        .map(|(owner, _)| owner.to_string())
}

/// Renames `replay_role` in `replayed` to the main owner of `other`.
pub fn adopt_owner(replayed: &mut Database, replay_role: &str, other: &Database) {
    let Some(owner) = main_owner(other) else {
        return;
    };
    if owner != replay_role {
        let extension_owners: Vec<String> = replayed
            .extensions
            .iter()
            .map(|e| e.owner.clone())
            .collect();
        map_roles(
            replayed,
            &BTreeMap::from([(replay_role.to_string(), owner)]),
        );
        for (extension, owner) in replayed.extensions.iter_mut().zip(extension_owners) {
            extension.owner = owner;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Schema, Table};

    fn db(owners: &[(&str, &str)]) -> Database {
        Database {
            schemas: vec![Schema {
                name: "public".into(),
                owner: "pg_database_owner".into(),
                comment: None,
                grants: vec![],
                revoked: vec![],
            }],
            tables: owners
                .iter()
                .map(|(name, owner)| Table {
                    schema: "app".into(),
                    name: name.to_string(),
                    owner: owner.to_string(),
                    ..Table::default()
                })
                .collect(),
            ..Database::default()
        }
    }

    #[test]
    fn the_replay_superuser_becomes_the_environments_main_owner() {
        let live = db(&[
            ("users", "app_owner"),
            ("orgs", "app_owner"),
            ("tmp", "dba"),
        ]);
        let mut replayed = db(&[
            ("users", "schemagit"),
            ("orgs", "schemagit"),
            ("tmp", "dba"),
        ]);
        assert_eq!(main_owner(&live).as_deref(), Some("app_owner"));
        adopt_owner(&mut replayed, "schemagit", &live);
        assert_eq!(replayed, live);
        assert_eq!(main_owner(&Database::default()), None);
    }
}
