//! Real traffic against the real binary, read back through `/metrics`.

mod support;

use app_core::ExpositionFormat;
use app_core::testing::bucket_at;
use support::Server;
use test_support::{Rng, send_unrouted};

const DURATION: &str = "http_server_request_duration_seconds";

#[test]
fn counts_routes_and_statuses_are_exact() {
    let server = Server::start(&["--demo-faults"]);
    let mut client = server.client();
    for _ in 0..7 {
        assert_eq!(client.send("GET", "/api/items", &[], b"").status, 200);
    }
    for id in ["1", "2", "3", "99", "x"] {
        client.send("GET", &format!("/api/items/{id}"), &[], b"");
    }
    for _ in 0..3 {
        assert_eq!(client.send("GET", "/demo/error", &[], b"").status, 500);
    }
    assert_eq!(client.send("GET", "/demo/slow?ms=30", &[], b"").status, 200);
    assert_eq!(client.send("PUT", "/api/items", &[], b"{}").status, 405);
    assert_eq!(client.send("BREW", "/", &[], b"").status, 405);
    assert_eq!(client.send("BREW", "/pot", &[], b"").status, 404);

    let parsed = server.scrape(ExpositionFormat::OpenMetrics);
    assert_eq!(parsed.request_count("GET", "/api/items", 200), 7);
    assert_eq!(parsed.request_count("GET", "/api/items/{id}", 200), 3);
    assert_eq!(parsed.request_count("GET", "/api/items/{id}", 404), 2);
    assert_eq!(parsed.request_count("GET", "/demo/error", 500), 3);
    assert_eq!(parsed.request_count("PUT", "/api/items", 405), 1);
    assert_eq!(parsed.request_count("_OTHER", "/", 405), 1);
    assert_eq!(parsed.request_count("_OTHER", "unmatched", 404), 1);

    // The slow request sat in a bucket above 25 ms, not in the first ones.
    let (_, sum, buckets) = parsed.histogram(DURATION, &[("http_route", "/demo/slow")]);
    assert!(sum >= 0.030, "slept at least 30 ms, sum {sum}");
    assert_eq!(bucket_at(buckets, 0.025), 0);
    assert_eq!(bucket_at(buckets, 0.1), 1);

    // Every route label is a template, never a concrete path.
    let templates: Vec<&str> = app_core::Route::ALL.iter().map(|r| r.template()).collect();
    for series in &parsed.family(DURATION).unwrap().series {
        assert!(templates.contains(&series.labels["http_route"].as_str()));
    }
    // The process metrics are there too.
    for family in [
        "process_resident_memory_bytes",
        "process_cpu_seconds",
        "process_open_fds",
        "process_start_time_seconds",
    ] {
        assert!(parsed.family(family).is_some(), "{family} missing");
    }
}

#[test]
fn random_paths_methods_and_queries_create_no_series() {
    let server = Server::start(&["--demo-faults"]);
    let mut client = server.client();
    // Touch every series the attack below can reach, so only growth shows.
    for (method, path) in [("GET", "/nope"), ("BREW", "/nope"), ("POST", "/nope")] {
        assert_eq!(client.send(method, path, &[], b"").status, 404);
    }
    client.send("GET", "/metrics", &[], b"");
    let before = server.scrape(ExpositionFormat::Prometheus);

    let mut rng = Rng::new(0x5eed);
    let methods = ["GET", "POST", "BREW", "X-RANDOM", "PURGE"];
    send_unrouted(&mut client, &mut rng, &methods, Rng::path, 10_000);

    let after = server.scrape(ExpositionFormat::Prometheus);
    assert_eq!(
        before.schema(),
        after.schema(),
        "families changed under random traffic"
    );
    let series = |p: &app_core::testing::Parsed| {
        p.families
            .iter()
            .filter(|(name, _)| !name.starts_with("process_"))
            .map(|(_, f)| f.series.len())
            .sum::<usize>()
    };
    assert_eq!(
        series(&before),
        series(&after),
        "series grew under random traffic"
    );
    let unmatched = after.request_count("_OTHER", "unmatched", 404)
        + after.request_count("GET", "unmatched", 404)
        + after.request_count("POST", "unmatched", 404);
    assert_eq!(unmatched, 10_000 + 3);
}
