//! Arbitrary sequences of recorded requests, fed both to the native
//! in-memory `Metrics` and to the edge variant's `StoredMetrics`: both render
//! in both formats, every rendering parses back, and the two variants agree
//! series by series.

#![no_main]

use std::collections::BTreeMap;
use std::time::Duration;

use app_core::testing::{Parsed, Value, parse};
use app_core::{
    ActiveLabels, BuildInfo, Exposition, ExpositionFormat, Method, Metrics, RequestLabels, Route,
    StoredMetrics, Variant,
};
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;

#[derive(Arbitrary, Debug)]
enum Event {
    /// A finished request and how long it took.
    Served {
        method: u8,
        route: u8,
        status: u16,
        /// Nanoseconds, up to ~71 minutes: every bucket and the overflow.
        nanos: u32,
        scale: u8,
    },
    /// A request still in flight at scrape time.
    InFlight { method: u8, route: u8 },
}

#[derive(Arbitrary, Debug)]
struct Input {
    events: Vec<Event>,
    store_errors: u64,
}

fn method(index: u8) -> Method {
    Method::ALL[usize::from(index) % Method::ALL.len()]
}

fn route(index: u8) -> Route {
    Route::ALL[usize::from(index) % Route::ALL.len()]
}

fn render(metrics: &dyn Exposition, format: ExpositionFormat) -> Parsed {
    let mut text = String::new();
    metrics.encode(format, &mut text).expect("renders");
    parse(&text, format).unwrap_or_else(|e| panic!("{format:?} does not parse: {e}\n{text}"))
}

/// Histogram sums are kept as f64 seconds natively and as integer
/// nanoseconds in the store: equal up to rounding.
fn agree(native: &Parsed, stored: &Parsed) {
    assert_eq!(native.schema(), stored.schema());
    for (name, family) in &native.families {
        let other = &stored.families[name];
        assert_eq!(family.series.len(), other.series.len(), "{name}");
        for (a, b) in family.series.iter().zip(&other.series) {
            assert_eq!(a.labels, b.labels, "{name}");
            match (&a.value, &b.value) {
                (
                    Value::Histogram {
                        count: ca,
                        sum: sa,
                        buckets: ba,
                    },
                    Value::Histogram {
                        count: cb,
                        sum: sb,
                        buckets: bb,
                    },
                ) => {
                    assert_eq!(ca, cb, "{name} {:?}", a.labels);
                    assert_eq!(ba, bb, "{name} {:?}", a.labels);
                    let tolerance = 1e-9 * (*ca as f64 + 1.0) + 1e-12 * sa.abs();
                    assert!((sa - sb).abs() <= tolerance, "{name} sum {sa} vs {sb}");
                }
                (x, y) => assert_eq!(x, y, "{name} {:?}", a.labels),
            }
        }
    }
}

fuzz_target!(|input: Input| {
    let build = BuildInfo::new(Variant::Native);
    let native = Metrics::new(build.clone());
    let mut stored = StoredMetrics::new(build);
    let mut in_flight = Vec::new();
    let mut expected_requests = BTreeMap::<RequestLabels, u64>::new();

    for event in input.events.iter().take(64) {
        match *event {
            Event::Served {
                method: m,
                route: r,
                status,
                nanos,
                scale,
            } => {
                let labels = RequestLabels {
                    http_request_method: method(m),
                    http_route: route(r),
                    http_response_status_code: status,
                };
                let elapsed = Duration::from_nanos(u64::from(nanos) << (scale % 12));
                native.record(&labels, elapsed);
                stored
                    .requests
                    .entry(labels.clone())
                    .or_default()
                    .observe(elapsed);
                *expected_requests.entry(labels).or_default() += 1;
            }
            Event::InFlight {
                method: m,
                route: r,
            } => {
                let (m, r) = (method(m), route(r));
                in_flight.push(native.start(m, r));
                *stored
                    .active
                    .entry(ActiveLabels {
                        http_request_method: m,
                        http_route: r,
                    })
                    .or_default() += 1;
            }
        }
    }

    let formats = [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics];
    for format in formats {
        let from_native = render(&native, format);
        let from_store = render(&stored, format);
        agree(&from_native, &from_store);
        let total: u64 = expected_requests.values().sum();
        assert_eq!(
            from_native.histogram_count("http_server_request_duration_seconds", &[]),
            total
        );
        for (labels, count) in &expected_requests {
            let status = labels.http_response_status_code.to_string();
            let found = from_native.histogram_count(
                "http_server_request_duration_seconds",
                &[
                    ("http_request_method", labels.http_request_method.as_str()),
                    ("http_route", labels.http_route.template()),
                    ("http_response_status_code", &status),
                ],
            );
            assert_eq!(found, *count, "{labels:?}");
        }
    }

    // The store's error counter renders whatever its value.
    stored.store_errors = input.store_errors;
    for format in formats {
        let parsed = render(&stored, format);
        let series = &parsed.family("app_metrics_store_errors").unwrap().series;
        let Value::Scalar(value) = series[0].value else {
            panic!("counter expected")
        };
        assert_eq!(value, input.store_errors as f64);
    }
    drop(in_flight);
});
