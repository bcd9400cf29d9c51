//! The metric set, rendered and parsed back with a real exposition parser.

use std::time::Duration;

use crate::metrics::{BUCKET_SLOTS, DURATION_BUCKETS};
use crate::testing::{Parsed, Value, parse};
use crate::{
    BuildInfo, Exposition, ExpositionFormat, Method, Metrics, RequestLabels, Route,
    StoredHistogram, StoredMetrics, Variant,
};

const DURATION: &str = "http_server_request_duration_seconds";

fn render(metrics: &dyn Exposition, format: ExpositionFormat) -> Parsed {
    let mut text = String::new();
    metrics.encode(format, &mut text).unwrap();
    parse(&text, format).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

fn sample_traffic(metrics: &Metrics) {
    metrics.record(
        &RequestLabels::new(Method::Get, Route::Item, 200),
        Duration::from_millis(3),
    );
    metrics.record(
        &RequestLabels::new(Method::Get, Route::Item, 200),
        Duration::from_millis(80),
    );
    metrics.record(
        &RequestLabels::new(Method::Get, Route::Unmatched, 404),
        Duration::from_secs(11),
    );
}

#[test]
fn families_types_and_labels_follow_the_conventions() {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    sample_traffic(&metrics);
    let _active = metrics.start(Method::Get, Route::DemoSlow);

    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let parsed = render(&metrics, format);
        let schema = parsed.schema();
        let names: Vec<&str> = schema.keys().map(String::as_str).collect();
        assert_eq!(
            names,
            [
                "app_build_info",
                "app_metrics_store_errors",
                "http_server_active_requests",
                DURATION,
            ],
            "{format:?}"
        );

        let duration = &schema[DURATION];
        assert_eq!(duration.kind, "histogram");
        assert_eq!(
            duration.label_names,
            [
                "http_request_method",
                "http_response_status_code",
                "http_route"
            ]
        );
        let mut expected_bounds = DURATION_BUCKETS.to_vec();
        expected_bounds.push(f64::INFINITY);
        assert_eq!(
            duration.bucket_bounds.as_deref(),
            Some(&expected_bounds[..])
        );

        let active = &schema["http_server_active_requests"];
        assert_eq!(active.kind, "gauge");
        assert_eq!(active.label_names, ["http_request_method", "http_route"]);
        assert_eq!(schema["app_build_info"].label_names, ["variant", "version"]);
        assert_eq!(schema["app_metrics_store_errors"].kind, "counter");

        let expected_unit = (format == ExpositionFormat::OpenMetrics).then(|| "seconds".to_owned());
        assert_eq!(parsed.family(DURATION).unwrap().unit, expected_unit);

        let in_flight = parsed.find(
            "http_server_active_requests",
            &[("http_route", "/demo/slow"), ("http_request_method", "GET")],
        );
        assert_eq!(in_flight[0].value, Value::Scalar(1.0));
        let build = parsed.find("app_build_info", &[("variant", "native")]);
        assert_eq!(build[0].value, Value::Scalar(1.0));
        assert_eq!(build[0].labels["version"], crate::VERSION);
    }
}

#[test]
fn observations_land_in_the_right_buckets() {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    sample_traffic(&metrics);
    let parsed = render(&metrics, ExpositionFormat::OpenMetrics);

    let item = parsed.find(
        DURATION,
        &[
            ("http_route", "/api/items/{id}"),
            ("http_response_status_code", "200"),
        ],
    );
    let Value::Histogram {
        count,
        sum,
        buckets,
    } = &item[0].value
    else {
        panic!("not a histogram")
    };
    assert_eq!(*count, 2);
    assert!((sum - 0.083).abs() < 1e-9, "{sum}");
    let cumulative = |le: f64| buckets.iter().find(|(b, _)| *b == le).unwrap().1;
    assert_eq!(cumulative(0.0025_f64.max(0.005)), 1);
    assert_eq!(cumulative(0.075), 1);
    assert_eq!(cumulative(0.1), 2);
    assert_eq!(cumulative(f64::INFINITY), 2);

    let unmatched = parsed.find(DURATION, &[("http_route", "unmatched")]);
    let Value::Histogram { buckets, .. } = &unmatched[0].value else {
        panic!("not a histogram")
    };
    assert_eq!(
        buckets[DURATION_BUCKETS.len() - 1].1,
        0,
        "11 s is beyond 10 s"
    );
    assert_eq!(buckets[DURATION_BUCKETS.len()].1, 1);
}

#[test]
fn in_flight_guard_returns_the_gauge_to_zero() {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    drop(metrics.start(Method::Post, Route::Items));
    let parsed = render(&metrics, ExpositionFormat::Prometheus);
    let series = parsed.find(
        "http_server_active_requests",
        &[("http_request_method", "POST")],
    );
    assert_eq!(series[0].value, Value::Scalar(0.0));
}

/// The edge variant renders stored values through the same definitions: the
/// two expositions must be indistinguishable, sample for sample.
#[test]
fn stored_metrics_render_exactly_like_the_in_memory_set() {
    let native = Metrics::new(BuildInfo::new(Variant::Native));
    let mut stored = StoredMetrics::new(BuildInfo::new(Variant::Native));
    let traffic = [
        (
            RequestLabels::new(Method::Get, Route::Item, 200),
            Duration::from_millis(3),
        ),
        (
            RequestLabels::new(Method::Get, Route::Item, 200),
            Duration::from_millis(750),
        ),
        (
            RequestLabels::new(Method::Other, Route::Unmatched, 404),
            Duration::from_secs(30),
        ),
        (
            RequestLabels::new(Method::Get, Route::DemoError, 500),
            Duration::from_micros(1),
        ),
    ];
    for (labels, elapsed) in &traffic {
        native.record(labels, *elapsed);
        stored
            .requests
            .entry(labels.clone())
            .or_default()
            .observe(*elapsed);
    }
    drop(native.start(Method::Get, Route::Item));
    stored.active.insert(
        crate::ActiveLabels {
            http_request_method: Method::Get,
            http_route: Route::Item,
        },
        0,
    );

    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let from_memory = render(&native, format);
        let from_store = render(&stored, format);
        assert_eq!(from_memory, from_store, "{format:?}");
    }
}

#[test]
fn stored_histogram_counts_derive_from_buckets() {
    let mut histogram = StoredHistogram::default();
    histogram.observe(Duration::from_millis(5));
    histogram.observe(Duration::from_millis(6));
    histogram.observe(Duration::from_secs(60));
    assert_eq!(histogram.count(), 3);
    assert_eq!(histogram.buckets[0], 1, "5 ms is inside le=0.005");
    assert_eq!(histogram.buckets[1], 1);
    assert_eq!(histogram.buckets[BUCKET_SLOTS - 1], 1);
    assert_eq!(histogram.sum_nanos, 60_011_000_000);
}

/// Before any request, neither variant shows the request families at all.
#[test]
fn empty_sets_render_the_same_text() {
    let native = Metrics::new(BuildInfo::new(Variant::Native));
    let stored = StoredMetrics::new(BuildInfo::new(Variant::Native));
    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let (mut from_memory, mut from_store) = (String::new(), String::new());
        native.encode(format, &mut from_memory).unwrap();
        stored.encode(format, &mut from_store).unwrap();
        assert_eq!(from_memory, from_store, "{format:?}");
        assert!(!from_store.contains(DURATION), "{from_store}");
        parse(&from_store, format).unwrap();
    }
}
