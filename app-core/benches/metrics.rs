//! What the metrics cost: recording one request beside a bare counter
//! increment (the floor), and rendering `/metrics` as the series count grows.
//!
//! `bench/run.sh` reads the estimates criterion writes under
//! `target/criterion/` and the `render-size` lines printed here.

use std::hint::black_box;
use std::time::Duration;

use app_core::{
    BuildInfo, Exposition, ExpositionFormat, Method, Metrics, RequestLabels, Route,
    StoredHistogram, StoredMetrics, Variant,
};
use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use prometheus_client::metrics::counter::Counter;

/// Series counts the render benches sweep (histogram series; each renders
/// as 15 buckets plus `_sum` and `_count`).
const SERIES_COUNTS: [usize; 4] = [10, 100, 1_000, 10_000];

/// `n` distinct request label sets. Methods and routes are closed sets, so
/// past their 90 combinations the status code is what makes series distinct.
fn label_sets(n: usize) -> Vec<RequestLabels> {
    (100u16..)
        .flat_map(|status| {
            Method::ALL.into_iter().flat_map(move |method| {
                Route::ALL.into_iter().map(move |route| RequestLabels {
                    http_request_method: method,
                    http_route: route,
                    http_response_status_code: status,
                })
            })
        })
        .take(n)
        .collect()
}

/// What a running service typically holds: every route served once with
/// GET and its usual status, each with an active-requests gauge.
fn default_labels() -> Vec<RequestLabels> {
    Route::ALL
        .into_iter()
        .map(|route| RequestLabels {
            http_request_method: Method::Get,
            http_route: route,
            http_response_status_code: match route {
                Route::Unmatched => 404,
                Route::DemoError => 500,
                _ => 200,
            },
        })
        .collect()
}

fn native_with(labels: &[RequestLabels]) -> Metrics {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    for (i, labels) in labels.iter().enumerate() {
        drop(metrics.start(labels.http_request_method, labels.http_route));
        metrics.record(labels, Duration::from_micros(50 * (i as u64 % 400)));
    }
    metrics
}

fn stored_with(labels: &[RequestLabels]) -> StoredMetrics {
    let mut metrics = StoredMetrics::new(BuildInfo::new(Variant::Spin));
    for (i, labels) in labels.iter().enumerate() {
        let mut histogram = StoredHistogram::default();
        histogram.observe(Duration::from_micros(50 * (i as u64 % 400)));
        metrics.requests.insert(labels.clone(), histogram);
    }
    metrics
}

fn render(metrics: &dyn Exposition) -> String {
    let mut out = String::with_capacity(8 * 1024);
    metrics
        .encode(ExpositionFormat::Prometheus, &mut out)
        .expect("exposition renders");
    out
}

fn record(c: &mut Criterion) {
    let mut group = c.benchmark_group("record");
    let counter = Counter::<u64>::default();
    group.bench_function("counter_inc", |b| b.iter(|| black_box(&counter).inc()));

    let metrics = native_with(&default_labels());
    let labels = RequestLabels {
        http_request_method: Method::Get,
        http_route: Route::Item,
        http_response_status_code: 200,
    };
    let elapsed = Duration::from_micros(120);
    group.bench_function("histogram_observe", |b| {
        b.iter(|| metrics.record(black_box(&labels), black_box(elapsed)))
    });
    // With a trace id: the exemplar replaces the bucket's last one and the
    // clock is read for its timestamp.
    let trace = app_core::traceparent::TraceId::new(0x4bf9_2f35_77b3_4da6_a3ce_929d_0e0e_4736);
    group.bench_function("histogram_observe_traced", |b| {
        b.iter(|| metrics.record_traced(black_box(&labels), black_box(elapsed), black_box(trace)))
    });
    // Exactly what app-native does per request: raise the active gauge,
    // observe the duration, lower the gauge.
    group.bench_function("one_request", |b| {
        b.iter(|| {
            let in_flight = metrics.start(black_box(Method::Get), black_box(Route::Item));
            metrics.record(black_box(&labels), black_box(elapsed));
            drop(in_flight);
        })
    });
    group.finish();
}

fn render_group(c: &mut Criterion, name: &str, build: fn(&[RequestLabels]) -> Box<dyn Exposition>) {
    let mut group = c.benchmark_group(name);
    let mut cases: Vec<(String, Vec<RequestLabels>)> = vec![("default".into(), default_labels())];
    cases.extend(SERIES_COUNTS.map(|n| (n.to_string(), label_sets(n))));
    for (id, labels) in cases {
        // A 10,000-series render takes tens of milliseconds: fewer samples
        // keep the sweep within minutes, the spread stays visible.
        group.sample_size(if labels.len() >= 1_000 { 10 } else { 100 });
        let metrics = build(&labels);
        let size = render(metrics.as_ref()).len();
        println!("render-size {name} {id} {size}");
        group.bench_with_input(BenchmarkId::from_parameter(&id), &metrics, |b, metrics| {
            b.iter(|| black_box(render(metrics.as_ref())))
        });
    }
    group.finish();
}

fn render_native(c: &mut Criterion) {
    render_group(c, "render_native", |labels| Box::new(native_with(labels)));
}

fn render_stored(c: &mut Criterion) {
    render_group(c, "render_stored", |labels| Box::new(stored_with(labels)));
}

criterion_group!(benches, record, render_native, render_stored);
criterion_main!(benches);
