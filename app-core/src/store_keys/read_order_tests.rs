//! The read order that keeps a scrape racing requests from deriving a
//! negative in-flight gauge.

use std::time::Duration;

use super::fake_store::FakeStore;
use super::*;
use crate::{BuildInfo, Variant};

fn item(status: u16) -> RequestLabels {
    RequestLabels::new(Method::Get, Route::Item, status)
}

fn started(labels: &RequestLabels) -> String {
    StoreKey::Started(labels.active_labels()).encode()
}

#[test]
fn started_keys_are_read_after_every_duration_key() {
    let mut keys: Vec<String> = [
        started(&item(200)),
        StoreKey::StoreErrors.encode(),
        StoreKey::SumNanos(item(200)).encode(),
        started(&RequestLabels::new(Method::Post, Route::Items, 405)),
        "metrics/v2/active|GET|/".to_owned(),
        StoreKey::Bucket {
            labels: item(404),
            slot: 1,
        }
        .encode(),
    ]
    .into();
    in_read_order(&mut keys);
    let first_started = keys.iter().position(|k| k.contains("/started|")).unwrap();
    assert_eq!(first_started, 4, "{keys:?}");
    assert!(
        keys[4..].iter().all(|k| k.contains("/started|")),
        "{keys:?}"
    );
}

#[test]
fn a_scrape_racing_requests_never_derives_a_negative_gauge() {
    // A scrape reads key by key while requests keep finishing in between,
    // on a listing that comes in any order (here the worst: started first).
    let request = |store: &mut FakeStore| {
        let begun = start(item(200).active_labels(), |k, d| store.add(k, d));
        finish(begun, &item(200), Duration::from_millis(3), |k, d| {
            store.add(k, d)
        });
    };
    let mut store = FakeStore::default();
    request(&mut store);
    let mut keys: Vec<String> = store.counters.keys().rev().cloned().collect();
    in_read_order(&mut keys);
    let mut rows = Vec::new();
    for key in keys {
        let value = store.counters[&key];
        rows.push((key, value));
        request(&mut store);
    }
    let (metrics, problems) = read_back(
        BuildInfo::new(Variant::Spin),
        rows.iter().map(|(k, v)| (k.as_str(), Some(*v))),
    );
    assert!(problems.is_empty(), "{problems:?}");
    // Over-counted by the one request that finished between the read of
    // the slot and the read of `started`.
    assert_eq!(metrics.active[&item(200).active_labels()], 1);
}
