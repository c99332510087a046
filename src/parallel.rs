//! Work split over the machine's cores.

/// `f` applied to every item, results in the items' order; the items are split into one
/// contiguous run per core.
pub fn map<T: Sync, R: Send>(items: &[T], f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    map_owned(items.iter().collect(), f)
}

/// `f` applied to every item, each item handed over whole and so freed as soon as `f` is done
/// with it; results in the items' order, the items split into one contiguous run per core.
pub fn map_owned<T: Send, R: Send>(items: Vec<T>, f: impl Fn(T) -> R + Sync) -> Vec<R> {
    let threads = std::thread::available_parallelism().map_or(1, usize::from);
    if threads == 1 || items.len() < 2 {
        return items.into_iter().map(f).collect();
    }
    let per_run = items.len().div_ceil(threads);
    let mut items = items.into_iter();
    let runs: Vec<Vec<T>> = (0..threads)
        .map(|_| items.by_ref().take(per_run).collect())
        .collect();
    let f = &f;
    std::thread::scope(|scope| {
        let runs: Vec<_> = runs
            .into_iter()
            .map(|run| scope.spawn(move || run.into_iter().map(f).collect::<Vec<_>>()))
            .collect();
        runs.into_iter()
            .flat_map(|run| match run.join() {
                Ok(results) => results,
                Err(panic) => std::panic::resume_unwind(panic),
            })
            .collect()
    })
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
}
