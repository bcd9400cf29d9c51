//! Reading the counters back: histograms, the derived in-flight gauge and
//! the rows that cannot count.

use std::collections::BTreeMap;
use std::time::Duration;

use super::fake_store::FakeStore;
use super::*;
use crate::{BuildInfo, StoredHistogram, StoredMetrics, Variant};

fn item(status: u16) -> RequestLabels {
    RequestLabels::new(Method::Get, Route::Item, status)
}

fn started(labels: &RequestLabels) -> String {
    StoreKey::Started(labels.active_labels()).encode()
}

fn read(rows: &[(&str, i64)]) -> (StoredMetrics, Vec<(String, ReadBackProblem)>) {
    read_back(
        BuildInfo::new(Variant::Spin),
        rows.iter().map(|(name, value)| (*name, Some(*value))),
    )
}

#[test]
fn replayed_requests_read_back_as_the_in_memory_histogram() {
    let traffic = [
        (item(200), Duration::from_micros(4_999)),
        (item(200), Duration::from_millis(5)),
        (item(200), Duration::from_micros(5_001)),
        (item(404), Duration::from_millis(300)),
        (
            RequestLabels::new(Method::Other, Route::Unmatched, 404),
            Duration::from_secs(11),
        ),
    ];
    let mut store = FakeStore::default();
    let mut expected = BTreeMap::<RequestLabels, StoredHistogram>::new();
    for (labels, elapsed) in &traffic {
        let begun = start(labels.active_labels(), |k, d| store.add(k, d));
        finish(begun, labels, *elapsed, |k, d| store.add(k, d));
        expected
            .entry(labels.clone())
            .or_default()
            .observe(*elapsed);
    }
    store.counters.insert(StoreKey::StoreErrors.encode(), 3);
    let metrics = store.read_back();
    assert_eq!(metrics.requests, expected);
    assert_eq!(metrics.requests[&item(200)].count(), 3);
    assert_eq!(
        metrics.requests[&item(200)].buckets[0],
        2,
        "5 ms is le=0.005"
    );
    assert_eq!(metrics.store_errors, 3);
    // Two routes, every request finished: 4 of /api/items/{id} over two
    // statuses, 1 unmatched.
    assert_eq!(metrics.active.len(), 2, "{:?}", metrics.active);
    assert!(metrics.active.values().all(|&n| n == 0), "{metrics:?}");
    assert_eq!(store.calls.len(), 3 * traffic.len());
}

#[test]
fn a_request_not_finished_yet_is_in_flight() {
    let slot = StoreKey::Bucket {
        labels: item(200),
        slot: 0,
    }
    .encode();
    let sum = StoreKey::SumNanos(item(200)).encode();
    let begun = started(&item(200));
    let (metrics, problems) = read(&[(begun.as_str(), 1)]);
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(metrics.active[&item(200).active_labels()], 1);
    // Its sum is in, its slot (the last write) not yet: still in flight,
    // beside two finished requests of another status.
    let done = StoreKey::Bucket {
        labels: item(404),
        slot: 3,
    }
    .encode();
    let rows = [(slot.as_str(), 0), (sum.as_str(), 7), (done.as_str(), 2)];
    let (metrics, problems) = read(&[&rows[..], &[(begun.as_str(), 3)]].concat());
    assert!(problems.is_empty(), "{problems:?}");
    assert_eq!(metrics.active[&item(200).active_labels()], 1);
}

#[test]
fn more_finished_than_started_is_a_problem_not_a_negative_gauge() {
    let slot = StoreKey::Bucket {
        labels: item(200),
        slot: 2,
    }
    .encode();
    let started_name = started(&item(200));
    for rows in [
        vec![(slot.as_str(), 3), (started_name.as_str(), 2)],
        // No start at all (the key deleted by hand).
        vec![(slot.as_str(), 1)],
    ] {
        let (metrics, problems) = read(&rows);
        let begun = rows.get(1).map_or(0, |row| row.1 as u64);
        assert_eq!(
            problems,
            [(
                started_name.clone(),
                ReadBackProblem::FinishedExceedStarted {
                    started: begun,
                    finished: rows[0].1 as u64
                }
            )]
        );
        assert!(metrics.active.is_empty(), "{:?}", metrics.active);
        assert_eq!(metrics.requests[&item(200)].count(), rows[0].1 as u64);
    }
}

#[test]
fn an_unreadable_start_is_reported_once() {
    let slot = StoreKey::Bucket {
        labels: item(200),
        slot: 2,
    }
    .encode();
    let (metrics, problems) = read(&[(slot.as_str(), 1), (started(&item(200)).as_str(), -1)]);
    assert_eq!(
        problems,
        [(started(&item(200)), ReadBackProblem::Negative(-1))]
    );
    assert!(metrics.active.is_empty());
}

#[test]
fn old_layouts_and_unreadable_values_are_reported_and_skipped() {
    let good = StoreKey::SumNanos(RequestLabels::new(Method::Get, Route::Root, 200)).encode();
    let text = StoreKey::StoreErrors.encode();
    let negative = StoreKey::Bucket {
        labels: RequestLabels::new(Method::Get, Route::Root, 200),
        slot: 0,
    }
    .encode();
    let rows: Vec<(&str, Option<i64>)> = vec![
        (good.as_str(), Some(1)),
        (text.as_str(), None),
        (negative.as_str(), Some(-2)),
        ("metrics/v3/duration|GET|/|200|le=0.3", Some(1)),
        ("metrics/v2/active|GET|/", Some(1)),
        ("metrics/v2/duration|GET|/|200|le=0.005", Some(4)),
        ("metrics/v1/active|GET|/", Some(1)),
        ("someone-elses-key", Some(7)),
    ];
    let (metrics, problems) = read_back(BuildInfo::new(Variant::Spin), rows);
    let kinds: Vec<&ReadBackProblem> = problems.iter().map(|(_, p)| p).collect();
    assert_eq!(
        kinds,
        [
            &ReadBackProblem::NotAnInteger,
            &ReadBackProblem::Negative(-2),
            &ReadBackProblem::UnknownKey,
            &ReadBackProblem::UnknownKey,
            &ReadBackProblem::UnknownKey,
            &ReadBackProblem::UnknownKey,
            &ReadBackProblem::UnknownKey,
        ]
    );
    assert_eq!(metrics.store_errors, 0);
    assert_eq!(metrics.requests.len(), 1);
    // A sum with no slot is no finished request; and no start: gauge 0.
    assert_eq!(metrics.active.values().collect::<Vec<_>>(), [&0]);
}
