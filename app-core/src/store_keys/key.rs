//! The key layout itself: every key's name, written and parsed. Its own
//! module so that recording and reading back depend on it, not on each
//! other or on the parent that re-exports them.

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
            StoreKey::Started(labels) => {
                let mut key = StoreKey::started_prefix();
                key.push_str(labels.http_request_method.as_str());
                key.push(SEPARATOR);
                key.push_str(labels.http_route.template());
                key
            }
            StoreKey::StoreErrors => format!("{PREFIX}{STORE_ERRORS}"),
        }
    }

    /// What every [`StoreKey::Started`] key begins with, whatever its
    /// labels: the one place that layout is spelled, for [`Self::encode`]
    /// and for the read order that puts those keys last.
    pub(super) fn started_prefix() -> String {
        format!("{PREFIX}{STARTED}{SEPARATOR}")
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
