//! schemagit keeps a PostgreSQL schema under version control.
//!
//! Data flows one way, through [`model`]:
//! - [`catalog`] reads a live database into a [`model::Schema`];
//! - [`audit`] installs the DDL audit trail in a database and reads its log;
//! - [`compare`] is the one decision path from two schemas to the changes shown (pure);
//! - [`codec`] turns a model into canonical, content-hashed files and back (pure);
//! - [`vcs`] commits a snapshot folder and reads one back from a revision (git2 only);
//! - [`ephemeral`] starts a throwaway PostgreSQL from the server binaries on the machine;
//! - [`migrations`] reads each migration tool's files and tracking table, replays the files as
//!   the tool runs them, and checks files, tracking rows and git history against each other;
//! - [`config`] resolves `schemagit.toml`, the environment and flags into one [`config::Config`];
//! - [`fleet`] picks a fleet run's databases and its shard of them (pure);
//! - [`init`] renders what `schemagit init` writes: configuration and CI workflows (pure);
//! - [`time`] shows commit times and reads the dates `log` takes (pure);
//! - [`interrupt`] defers Ctrl-C and SIGTERM while the repository is being updated;
//! - [`notify`] sends drift alerts to a webhook or by email, bounded in time;
//! - [`cli`] parses arguments, calls the library and maps errors to exit codes.

pub mod audit;
pub mod catalog;
pub mod cli;
pub mod codec;
pub mod compare;
pub mod config;
pub mod diff;
pub mod ephemeral;
pub mod fleet;
pub mod folder;
pub mod init;
pub mod interrupt;
pub mod migrations;
pub mod model;
pub mod notify;
pub mod parallel;
pub mod plan;
pub mod report;
pub mod time;
pub mod vcs;
