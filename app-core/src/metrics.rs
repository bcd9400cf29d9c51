//! THE metric definitions. Both variants expose exactly these families, with
//! these names, types, label names and bucket bounds; only where the values
//! live differs:
//!
//! - [`Metrics`]: the native server's in-memory set on `prometheus-client`;
//! - [`StoredMetrics`]: a snapshot the edge variant reads back from Spin's
//!   key-value store and renders through the same [`FamilyDef`]s.
//!
//! Only the in-memory set keeps exemplars (the trace id of a request's
//! `traceparent`, per duration bucket, OpenMetrics only). The store holds
//! integers that instances serving one request each can only add to; an
//! exemplar is the last labelled value and time per bucket, which neither
//! that layout nor an increment-only write can keep, so the edge variant
//! renders none.
//!
//! Names follow OpenTelemetry's HTTP semantic conventions as Prometheus
//! exposes them (dots become underscores, the unit becomes a suffix).

use std::collections::BTreeMap;
use std::time::Duration;

use prometheus_client::collector::Collector;
use prometheus_client::encoding::{
    DescriptorEncoder, EncodeLabelSet, EncodeLabelValue, EncodeMetric, LabelValueEncoder,
    NoLabelSet,
};
use prometheus_client::metrics::MetricType;
use prometheus_client::metrics::counter::{ConstCounter, Counter};
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::{ConstGauge, Gauge};
use prometheus_client::registry::{Registry, Unit};

use crate::exposition::{Exposition, ExpositionError, ExpositionFormat};
pub use crate::labels::{ActiveLabels, RequestLabels};
use crate::route::{Method, Route};
use crate::series::{DurationHistogram, HistogramFamily, SeriesHandles};
use crate::traceparent::TraceId;

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

impl FamilyDef {
    fn register(&self, registry: &mut Registry, metric: impl prometheus_client::registry::Metric) {
        match self.unit.clone() {
            Some(unit) => registry.register_with_unit(self.name, self.help, unit, metric),
            None => registry.register(self.name, self.help, metric),
        }
    }

    fn encode_descriptor<'a>(
        &'a self,
        encoder: &'a mut DescriptorEncoder,
        help: &'a str,
    ) -> Result<prometheus_client::encoding::MetricEncoder<'a>, std::fmt::Error> {
        encoder.encode_descriptor(self.name, help, self.unit.as_ref(), self.metric_type)
    }
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

impl EncodeLabelValue for Variant {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_str(encoder, self.as_str())
    }
}

/// Labels of `app_build_info`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
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

fn duration_histogram() -> DurationHistogram {
    DurationHistogram::new(DURATION_BUCKETS.into_iter())
}

/// The native variant's in-memory metric set.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    request_duration: HistogramFamily,
    active_requests: Family<ActiveLabels, Gauge>,
    handles: SeriesHandles,
}

impl Metrics {
    pub fn new(build: BuildInfo) -> Self {
        let mut registry = Registry::default();
        let request_duration = HistogramFamily::new_with_constructor(duration_histogram);
        let active_requests = Family::<ActiveLabels, Gauge>::default();
        let build_info = Family::<BuildInfo, Gauge>::default();
        build_info.get_or_create(&build).set(1);
        // In memory nothing can fail to store, but the family exists on every
        // variant so dashboards and alerts see one schema.
        let store_errors = Counter::<u64>::default();

        REQUEST_DURATION.register(&mut registry, request_duration.clone());
        ACTIVE_REQUESTS.register(&mut registry, active_requests.clone());
        BUILD_INFO.register(&mut registry, build_info);
        STORE_ERRORS.register(&mut registry, store_errors);
        Metrics {
            registry,
            request_duration,
            active_requests,
            handles: SeriesHandles::default(),
        }
    }

    /// For variant-specific extras such as process metrics.
    pub fn registry_mut(&mut self) -> &mut Registry {
        &mut self.registry
    }

    /// Counts the request as active until the returned guard drops.
    pub fn start(&self, method: Method, route: Route) -> InFlight<'_> {
        let gauge = self.handles.active(&self.active_requests, method, route);
        gauge.inc();
        InFlight { gauge }
    }

    pub fn record(&self, labels: &RequestLabels, elapsed: Duration) {
        self.record_traced(labels, elapsed, None);
    }

    /// Records the request with its trace id as the exemplar of the bucket
    /// it lands in. Exemplars appear only in the OpenMetrics exposition and
    /// add no label and no series: the plain text format is unchanged.
    pub fn record_traced(&self, labels: &RequestLabels, elapsed: Duration, trace: Option<TraceId>) {
        self.handles
            .observe(&self.request_duration, labels, elapsed.as_secs_f64(), trace);
    }
}

impl Exposition for Metrics {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError> {
        self.registry.encode(format, out)
    }
}

/// Keeps `http_server_active_requests` raised while a request is served.
#[derive(Debug)]
pub struct InFlight<'a> {
    gauge: &'a Gauge,
}

impl Drop for InFlight<'_> {
    fn drop(&mut self) {
        self.gauge.dec();
    }
}

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
/// same [`FamilyDef`]s as [`Metrics`].
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

    pub fn into_registry(self) -> Registry {
        let mut registry = Registry::default();
        registry.register_collector(Box::new(self));
        registry
    }
}

impl Collector for StoredMetrics {
    fn encode(&self, mut encoder: DescriptorEncoder) -> Result<(), std::fmt::Error> {
        // Registry::register appends a full stop to help texts; match it.
        let help = |def: &FamilyDef| format!("{}.", def.help);

        // A family without series is left out entirely, as prometheus-client
        // does for an empty `Family`: both variants then expose the same text.
        if !self.requests.is_empty() {
            let text = help(&REQUEST_DURATION);
            let mut family = REQUEST_DURATION.encode_descriptor(&mut encoder, &text)?;
            let mut bounds: Vec<(f64, u64)> = DURATION_BUCKETS
                .iter()
                .copied()
                .chain([f64::INFINITY])
                .map(|bound| (bound, 0))
                .collect();
            for (labels, histogram) in &self.requests {
                for (slot, count) in bounds.iter_mut().zip(histogram.buckets) {
                    slot.1 = count;
                }
                family
                    .encode_family(labels)?
                    .encode_histogram::<NoLabelSet>(
                        histogram.sum_seconds(),
                        histogram.count(),
                        &bounds,
                        None,
                    )?;
            }
        }

        if !self.active.is_empty() {
            let text = help(&ACTIVE_REQUESTS);
            let mut family = ACTIVE_REQUESTS.encode_descriptor(&mut encoder, &text)?;
            for (labels, value) in &self.active {
                ConstGauge::new(*value).encode(family.encode_family(labels)?)?;
            }
        }

        let text = help(&BUILD_INFO);
        let mut family = BUILD_INFO.encode_descriptor(&mut encoder, &text)?;
        ConstGauge::new(1i64).encode(family.encode_family(&self.build)?)?;

        let text = help(&STORE_ERRORS);
        let family = STORE_ERRORS.encode_descriptor(&mut encoder, &text)?;
        ConstCounter::new(self.store_errors).encode(family)?;
        Ok(())
    }
}

impl Exposition for StoredMetrics {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError> {
        self.clone().into_registry().encode(format, out)
    }
}
