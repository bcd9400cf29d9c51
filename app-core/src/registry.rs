//! The native variant's in-memory metric set on `prometheus-client`, with
//! exemplars: the trace id of a request's `traceparent`, per duration
//! bucket, OpenMetrics only.

use std::time::Duration;

use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::registry::Registry;

use crate::exposition::{Exposition, ExpositionError, ExpositionFormat};
use crate::labels::{ActiveLabels, RequestLabels};
use crate::metrics::{
    ACTIVE_REQUESTS, BUILD_INFO, BuildInfo, DURATION_BUCKETS, REQUEST_DURATION, STORE_ERRORS,
};
use crate::route::{Method, Route};
use crate::series::{DurationHistogram, HistogramFamily, SeriesHandles};
use crate::traceparent::TraceId;

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
