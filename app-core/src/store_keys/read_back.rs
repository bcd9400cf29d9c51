//! From stored counters back to the metric snapshot, the in-flight gauge
//! derived on the way.

use std::collections::{BTreeMap, BTreeSet};

use super::key::StoreKey;
use crate::metrics::{ActiveLabels, BuildInfo};
use crate::stored::StoredMetrics;

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
    /// More requests of a method and route counted as finished than
    /// started: the derived in-flight gauge would be negative, which no
    /// write order of this version leaves (a store edited by hand would).
    FinishedExceedStarted { started: u64, finished: u64 },
}

impl std::fmt::Display for ReadBackProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            ReadBackProblem::NotAnInteger => f.write_str("value is not an integer"),
            ReadBackProblem::Negative(value) => write!(f, "counter is negative ({value})"),
            ReadBackProblem::UnknownKey => f.write_str("key not written by this version"),
            ReadBackProblem::FinishedExceedStarted { started, finished } => write!(
                f,
                "{finished} requests finished but {started} started: no in-flight gauge"
            ),
        }
    }
}

/// Puts every `started` key after all others, keeping their order
/// otherwise. A reader that reads in this order never derives a negative
/// gauge from a store that is being written: see `read_back`'s caller.
pub fn in_read_order(keys: &mut [String]) {
    let started = StoreKey::started_prefix();
    keys.sort_by_key(|key| key.starts_with(&started));
}

/// Builds the metric snapshot from the stored counters, `None` standing for
/// a value that is not one ([`counter`]). Every key given is under
/// [`super::NAMESPACE`], so every one that does not count is returned for
/// the caller to log and count. The in-flight gauge of a method and route
/// is its `started` less the count of all its statuses.
pub fn read_back<'a>(
    build: BuildInfo,
    rows: impl IntoIterator<Item = (&'a str, Option<i64>)>,
) -> (StoredMetrics, Vec<(String, ReadBackProblem)>) {
    let mut read = Rows {
        metrics: StoredMetrics::new(build),
        started: BTreeMap::new(),
        unreadable_started: BTreeSet::new(),
    };
    let mut problems = Vec::new();
    for (name, value) in rows {
        let outcome = StoreKey::parse(name)
            .ok_or(ReadBackProblem::UnknownKey)
            .and_then(|key| read.apply(key, value));
        if let Err(problem) = outcome {
            problems.push((name.to_owned(), problem));
        }
    }
    problems.extend(read.derive_active());
    (read.metrics, problems)
}

struct Rows {
    metrics: StoredMetrics,
    /// Checked like every count: from a non-negative i64, so at most
    /// `i64::MAX`.
    started: BTreeMap<ActiveLabels, u64>,
    /// Already reported: no gauge is derived for them, nor reported again.
    unreadable_started: BTreeSet<ActiveLabels>,
}

impl Rows {
    fn apply(&mut self, key: StoreKey, value: Option<i64>) -> Result<(), ReadBackProblem> {
        let checked = value
            .ok_or(ReadBackProblem::NotAnInteger)
            .and_then(|value| u64::try_from(value).map_err(|_| ReadBackProblem::Negative(value)));
        let value = match (checked, &key) {
            (Ok(value), _) => value,
            (Err(problem), StoreKey::Started(labels)) => {
                self.unreadable_started.insert(labels.clone());
                return Err(problem);
            }
            (Err(problem), _) => return Err(problem),
        };
        let metrics = &mut self.metrics;
        match key {
            StoreKey::Bucket { labels, slot } => {
                metrics.requests.entry(labels).or_default().buckets[slot] = value;
            }
            StoreKey::SumNanos(labels) => {
                metrics.requests.entry(labels).or_default().sum_nanos = value;
            }
            StoreKey::Started(labels) => {
                self.started.insert(labels, value);
            }
            StoreKey::StoreErrors => metrics.store_errors = value,
        }
        Ok(())
    }

    /// Every method and route with a start or a finish gets its gauge, or
    /// is reported when it has more finishes than starts.
    fn derive_active(&mut self) -> Vec<(String, ReadBackProblem)> {
        let mut finished: BTreeMap<ActiveLabels, u64> = BTreeMap::new();
        for (labels, histogram) in &self.metrics.requests {
            *finished.entry(labels.active_labels()).or_default() += histogram.count();
        }
        for labels in self.started.keys() {
            finished.entry(labels.clone()).or_default();
        }
        let mut problems = Vec::new();
        for (labels, finished) in finished {
            if self.unreadable_started.contains(&labels) {
                continue;
            }
            let started = self.started.get(&labels).copied().unwrap_or(0);
            // At most `started`, so at most `i64::MAX`: the conversion
            // cannot fail.
            let in_flight = started
                .checked_sub(finished)
                .and_then(|in_flight| i64::try_from(in_flight).ok());
            match in_flight {
                Some(in_flight) => {
                    self.metrics.active.insert(labels, in_flight);
                }
                None => problems.push((
                    StoreKey::Started(labels).encode(),
                    ReadBackProblem::FinishedExceedStarted { started, finished },
                )),
            }
        }
        problems
    }
}
