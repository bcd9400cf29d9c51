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
//! metrics/v3/duration|GET|/api/items/{id}|200|le=0.005   one bucket slot (non-cumulative)
//! metrics/v3/duration|GET|/api/items/{id}|200|le=+Inf    the overflow slot
//! metrics/v3/duration|GET|/api/items/{id}|200|sum_ns     sum of durations, integer nanoseconds
//! metrics/v3/started|GET|/api/items/{id}                 requests started (finished or not)
//! metrics/v3/store_errors                                failed store operations
//! ```
//!
//! A histogram observation is two increments (its slot and the sum); the
//! count is the sum of the slots and is never stored, so it cannot disagree
//! with them. Nor is the in-flight gauge stored: a request adds one to
//! `started` as it starts, and `http_server_active_requests` is `started`
//! less the count of every status of that method and route, derived when
//! read back ([`read_back`]). That makes three increments per request
//! ([`record`]) instead of a gauge's up and down around the other two.
//!
//! Buckets are keyed by their bound, not by position, and the layout's
//! version is in every key (`v1` were the position-keyed counters of the
//! first builds, `v2` the builds with a stored `active` gauge; builds in
//! between kept rows in a SQLite table, `app_metrics` of Spin's SQLite
//! database, which this version does not read): a key under [`NAMESPACE`]
//! this version did not write, from a retired bucket bound or another
//! layout, is reported instead of being counted.

#[cfg(test)]
mod fake_store;
mod read_back;
#[cfg(test)]
mod read_back_tests;
#[cfg(test)]
mod read_order_tests;
mod record;
#[cfg(test)]
mod record_tests;
#[cfg(test)]
mod tests;

pub use read_back::{ReadBackProblem, counter, in_read_order, read_back};
pub use record::{Start, finish, start};

use crate::metrics::{ActiveLabels, DURATION_BUCKETS, RequestLabels};
use crate::route::{Method, Route};

/// Every key this module writes starts with this.
pub const PREFIX: &str = "metrics/v3/";
/// Every layout's keys start with this (`metrics/v1/` and `metrics/v2/`
/// were earlier builds'): a key under it is this app's, and read back even
/// when it is not this version's, so that old data is reported, not passed
/// over.
pub const NAMESPACE: &str = "metrics/";

const DURATION: &str = "duration";
const STARTED: &str = "started";
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
    /// Requests started for one method and route, finished or not: what
    /// `http_server_active_requests` is derived from.
    Started(ActiveLabels),
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
            StoreKey::Started(labels) => format!(
                "{PREFIX}{STARTED}{SEPARATOR}{}{SEPARATOR}{}",
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
            STARTED => StoreKey::Started(ActiveLabels {
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
