//! Rendering results for people and machines: commit messages, snapshot summaries and
//! verification reports, each written into a `&mut impl Write` or returned as text.

pub mod changes;
mod commit_message;
pub mod log;
pub mod markdown;
pub mod migrations;
pub mod show;
pub mod wire;

pub use commit_message::{
    changed_by_trailers, commit_message, fleet_commit_message, CommitFacts, FleetMember,
};
