//! Diffing two 10,000-table schemas: how long the differ takes beyond reading the snapshots.
//! Run with `cargo bench --bench diff`; prints the median of several runs of each phase.

use std::time::{Duration, Instant};

use schemagit::codec;
use schemagit::diff;
mod synthetic;

use synthetic::database;

const TABLES: usize = 10_000;
const FUNCTIONS: usize = 2_300;
const VIEWS: usize = 1_000;

fn median(mut runs: Vec<Duration>) -> Duration {
    runs.sort();
    runs[runs.len() / 2]
}

fn measure<T>(runs: usize, mut work: impl FnMut() -> T) -> (Duration, T) {
    let mut times = Vec::with_capacity(runs);
    let mut last = None;
    for _ in 0..runs {
        let start = Instant::now();
        last = Some(work());
        times.push(start.elapsed());
    }
    (median(times), last.expect("at least one run"))
}

fn main() {
    let old = database(TABLES, FUNCTIONS, VIEWS, false);
    let new = database(TABLES, FUNCTIONS, VIEWS, true);
    let old_files = codec::encode(old.clone()).expect("encodes").files;
    let new_files = codec::encode(new.clone()).expect("encodes").files;
    let bytes: usize = new_files.values().map(Vec::len).sum();
    println!(
        "{TABLES} tables, {FUNCTIONS} functions, {VIEWS} views: {} files, {} MB",
        new_files.len(),
        bytes / 1_000_000
    );

    let (decode, _) = measure(5, || {
        (
            codec::decode(&old_files).unwrap(),
            codec::decode(&new_files).unwrap(),
        )
    });
    println!("decode both snapshots (reading, beyond git): {decode:?}");
    let (differ, changes) = measure(5, || diff::diff(&old, &new));
    println!("diff: {differ:?} for {} changes", changes.len());
    let (identical, none) = measure(5, || diff::diff(&old, &old));
    assert!(none.is_empty());
    println!("diff of identical schemas: {identical:?}");
    let (copy, _) = measure(5, || new.clone());
    let (encode, _) = measure(5, || codec::encode(new.clone()).unwrap());
    println!(
        "encode one snapshot: {:?} (a copy of the model, which encoding consumes, left out)",
        encode.saturating_sub(copy)
    );
}
