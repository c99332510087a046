//! One struct per snapshot file kind, and the parts that live inside them.
//!
//! Definitions that span lines (view queries, function bodies) are stored as a list of lines so
//! that a one-line edit is a one-line diff in git.

use serde::{Deserialize, Serialize};

use super::Grant;

fn is_false(value: &bool) -> bool {
    !*value
}

fn is_zero(value: &i32) -> bool {
    *value == 0
}

/// Multi-line text kept as its lines; `lines("a\nb")` is `["a", "b"]`.
pub fn lines(text: &str) -> Vec<String> {
    text.split('\n').map(str::to_string).collect()
}

/// A PostgreSQL schema (namespace): `<schema>/schema.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Schema {
    pub name: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// A table, partitioned table or partition: `<schema>/tables/<name>.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    pub schema: String,
    pub name: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub unlogged: bool,
    /// `RANGE (created_at)` for a partitioned table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_by: Option<String>,
    /// The parent, qualified, for a partition.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_of: Option<String>,
    /// `FOR VALUES FROM (…) TO (…)` or `DEFAULT`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub partition_bound: Option<String>,
    /// Parents by plain (non-partition) inheritance, qualified, in inheritance order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub inherits: Vec<String>,
    /// Storage parameters, `name=value`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// `full`, `nothing` or `index <name>`, when not the default (the primary key).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub replica_identity: Option<String>,
    /// The index named by `ALTER TABLE … CLUSTER ON`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clustered_on: Option<String>,
    /// A table access method other than `heap`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub access_method: Option<String>,
    /// The server and options of a foreign table.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub foreign: Option<ForeignTable>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub row_level_security: RowLevelSecurity,
    pub columns: Vec<Column>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub policies: Vec<Policy>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    /// Extended statistics objects on this table.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub statistics: Vec<Statistics>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

impl Table {
    /// Canonical order of the parts: columns keep their position, the rest go by name.
    pub fn sort(&mut self) {
        self.constraints.sort_by(|a, b| a.name.cmp(&b.name));
        self.indexes.sort_by(|a, b| a.name.cmp(&b.name));
        self.policies.sort_by(|a, b| a.name.cmp(&b.name));
        self.triggers.sort_by(|a, b| a.name.cmp(&b.name));
        self.rules.sort_by(|a, b| a.name.cmp(&b.name));
        self.statistics.sort_by(|a, b| a.name.cmp(&b.name));
        self.grants.sort();
        self.revoked.sort();
    }
}

/// What makes a table foreign.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ForeignTable {
    pub server: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
}

/// A rewrite rule (other than a view's own); `definition` is `pg_get_ruledef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Rule {
    pub name: String,
    pub definition: String,
    /// `origin` (the default), `disabled`, `replica` or `always`.
    pub enabled: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An extended statistics object; `definition` is `pg_get_statisticsobjdef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Statistics {
    /// Qualified: a statistics object has its own schema.
    pub name: String,
    pub owner: String,
    pub definition: String,
    /// `ALTER STATISTICS … SET STATISTICS n`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub target: Option<i32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RowLevelSecurity {
    pub enabled: bool,
    pub forced: bool,
}

/// A column of a table (or an attribute of a composite type).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Column {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_null: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<Box<Identity>>,
    /// The expression of a `GENERATED ALWAYS AS (…) STORED` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub generated: Option<String>,
    /// `ALTER COLUMN … SET STATISTICS n`, when set.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub statistics: Option<i32>,
    /// `plain`, `external`, `main` or `extended`, when not the type's default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub storage: Option<String>,
    /// `pglz` or `lz4`, when set (PostgreSQL 14 and later).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub compression: Option<String>,
    /// Attribute options (`n_distinct=100`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    /// A foreign table column's options.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub foreign_options: Vec<String>,
    /// How many parents a column of an inheritance child comes from (`attinhcount`); not
    /// recorded for partitions, whose columns all come from their parent.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub inherit_count: i32,
    /// An inherited column not also declared by the child itself (`NOT attislocal`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub inherited_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// `GENERATED ALWAYS|BY DEFAULT AS IDENTITY` and its sequence: definition, and the name, owner
/// and privileges where they are not what `CREATE TABLE` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Identity {
    /// `always` or `by default`.
    pub generated: String,
    /// The sequence's name, when not `<table>_<column>_seq` (it is in the table's schema).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_name: Option<String>,
    /// The sequence's owner, when not the table's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sequence_owner: Option<String>,
    pub sequence: SequenceOptions,
    /// Privileges on the sequence beyond, and revoked from, its owner's default.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

impl Identity {
    /// The sequence's name: the recorded one, else the one `CREATE TABLE` chose.
    pub fn sequence_name(&self, table: &str, column: &str) -> String {
        self.sequence_name
            .clone()
            .unwrap_or_else(|| format!("{table}_{column}_seq"))
    }
}

/// An identity column's sequence: its definition, never its current value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SequenceOptions {
    #[serde(rename = "type")]
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub cycle: bool,
}

/// A table or domain constraint; `definition` is `pg_get_constraintdef`, which carries
/// DEFERRABLE, INITIALLY DEFERRED and NOT VALID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Constraint {
    pub name: String,
    /// `primary key`, `unique`, `foreign key`, `check`, `exclusion` or `trigger`.
    #[serde(rename = "type")]
    pub constraint_type: String,
    pub definition: String,
    /// The partitioned table's index (qualified) that this constraint's index is attached to,
    /// for a partition's primary key, unique or exclusion constraint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<String>,
    /// How many parents an inheritance child's constraint comes from (`coninhcount`); not
    /// recorded for partitions. `NO INHERIT` is part of `definition`.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub inherit_count: i32,
    /// An inherited constraint not also declared by the child itself (`NOT conislocal`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub inherited_only: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// An index that does not back a constraint; `definition` is `pg_get_indexdef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Index {
    pub name: String,
    pub definition: String,
    /// The partitioned table's index (qualified) this partition's index is attached to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attached_to: Option<String>,
    /// A partitioned index some partition has no attached index for yet (`NOT indisvalid`).
    #[serde(default, skip_serializing_if = "is_false")]
    pub invalid: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A row-level security policy.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    pub name: String,
    /// `permissive` or `restrictive`.
    pub mode: String,
    /// `all`, `select`, `insert`, `update` or `delete`.
    pub command: String,
    pub roles: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub using: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub with_check: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A trigger; `definition` is `pg_get_triggerdef`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Trigger {
    pub name: String,
    pub definition: String,
    /// `origin` (the default), `disabled`, `replica` or `always`.
    pub enabled: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A column of a view: its name and type, with what may be attached to it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ViewColumn {
    pub name: String,
    #[serde(rename = "type")]
    pub data_type: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
}

/// A view: `<schema>/views/<name>.json`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct View {
    pub schema: String,
    pub name: String,
    pub owner: String,
    /// `security_barrier=true`, `security_invoker=true`, `check_option=local`, …
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub columns: Vec<ViewColumn>,
    pub definition: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub triggers: Vec<Trigger>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub rules: Vec<Rule>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// A materialized view with its indexes: `<schema>/materialized_views/<name>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MaterializedView {
    pub schema: String,
    pub name: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub options: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    pub columns: Vec<ViewColumn>,
    pub definition: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub indexes: Vec<Index>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// A standalone or serial sequence (identity sequences live in their column).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Sequence {
    pub schema: String,
    pub name: String,
    pub owner: String,
    #[serde(rename = "type")]
    pub data_type: String,
    pub start: i64,
    pub increment: i64,
    pub min: i64,
    pub max: i64,
    pub cache: i64,
    #[serde(default, skip_serializing_if = "is_false")]
    pub cycle: bool,
    /// `schema.table.column` of an `OWNED BY` column.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owned_by: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// A function, procedure or aggregate: `<schema>/functions/<name>(<identity args>).json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Function {
    pub schema: String,
    pub name: String,
    /// `function`, `procedure`, `aggregate` or `window`.
    pub kind: String,
    pub identity_arguments: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub returns: Option<String>,
    pub language: String,
    /// `immutable`, `stable` or `volatile`.
    pub volatility: String,
    #[serde(default, skip_serializing_if = "is_false")]
    pub security_definer: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub strict: bool,
    #[serde(default, skip_serializing_if = "is_false")]
    pub leakproof: bool,
    /// `safe`, `restricted` or `unsafe`.
    pub parallel: String,
    /// `SET` clauses, `name=value` (such as `search_path=pg_catalog, app`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub config: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The full `CREATE` statement, as the server deparses it.
    pub definition: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// An enum, domain, composite or range type: `<schema>/types/<name>.json`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TypeDef {
    pub schema: String,
    pub name: String,
    /// `enum`, `domain`, `composite` or `range`.
    pub kind: String,
    pub owner: String,
    /// Enum labels, in their sort order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub labels: Vec<String>,
    /// A domain's base type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub base_type: Option<String>,
    /// A range's subtype.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtype: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub collation: Option<String>,
    #[serde(default, skip_serializing_if = "is_false")]
    pub not_null: bool,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    /// A domain's constraints.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub constraints: Vec<Constraint>,
    /// A composite type's attributes.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attributes: Vec<Column>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// An installed extension: `_database/extensions/<name>.json`. Its member objects are not
/// snapshotted one by one.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Extension {
    pub name: String,
    pub schema: String,
    pub version: String,
    pub owner: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// Privileges changed on the extension's members since it was created.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub member_privileges: Vec<MemberPrivileges>,
}

/// What was granted and revoked on one extension member since `CREATE EXTENSION`.
#[derive(Debug, Clone, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct MemberPrivileges {
    /// The member, as `pg_identify_object` names it (`public.gen_random_bytes(integer)`).
    pub object: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// Every other kind of catalog object (collations, casts, operators and their classes and
/// families, text search objects, conversions, event triggers, publications, subscriptions,
/// foreign data wrappers, servers, user mappings, default privileges, database settings,
/// languages, access methods, security labels), described by its properties:
/// `<schema>/<kind>s/<name>.json`, or `_database/<kind>s/<name>.json` when database-wide.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CatalogObject {
    /// `collation`, `cast`, `operator`, … (the manifest kind).
    pub kind: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub schema: Option<String>,
    pub name: String,
    /// What tells same-named objects apart (an operator's operand types, an operator class's
    /// access method).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub arguments: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub owner: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// The definition, property by property, keys in byte order; secrets are redacted.
    pub properties: std::collections::BTreeMap<String, serde_json::Value>,
    /// Properties (or `comment`) the snapshotting role was not allowed to read: absent here,
    /// and never compared, so a snapshot by a less privileged role reports no change in them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub unreadable: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub grants: Vec<Grant>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub revoked: Vec<Grant>,
}

/// An object with an ACL: what it grants beyond, and revokes from, its built-in default.
pub trait Privileged {
    fn privileges(&self) -> (&[Grant], &[Grant]);
}

/// The same lists, to change (a role renamed, say).
pub trait PrivilegedMut: Privileged {
    fn privileges_mut(&mut self) -> (&mut Vec<Grant>, &mut Vec<Grant>);
}

impl<T: Privileged> Privileged for &T {
    fn privileges(&self) -> (&[Grant], &[Grant]) {
        (*self).privileges()
    }
}

macro_rules! privileged {
    ($($object:ty),*) => {$(
        impl Privileged for $object {
            fn privileges(&self) -> (&[Grant], &[Grant]) {
                (&self.grants, &self.revoked)
            }
        }
        impl PrivilegedMut for $object {
            fn privileges_mut(&mut self) -> (&mut Vec<Grant>, &mut Vec<Grant>) {
                (&mut self.grants, &mut self.revoked)
            }
        }
    )*};
}

privileged!(
    Schema,
    Table,
    View,
    MaterializedView,
    Sequence,
    Function,
    TypeDef,
    CatalogObject
);
