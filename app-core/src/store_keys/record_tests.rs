//! The increments of one request, normal and on every failure path.

use std::time::Duration;

use super::fake_store::FakeStore;
use super::*;

fn item() -> RequestLabels {
    RequestLabels::new(Method::Get, Route::Item, 200)
}

fn started_key() -> StoreKey {
    StoreKey::Started(item().active_labels())
}

fn sum_key() -> StoreKey {
    StoreKey::SumNanos(item())
}

/// 3 ms lands in the `le=0.005` slot.
fn slot_key() -> StoreKey {
    StoreKey::Bucket {
        labels: item(),
        slot: 0,
    }
}

/// One request of 3 ms: the keys in `failing_at_start` fail for its start,
/// those in `failing_at_finish` for its finish.
fn request(store: &mut FakeStore, failing_at_start: &[StoreKey], failing_at_finish: &[StoreKey]) {
    store.failing = failing_at_start.iter().map(StoreKey::encode).collect();
    let begun = start(item().active_labels(), |key, delta| store.add(key, delta));
    store.failing = failing_at_finish.iter().map(StoreKey::encode).collect();
    finish(begun, &item(), Duration::from_millis(3), |key, delta| {
        store.add(key, delta)
    });
    store.failing.clear();
}

#[test]
fn a_request_is_three_increments_its_slot_last() {
    let mut store = FakeStore::default();
    request(&mut store, &[], &[]);
    assert_eq!(
        store.calls,
        [(started_key(), 1), (sum_key(), 3_000_000), (slot_key(), 1)]
    );
    let metrics = store.read_back();
    assert_eq!(metrics.active[&item().active_labels()], 0);
    assert_eq!(metrics.requests[&item()].count(), 1);
}

#[test]
fn a_failed_start_is_caught_up_by_the_finish() {
    let mut store = FakeStore::default();
    request(&mut store, &[started_key()], &[]);
    assert_eq!(
        store.calls,
        [
            (started_key(), 1),
            (started_key(), 1),
            (sum_key(), 3_000_000),
            (slot_key(), 1)
        ]
    );
    assert_eq!(store.counters[&started_key().encode()], 1);
    assert_eq!(store.read_back().active[&item().active_labels()], 0);
}

#[test]
fn a_request_whose_start_never_goes_in_writes_nothing_else() {
    let mut store = FakeStore::default();
    request(&mut store, &[started_key()], &[started_key()]);
    assert_eq!(store.calls, [(started_key(), 1), (started_key(), 1)]);
    assert!(store.counters.is_empty(), "{:?}", store.counters);
}

#[test]
fn a_failed_slot_takes_the_start_back() {
    let mut store = FakeStore::default();
    request(&mut store, &[], &[slot_key()]);
    assert_eq!(
        store.calls,
        [
            (started_key(), 1),
            (sum_key(), 3_000_000),
            (slot_key(), 1),
            (started_key(), -1)
        ]
    );
    assert_eq!(store.counters[&started_key().encode()], 0);
    assert_eq!(store.read_back().active[&item().active_labels()], 0);
}

#[test]
fn no_failure_leaves_more_finished_than_started() {
    // Every set of failing keys at the start and at the finish: the gauge
    // never derives negative (read_back reports no problem), and is one too
    // high only when the take-back itself failed after a started +1.
    let keys = [started_key(), sum_key(), slot_key()];
    let subsets = |mask: usize| -> Vec<StoreKey> {
        (0..keys.len())
            .filter(|bit| mask & (1 << bit) != 0)
            .map(|bit| keys[bit].clone())
            .collect()
    };
    for at_start in 0..8 {
        for at_finish in 0..8 {
            let mut store = FakeStore::default();
            request(&mut store, &subsets(at_start), &subsets(at_finish));
            let active = store.read_back().active;
            let stuck = store.counters.get(&started_key().encode()) == Some(&1)
                && !store.counters.contains_key(&slot_key().encode());
            let expected = if stuck { Some(&1) } else { Some(&0) };
            let value = active.get(&item().active_labels());
            assert!(
                value == expected || value.is_none() && store.counters.is_empty(),
                "start {at_start:03b} finish {at_finish:03b}: {active:?} {:?}",
                store.counters
            );
        }
    }
}
