//! The metrics store: Spin's key-value store `default`, changed only by
//! atomic `increment` (`wasi:keyvalue/atomics`), read back only to render
//! `/metrics`. The key layout lives in `app_core::store_keys`; a value is an
//! 8-byte little-endian i64, as Spin's `increment` keeps it.
//!
//! A request makes three increments: its method and route's `started` as
//! it starts, then its duration sum and its bucket slot after the answer;
//! the in-flight gauge is `started` less the finished count, derived when
//! `/metrics` reads the store (`app_core::store_keys`, which also owns what
//! a failed increment does to the others). Spin runs each as one
//! transaction on the store's one shared connection, under its mutex, so
//! concurrent requests never lose a count.
//! What that costs depends on where the runtime config puts the store
//! (app-spin/README.md): in memory, as `runtime-config.toml` here does, a
//! commit is a few microseconds; in a file with SQLite's defaults it is
//! fsyncs.
//!
//! No failure here ever reaches the user: it is logged to stderr (Spin's
//! component log) and counted under `app_metrics_store_errors_total`, itself
//! a key in the same store. That count survives a failed write to one key (a
//! key some other writer `set` to a value that is no counter); when the
//! store as a whole is gone there is nowhere a per-request instance could
//! keep it, so the log line is the record and `/metrics` answers 500, which
//! Prometheus turns into `up == 0` instead of a fake counter reset.

#[cfg(feature = "instrumentation")]
use app_core::store_keys::Start;
use app_core::store_keys::{self, NAMESPACE, StoreKey};
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

impl MetricsStore {
    pub fn open() -> Self {
        let bucket = store::open(STORE_LABEL)
            .map_err(|err| {
                log(format_args!(
                    "opening key-value store {STORE_LABEL:?} failed, request not counted: {err:?}"
                ))
            })
            .ok();
        MetricsStore { bucket }
    }

    #[cfg(feature = "instrumentation")]
    /// The request's start (`started` +1); [`MetricsStore::finish`] needs
    /// to know whether it went in.
    pub fn enter(&self, labels: ActiveLabels) -> Start {
        store_keys::start(labels, |key, delta| self.add(key, delta))
    }

    #[cfg(feature = "instrumentation")]
    /// The request's observation (duration sum, bucket slot), with the
    /// catch-up or take-back of its start that `store_keys::finish` decides.
    pub fn finish(&self, labels: &RequestLabels, elapsed: Duration, start: Start) {
        store_keys::finish(start, labels, elapsed, |key, delta| self.add(key, delta));
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
    /// One increment; false when it did not happen (and was logged and,
    /// where possible, counted).
    fn add(&self, key: &StoreKey, delta: i64) -> bool {
        let Some(bucket) = &self.bucket else {
            return false;
        };
        let name = key.encode();
        match atomics::increment(bucket, &name, delta) {
            Ok(_) => true,
            Err(err) => {
                log(format_args!("increment of {name:?} failed: {err:?}"));
                self.count_errors(bucket, 1);
                false
            }
        }
    }

    /// Adds to the error counter; its new total, when the write went in.
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

/// Every key under [`NAMESPACE`] (other keys are another writer's and not
/// ours to judge), then their values in bounded batches.
fn read_all(bucket: &store::Bucket, build: BuildInfo) -> Result<ReadBack, store::Error> {
    let mut keys = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = bucket.list_keys(cursor.as_deref())?;
        keys.extend(
            page.keys
                .into_iter()
                .filter(|key| key.starts_with(NAMESPACE)),
        );
        match page.cursor {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    // The batches are not one snapshot: requests go on between them. Every
    // `started` key is read after every duration key, so a request whose
    // bucket slot a batch saw was already counted in `started` (its start,
    // or a finish's catch-up, goes in before its slot) by the time a later
    // batch reads that: the derived in-flight gauge can only over-count the
    // requests that finished in between, never go below zero.
    store_keys::in_read_order(&mut keys);
    let mut entries = Vec::with_capacity(keys.len());
    for chunk in keys.chunks(READ_BATCH) {
        entries.extend(batch::get_many(bucket, chunk)?);
    }
    Ok(store_keys::read_back(
        build,
        entries.iter().filter_map(|(key, value)| {
            // A key deleted between listing and reading is simply gone.
            let value = value.as_deref()?;
            Some((key.as_str(), store_keys::counter(value)))
        }),
    ))
}

fn log(message: std::fmt::Arguments<'_>) {
    eprintln!("app-spin: metrics store: {message}");
}
