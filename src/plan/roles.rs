//! The roles a schema names, which a server must have before it can build the schema.

use std::collections::BTreeSet;

use crate::model::{Database, Privileged};

/// Every role a schema names: owners, grantees, policy roles, and the roles of default
/// privileges, settings and user mappings. A throwaway server needs them before it can
/// build the schema.
pub fn roles(db: &Database) -> BTreeSet<String> {
    let mut roles = BTreeSet::new();
    let mut privileged = |owner: Option<&str>, object: &dyn Privileged| {
        roles.extend(owner.map(str::to_string));
        let (granted, revoked) = object.privileges();
        roles.extend(granted.iter().chain(revoked).map(|g| g.grantee.clone()));
    };
    for o in &db.schemas {
        privileged(Some(&o.owner), o);
    }
    for o in &db.tables {
        privileged(Some(&o.owner), o);
    }
    for o in &db.views {
        privileged(Some(&o.owner), o);
    }
    for o in &db.materialized_views {
        privileged(Some(&o.owner), o);
    }
    for o in &db.sequences {
        privileged(Some(&o.owner), o);
    }
    for o in &db.functions {
        privileged(Some(&o.owner), o);
    }
    for o in &db.types {
        privileged(Some(&o.owner), o);
    }
    for o in &db.others {
        privileged(o.owner.as_deref(), o);
    }
    for table in &db.tables {
        for policy in &table.policies {
            roles.extend(policy.roles.iter().cloned());
        }
        for column in &table.columns {
            if let Some(identity) = &column.identity {
                roles.extend(identity.sequence_owner.clone());
                let grants = identity.grants.iter().chain(&identity.revoked);
                roles.extend(grants.map(|g| g.grantee.clone()));
            }
        }
    }
    for extension in &db.extensions {
        roles.insert(extension.owner.clone());
        for member in &extension.member_privileges {
            let grants = member.grants.iter().chain(&member.revoked);
            roles.extend(grants.map(|g| g.grantee.clone()));
        }
    }
    for other in &db.others {
        if let Some(role) = other.properties.get("role").and_then(|v| v.as_str()) {
            roles.insert(role.to_string());
        }
        match other.kind.as_str() {
            "settings" => roles.extend(other.name.strip_prefix("role ").map(str::to_string)),
            "user_mapping" => roles.extend(
                other
                    .name
                    .rsplit_once('@')
                    .map(|(user, _)| user.to_string()),
            ),
            _ => {}
        }
    }
    // Everyone: a grant to PUBLIC, a policy or user mapping for `public`. PostgreSQL reserves
    // the name, so no role is ever called that.
    roles.remove("PUBLIC");
    roles.remove("public");
    // The name the snapshot gives the built-in owner of `public` on every server version (the
    // predefined role from PostgreSQL 14, the bootstrap superuser before), never one to create.
    roles.remove("pg_database_owner");
    roles
}
