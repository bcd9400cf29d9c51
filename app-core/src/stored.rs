//! Metric values as an external store keeps them. The edge variant reads
//! these back from Spin's key-value store; `stored_encode` renders them through
//! the same [`crate::metrics::FamilyDef`]s as the in-memory set.
//!
//! Only the in-memory set keeps exemplars. The store holds integers that
//! instances serving one request each can only add to; an exemplar is the
//! last labelled value and time per bucket, which neither that layout nor an
//! increment-only write can keep, so the edge variant renders none.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::labels::{ActiveLabels, RequestLabels};
use crate::metrics::{BUCKET_SLOTS, BuildInfo, bucket_slot};

/// One histogram series as an external store keeps it: a counter per
/// non-cumulative bucket slot and the sum in integer nanoseconds, both of
/// which can be maintained with atomic increments alone.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct StoredHistogram {
    pub buckets: [u64; BUCKET_SLOTS],
    pub sum_nanos: u64,
}

impl StoredHistogram {
    /// The count is derived, never stored: it cannot disagree with the buckets.
    pub fn count(&self) -> u64 {
        self.buckets.iter().sum()
    }

    pub fn sum_seconds(&self) -> f64 {
        self.sum_nanos as f64 / 1e9
    }

    /// Adds one observation, exactly as the store would.
    pub fn observe(&mut self, elapsed: Duration) {
        self.buckets[bucket_slot(elapsed.as_secs_f64())] += 1;
        self.sum_nanos += elapsed.as_nanos() as u64;
    }
}

/// Metric values read back from an external store, rendered through the
/// same [`crate::metrics::FamilyDef`]s as [`crate::Metrics`].
#[derive(Clone, Debug)]
pub struct StoredMetrics {
    pub build: BuildInfo,
    pub requests: BTreeMap<RequestLabels, StoredHistogram>,
    pub active: BTreeMap<ActiveLabels, i64>,
    pub store_errors: u64,
}

impl StoredMetrics {
    pub fn new(build: BuildInfo) -> Self {
        StoredMetrics {
            build,
            requests: BTreeMap::new(),
            active: BTreeMap::new(),
            store_errors: 0,
        }
    }
}
