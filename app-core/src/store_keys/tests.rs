//! The layout: every key's spelling, round trip and what is not ours.

use super::*;
use crate::metrics::BUCKET_SLOTS;

fn every_key() -> Vec<StoreKey> {
    let mut keys = vec![StoreKey::StoreErrors];
    for method in Method::ALL {
        for route in Route::ALL {
            keys.push(StoreKey::Started(ActiveLabels {
                http_request_method: method,
                http_route: route,
            }));
            for status in [200, 404, 405, 500, 503] {
                let labels = RequestLabels::new(method, route, status);
                keys.push(StoreKey::SumNanos(labels.clone()));
                for slot in 0..BUCKET_SLOTS {
                    keys.push(StoreKey::Bucket {
                        labels: labels.clone(),
                        slot,
                    });
                }
            }
        }
    }
    keys
}

#[test]
fn every_key_round_trips_and_is_unique() {
    let keys = every_key();
    let mut names = std::collections::BTreeSet::new();
    for key in &keys {
        let name = key.encode();
        assert!(name.starts_with(PREFIX));
        assert_eq!(StoreKey::parse(&name).as_ref(), Some(key), "{name}");
        assert!(names.insert(name));
    }
}

#[test]
fn layout_is_the_documented_one() {
    let item = RequestLabels::new(Method::Get, Route::Item, 200);
    assert_eq!(
        StoreKey::Bucket {
            labels: item.clone(),
            slot: 0
        }
        .encode(),
        "metrics/v3/duration|GET|/api/items/{id}|200|le=0.005"
    );
    assert_eq!(
        StoreKey::Bucket {
            labels: item.clone(),
            slot: 9
        }
        .encode(),
        "metrics/v3/duration|GET|/api/items/{id}|200|le=1"
    );
    assert_eq!(
        StoreKey::Bucket {
            labels: item.clone(),
            slot: DURATION_BUCKETS.len()
        }
        .encode(),
        "metrics/v3/duration|GET|/api/items/{id}|200|le=+Inf"
    );
    assert_eq!(
        StoreKey::SumNanos(item).encode(),
        "metrics/v3/duration|GET|/api/items/{id}|200|sum_ns"
    );
    assert_eq!(
        StoreKey::Started(ActiveLabels {
            http_request_method: Method::Get,
            http_route: Route::Item
        })
        .encode(),
        "metrics/v3/started|GET|/api/items/{id}"
    );
    assert_eq!(
        StoreKey::Started(ActiveLabels {
            http_request_method: Method::Other,
            http_route: Route::Unmatched
        })
        .encode(),
        "metrics/v3/started|_OTHER|unmatched"
    );
    assert_eq!(StoreKey::StoreErrors.encode(), "metrics/v3/store_errors");
}

#[test]
fn counters_are_spins_8_byte_little_endian_values_and_nothing_else() {
    assert_eq!(counter(&(-7i64).to_le_bytes()), Some(-7));
    assert_eq!(counter(&i64::MAX.to_le_bytes()), Some(i64::MAX));
    for value in [&b""[..], b"12", b"123456789", &[0; 7]] {
        assert_eq!(counter(value), None, "{value:?}");
    }
    assert!(PREFIX.starts_with(NAMESPACE));
}

#[test]
fn foreign_and_malformed_keys_are_not_ours() {
    for name in [
        "",
        "greeting",
        // The key-value layouts of earlier builds.
        "metrics/v1/store_errors",
        "metrics/v2/store_errors",
        "metrics/v2/active|GET|/api/items/{id}",
        "metrics/v2/duration|GET|/api/items/{id}|200|le=0.005",
        "metrics/v2/duration|GET|/api/items/{id}|200|sum_ns",
        // v2's stored gauge is no v3 key either.
        "metrics/v3/active|GET|/",
        "metrics/v3/store_errors|x",
        "metrics/v3/duration|GET|/|200",
        "metrics/v3/duration|GET|/|200|le=0.3",
        "metrics/v3/duration|GET|/|200|le=0.005|",
        // A bound's value under another spelling is another key.
        "metrics/v3/duration|GET|/|200|le=0.0050",
        "metrics/v3/duration|GET|/|200|le=1.0",
        "metrics/v3/duration|GET|/|200|le=inf",
        "metrics/v3/duration|GET|/|200|le=NaN",
        "metrics/v3/duration|GET|/|0200|sum_ns",
        "metrics/v3/duration|GET|/|+20|sum_ns",
        "metrics/v3/duration|GET|/|99|sum_ns",
        "metrics/v3/duration|BREW|/|200|sum_ns",
        "metrics/v3/duration|GET|/nope|200|sum_ns",
        "metrics/v3/started|GET",
        "metrics/v3/started|GET|/|extra",
    ] {
        assert_eq!(StoreKey::parse(name), None, "{name:?}");
    }
}
