//! The fleet (pure): which databases or environments a run covers, and how a CI matrix splits
//! them into shards that every machine computes alike.

/// `--shard I/N`: the share of the fleet whose names hash to `I - 1` modulo `N`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    /// 1-based.
    pub index: u64,
    pub count: u64,
}

impl Shard {
    /// `I/N` with `1 <= I <= N`.
    pub fn parse(text: &str) -> Result<Shard, String> {
        let parsed = text
            .split_once('/')
            .and_then(|(i, n)| Some((i.trim().parse().ok()?, n.trim().parse().ok()?)));
        match parsed {
            Some((index, count)) if index >= 1 && index <= count => Ok(Shard { index, count }),
            _ => Err(format!(
                "{text:?} is not a shard: write I/N with 1 <= I <= N, as 2/4"
            )),
        }
    }

    /// Whether `name` belongs to this shard: BLAKE3 of the name, its first 8 bytes as a
    /// little-endian u64, modulo the count, equals the index less one.
    pub fn contains(&self, name: &str) -> bool {
        let hash = blake3::hash(name.as_bytes());
        let mut first = [0u8; 8];
        first.copy_from_slice(&hash.as_bytes()[..8]);
        u64::from_le_bytes(first) % self.count == self.index - 1
    }
}

/// Databases that share one schema, by fingerprint.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Group {
    pub fingerprint: String,
    /// By name.
    pub databases: Vec<String>,
}

/// The databases grouped by fingerprint, largest group first: the first is the majority
/// schema (of equal groups, the one whose first database sorts first).
pub fn groups(fingerprints: &[(String, String)]) -> Vec<Group> {
    let mut by_fingerprint: std::collections::BTreeMap<&str, Vec<String>> = Default::default();
    for (name, fingerprint) in fingerprints {
        by_fingerprint
            .entry(fingerprint)
            .or_default()
            .push(name.clone());
    }
    let mut groups: Vec<Group> = by_fingerprint
        .into_iter()
        .map(|(fingerprint, mut databases)| {
            databases.sort();
            Group {
                fingerprint: fingerprint.to_string(),
                databases,
            }
        })
        .collect();
    groups.sort_by(|a, b| {
        b.databases
            .len()
            .cmp(&a.databases.len())
            .then_with(|| a.databases.cmp(&b.databases))
    });
    groups
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_largest_group_is_the_majority() {
        let pair = |n: &str, f: &str| (n.to_string(), f.to_string());
        let found = groups(&[
            pair("t3", "b"),
            pair("t1", "a"),
            pair("t2", "a"),
            pair("t0", "c"),
        ]);
        assert_eq!(found[0].databases, ["t1", "t2"]);
        assert_eq!(found[1].databases, ["t0"]);
        assert_eq!(found[2].databases, ["t3"]);
    }

    #[test]
    fn shards_partition_the_fleet_and_stay_put() {
        let names: Vec<String> = (0..200).map(|i| format!("tenant_{i:03}")).collect();
        let shards: Vec<Shard> = (1..=4).map(|i| Shard { index: i, count: 4 }).collect();
        for name in &names {
            let owners = shards.iter().filter(|s| s.contains(name)).count();
            assert_eq!(owners, 1, "{name} is in {owners} shards");
        }
        for shard in &shards {
            let share = names.iter().filter(|n| shard.contains(n)).count();
            assert!((25..=75).contains(&share), "{shard:?} holds {share}");
        }
        // The hash is fixed by the contract: these never move between releases or machines.
        let hash = blake3::hash(b"tenant_000");
        let expected = u64::from_le_bytes(hash.as_bytes()[..8].try_into().unwrap()) % 4 + 1;
        assert!(Shard::parse(&format!("{expected}/4"))
            .unwrap()
            .contains("tenant_000"));
    }

    #[test]
    fn a_shard_is_i_of_n() {
        assert_eq!(Shard::parse("2/4"), Ok(Shard { index: 2, count: 4 }));
        for bad in ["0/4", "5/4", "2", "a/b", "1/0"] {
            assert!(Shard::parse(bad).is_err(), "{bad}");
        }
    }
}
