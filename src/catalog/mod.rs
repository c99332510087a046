//! Live PostgreSQL → model: the connection ([`connect`]), and one bulk query per object kind
//! (`sql/*.sql`), all run in one read-only, repeatable-read transaction that takes no table locks.

pub mod connect;
mod databases;
mod introspect;
pub(crate) mod redact;
mod rows;

pub use databases::databases;
pub use introspect::{
    introspect, IntrospectError, IntrospectOptions, Introspection, ReadStep, DEFAULT_CONNECTIONS,
};
