//! Exemplars over the wire: a request with a valid `traceparent` leaves its
//! trace id on the duration bucket it lands in, in the OpenMetrics scrape
//! only; hostile values leave nothing anywhere, and no scrape gains a label
//! or a series from them.

mod support;

use std::collections::BTreeMap;

use app_core::ExpositionFormat;
use app_core::testing::Parsed;
use support::Server;

const DURATION: &str = "http_server_request_duration_seconds";
const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
const PARENT: &str = "b7ad6b7169203331";

/// Each hostile value carries a marker of its own, so an echo of any of them
/// anywhere in a scrape is found.
fn hostile() -> Vec<(String, String)> {
    let marker = |n: u8| format!("{n:02x}{}", "d1ce".repeat(7) + "d1");
    let valid = |trace: &str| format!("00-{trace}-{PARENT}-01");
    [
        ("uppercase", valid(&marker(1).to_uppercase())),
        ("version ff", format!("ff-{}-{PARENT}-01", marker(2))),
        (
            "too long",
            format!("{}-{}", valid(&marker(3)), "x".repeat(4000)),
        ),
        (
            "all-zero parent",
            format!("00-{}-{}-01", marker(4), "0".repeat(16)),
        ),
        ("junk", format!("{}; drop table", marker(5))),
        (
            "label injection",
            valid(&format!("{}\"}}", &marker(6)[..30])),
        ),
        ("all-zero trace", valid(&"0".repeat(32))),
    ]
    .into_iter()
    .map(|(what, value)| (what.to_owned(), value))
    .collect()
}

fn get(server: &Server, path: &str, headers: &[(&str, &str)]) {
    let response = server.client().send("GET", path, headers, b"");
    assert_eq!(response.status, 200, "{path}: {}", response.text());
}

fn raw_scrape(server: &Server, accept: &str) -> String {
    let response = server
        .client()
        .send("GET", "/metrics", &[("accept", accept)], b"");
    assert_eq!(response.status, 200);
    response.text()
}

/// Every family's series, by label set only (the values of process metrics
/// differ between two processes).
fn series_sets(parsed: &Parsed) -> BTreeMap<String, Vec<BTreeMap<String, String>>> {
    parsed
        .families
        .iter()
        .map(|(name, family)| {
            let sets = family.series.iter().map(|s| s.labels.clone()).collect();
            (name.clone(), sets)
        })
        .collect()
}

/// The same requests, once with the headers and once without.
fn serve(with_headers: bool) -> Server {
    let server = Server::start(&[]);
    let valid = format!("00-{TRACE}-{PARENT}-01");
    let traced: &[(&str, &str)] = if with_headers {
        &[("traceparent", &valid)]
    } else {
        &[]
    };
    get(&server, "/api/items/1", traced);
    for (_, value) in hostile() {
        let headers: &[(&str, &str)] = if with_headers {
            &[("traceparent", &value)]
        } else {
            &[]
        };
        get(&server, "/", headers);
    }
    // Two headers, each valid alone: the spec's test suite calls that invalid.
    let twice: &[(&str, &str)] = if with_headers {
        &[("traceparent", &valid), ("traceparent", &valid)]
    } else {
        &[]
    };
    get(&server, "/api/items", twice);
    server
}

#[test]
fn the_trace_id_is_an_openmetrics_exemplar_only() {
    let server = serve(true);
    let parsed = server.scrape(ExpositionFormat::OpenMetrics);
    let exemplars: Vec<_> = parsed
        .exemplars
        .iter()
        .filter(|e| e.family == DURATION)
        .collect();
    assert_eq!(exemplars.len(), 1, "{exemplars:#?}");
    let exemplar = exemplars[0];
    assert_eq!(exemplar.series["http_route"], "/api/items/{id}");
    assert_eq!(
        exemplar.labels,
        BTreeMap::from([("trace_id".to_owned(), TRACE.to_owned())])
    );
    let (_, _, buckets) = parsed.histogram(DURATION, &[("http_route", "/api/items/{id}")]);
    let first_hit = buckets.iter().find(|(_, count)| *count == 1).unwrap().0;
    assert_eq!(exemplar.upper_bound, first_hit, "the bucket it landed in");

    let plain = raw_scrape(&server, "text/plain");
    assert!(
        !plain.contains("trace_id") && !plain.contains(TRACE),
        "{plain}"
    );
    assert!(!plain.contains(" # {"), "{plain}");
}

#[test]
fn hostile_headers_are_never_echoed() {
    let server = serve(true);
    for accept in ["application/openmetrics-text; version=1.0.0", "text/plain"] {
        let text = raw_scrape(&server, accept).to_lowercase();
        assert!(
            !text.contains("d1ced1ce"),
            "{accept}: a hostile value echoed\n{text}"
        );
        assert_eq!(
            text.matches("trace_id").count(),
            usize::from(accept != "text/plain")
        );
    }
}

#[test]
fn exemplars_add_no_label_and_no_series() {
    let (traced, untraced) = (serve(true), serve(false));
    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let (with, without) = (traced.scrape(format), untraced.scrape(format));
        assert_eq!(series_sets(&with), series_sets(&without), "{format:?}");
        assert_eq!(with.series_count(), without.series_count(), "{format:?}");
    }
    assert!(
        untraced
            .scrape(ExpositionFormat::OpenMetrics)
            .exemplars
            .is_empty()
    );
}
