//! Arbitrary bytes on the wire -> an `http::Request` as a server would build
//! it -> the shared handler -> recorded -> scraped back.
//!
//! Never panics; the route and method land in the closed sets; the answer is
//! one the handler is meant to give; and the exposition that follows parses
//! with exactly one new request in it, under those labels.

#![no_main]

use app_core::testing::{Value, parse};
use app_core::{
    BuildInfo, ExpositionFormat, Method, Metrics, Route, Service, ServiceConfig, Variant,
};
use libfuzzer_sys::fuzz_target;

const MAX_HEADERS: usize = 64;

/// Parses a request head the way hyper does (httparse, then http's own
/// checks on method, target and header values). `None` where the HTTP layer
/// would refuse the request before any handler ran.
fn request_from_wire(data: &[u8]) -> Option<http::request::Parts> {
    let mut headers = [httparse::EMPTY_HEADER; MAX_HEADERS];
    let mut parsed = httparse::Request::new(&mut headers);
    let httparse::Status::Complete(_) = parsed.parse(data).ok()? else {
        return None;
    };
    let mut request = http::Request::builder()
        .method(http::Method::from_bytes(parsed.method?.as_bytes()).ok()?)
        .uri(parsed.path?.parse::<http::Uri>().ok()?);
    for header in parsed.headers.iter() {
        let name = http::HeaderName::from_bytes(header.name.as_bytes()).ok()?;
        let value = http::HeaderValue::from_bytes(header.value).ok()?;
        request = request.header(name, value);
    }
    Some(request.body(()).ok()?.into_parts().0)
}

fuzz_target!(|data: &[u8]| {
    // The first byte switches the demo routes on or off.
    let Some((&switches, wire)) = data.split_first() else {
        return;
    };
    let Some(head) = request_from_wire(wire) else {
        return;
    };
    let service = Service::new(ServiceConfig {
        demo_faults: switches & 1 == 1,
    });
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));

    let accepted = service.accept(&head.method, head.uri.path());
    assert!(Route::ALL.contains(&accepted.route));
    assert!(Method::ALL.contains(&accepted.method));
    let template = accepted.route.template();
    match accepted.route {
        Route::Unmatched => {}
        Route::Item => assert!(head.uri.path().starts_with("/api/items/")),
        _ => assert_eq!(head.uri.path(), template),
    }
    if accepted.route.is_demo() {
        assert!(service.config().demo_faults, "demo route while disabled");
    }

    let reply = service.respond(accepted, &head, &metrics);
    let status = reply.response.status().as_u16();
    let expected: &[u16] = match (accepted.route, accepted.method) {
        (Route::Unmatched, _) => &[404],
        (_, Method::Get | Method::Head) => match accepted.route {
            Route::Item => &[200, 404],
            Route::DemoError => &[500],
            Route::DemoSlow => &[200, 400],
            _ => &[200],
        },
        _ => &[405],
    };
    assert!(
        expected.contains(&status),
        "{} {} answered {status}",
        head.method,
        head.uri
    );
    assert!(
        reply
            .delay
            .is_none_or(|d| d <= app_core::service::MAX_DEMO_DELAY)
    );
    assert!(
        reply
            .response
            .headers()
            .contains_key(http::header::CONTENT_TYPE),
        "every answer says what it is"
    );
    let body = reply.response.body();
    if accepted.method == Method::Head {
        assert!(body.is_empty());
    } else if reply.response.headers()[http::header::CONTENT_TYPE] == "application/json" {
        serde_json::from_slice::<serde_json::Value>(body).expect("JSON answers are JSON");
    }

    metrics.record(
        &accepted.labels(status),
        std::time::Duration::from_micros(u64::from(switches)),
    );

    // The request's own Accept header picks the format, as on a scrape.
    let format = ExpositionFormat::negotiate(head.headers.get(http::header::ACCEPT));
    let mut text = String::new();
    app_core::Exposition::encode(&metrics, format, &mut text).expect("renders");
    let parsed = parse(&text, format).unwrap_or_else(|e| panic!("{e}\n{text}"));
    let series = &parsed
        .family("http_server_request_duration_seconds")
        .expect("duration family")
        .series;
    assert_eq!(series.len(), 1, "one request, one series");
    let labels = &series[0].labels;
    assert_eq!(labels["http_request_method"], accepted.method.as_str());
    assert_eq!(labels["http_route"], template);
    assert_eq!(labels["http_response_status_code"], status.to_string());
    assert!(matches!(series[0].value, Value::Histogram { count: 1, .. }));
});
