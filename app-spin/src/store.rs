//! The metrics store: Spin's key-value store, changed only by atomic
//! `increment` (WASI key-value `atomics`), read back only to render
//! `/metrics`. The key layout lives in `app_core::store_keys`.
//!
//! No failure here ever reaches the user: it is logged to stderr (Spin's
//! component log) and counted under `app_metrics_store_errors_total`, itself
//! a key in the same store. That count survives a failed write to one key (a
//! corrupted counter, a key some other writer `set` as text); when the store
//! as a whole is gone there is nowhere a per-request instance could keep it,
//! so the log line is the record and `/metrics` answers 500, which
//! Prometheus turns into `up == 0` instead of a fake counter reset.

use app_core::store_keys::{self, PREFIX, StoreKey};
#[cfg(feature = "instrumentation")]
use app_core::{ActiveLabels, RequestLabels};
use app_core::{BuildInfo, StoredMetrics};
use spin_sdk::wit::wasi::keyvalue::{atomics, batch, store};
#[cfg(feature = "instrumentation")]
use std::time::Duration;

/// The store label `spin.toml` grants (`key_value_stores = ["default"]`).
pub const STORE_LABEL: &str = "default";

/// Keys per `get-many` call when reading back: bounded so one scrape never
/// sends the host an arbitrarily large request.
const READ_BATCH: usize = 128;

pub struct MetricsStore {
    bucket: Option<store::Bucket>,
}

#[cfg(feature = "instrumentation")]
/// A request counted in `http_server_active_requests`, to be taken off again
/// with [`MetricsStore::leave`].
#[must_use]
pub struct InFlight {
    /// Encoded once, for both increments.
    key: String,
    /// Only a gauge that went up may come down: lowering one whose raise
    /// failed would leave it at -1 for good.
    raised: bool,
}

impl MetricsStore {
    pub fn open() -> Self {
        match store::open(STORE_LABEL) {
            Ok(bucket) => MetricsStore {
                bucket: Some(bucket),
            },
            Err(err) => {
                log(format_args!(
                    "opening key-value store {STORE_LABEL:?} failed, request not counted: {err:?}"
                ));
                MetricsStore { bucket: None }
            }
        }
    }

    #[cfg(feature = "instrumentation")]
    pub fn enter(&self, labels: ActiveLabels) -> InFlight {
        let key = StoreKey::Active(labels).encode();
        let raised = self.add(&key, 1);
        InFlight { key, raised }
    }

    #[cfg(feature = "instrumentation")]
    pub fn leave(&self, in_flight: InFlight) {
        if in_flight.raised {
            self.add(&in_flight.key, -1);
        }
    }

    #[cfg(feature = "instrumentation")]
    /// One histogram observation: two increments, its bucket slot and the sum.
    pub fn record(&self, labels: &RequestLabels, elapsed: Duration) {
        for (key, delta) in store_keys::observation(labels, elapsed) {
            self.add(&key.encode(), delta);
        }
    }

    /// Reads every counter back into the shared metric definitions.
    pub fn snapshot(&self, build: BuildInfo) -> Result<StoredMetrics, String> {
        let bucket = self
            .bucket
            .as_ref()
            .ok_or_else(|| "metrics store unavailable".to_owned())?;
        let (mut metrics, problems) = read_all(bucket, build).map_err(|err| {
            log(format_args!("reading the metrics store failed: {err:?}"));
            self.count_errors(bucket, 1);
            "metrics store could not be read".to_owned()
        })?;
        if !problems.is_empty() {
            for (key, problem) in &problems {
                log(format_args!("key {key:?} skipped: {problem}"));
            }
            // The increment returns the new total, so this very scrape
            // already shows the problems it found.
            let found = i64::try_from(problems.len()).unwrap_or(i64::MAX);
            if let Some(total) = self.count_errors(bucket, found) {
                metrics.store_errors = total.unsigned_abs();
            }
        }
        Ok(metrics)
    }

    #[cfg(feature = "instrumentation")]
    fn add(&self, name: &str, delta: i64) -> bool {
        let Some(bucket) = &self.bucket else {
            return false;
        };
        match atomics::increment(bucket, name, delta) {
            Ok(_) => true,
            Err(err) => {
                log(format_args!("increment of {name:?} failed: {err:?}"));
                self.count_errors(bucket, 1);
                false
            }
        }
    }

    fn count_errors(&self, bucket: &store::Bucket, errors: i64) -> Option<i64> {
        match atomics::increment(bucket, &StoreKey::StoreErrors.encode(), errors) {
            Ok(total) => Some(total),
            Err(err) => {
                log(format_args!(
                    "{errors} store error(s) could not be counted either: {err:?}"
                ));
                None
            }
        }
    }
}

type ReadBack = (StoredMetrics, Vec<(String, store_keys::ReadBackProblem)>);

fn read_all(bucket: &store::Bucket, build: BuildInfo) -> Result<ReadBack, store::Error> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = bucket.list_keys(cursor.as_deref())?;
        keys.extend(page.keys.into_iter().filter(|key| key.starts_with(PREFIX)));
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    let mut entries = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(READ_BATCH) {
        entries.extend(batch::get_many(bucket, chunk)?);
    }
    Ok(store_keys::read_back(
        build,
        entries
            .iter()
            .map(|(key, value)| (key.as_str(), value.as_deref())),
    ))
}

fn log(message: std::fmt::Arguments<'_>) {
    eprintln!("app-spin: metrics store: {message}");
}
