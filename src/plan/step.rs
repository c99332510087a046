//! One statement of a plan while it is being ordered: its SQL and hazards, where it goes among
//! its kind, and the names it makes exist, takes away, or stops using.

use serde::Serialize;

/// An object name as the ordering sees it: `(schema, name)`, unquoted; database-wide objects
/// have an empty schema. A function is named without its arguments, as a definition mentions it.
pub type Name = (String, String);

/// Where a statement goes when nothing it names says otherwise: drops of what depends on
/// others first, then creates from the bottom of the dependency stack up.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Rank {
    DropAccess,
    DropPolicy,
    DropTrigger,
    DropRule,
    DropForeignKey,
    DropView,
    DropFunction,
    DropIndex,
    DropConstraint,
    DropColumn,
    DropTable,
    DropSequence,
    DropType,
    DropOther,
    DropExtension,
    DropSchema,
    CreateSchema,
    CreateExtension,
    CreateOther,
    CreateType,
    CreateSequence,
    CreateFunction,
    CreateTable,
    AlterTable,
    CreateView,
    CreateIndex,
    CreateConstraint,
    CreateForeignKey,
    CreateTrigger,
    CreateRule,
    CreatePolicy,
    Access,
    Comment,
    /// `ALTER DEFAULT PRIVILEGES` last, so the plan's own creates do not pick them up.
    DefaultPrivileges,
}

/// What could go wrong when a statement runs against a live database.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum HazardKind {
    /// Rows or values are gone afterwards, or the statement fails on data that does not fit.
    DataLoss,
    /// Takes an ACCESS EXCLUSIVE lock: reads and writes of the table wait for it.
    Lock,
    /// Rewrites the table (or every index on it) while holding that lock.
    Rewrite,
    /// Builds an index: time and I/O proportional to the table.
    IndexBuild,
    /// Changes who may read or do what: grants, row-level security, policies, owners,
    /// SECURITY DEFINER.
    Access,
}

impl HazardKind {
    pub fn label(self) -> &'static str {
        match self {
            HazardKind::DataLoss => "data loss",
            HazardKind::Lock => "lock",
            HazardKind::Rewrite => "rewrite",
            HazardKind::IndexBuild => "index build",
            HazardKind::Access => "access",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Hazard {
    pub kind: HazardKind,
    pub detail: String,
}

/// A statement and what the ordering needs to know about it.
#[derive(Debug, Clone)]
pub struct Step {
    pub sql: String,
    pub hazards: Vec<Hazard>,
    /// False for what PostgreSQL refuses inside a transaction block (`CREATE INDEX
    /// CONCURRENTLY`) or what must commit before it is used (`ALTER TYPE … ADD VALUE`).
    pub transactional: bool,
    pub rank: Rank,
    /// Names this step creates or changes: steps whose SQL mentions them go after it.
    pub provides: Vec<Name>,
    /// Names this step drops or invalidates: steps that stop using them go before it.
    pub removes: Vec<Name>,
    /// Names the object this step drops or replaces used: a step removing them goes after it.
    pub releases: Vec<Name>,
    /// Names this step needs that its SQL does not spell `schema.name` (a database-wide
    /// object such as a foreign server): their providers go first.
    pub needs: Vec<Name>,
}

impl Step {
    pub fn new(rank: Rank, sql: impl Into<String>) -> Step {
        Step {
            sql: sql.into(),
            hazards: Vec::new(),
            transactional: true,
            rank,
            provides: Vec::new(),
            removes: Vec::new(),
            releases: Vec::new(),
            needs: Vec::new(),
        }
    }

    pub fn hazard(mut self, kind: HazardKind, detail: impl Into<String>) -> Step {
        self.hazards.push(Hazard {
            kind,
            detail: detail.into(),
        });
        self
    }

    pub fn provides(mut self, name: Name) -> Step {
        self.provides.push(name);
        self
    }

    pub fn needs(mut self, name: Name) -> Step {
        self.needs.push(name);
        self
    }

    pub fn removes(mut self, name: Name) -> Step {
        self.removes.push(name);
        self
    }

    /// The step drops or replaces an object whose definition was `old_sql`: what that
    /// definition mentions is free to go once this step ran.
    pub fn releases(mut self, old_sql: &str) -> Step {
        self.releases.extend(super::order::mentions(old_sql));
        self
    }

    pub fn outside_transaction(mut self) -> Step {
        self.transactional = false;
        self
    }
}

/// `(schema, name)`.
pub fn name(schema: &str, object: &str) -> Name {
    (schema.to_string(), object.to_string())
}
