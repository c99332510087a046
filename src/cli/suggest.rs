//! Close names for an object that is not in the snapshot: a typo's likely meaning, read from
//! the manifest at the revision.

use super::Context;
use crate::codec::{decode_manifest, ObjectName, MANIFEST};

/// At most this many suggestions.
const SUGGESTED: usize = 3;

/// Edit distance between two names, by characters.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut diagonal = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let substitution = diagonal + usize::from(ca != *cb);
            diagonal = row[j + 1];
            row[j + 1] = substitution.min(row[j] + 1).min(row[j + 1] + 1);
        }
    }
    row[b.len()]
}

/// The names in `names` closest to `wanted`: a few edits away, or holding it.
pub fn closest<'a>(wanted: &str, names: impl IntoIterator<Item = &'a str>) -> Vec<&'a str> {
    let limit = (wanted.chars().count() / 4).clamp(1, 3);
    let mut close: Vec<(usize, &str)> = names
        .into_iter()
        .filter_map(|name| {
            let d = distance(wanted, name);
            let short_name = name.rsplit('.').next().unwrap_or(name);
            (d <= limit || (wanted.len() > 2 && short_name.contains(wanted))).then_some((d, name))
        })
        .collect();
    close.sort();
    close.dedup();
    close.into_iter().take(SUGGESTED).map(|(_, n)| n).collect()
}

/// `did you mean app.users?`, from the objects of the snapshot at `revision`.
pub fn close_names(context: &Context, revision: &str, name: &ObjectName) -> Option<String> {
    let folder = &context.config.snapshot_folder;
    let files = context
        .repo()
        .ok()?
        .read_files(revision, folder, &[MANIFEST.to_string()])
        .ok()??;
    let manifest = decode_manifest(&files).ok()?;
    let wanted = name.display();
    let close = closest(&wanted, manifest.objects.iter().map(|e| e.name.as_str()));
    (!close.is_empty()).then(|| format!("did you mean {}?", close.join(", ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn typos_find_their_object() {
        let names = [
            "app.users",
            "app.orders",
            "app.org_total(bigint)",
            "billing",
        ];
        assert_eq!(closest("app.usres", names), ["app.users"]);
        assert_eq!(
            closest("app.org_totl(bigint)", names),
            ["app.org_total(bigint)"]
        );
        assert_eq!(closest("users", names), ["app.users"]);
        assert!(closest("nothing_like_it", names).is_empty());
        assert_eq!(distance("kitten", "sitting"), 3);
    }
}
