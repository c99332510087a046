//! The one decision path from two schemas to the changes a person is shown: migration tools'
//! bookkeeping left out, role maps, the
//! semantic diff, rules, ignore lists and severity overrides, in that order. `check`, `diff` and
//! the snapshot commit message all go through [`compare`], and `log` through [`step`], so they
//! never disagree.

use std::collections::BTreeMap;

use crate::audit::scope::remove_audit_objects;
use crate::codec::{self, DecodeError, Snapshot};
use crate::config::Config;
use crate::diff::{self, rules, scope, Change};
use crate::migrations::bookkeeping::remove_bookkeeping;
use crate::model::Database;

/// One side of a comparison: a schema and the environment whose role names it uses.
pub struct Side {
    pub database: Database,
    pub env: String,
}

/// The changes from `old` to `new` under `config`, ordered for reading.
pub fn compare(config: &Config, mut old: Side, mut new: Side) -> Vec<Change> {
    // Snapshots taken before tool bookkeeping was left out may still hold it.
    remove_bookkeeping(&mut old.database);
    remove_bookkeeping(&mut new.database);
    // The audit trail is never drift, even in a snapshot taken before it was left out.
    remove_audit_objects(&mut old.database);
    remove_audit_objects(&mut new.database);
    scope::map_roles(&mut old.database, &config.roles(&old.env));
    scope::map_roles(&mut new.database, &config.roles(&new.env));
    let mut changes = diff::diff(&old.database, &new.database);
    changes.extend(rules::check(&config.rules, &new.database));
    judged(config, changes)
}

/// What changed since the previous snapshot, for a snapshot commit's message: [`compare`] of
/// the previous files with the new snapshot.
///
/// `old` holds the previous manifest and the previous files that differ from the new ones (all
/// of them when rules are configured, which judge the whole new schema, decoded from `new`'s
/// files): an object whose file is the same on both sides gives no change, so only the objects
/// of differing files are decoded and compared, as `diff` of two revisions does.
pub fn since_snapshot(
    config: &Config,
    old: &BTreeMap<String, Vec<u8>>,
    new: &Snapshot,
) -> Result<Vec<Change>, DecodeError> {
    let side = |database| Side {
        database,
        env: config.env.clone(),
    };
    if !config.reads_changed_files_only() {
        let (old, new) = (codec::decode(old)?, codec::decode(&new.files)?);
        return Ok(compare(config, side(old), side(new)));
    }
    let manifest = codec::decode_manifest(old)?;
    let (old_entries, new_entries) =
        codec::differing_entries(&manifest.objects, &new.manifest.objects, |path| {
            old.get(path)
                .map_or(true, |bytes| new.files.get(path) == Some(bytes))
        });
    let old = codec::decode_entries(old_entries, old)?;
    let new = codec::decode_entries(new_entries, &new.files)?;
    Ok(compare(config, side(old), side(new)))
}

/// What one snapshot commit of `env` changed, from the objects it changed (`old`) to what they
/// became (`new`): as [`compare`], without the rules, which judge a whole live schema rather
/// than a step of its history (and would see only the objects that changed).
pub fn step(config: &Config, env: &str, mut old: Database, mut new: Database) -> Vec<Change> {
    let roles = config.roles(env);
    scope::map_roles(&mut old, &roles);
    scope::map_roles(&mut new, &roles);
    judged(config, diff::diff(&old, &new))
}

fn judged(config: &Config, mut changes: Vec<Change>) -> Vec<Change> {
    config.ignore.retain(&mut changes);
    config.severity.apply(&mut changes);
    diff::sort(&mut changes);
    changes
}

/// Adds findings that come from outside the two schemas (the audit trail's) to `changes`,
/// with the same ignore lists and severity overrides, in reading order.
pub fn add_findings(config: &Config, changes: &mut Vec<Change>, mut findings: Vec<Change>) {
    config.ignore.retain(&mut findings);
    config.severity.apply(&mut findings);
    changes.append(&mut findings);
    diff::sort(changes);
}
