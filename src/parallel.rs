//! Work split over the machine's cores.

/// `f` applied to every item, results in the items' order, spread over the cores (see
/// [`map_owned`]).
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_owned(items.iter().collect(), f)
}

/// How many items a thread takes at a time: small enough that uneven items (a schema's
/// tables first, then its small objects) still leave every core busy to the end, large enough
/// that taking them costs nothing beside the work.
const BATCH: usize = 64;

/// `f` applied to every item, each item handed over whole and so freed as soon as `f` is done
/// with it; results in the items' order. One thread per core takes the next batch of items
/// whenever it is done with one.
pub fn map_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads == 1 || items.len() <= BATCH {
        return items.into_iter().map(f).collect();
    }
    let count = items.len();
    let mut items = items.into_iter();
    let batches: Vec<Vec<T>> = std::iter::from_fn(|| {
        let batch: Vec<T> = items.by_ref().take(BATCH).collect();
        (!batch.is_empty()).then_some(batch)
    })
    .collect();
    let queue = std::sync::Mutex::new(batches.into_iter().enumerate());
    let next = || queue.lock().unwrap_or_else(|e| e.into_inner()).next();
    let work = || {
        let mut done = Vec::new();
        while let Some((place, batch)) = next() {
            done.push((place, batch.into_iter().map(&f).collect::<Vec<R>>()));
        }
        done
    };
    let mut done: Vec<(usize, Vec<R>)> = std::thread::scope(|scope| {
        let threads: Vec<_> = (0..threads).map(|_| scope.spawn(work)).collect();
        threads
            .into_iter()
            .flat_map(|thread| match thread.join() {
                Ok(done) => done,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    });
    done.sort_unstable_by_key(|(place, _)| *place);
    let mut results = Vec::with_capacity(count);
    for (_, batch) in done {
        results.extend(batch);
    }
    results
}

#[cfg(test)]
mod tests {
    #[test]
    fn results_come_in_the_items_order() {
        let items: Vec<u32> = (0..1001).collect();
        let doubled = super::map(&items, |n| n * 2);
        assert_eq!(doubled, items.iter().map(|n| n * 2).collect::<Vec<_>>());
        assert!(super::map(&[] as &[u32], |n| *n).is_empty());
    }

    #[test]
    fn owned_items_are_handed_over_in_order() {
        let items: Vec<String> = (0..1001).map(|n| n.to_string()).collect();
        let lengths = super::map_owned(items.clone(), |item| (item.len(), item));
        assert_eq!(
            lengths,
            items
                .iter()
                .map(|item| (item.len(), item.clone()))
                .collect::<Vec<_>>()
        );
        assert!(super::map_owned(Vec::<u32>::new(), |n| n).is_empty());
    }

    #[test]
    fn a_slow_item_leaves_the_rest_to_the_other_cores() {
        use std::sync::atomic::{AtomicUsize, Ordering};
        use std::time::{Duration, Instant};
        if std::thread::available_parallelism().map_or(1, usize::from) < 2 {
            return;
        }
        let items: Vec<usize> = (0..super::BATCH * 20).collect();
        let others = items.len() - super::BATCH;
        let done = AtomicUsize::new(0);
        let waited = super::map_owned(items, |item| {
            if item == 0 {
                // The first item waits for every item outside its batch: they must all be
                // taken up by the other threads meanwhile.
                let deadline = Instant::now() + Duration::from_secs(30);
                while done.load(Ordering::SeqCst) < others && Instant::now() < deadline {
                    std::thread::sleep(Duration::from_millis(1));
                }
                return done.load(Ordering::SeqCst) == others;
            }
            if item >= super::BATCH {
                done.fetch_add(1, Ordering::SeqCst);
            }
            true
        });
        assert!(waited.iter().all(|ok| *ok));
    }
}
