//! The canonical schema model: plain data for every object kind, no I/O.
//!
//! Field order is the order keys appear in snapshot files, and every list is kept in its
//! canonical order by whoever builds the model (the catalog sorts, the codec preserves), so
//! serialising a model is deterministic. Optional and empty fields are left out of the files.

mod grant;
mod name;
mod objects;
pub mod scope;

pub use grant::{acl_changes, Grant, Privilege};
pub use name::{qualified, quote_ident};
pub use objects::*;

/// A whole database's schema: every object a snapshot holds, each list sorted by identity.
/// (Serialised whole only in test data; snapshots are one file per object.)
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Database {
    pub schemas: Vec<Schema>,
    pub tables: Vec<Table>,
    pub views: Vec<View>,
    pub materialized_views: Vec<MaterializedView>,
    pub sequences: Vec<Sequence>,
    pub functions: Vec<Function>,
    pub types: Vec<TypeDef>,
    pub extensions: Vec<Extension>,
    pub others: Vec<CatalogObject>,
}

impl Database {
    /// Number of object files this model becomes.
    pub fn object_count(&self) -> usize {
        self.schemas.len()
            + self.tables.len()
            + self.views.len()
            + self.materialized_views.len()
            + self.sequences.len()
            + self.functions.len()
            + self.types.len()
            + self.extensions.len()
            + self.others.len()
    }

    /// What the role that read this schema could not read, one line per object:
    /// `subscription sub (connection, …)`.
    pub fn unreadable(&self) -> Vec<String> {
        self.others
            .iter()
            .filter(|o| !o.unreadable.is_empty())
            .map(|o| {
                format!(
                    "{} {} ({})",
                    o.kind.replace('_', " "),
                    o.name,
                    o.unreadable.join(", ")
                )
            })
            .collect()
    }

    /// Puts every list into canonical order. The catalog queries already sort, but by the
    /// server's collation; this makes the order byte-wise and identical on every machine.
    pub fn sort(&mut self) {
        self.schemas.sort_by(|a, b| a.name.cmp(&b.name));
        self.tables
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.views
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.materialized_views
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.sequences
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.functions.sort_by(|a, b| {
            (&a.schema, &a.name, &a.identity_arguments).cmp(&(
                &b.schema,
                &b.name,
                &b.identity_arguments,
            ))
        });
        self.types
            .sort_by(|a, b| (&a.schema, &a.name).cmp(&(&b.schema, &b.name)));
        self.extensions.sort_by(|a, b| a.name.cmp(&b.name));
        for extension in &mut self.extensions {
            extension.member_privileges.sort();
        }
        self.others.sort_by(|a, b| {
            (&a.kind, &a.schema, &a.name, &a.arguments).cmp(&(
                &b.kind,
                &b.schema,
                &b.name,
                &b.arguments,
            ))
        });
        for table in &mut self.tables {
            table.sort();
        }
        for view in &mut self.views {
            view.triggers.sort_by(|a, b| a.name.cmp(&b.name));
            view.rules.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for view in &mut self.materialized_views {
            view.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        }
        for ty in &mut self.types {
            ty.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        }
    }
}
