//! Exemplars: in the OpenMetrics exposition only, never a label or a series,
//! and the plain text format unchanged byte for byte.

use std::time::Duration;

use crate::testing::parse;
use crate::traceparent::{TraceId, parse as parse_traceparent};
use crate::{
    BuildInfo, Exposition, ExpositionFormat, Method, Metrics, RequestLabels, Route, StoredMetrics,
    Variant,
};

const DURATION: &str = "http_server_request_duration_seconds";
const FORMATS: [ExpositionFormat; 2] =
    [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics];

fn text(metrics: &dyn Exposition, format: ExpositionFormat) -> String {
    let mut out = String::new();
    metrics.encode(format, &mut out).unwrap();
    out
}

fn trace(n: u128) -> Option<TraceId> {
    TraceId::new(n)
}

/// One series per family, so the text has a single order and can be
/// compared byte for byte. `traced` decides whether the requests carry ids.
fn record(metrics: &Metrics, traced: bool) {
    let labels = RequestLabels::new(Method::Get, Route::Item, 200);
    let requests = [
        (Duration::from_millis(3), 0xa1),
        (Duration::from_millis(4), 0xa2),
        (Duration::from_millis(80), 0xb1),
        (Duration::from_secs(12), 0xc1),
    ];
    for (elapsed, id) in requests {
        metrics.record_traced(&labels, elapsed, if traced { trace(id) } else { None });
    }
    drop(metrics.start(Method::Get, Route::Item));
}

fn native(traced: bool) -> Metrics {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    record(&metrics, traced);
    metrics
}

/// The OpenMetrics text with every exemplar (` # {...} value ts`) cut off.
fn without_exemplars(text: &str) -> String {
    text.lines()
        .map(|line| line.split_once(" # {").map_or(line, |(sample, _)| sample))
        .map(|line| format!("{line}\n"))
        .collect()
}

#[test]
fn the_plain_text_format_is_unchanged_byte_for_byte() {
    let (traced, plain) = (native(true), native(false));
    let text_traced = text(&traced, ExpositionFormat::Prometheus);
    assert_eq!(text_traced, text(&plain, ExpositionFormat::Prometheus));
    assert!(!text_traced.contains("trace_id"), "{text_traced}");
    assert!(!text_traced.contains(" # {"), "{text_traced}");
}

#[test]
fn openmetrics_carries_one_exemplar_per_bucket_and_nothing_else_changes() {
    let (traced, plain) = (native(true), native(false));
    let om_traced = text(&traced, ExpositionFormat::OpenMetrics);
    let om_plain = text(&plain, ExpositionFormat::OpenMetrics);
    assert_ne!(om_traced, om_plain);
    assert_eq!(without_exemplars(&om_traced), om_plain);

    let parsed = parse(&om_traced, ExpositionFormat::OpenMetrics).unwrap();
    let untraced = parse(&om_plain, ExpositionFormat::OpenMetrics).unwrap();
    assert_eq!(parsed.families, untraced.families, "no label, no series");
    assert_eq!(parsed.series_count(), untraced.series_count());
    assert!(untraced.exemplars.is_empty());

    // The last traced request of each bucket; 12 s lands in +Inf.
    let seen: Vec<(f64, String, f64)> = parsed
        .exemplars
        .iter()
        .map(|e| {
            assert_eq!(e.family, DURATION);
            assert_eq!(e.series["http_route"], "/api/items/{id}");
            assert_eq!(e.labels.keys().collect::<Vec<_>>(), ["trace_id"]);
            assert!(e.timestamp.is_some(), "exemplars carry their time");
            (e.upper_bound, e.labels["trace_id"].clone(), e.value)
        })
        .collect();
    let id = |n: u128| format!("{n:032x}");
    assert_eq!(
        seen,
        [
            (0.005, id(0xa2), 0.004),
            (0.1, id(0xb1), 0.08),
            (f64::INFINITY, id(0xc1), 12.0)
        ]
    );
}

/// The edge variant keeps no exemplars; without them the native text is
/// the edge's byte for byte, and with them the plain text still is.
#[test]
fn the_store_renders_the_native_text_byte_for_byte() {
    let mut stored = StoredMetrics::new(BuildInfo::new(Variant::Native));
    let labels = RequestLabels::new(Method::Get, Route::Item, 200);
    let histogram = stored.requests.entry(labels).or_default();
    for ms in [3, 4, 80, 12_000] {
        histogram.observe(Duration::from_millis(ms));
    }
    stored.active.insert(
        crate::ActiveLabels {
            http_request_method: Method::Get,
            http_route: Route::Item,
        },
        0,
    );
    for format in FORMATS {
        assert_eq!(
            text(&native(false), format),
            text(&stored, format),
            "{format:?}"
        );
    }
    assert_eq!(
        text(&native(true), ExpositionFormat::Prometheus),
        text(&stored, ExpositionFormat::Prometheus)
    );
}

/// Hostile `traceparent` values reach the metrics as no trace at all.
#[test]
fn a_hostile_header_leaves_no_trace_in_either_format() {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    let labels = RequestLabels::new(Method::Get, Route::Item, 200);
    let hostile = [
        "00-4BF92F3577B34DA6A3CE929D0E0E4736-00F067AA0BA902B7-01",
        "ff-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "00-00000000000000000000000000000000-00f067aa0ba902b7-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-0000000000000000-01",
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01-and-more",
        "00-4bf92f3577b34da6a3ce929d0e0e47\"}-00f067aa0ba902b7-01",
    ];
    for value in hostile {
        let trace = parse_traceparent(value.as_bytes());
        assert_eq!(trace, None, "{value}");
        metrics.record_traced(&labels, Duration::from_millis(3), trace);
    }
    for format in FORMATS {
        let out = text(&metrics, format);
        assert!(!out.contains("trace_id") && !out.contains(" # {"), "{out}");
        assert!(!out.to_lowercase().contains("4bf92f"), "{out}");
    }
}
