//! Dependency order: which names a statement mentions, and a stable topological sort of the
//! steps by what they provide, remove and release, ties broken by rank and then by the order
//! the generators produced them.
//!
//! Snapshots are read with an empty `search_path`, so every definition the server deparsed
//! names other objects qualified: `schema.name` pairs in the SQL are the dependencies.

use std::cmp::Reverse;
use std::collections::{BinaryHeap, HashMap, HashSet};

use super::step::{Name, Rank, Step};

/// Every `a.b` pair of identifiers in `sql` outside string literals, dollar-quoted bodies and
/// comments (`a.b.c` gives `a.b` and `b.c`). Unquoted identifiers are folded to lower case.
pub fn mentions(sql: &str) -> Vec<Name> {
    let bytes = sql.as_bytes();
    let mut found = Vec::new();
    let mut previous: Option<String> = None;
    let mut i = 0;
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' => {
                let escapes = i > 0 && matches!(bytes[i - 1], b'E' | b'e');
                i = skip_string(bytes, i + 1, escapes);
                previous = None;
            }
            b'$' => match dollar_tag(bytes, i) {
                Some(tag) => {
                    let body = i + tag.len();
                    i = find(bytes, body, tag.as_bytes())
                        .map_or(bytes.len(), |end| end + tag.len());
                    previous = None;
                }
                None => i += 1,
            },
            b'-' if bytes.get(i + 1) == Some(&b'-') => {
                i = find(bytes, i, b"\n").unwrap_or(bytes.len());
            }
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = find(bytes, i + 2, b"*/").map_or(bytes.len(), |end| end + 2);
            }
            b'"' => {
                let (ident, end) = quoted(sql, i + 1);
                i = end;
                previous = link(&mut found, previous, ident, bytes, i);
            }
            c if c.is_ascii_alphabetic() || c == b'_' || c >= 0x80 => {
                let start = i;
                while i < bytes.len()
                    && (bytes[i].is_ascii_alphanumeric()
                        || bytes[i] == b'_'
                        || bytes[i] == b'$'
                        || bytes[i] >= 0x80)
                {
                    i += 1;
                }
                let ident = sql[start..i].to_lowercase();
                previous = link(&mut found, previous, ident, bytes, i);
            }
            b'.' => i += 1,
            _ => {
                i += 1;
                previous = None;
            }
        }
    }
    found
}

/// Records `previous.ident` when the identifier before this one ended in a dot, and returns
/// what the next identifier links to: this one, when a dot follows it.
fn link(
    found: &mut Vec<Name>,
    previous: Option<String>,
    ident: String,
    bytes: &[u8],
    end: usize,
) -> Option<String> {
    if let Some(schema) = previous {
        found.push((schema, ident.clone()));
    }
    (bytes.get(end) == Some(&b'.')).then_some(ident)
}

/// The index after the string literal whose text starts at `i` (`''` doubled; with `escapes`,
/// an `E''` string's backslashes too).
fn skip_string(bytes: &[u8], mut i: usize, escapes: bool) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if escapes => i += 2,
            b'\'' if bytes.get(i + 1) == Some(&b'\'') => i += 2,
            b'\'' => return i + 1,
            _ => i += 1,
        }
    }
    i
}

fn dollar_tag(bytes: &[u8], start: usize) -> Option<String> {
    let mut i = start + 1;
    while i < bytes.len() && (bytes[i].is_ascii_alphanumeric() || bytes[i] == b'_') {
        i += 1;
    }
    let tag_is_plain = start + 1 == i || !bytes[start + 1].is_ascii_digit();
    (bytes.get(i) == Some(&b'$') && tag_is_plain)
        .then(|| String::from_utf8_lossy(&bytes[start..=i]).into_owned())
}

fn find(bytes: &[u8], from: usize, needle: &[u8]) -> Option<usize> {
    bytes
        .get(from..)?
        .windows(needle.len())
        .position(|w| w == needle)
        .map(|p| p + from)
}

/// A quoted identifier's text (`""` undoubled) and the index after its closing quote.
fn quoted(sql: &str, start: usize) -> (String, usize) {
    let bytes = sql.as_bytes();
    let mut ident = String::new();
    let mut i = start;
    let mut run = start;
    while i < bytes.len() {
        if bytes[i] == b'"' {
            ident.push_str(&sql[run..i]);
            if bytes.get(i + 1) == Some(&b'"') {
                ident.push('"');
                i += 2;
                run = i;
                continue;
            }
            return (ident, i + 1);
        }
        i += 1;
    }
    ident.push_str(&sql[run..]);
    (ident, bytes.len())
}

/// Orders the steps: a create or alter goes after every step providing a name its SQL
/// mentions (or that it `needs`), a step removing a name goes after every step releasing it, and a create goes
/// after the drop of the same name. Among steps free to go, the lowest rank goes first, then
/// the one generated first. A cycle (which a consistent pair of schemas does not have) is
/// broken at its lowest-ranked step, so the sort always terminates with every step.
pub fn sort(steps: Vec<Step>) -> Vec<Step> {
    let mut providers: HashMap<&Name, Vec<usize>> = HashMap::new();
    let mut releasers: HashMap<&Name, Vec<usize>> = HashMap::new();
    let mut removers: HashMap<&Name, Vec<usize>> = HashMap::new();
    for (i, step) in steps.iter().enumerate() {
        for name in &step.provides {
            providers.entry(name).or_default().push(i);
        }
        for name in &step.releases {
            releasers.entry(name).or_default().push(i);
        }
        for name in &step.removes {
            removers.entry(name).or_default().push(i);
        }
    }
    let mut before: Vec<HashSet<usize>> = vec![HashSet::new(); steps.len()];
    for (i, step) in steps.iter().enumerate() {
        let own: HashSet<&Name> = step.provides.iter().collect();
        let drop = step.rank <= Rank::DropSchema;
        let mentioned = if drop {
            Vec::new()
        } else {
            mentions(&step.sql)
        };
        for name in mentioned.into_iter().chain(step.needs.iter().cloned()) {
            if own.contains(&name) {
                continue;
            }
            for &p in providers.get(&name).into_iter().flatten() {
                before[i].insert(p);
            }
        }
        for name in &step.removes {
            for &r in releasers.get(name).into_iter().flatten() {
                before[i].insert(r);
            }
        }
        if step.rank > Rank::DropSchema && step.rank != Rank::AlterTable {
            for name in &step.provides {
                for &d in removers.get(name).into_iter().flatten() {
                    if steps[d].rank <= Rank::DropSchema {
                        before[i].insert(d);
                    }
                }
            }
        }
        before[i].remove(&i);
    }
    let mut after: Vec<Vec<usize>> = vec![Vec::new(); steps.len()];
    let mut waiting: Vec<usize> = vec![0; steps.len()];
    for (i, deps) in before.iter().enumerate() {
        waiting[i] = deps.len();
        for &d in deps {
            after[d].push(i);
        }
    }
    let key = |i: usize| Reverse((steps[i].rank, i));
    let mut ready: BinaryHeap<Reverse<(Rank, usize)>> = (0..steps.len())
        .filter(|&i| waiting[i] == 0)
        .map(key)
        .collect();
    let mut done = vec![false; steps.len()];
    let mut order = Vec::with_capacity(steps.len());
    while order.len() < steps.len() {
        let next = match ready.pop() {
            Some(Reverse((_, i))) if !done[i] => i,
            Some(_) => continue,
            None => (0..steps.len())
                .filter(|&i| !done[i])
                .min_by_key(|&i| (steps[i].rank, i))
                .expect("a step is left while the order is short"),
        };
        done[next] = true;
        order.push(next);
        for &a in &after[next] {
            waiting[a] = waiting[a].saturating_sub(1);
            if waiting[a] == 0 && !done[a] {
                ready.push(key(a));
            }
        }
    }
    let mut slots: Vec<Option<Step>> = steps.into_iter().map(Some).collect();
    order
        .into_iter()
        .map(|i| slots[i].take().expect("each step is placed once"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::plan::step::name;

    #[test]
    fn qualified_names_outside_literals_and_bodies_are_mentions() {
        let sql = r#"CREATE VIEW shop.v AS SELECT o.id FROM shop.orders o JOIN "We/ird"."Users" u ON true WHERE o.note = 'x.y' AND f($$ a.b $$) -- c.d
            /* e.f */ AND g = E'h\'.i'"#;
        assert_eq!(
            mentions(sql),
            vec![
                name("shop", "v"),
                name("o", "id"),
                name("shop", "orders"),
                name("We/ird", "Users"),
                name("o", "note"),
            ]
        );
    }

    #[test]
    fn a_three_part_name_gives_both_pairs() {
        assert_eq!(
            mentions("ALTER SEQUENCE s.q OWNED BY s.t.c"),
            vec![name("s", "q"), name("s", "t"), name("t", "c")]
        );
    }

    fn step(rank: Rank, sql: &str) -> Step {
        Step::new(rank, sql)
    }

    fn order(steps: Vec<Step>) -> Vec<String> {
        sort(steps).into_iter().map(|s| s.sql).collect()
    }

    #[test]
    fn a_view_is_created_after_the_table_it_reads_and_dropped_before_it() {
        let steps = vec![
            step(Rank::CreateView, "CREATE VIEW s.v AS SELECT FROM s.t").provides(name("s", "v")),
            step(Rank::DropView, "DROP VIEW s.w").releases("SELECT FROM s.old"),
            step(Rank::DropTable, "DROP TABLE s.old").removes(name("s", "old")),
            step(Rank::CreateTable, "CREATE TABLE s.t ()").provides(name("s", "t")),
        ];
        assert_eq!(
            order(steps),
            [
                "DROP VIEW s.w",
                "DROP TABLE s.old",
                "CREATE TABLE s.t ()",
                "CREATE VIEW s.v AS SELECT FROM s.t"
            ]
        );
    }

    #[test]
    fn mentions_override_rank_and_a_recreate_follows_its_drop() {
        let steps = vec![
            step(Rank::CreateType, "CREATE TYPE s.c AS (x s.d)").provides(name("s", "c")),
            step(Rank::CreateType, "CREATE DOMAIN s.d AS int").provides(name("s", "d")),
            step(Rank::CreateView, "CREATE VIEW s.v AS SELECT 2").provides(name("s", "v")),
            step(Rank::DropView, "DROP VIEW s.v").removes(name("s", "v")),
        ];
        assert_eq!(
            order(steps),
            [
                "DROP VIEW s.v",
                "CREATE DOMAIN s.d AS int",
                "CREATE TYPE s.c AS (x s.d)",
                "CREATE VIEW s.v AS SELECT 2"
            ]
        );
    }

    #[test]
    fn a_cycle_is_broken_and_every_step_kept() {
        let steps = vec![
            step(Rank::CreateFunction, "CREATE FUNCTION s.f() RETURNS s.t")
                .provides(name("s", "f")),
            step(Rank::CreateTable, "CREATE TABLE s.t (x int DEFAULT s.f())")
                .provides(name("s", "t")),
        ];
        assert_eq!(order(steps).len(), 2);
    }
}
