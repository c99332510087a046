//! Migration files: finding them in a directory, in the order their tool would run them, and
//! replaying them against a database (the throwaway one behind `--from-migrations`).

pub mod apply;

pub use apply::{apply_all, discover, MigrationError, MigrationFailure, MigrationFile};
