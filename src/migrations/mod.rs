//! Migration files and the tables their tools keep: each tool's convention (one module per
//! tool in [`tools`]), replaying the files the way the tool runs them ([`apply`], the throwaway
//! database behind the `migrations` source), reading tracking tables ([`tracking`]), and the
//! pure integrity rules that set files, tracking rows and git history against each other
//! ([`verify`]), and writing drift as a new migration in the folder's convention ([`capture`]).

pub mod apply;
pub mod bookkeeping;
pub mod capture;
pub mod owner;
pub mod statements;
pub mod tools;
pub mod tracking;
pub mod trailer;
pub mod verify;

pub use apply::{apply_all, discover, MigrationError, MigrationFailure, MigrationFile};
pub use tools::Tool;
