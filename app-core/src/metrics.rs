//! THE metric definitions. Both variants expose exactly these families, with
//! these names, types, label names and bucket bounds; only where the values
//! live differs:
//!
//! - [`crate::Metrics`]: the native server's in-memory set on
//!   `prometheus-client` (feature `registry`);
//! - [`crate::StoredMetrics`]: a snapshot the edge variant reads back from
//!   Spin's key-value store and renders through the same [`FamilyDef`]s.
//!
//! Only the in-memory set keeps exemplars (the trace id of a request's
//! `traceparent`, per duration bucket, OpenMetrics only). The store holds
//! integers that instances serving one request each can only add to; an
//! exemplar is the last labelled value and time per bucket, which an
//! increment-only counter cannot keep, so the edge variant renders none.
//!
//! This module needs no metrics library, so the renderer of the monitoring
//! stack reads the same definitions without linking one.
//!
//! Names follow OpenTelemetry's HTTP semantic conventions as Prometheus
//! exposes them (dots become underscores, the unit becomes a suffix).

pub use crate::labels::{ActiveLabels, RequestLabels};

/// The version every variant reports in `app_build_info`.
pub const VERSION: &str = env!("CARGO_PKG_VERSION");

/// Upper bounds (seconds) of `http_server_request_duration_seconds`, the
/// OpenTelemetry recommendation for HTTP server durations.
pub const DURATION_BUCKETS: [f64; 14] = [
    0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0,
];

/// Non-cumulative bucket slots: one per bound plus the `+Inf` overflow.
pub const BUCKET_SLOTS: usize = DURATION_BUCKETS.len() + 1;

/// The slot a duration falls into (bounds are inclusive, as `le` says).
pub fn bucket_slot(seconds: f64) -> usize {
    DURATION_BUCKETS
        .iter()
        .position(|&bound| seconds <= bound)
        .unwrap_or(DURATION_BUCKETS.len())
}

/// The units the families use (only those), spelt as the name suffix.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    Seconds,
}

impl Unit {
    pub fn as_str(self) -> &'static str {
        match self {
            Unit::Seconds => "seconds",
        }
    }
}

/// The metric types the families use (only those).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MetricType {
    Counter,
    Gauge,
    Histogram,
}

/// Name, help and unit of one metric family: registered once here, used by
/// every renderer so no variant can drift.
#[derive(Clone, Debug)]
pub struct FamilyDef {
    /// Name without unit or `_total` suffix; the encoder appends those.
    pub name: &'static str,
    pub help: &'static str,
    pub unit: Option<Unit>,
    pub metric_type: MetricType,
}

pub const REQUEST_DURATION: FamilyDef = FamilyDef {
    name: "http_server_request_duration",
    help: "Duration of HTTP server requests",
    unit: Some(Unit::Seconds),
    metric_type: MetricType::Histogram,
};

pub const ACTIVE_REQUESTS: FamilyDef = FamilyDef {
    name: "http_server_active_requests",
    help: "Number of active HTTP server requests",
    unit: None,
    metric_type: MetricType::Gauge,
};

pub const BUILD_INFO: FamilyDef = FamilyDef {
    name: "app_build_info",
    help: "Build of the running service; always 1",
    unit: None,
    metric_type: MetricType::Gauge,
};

pub const STORE_ERRORS: FamilyDef = FamilyDef {
    name: "app_metrics_store_errors",
    help: "Failed writes or reads of the metrics store; the request itself was still served",
    unit: None,
    metric_type: MetricType::Counter,
};

/// Which build of the handler is serving.
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
pub enum Variant {
    Native,
    Spin,
}

impl Variant {
    pub fn as_str(self) -> &'static str {
        match self {
            Variant::Native => "native",
            Variant::Spin => "spin",
        }
    }
}

/// Labels of `app_build_info`.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
#[cfg_attr(
    feature = "registry",
    derive(prometheus_client::encoding::EncodeLabelSet)
)]
pub struct BuildInfo {
    pub version: &'static str,
    pub variant: Variant,
}

impl BuildInfo {
    pub fn new(variant: Variant) -> Self {
        BuildInfo {
            version: VERSION,
            variant,
        }
    }
}
