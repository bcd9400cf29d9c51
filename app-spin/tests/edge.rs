//! The built Spin component on the edge host (`edge-host`: wasmtime, a fresh
//! instance per request, Spin's SQLite key-value store): the shared route
//! table, exact counts after concurrent traffic, a closed series set under
//! random paths, the same metric schema as the native server, counts that
//! survive a restart, and requests that survive a failing store.
//!
//! Needs `scripts/build-spin.sh` (the component) and
//! `cargo build --release -p edge-host` first; `scripts/checks/20-edge.sh`
//! runs both.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app_core::store_keys::{PREFIX, StoreKey, read_back};
use app_core::testing::{Parsed, Value, bucket_at};
use app_core::{
    BuildInfo, Exposition, ExpositionFormat, Method, Metrics, RequestLabels, Route, Variant,
};
use support::Host;
use test_support::{Rng, send_unrouted};

const DURATION: &str = "http_server_request_duration_seconds";
const ACTIVE: &str = "http_server_active_requests";
const STORE_ERRORS: &str = "app_metrics_store_errors";

#[test]
fn every_case_of_the_shared_table_passes() {
    let host = Host::start();
    let cases = test_support::check_route_cases(&mut host.client());

    // Each case was counted under the route template the table names.
    let parsed = host.settled_scrape(ExpositionFormat::OpenMetrics);
    let mut expected: BTreeMap<(String, String, u16), u64> = BTreeMap::new();
    for case in cases {
        let method = Method::from(&http::Method::from_bytes(case.method.as_bytes()).unwrap());
        let key = (method.as_str().to_owned(), case.route, case.status);
        *expected.entry(key).or_default() += 1;
    }
    for ((method, route, status), n) in expected {
        assert_eq!(
            parsed.request_count(&method, &route, status),
            n,
            "{method} {route} {status}"
        );
    }
}

#[test]
fn spin_toml_defaults_keep_the_demo_routes_off() {
    let manifest = support::Manifest::load();
    assert_eq!(manifest.sqlite_databases(), ["default"]);
    assert!(manifest.component().get("key_value_stores").is_none());
    assert_eq!(
        manifest.toml["trigger"]["http"][0]["route"].as_str(),
        Some("/...")
    );
    let host = Host::start_with_variables(&[]);
    let mut client = host.client();
    let started = Instant::now();
    for target in ["/demo/error", "/demo/slow?ms=5000"] {
        assert_eq!(client.send("GET", target, &[], b"").status, 404, "{target}");
    }
    assert!(started.elapsed() < Duration::from_secs(5), "no demo sleep");
    let parsed = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(parsed.request_count("GET", "unmatched", 404), 2);
    assert!(
        parsed
            .find(DURATION, &[("http_route", "/demo/error")])
            .is_empty()
    );
}

/// What one request of the traffic mix is and how it must be counted.
struct Planned {
    method: &'static str,
    target: &'static str,
    status: u16,
    label_method: &'static str,
    route: &'static str,
}

const MIX: &[Planned] = &[
    Planned {
        method: "GET",
        target: "/",
        status: 200,
        label_method: "GET",
        route: "/",
    },
    Planned {
        method: "GET",
        target: "/api/items",
        status: 200,
        label_method: "GET",
        route: "/api/items",
    },
    Planned {
        method: "GET",
        target: "/api/items/1",
        status: 200,
        label_method: "GET",
        route: "/api/items/{id}",
    },
    Planned {
        method: "GET",
        target: "/api/items/3?x=1",
        status: 200,
        label_method: "GET",
        route: "/api/items/{id}",
    },
    Planned {
        method: "GET",
        target: "/api/items/999",
        status: 404,
        label_method: "GET",
        route: "/api/items/{id}",
    },
    Planned {
        method: "GET",
        target: "/healthz",
        status: 200,
        label_method: "GET",
        route: "/healthz",
    },
    Planned {
        method: "GET",
        target: "/readyz",
        status: 200,
        label_method: "GET",
        route: "/readyz",
    },
    Planned {
        method: "GET",
        target: "/demo/error",
        status: 500,
        label_method: "GET",
        route: "/demo/error",
    },
    Planned {
        method: "GET",
        target: "/no/such/page",
        status: 404,
        label_method: "GET",
        route: "unmatched",
    },
    Planned {
        method: "POST",
        target: "/api/items",
        status: 405,
        label_method: "POST",
        route: "/api/items",
    },
    Planned {
        method: "DELETE",
        target: "/api/items/2",
        status: 405,
        label_method: "DELETE",
        route: "/api/items/{id}",
    },
    Planned {
        method: "HEAD",
        target: "/",
        status: 200,
        label_method: "HEAD",
        route: "/",
    },
    Planned {
        method: "PURGE",
        target: "/",
        status: 405,
        label_method: "_OTHER",
        route: "/",
    },
    Planned {
        method: "PURGE",
        target: "/cache",
        status: 404,
        label_method: "_OTHER",
        route: "unmatched",
    },
    Planned {
        method: "GET",
        target: "/demo/slow?ms=30",
        status: 200,
        label_method: "GET",
        route: "/demo/slow",
    },
];

#[test]
fn counts_are_exact_after_concurrent_traffic() {
    // As many connections as a busy host sees at once, each a thread.
    const THREADS: u64 = 64;
    const PER_THREAD: u64 = 100;
    let host = Host::start();
    let started = Instant::now();
    let tallies: Vec<BTreeMap<usize, u64>> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..THREADS)
            .map(|thread| {
                let host = &host;
                scope.spawn(move || {
                    let mut client = host.client();
                    let mut rng = Rng::new(0xed6e + thread);
                    let mut sent = BTreeMap::new();
                    for _ in 0..PER_THREAD {
                        let index = (rng.next() % MIX.len() as u64) as usize;
                        let planned = &MIX[index];
                        let response = client.send(planned.method, planned.target, &[], b"");
                        assert_eq!(response.status, planned.status, "{}", planned.target);
                        *sent.entry(index).or_default() += 1;
                    }
                    sent
                })
            })
            .collect();
        workers.into_iter().map(|w| w.join().unwrap()).collect()
    });
    let total = THREADS * PER_THREAD;
    eprintln!("{total} requests in {:?}", started.elapsed());

    let parsed = host.settled_scrape(ExpositionFormat::OpenMetrics);
    let mut expected: BTreeMap<(&str, &str, u16), u64> = BTreeMap::new();
    for tally in &tallies {
        for (&index, &n) in tally {
            let planned = &MIX[index];
            *expected
                .entry((planned.label_method, planned.route, planned.status))
                .or_default() += n;
        }
    }
    assert_eq!(expected.values().sum::<u64>(), total);
    for (&(method, route, status), &n) in &expected {
        assert_eq!(
            parsed.request_count(method, route, status),
            n,
            "{method} {route} {status}"
        );
    }
    // Nothing else was counted: the only other series is this scrape's route.
    let family = parsed.family(DURATION).unwrap();
    let counted: u64 = parsed.histogram_count(DURATION, &[]);
    assert_eq!(counted, total, "{} series", family.series.len());

    // Every series is a well-formed histogram.
    for series in &family.series {
        let Value::Histogram {
            count,
            buckets,
            sum,
        } = &series.value
        else {
            panic!("histogram expected")
        };
        assert!(buckets.windows(2).all(|w| w[0].1 <= w[1].1), "{series:?}");
        assert_eq!(buckets.last().unwrap(), &(f64::INFINITY, *count));
        assert!(*sum > 0.0);
    }
    // The slow requests slept on the WASI clock: none finished within 25 ms.
    let slow = [
        ("http_request_method", "GET"),
        ("http_route", "/demo/slow"),
        ("http_response_status_code", "200"),
    ];
    let (slow_count, slow_sum, slow_buckets) = parsed.histogram(DURATION, &slow);
    assert!(slow_count > 0);
    assert_eq!(bucket_at(slow_buckets, 0.025), 0);
    assert!(
        slow_sum >= 0.030 * slow_count as f64,
        "sum {slow_sum} for {slow_count}"
    );

    // Nothing is in flight but the scrape that is reading.
    for series in &parsed.family(ACTIVE).unwrap().series {
        let Value::Scalar(value) = series.value else {
            panic!("gauge expected")
        };
        let scraping = series.labels["http_route"] == "/metrics";
        assert_eq!(value, if scraping { 1.0 } else { 0.0 }, "{series:?}");
    }
    assert_eq!(parsed.scalar(STORE_ERRORS, &[]), 0.0);
    assert_eq!(parsed.scalar("app_build_info", &[("variant", "spin")]), 1.0);

    // Every row of the table is this version's, readable, and it is what was shown.
    let raw = host.store.entries();
    assert!(
        raw.iter().all(|(key, _)| key.starts_with(PREFIX)),
        "{raw:?}"
    );
    let (stored, problems) = read_back(
        BuildInfo::new(Variant::Spin),
        raw.iter().map(|(k, v)| (k.as_str(), Some(*v))),
    );
    assert!(problems.is_empty(), "{problems:?}");
    let error_series = RequestLabels::new(Method::Get, Route::DemoError, 500);
    assert_eq!(
        stored.requests[&error_series].count(),
        parsed.request_count("GET", "/demo/error", 500)
    );

    // One fresh instance and one SQLite connection per request, and per
    // request exactly: the pragma, the gauge up, one statement with the
    // rest; a scrape adds its SELECT. The requests that found no table yet
    // (at least the first, at most one per connection racing it) each ran
    // CREATE TABLE and their write again, and a write that found the
    // database locked past the busy timeout ran again (the component logs
    // each). Nothing uses the key-value store.
    let stopped = host.stop();
    let summary = stopped.summary;
    // Counted by occurrence: two instances' lines can share one.
    let retried = stopped
        .log
        .iter()
        .map(|line| line.matches("database locked, write attempt").count() as u64)
        .sum::<u64>();
    let requests = summary.count("requests").unwrap();
    let scrapes = requests - total;
    assert!(scrapes >= 1, "{summary:?}");
    assert_eq!(summary.count("instances"), Some(requests), "{summary:?}");
    assert_eq!(summary.count("traps"), Some(0), "{summary:?}");
    assert_eq!(summary.count("sqlite-open"), Some(requests), "{summary:?}");
    let creating = summary.count("sqlite-execute").unwrap() - (3 * requests + scrapes + retried);
    assert!(
        creating % 2 == 0 && (2..=2 * THREADS).contains(&creating),
        "{creating} executes beyond the steady 3 per request: {summary:?}"
    );
    for op in [
        "open",
        "increment",
        "get",
        "set",
        "delete",
        "exists",
        "list-keys",
        "get-many",
    ] {
        assert_eq!(
            summary.count(op),
            None,
            "component called key-value {op}: {summary:?}"
        );
    }
}

#[test]
fn random_paths_and_methods_create_no_series() {
    const REQUESTS: u64 = 10_000;
    const CONNECTIONS: u64 = 16;
    let methods = ["GET", "POST", "PURGE", "PROPFIND", "DELETE"];
    let host = Host::start();
    let mut client = host.client();
    // Touch every series the random traffic can reach, so only growth shows.
    for method in methods {
        assert_eq!(client.send(method, "/nope", &[], b"").status, 404);
    }
    client.send("GET", "/metrics", &[], b"");
    let before = host.settled_scrape(ExpositionFormat::Prometheus);
    let unmatched_before: u64 = ["GET", "POST", "_OTHER", "DELETE"]
        .iter()
        .map(|m| before.request_count(m, "unmatched", 404))
        .sum();

    std::thread::scope(|scope| {
        for connection in 0..CONNECTIONS {
            let host = &host;
            scope.spawn(move || {
                let mut client = host.client();
                let mut rng = Rng::new(0x5eed + connection);
                send_unrouted(
                    &mut client,
                    &mut rng,
                    &methods,
                    Rng::unrouted_path,
                    REQUESTS / CONNECTIONS,
                );
            });
        }
    });

    let after = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(before.schema(), after.schema());
    let series = |p: &Parsed| {
        p.families
            .values()
            .map(|f| f.series.len())
            .collect::<Vec<_>>()
    };
    assert_eq!(
        series(&before),
        series(&after),
        "series grew under random traffic"
    );
    assert_eq!(before.series_count(), after.series_count());
    let unmatched_after: u64 = ["GET", "POST", "_OTHER", "DELETE"]
        .iter()
        .map(|m| after.request_count(m, "unmatched", 404))
        .sum();
    assert_eq!(unmatched_after - unmatched_before, REQUESTS);
    let keys_under_prefix = host.store.entries().len();
    // Bounded key set too: per series 15 bucket slots at most, one sum, plus
    // the in-flight gauges and the error counter.
    assert!(keys_under_prefix < 200, "{keys_under_prefix} keys");
}

#[test]
fn native_and_edge_expose_the_same_schema() {
    let host = Host::start();
    let mut client = host.client();
    assert_eq!(client.send("GET", "/api/items/1", &[], b"").status, 200);

    let native = Metrics::new(BuildInfo::new(Variant::Native));
    native.record(
        &RequestLabels::new(Method::Get, Route::Item, 200),
        Duration::from_millis(3),
    );
    let _in_flight = native.start(Method::Get, Route::Metrics);

    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let mut text = String::new();
        native.encode(format, &mut text).unwrap();
        let native_parsed = app_core::testing::parse(&text, format).unwrap();
        let edge = host.scrape(format);

        let names = |p: &Parsed| p.families.keys().cloned().collect::<Vec<_>>();
        assert_eq!(names(&native_parsed), names(&edge), "{format:?}");
        assert_eq!(native_parsed.schema(), edge.schema(), "{format:?}");
        for (name, family) in &native_parsed.families {
            let other = &edge.families[name];
            assert_eq!(family.help, other.help, "{name}");
            assert_eq!(family.unit, other.unit, "{name}");
        }
        let bounds = edge.schema()[DURATION].bucket_bounds.clone().unwrap();
        let mut expected: Vec<f64> = app_core::metrics::DURATION_BUCKETS.to_vec();
        expected.push(f64::INFINITY);
        assert_eq!(bounds, expected);
        assert_eq!(
            edge.scalar(
                "app_build_info",
                &[("variant", "spin"), ("version", app_core::VERSION)]
            ),
            1.0
        );
    }

    // The native binary itself, when the run provides it (20-edge.sh does):
    // its registry also carries process metrics, which only it can have.
    let Some(binary) = std::env::var_os("APP_NATIVE_BIN") else {
        eprintln!("APP_NATIVE_BIN not set: compared with the in-process native metric set only");
        return;
    };
    let native = support::Native::start(std::path::Path::new(&binary));
    assert_eq!(
        native.client().send("GET", "/api/items/1", &[], b"").status,
        200
    );
    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let mut native_schema = native.scrape(format).schema();
        native_schema.retain(|name, _| !name.starts_with("process_"));
        assert_eq!(native_schema, host.scrape(format).schema(), "{format:?}");
    }
}

#[test]
fn counts_survive_a_restart() {
    let host = Host::start();
    let mut client = host.client();
    for _ in 0..3 {
        assert_eq!(client.send("GET", "/api/items", &[], b"").status, 200);
    }
    host.settled_scrape(ExpositionFormat::Prometheus);
    let host = Host::restart_on(host.stop().state_dir);
    let parsed = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(parsed.request_count("GET", "/api/items", 200), 3);
}

#[test]
fn rows_this_version_did_not_write_are_skipped_and_counted() {
    let host = Host::start();
    let mut client = host.client();
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    host.settled_scrape(ExpositionFormat::OpenMetrics);

    // Another layout's row (earlier builds' key-value keys were v1) and a
    // counter someone set below zero: neither may be counted in a series.
    let old_layout = "metrics/v1/duration|GET|/healthz|200|sum_ns";
    host.store.put(old_layout, 12);
    let other = RequestLabels::new(Method::Post, Route::Healthz, 405);
    host.store.put(
        &StoreKey::Bucket {
            labels: other,
            slot: 3,
        }
        .encode(),
        -5,
    );
    let parsed = host.settled_scrape(ExpositionFormat::OpenMetrics);
    assert_eq!(parsed.request_count("GET", "/healthz", 200), 1);
    assert_eq!(parsed.request_count("POST", "/healthz", 405), 0);
    assert_eq!(
        parsed.scalar(STORE_ERRORS, &[]),
        2.0,
        "two rows reported by this scrape"
    );
    let log = host.log().join("\n");
    assert!(
        log.contains(&format!(
            "row {old_layout:?} skipped: key not written by this version"
        )),
        "{log}"
    );
    assert!(log.contains("skipped: counter is negative (-5)"), "{log}");
}

#[test]
fn a_write_the_database_refuses_fails_no_request_and_is_counted() {
    let host = Host::start();
    let mut client = host.client();
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    host.settle();

    // Another writer guards one row with a trigger: every statement that
    // would change it now fails as a whole.
    let guarded = StoreKey::SumNanos(RequestLabels::new(Method::Get, Route::Healthz, 200)).encode();
    host.store.execute(&format!(
        "CREATE TRIGGER guard BEFORE UPDATE ON app_metrics WHEN old.key = '{guarded}' \
         BEGIN SELECT RAISE(ABORT, 'guarded by the test'); END;"
    ));
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    // settle() returns only once the gauge is back at 0: it came down in a
    // statement of its own after the refused one.
    let parsed = host.settled_scrape(ExpositionFormat::OpenMetrics);
    assert_eq!(
        parsed.request_count("GET", "/healthz", 200),
        1,
        "bucket and sum are one statement: neither changed"
    );
    assert_eq!(parsed.scalar(STORE_ERRORS, &[]), 1.0);
    let log = host.log().join("\n");
    assert!(log.contains("guarded by the test"), "{log}");
}

#[test]
fn a_corrupt_store_file_fails_no_request_and_is_named() {
    // The file is there but is no database: the store cannot be opened.
    let host = Host::start_on_store(b"this is not an SQLite database, just text");
    let mut client = host.client();
    let slow_start = Instant::now();
    assert_eq!(
        client.send("GET", "/demo/slow?ms=120", &[], b"").status,
        200
    );
    assert!(slow_start.elapsed() >= Duration::from_millis(120));
    assert_eq!(client.send("GET", "/api/items", &[], b"").status, 200);
    // Nowhere to count, nothing to read: /metrics fails (Prometheus sees
    // `up == 0`) rather than showing counters that went back to zero.
    let scrape = client.send("GET", "/metrics", &[], b"");
    assert_eq!(scrape.status, 500, "{}", scrape.text());

    let stopped = host.stop();
    let summary = &stopped.summary;
    assert_eq!(summary.count("requests"), Some(3), "{summary:?}");
    assert_eq!(summary.count("traps"), Some(0), "{summary:?}");
    // The component says why it counted nothing.
    let named = "app-spin: metrics store: writing 1 row(s) failed";
    assert!(
        stopped
            .log
            .iter()
            .any(|line| line.contains(named) && line.contains("file is not a database")),
        "no {named:?} in {:?}",
        stopped.log
    );
}
