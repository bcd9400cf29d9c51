//! How the edge variant keys its metric values: one counter per key in
//! Spin's key-value store, each an 8-byte little-endian i64 changed only by
//! Spin's atomic `increment` (no read-modify-write in the component, which
//! would lose updates under concurrent requests).
//!
//! Keys are readable (in a store file, `sqlite3 .spin/sqlite_key_value.db
//! "SELECT key FROM spin_key_value"` shows what they count) and carry their
//! label values verbatim. All label values come from closed sets
//! ([`Method`], [`Route`], a status code), so `|` can never appear inside
//! one and the set of keys is as bounded as the set of series.
//!
//! ```text
//! metrics/v2/duration|GET|/api/items/{id}|200|le=0.005   one bucket slot (non-cumulative)
//! metrics/v2/duration|GET|/api/items/{id}|200|le=+Inf    the overflow slot
//! metrics/v2/duration|GET|/api/items/{id}|200|sum_ns     sum of durations, integer nanoseconds
//! metrics/v2/active|GET|/api/items/{id}                  requests in flight
//! metrics/v2/store_errors                                failed store operations
//! ```
//!
//! A histogram observation is two increments (its slot and the sum); the
//! count is the sum of the slots and is never stored, so it cannot disagree
//! with them. Buckets are keyed by their bound, not by position, and the
//! layout's version is in every key (`v1` were the position-keyed counters
//! of the first builds; builds between kept `v2` rows in a SQLite table,
//! `app_metrics` of Spin's SQLite database, which this version does not
//! read): a key under [`NAMESPACE`] this version did not write, from a
//! retired bucket bound or another layout, is reported instead of being
//! counted.

use std::time::Duration;

use crate::metrics::{ActiveLabels, BuildInfo, DURATION_BUCKETS, RequestLabels, bucket_slot};
use crate::route::{Method, Route};
use crate::stored::StoredMetrics;

/// Every key this module writes starts with this.
pub const PREFIX: &str = "metrics/v2/";
/// Every layout's keys start with this (`metrics/v1/` were earlier
/// builds'): a key under it is this app's, and read back even when it is
/// not this version's, so that old data is reported, not passed over.
pub const NAMESPACE: &str = "metrics/";

const DURATION: &str = "duration";
const ACTIVE: &str = "active";
const STORE_ERRORS: &str = "store_errors";
const SUM: &str = "sum_ns";
const SEPARATOR: char = '|';

/// One stored counter.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreKey {
    /// One non-cumulative slot of a duration histogram: index into
    /// [`DURATION_BUCKETS`], or `DURATION_BUCKETS.len()` for `+Inf`.
    Bucket { labels: RequestLabels, slot: usize },
    /// Sum of a duration histogram's observations in integer nanoseconds.
    SumNanos(RequestLabels),
    /// `http_server_active_requests` for one method and route.
    Active(ActiveLabels),
    /// `app_metrics_store_errors_total`.
    StoreErrors,
}

impl StoreKey {
    pub fn encode(&self) -> String {
        match self {
            StoreKey::Bucket { labels, slot } => {
                format!(
                    "{}{SEPARATOR}le={}",
                    request_key(labels),
                    bound_label(*slot)
                )
            }
            StoreKey::SumNanos(labels) => format!("{}{SEPARATOR}{SUM}", request_key(labels)),
            StoreKey::Active(labels) => format!(
                "{PREFIX}{ACTIVE}{SEPARATOR}{}{SEPARATOR}{}",
                labels.http_request_method.as_str(),
                labels.http_route.template()
            ),
            StoreKey::StoreErrors => format!("{PREFIX}{STORE_ERRORS}"),
        }
    }

    /// The key a stored name stands for, or `None` for names this version did
    /// not write (other prefixes, retired bucket bounds, unknown labels).
    pub fn parse(key: &str) -> Option<StoreKey> {
        let rest = key.strip_prefix(PREFIX)?;
        let mut parts = rest.split(SEPARATOR);
        let key = match parts.next()? {
            DURATION => {
                let labels = RequestLabels {
                    http_request_method: Method::from_label(parts.next()?)?,
                    http_route: Route::from_template(parts.next()?)?,
                    http_response_status_code: parse_status(parts.next()?)?,
                };
                match parts.next()? {
                    SUM => StoreKey::SumNanos(labels),
                    bucket => {
                        let slot = slot_labelled(bucket.strip_prefix("le=")?)?;
                        StoreKey::Bucket { labels, slot }
                    }
                }
            }
            ACTIVE => StoreKey::Active(ActiveLabels {
                http_request_method: Method::from_label(parts.next()?)?,
                http_route: Route::from_template(parts.next()?)?,
            }),
            STORE_ERRORS => StoreKey::StoreErrors,
            _ => return None,
        };
        match parts.next() {
            None => Some(key),
            Some(_) => None,
        }
    }
}

fn request_key(labels: &RequestLabels) -> String {
    format!(
        "{PREFIX}{DURATION}{SEPARATOR}{}{SEPARATOR}{}{SEPARATOR}{}",
        labels.http_request_method.as_str(),
        labels.http_route.template(),
        labels.http_response_status_code
    )
}

/// The bound as the `le` label spells it (`0.005`, `1`, `+Inf`).
fn bound_label(slot: usize) -> String {
    match DURATION_BUCKETS.get(slot) {
        Some(bound) => bound.to_string(),
        None => "+Inf".to_owned(),
    }
}

/// The slot whose `le` label is spelled exactly `bound`: found by value, so
/// reading a key formats one bound rather than every one.
fn slot_labelled(bound: &str) -> Option<usize> {
    let value: f64 = bound.parse().ok()?;
    let slot = DURATION_BUCKETS
        .iter()
        .position(|&upper| upper == value)
        .unwrap_or(DURATION_BUCKETS.len());
    (bound_label(slot) == bound).then_some(slot)
}

fn parse_status(text: &str) -> Option<u16> {
    // Exactly three digits: rejects "0200" or "+200", which would otherwise
    // fold two keys into one series.
    if text.len() != 3 || !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok().filter(|code| (100..=999).contains(code))
}

/// The deltas that record one finished request: its bucket slot, its
/// duration sum and, when it was counted in flight, that gauge back down.
pub fn finished(
    labels: &RequestLabels,
    elapsed: Duration,
    in_flight: Option<ActiveLabels>,
) -> Vec<(StoreKey, i64)> {
    let nanos = i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX);
    let mut deltas = vec![
        (
            StoreKey::Bucket {
                labels: labels.clone(),
                slot: bucket_slot(elapsed.as_secs_f64()),
            },
            1,
        ),
        (StoreKey::SumNanos(labels.clone()), nanos),
    ];
    deltas.extend(in_flight.map(|active| (StoreKey::Active(active), -1)));
    deltas
}

/// A stored value as Spin's `increment` keeps it: an 8-byte little-endian
/// i64. `None` for anything else (another writer's `set`).
pub fn counter(value: &[u8]) -> Option<i64> {
    Some(i64::from_le_bytes(value.try_into().ok()?))
}

/// A row that could not be counted; the snapshot skips it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum ReadBackProblem {
    /// The value is not an 8-byte counter (another writer's `set`).
    NotAnInteger,
    /// A counter that only ever goes up is below zero.
    Negative(i64),
    /// Not a key this version writes: another layout, a retired bucket
    /// bound, unknown labels.
    UnknownKey,
}

impl std::fmt::Display for ReadBackProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadBackProblem::NotAnInteger => f.write_str("value is not an integer"),
            ReadBackProblem::Negative(value) => write!(f, "counter is negative ({value})"),
            ReadBackProblem::UnknownKey => f.write_str("key not written by this version"),
        }
    }
}

/// Builds the metric snapshot from the stored counters, `None` standing for
/// a value that is not one ([`counter`]). Every key given is under
/// [`NAMESPACE`], so every one that does not count is returned for the
/// caller to log and count.
pub fn read_back<'a>(
    build: BuildInfo,
    rows: impl IntoIterator<Item = (&'a str, Option<i64>)>,
) -> (StoredMetrics, Vec<(String, ReadBackProblem)>) {
    let mut metrics = StoredMetrics::new(build);
    let mut problems = Vec::new();
    for (name, value) in rows {
        let outcome = StoreKey::parse(name)
            .ok_or(ReadBackProblem::UnknownKey)
            .and_then(|key| {
                apply(
                    &mut metrics,
                    key,
                    value.ok_or(ReadBackProblem::NotAnInteger)?,
                )
            });
        if let Err(problem) = outcome {
            problems.push((name.to_owned(), problem));
        }
    }
    (metrics, problems)
}

fn apply(metrics: &mut StoredMetrics, key: StoreKey, value: i64) -> Result<(), ReadBackProblem> {
    // The active gauge rises and falls; everything else only rises.
    if !matches!(key, StoreKey::Active(_)) && value < 0 {
        return Err(ReadBackProblem::Negative(value));
    }
    let unsigned = value.unsigned_abs();
    match key {
        StoreKey::Bucket { labels, slot } => {
            metrics.requests.entry(labels).or_default().buckets[slot] = unsigned;
        }
        StoreKey::SumNanos(labels) => {
            metrics.requests.entry(labels).or_default().sum_nanos = unsigned;
        }
        StoreKey::Active(labels) => {
            metrics.active.insert(labels, value);
        }
        StoreKey::StoreErrors => metrics.store_errors = unsigned,
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metrics::BUCKET_SLOTS;
    use crate::{StoredHistogram, Variant};

    fn every_key() -> Vec<StoreKey> {
        let mut keys = vec![StoreKey::StoreErrors];
        for method in Method::ALL {
            for route in Route::ALL {
                keys.push(StoreKey::Active(ActiveLabels {
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
            "metrics/v2/duration|GET|/api/items/{id}|200|le=0.005"
        );
        assert_eq!(
            StoreKey::Bucket {
                labels: item.clone(),
                slot: 9
            }
            .encode(),
            "metrics/v2/duration|GET|/api/items/{id}|200|le=1"
        );
        assert_eq!(
            StoreKey::Bucket {
                labels: item.clone(),
                slot: DURATION_BUCKETS.len()
            }
            .encode(),
            "metrics/v2/duration|GET|/api/items/{id}|200|le=+Inf"
        );
        assert_eq!(
            StoreKey::SumNanos(item).encode(),
            "metrics/v2/duration|GET|/api/items/{id}|200|sum_ns"
        );
        assert_eq!(
            StoreKey::Active(ActiveLabels {
                http_request_method: Method::Other,
                http_route: Route::Unmatched
            })
            .encode(),
            "metrics/v2/active|_OTHER|unmatched"
        );
        assert_eq!(StoreKey::StoreErrors.encode(), "metrics/v2/store_errors");
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
            // The key-value layout of earlier builds.
            "metrics/v1/store_errors",
            "metrics/v2/store_errors|x",
            "metrics/v2/duration|GET|/|200",
            "metrics/v2/duration|GET|/|200|le=0.3",
            "metrics/v2/duration|GET|/|200|le=0.005|",
            // A bound's value under another spelling is another key.
            "metrics/v2/duration|GET|/|200|le=0.0050",
            "metrics/v2/duration|GET|/|200|le=1.0",
            "metrics/v2/duration|GET|/|200|le=inf",
            "metrics/v2/duration|GET|/|200|le=NaN",
            "metrics/v2/duration|GET|/|0200|sum_ns",
            "metrics/v2/duration|GET|/|+20|sum_ns",
            "metrics/v2/duration|GET|/|99|sum_ns",
            "metrics/v2/duration|BREW|/|200|sum_ns",
            "metrics/v2/duration|GET|/nope|200|sum_ns",
            "metrics/v2/active|GET",
            "metrics/v2/active|GET|/|extra",
        ] {
            assert_eq!(StoreKey::parse(name), None, "{name:?}");
        }
    }

    #[test]
    fn replayed_deltas_read_back_as_the_in_memory_histogram() {
        let traffic = [
            (
                RequestLabels::new(Method::Get, Route::Item, 200),
                Duration::from_micros(4_999),
            ),
            (
                RequestLabels::new(Method::Get, Route::Item, 200),
                Duration::from_millis(5),
            ),
            (
                RequestLabels::new(Method::Get, Route::Item, 200),
                Duration::from_micros(5_001),
            ),
            (
                RequestLabels::new(Method::Get, Route::Item, 404),
                Duration::from_millis(300),
            ),
            (
                RequestLabels::new(Method::Other, Route::Unmatched, 404),
                Duration::from_secs(11),
            ),
        ];
        let mut store = std::collections::BTreeMap::<String, i64>::new();
        let mut expected = std::collections::BTreeMap::<RequestLabels, StoredHistogram>::new();
        for (labels, elapsed) in &traffic {
            for (key, delta) in finished(labels, *elapsed, None) {
                *store.entry(key.encode()).or_default() += delta;
            }
            expected
                .entry(labels.clone())
                .or_default()
                .observe(*elapsed);
        }
        store.insert(StoreKey::StoreErrors.encode(), 3);
        let active = ActiveLabels {
            http_request_method: Method::Get,
            http_route: Route::Item,
        };
        store.insert(StoreKey::Active(active.clone()).encode(), 0);
        let (metrics, problems) = read_back(
            BuildInfo::new(Variant::Spin),
            store.iter().map(|(k, v)| (k.as_str(), Some(*v))),
        );
        assert!(problems.is_empty(), "{problems:?}");
        assert_eq!(metrics.requests, expected);
        assert_eq!(metrics.requests[&traffic[0].0].count(), 3);
        assert_eq!(
            metrics.requests[&traffic[0].0].buckets[0], 2,
            "5 ms is in le=0.005"
        );
        assert_eq!(metrics.store_errors, 3);
        assert_eq!(metrics.active[&active], 0);
    }

    #[test]
    fn the_gauge_comes_down_with_the_rest_only_when_it_went_up() {
        let labels = RequestLabels::new(Method::Get, Route::Item, 200);
        let active = ActiveLabels {
            http_request_method: Method::Get,
            http_route: Route::Item,
        };
        let counted = finished(&labels, Duration::from_millis(3), Some(active.clone()));
        assert_eq!(counted.len(), 3);
        assert_eq!(counted[2], (StoreKey::Active(active), -1));
        let uncounted = finished(&labels, Duration::from_millis(3), None);
        assert_eq!(uncounted, counted[..2]);
        assert_eq!(uncounted[1], (StoreKey::SumNanos(labels), 3_000_000));
    }

    #[test]
    fn problems_are_reported_and_skipped() {
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
            ("metrics/v2/duration|GET|/|200|le=0.3", Some(1)),
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
            ]
        );
        assert_eq!(metrics.store_errors, 0);
        assert_eq!(metrics.requests.len(), 1);
    }
}
