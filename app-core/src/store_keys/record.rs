//! The increments that record one request, in order, and what each failure
//! does to the rest. The caller owns the I/O: `add` makes one increment and
//! says whether it went in (logging and counting a failure is its business).
//!
//! The invariant every path keeps: a request's bucket slot is never in the
//! store without its `started` +1, so the derived in-flight gauge
//! (`started` less the count) never goes below zero.
//!
//! - Normal case, three increments: `started` +1 as the request starts;
//!   after the answer its duration sum, then its bucket slot. The slot is
//!   the last write, so a request leaves the derived gauge only once all of
//!   it is in: a gauge back at zero means the counts are complete.
//! - The start failed (store down for a moment): the finish first catches
//!   up `started` +1. If that fails too, nothing of the request is written
//!   (it is lost, as any request is while the store refuses writes; both
//!   failures are logged and counted), since a slot without its start
//!   would derive a negative gauge.
//! - The slot failed after a successful start: `started` −1 takes the start
//!   back, so the gauge does not stay one too high for good. The sum that
//!   went in stays, as in any layout where the two are separate writes.
//! - A failed sum leaves the sum short; the count and gauge are unaffected.
//! - An instance killed between start and finish (host timeout, trap), or
//!   a failed take-back, leaves `started` one ahead: the gauge shows one
//!   request in flight for good, as the stored gauge of `v2` did.

use std::time::Duration;

use super::key::StoreKey;
use crate::metrics::{ActiveLabels, RequestLabels, bucket_slot};

/// A request's start as the store took it: whether its `started` +1 went
/// in, which [`finish`] must know to keep the invariant.
#[must_use]
#[derive(Debug, PartialEq, Eq)]
pub struct Start {
    stored: bool,
}

/// Counts the request as started: `started` +1.
pub fn start(labels: ActiveLabels, add: impl FnOnce(&StoreKey, i64) -> bool) -> Start {
    Start {
        stored: add(&StoreKey::Started(labels), 1),
    }
}

/// Records the answered request: the catch-up of a failed start, the
/// duration sum, the bucket slot and, if the slot failed, the take-back.
pub fn finish(
    start: Start,
    labels: &RequestLabels,
    elapsed: Duration,
    mut add: impl FnMut(&StoreKey, i64) -> bool,
) {
    let started = StoreKey::Started(labels.active_labels());
    if !start.stored && !add(&started, 1) {
        return;
    }
    let nanos = i64::try_from(elapsed.as_nanos()).unwrap_or(i64::MAX);
    add(&StoreKey::SumNanos(labels.clone()), nanos);
    let slot = StoreKey::Bucket {
        labels: labels.clone(),
        slot: bucket_slot(elapsed.as_secs_f64()),
    };
    if !add(&slot, 1) {
        add(&started, -1);
    }
}
