//! The built Spin component on the edge host (`edge-host`: wasmtime, a fresh
//! instance per request, Spin's SQLite key-value store, in memory as the
//! shipped `runtime-config.toml` says): the shared route table, exact counts
//! after concurrent traffic, a closed series set under random paths, the
//! same metric schema as the native server, counts that reset with the
//! process in memory and survive a restart in a file, and requests that
//! survive a failing store.
//!
//! Needs `scripts/build-spin.sh` (the component) and
//! `cargo build --release -p edge-host` first; `scripts/checks/20-edge.sh`
//! runs both.

mod support;

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use app_core::store_keys::{StoreKey, counter, read_back};
use app_core::testing::{Parsed, Value, bucket_at};
use app_core::{
    ActiveLabels, BuildInfo, Exposition, ExpositionFormat, Method, Metrics, RequestLabels, Route,
    Variant,
};
use support::{Host, Store, StoreFile};
use test_support::{Rng, send_unrouted};

const DURATION: &str = "http_server_request_duration_seconds";
const ACTIVE: &str = "http_server_active_requests";
const STORE_ERRORS: &str = "app_metrics_store_errors";

#[test]
fn every_case_of_the_shared_table_passes() {
    // On the store file: waiting for the last increments then reads the
    // file and counts nothing, so even the table's `/metrics` cases compare
    // exactly (in memory only a scrape could wait, counted under `/metrics`).
    let host = Host::start_on_file();
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
    assert_eq!(manifest.key_value_stores(), ["default"]);
    assert!(manifest.component().get("sqlite_databases").is_none());
    // The shipped runtime config keeps that store in memory: Spin's own
    // SQLite store, type "spin", without a path.
    let runtime_config: toml::Table = std::fs::read_to_string(support::runtime_config())
        .unwrap()
        .parse()
        .unwrap();
    let store = runtime_config["key_value_store"]["default"]
        .as_table()
        .unwrap();
    assert_eq!(store["type"].as_str(), Some("spin"));
    assert!(store.get("path").is_none(), "{store:?}");
    assert_eq!(runtime_config.len(), 1, "{runtime_config:?}");
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
    // Nothing else was counted but the scrapes that waited for the last
    // increments (settle).
    let family = parsed.family(DURATION).unwrap();
    let scraped: u64 = parsed.histogram_count(DURATION, &[("http_route", "/metrics")]);
    let counted: u64 = parsed.histogram_count(DURATION, &[]) - scraped;
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

    // Nothing is in flight but scrapes: the one reading, and perhaps one
    // that settle() made and that is still writing its slot.
    for series in &parsed.family(ACTIVE).unwrap().series {
        let Value::Scalar(value) = series.value else {
            panic!("gauge expected")
        };
        if series.labels["http_route"] == "/metrics" {
            assert!((1.0..=2.0).contains(&value), "{series:?}");
        } else {
            assert_eq!(value, 0.0, "{series:?}");
        }
    }
    assert_eq!(parsed.scalar(STORE_ERRORS, &[]), 0.0);
    assert_eq!(parsed.scalar("app_build_info", &[("variant", "spin")]), 1.0);

    // One fresh instance and one store open per request, and per request
    // exactly three increments (started, sum, bucket slot; the gauge is
    // derived); a scrape also lists the keys and reads them. Nothing else touches the
    // store, and nothing uses the SQLite interface.
    let summary = host.stop().summary;
    let requests = summary.count("requests").unwrap();
    let scrapes = requests - total;
    assert!(scrapes >= 1, "{summary:?}");
    assert_eq!(summary.count("instances"), Some(requests), "{summary:?}");
    assert_eq!(summary.count("traps"), Some(0), "{summary:?}");
    assert_eq!(summary.count("open"), Some(requests), "{summary:?}");
    assert_eq!(
        summary.count("increment"),
        Some(3 * requests),
        "{summary:?}"
    );
    assert_eq!(summary.count("list-keys"), Some(scrapes), "{summary:?}");
    assert!(summary.count("get-many").unwrap() >= scrapes, "{summary:?}");
    for op in [
        "get",
        "set",
        "delete",
        "exists",
        "set-many",
        "delete-many",
        "sqlite-open",
        "sqlite-execute",
    ] {
        assert_eq!(
            summary.count(op),
            None,
            "component called {op}: {summary:?}"
        );
    }
}

#[test]
fn the_derived_gauge_counts_a_sleeping_request_and_ends_at_zero() {
    let host = Host::start_on_file();
    let slow = StoreKey::Started(ActiveLabels {
        http_request_method: Method::Get,
        http_route: Route::DemoSlow,
    })
    .encode();
    let slow_labels = [("http_request_method", "GET"), ("http_route", "/demo/slow")];
    std::thread::scope(|scope| {
        let sleeper = scope.spawn(|| {
            let mut client = host.client();
            client.send("GET", "/demo/slow?ms=3000", &[], b"").status
        });
        // Once its start is in the file, a scrape sees it in flight.
        let deadline = Instant::now() + Duration::from_secs(20);
        while !host.store.entries().iter().any(|(key, _)| *key == slow) {
            assert!(Instant::now() < deadline, "the slow request never started");
            std::thread::sleep(Duration::from_millis(10));
        }
        let during = host.scrape(ExpositionFormat::Prometheus);
        assert_eq!(during.scalar(ACTIVE, &slow_labels), 1.0);
        assert_eq!(sleeper.join().unwrap(), 200);
    });
    let mut client = host.client();
    for planned in MIX {
        let response = client.send(planned.method, planned.target, &[], b"");
        assert_eq!(response.status, planned.status, "{}", planned.target);
    }
    let after = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(after.scalar(ACTIVE, &slow_labels), 0.0);

    // The host stopped, every instance finished: every gauge, the
    // scrapes' own too, derives to zero from the file, and each request
    // made exactly three increments.
    let stopped = host.stop();
    let requests = stopped.summary.count("requests").unwrap();
    assert_eq!(
        requests,
        1 + 1 + MIX.len() as u64 + 1,
        "{:?}",
        stopped.summary
    );
    assert_eq!(
        stopped.summary.count("increment"),
        Some(3 * requests),
        "{:?}",
        stopped.summary
    );
    let entries = StoreFile::in_state_dir(stopped.state_dir.path()).entries();
    let (stored, problems) = read_back(
        BuildInfo::new(Variant::Spin),
        entries
            .iter()
            .map(|(key, value)| (key.as_str(), counter(value))),
    );
    assert!(problems.is_empty(), "{problems:?}");
    assert!(stored.active.len() > 5, "{:?}", stored.active);
    assert!(
        stored.active.values().all(|&n| n == 0),
        "{:?}",
        stored.active
    );
    assert_eq!(stored.store_errors, 0);
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
fn counts_survive_a_restart_in_a_file() {
    let host = Host::start_on_file();
    let mut client = host.client();
    for _ in 0..3 {
        assert_eq!(client.send("GET", "/api/items", &[], b"").status, 200);
    }
    host.settled_scrape(ExpositionFormat::Prometheus);
    let host = Host::restart_on(host.stop().state_dir, Store::StateFile);
    let parsed = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(parsed.request_count("GET", "/api/items", 200), 3);
}

#[test]
fn counts_in_memory_reset_with_the_process_and_touch_no_file() {
    let host = Host::start();
    let mut client = host.client();
    for _ in 0..3 {
        assert_eq!(client.send("GET", "/api/items", &[], b"").status, 200);
    }
    let parsed = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(parsed.request_count("GET", "/api/items", 200), 3);
    let state_dir = host.stop().state_dir;
    let files: Vec<_> = std::fs::read_dir(state_dir.path())
        .unwrap()
        .map(|entry| entry.unwrap().file_name())
        .collect();
    assert!(files.is_empty(), "{files:?}");
    // A new process starts from zero, as a restarted native server does.
    let host = Host::restart_on(state_dir, Store::Shipped);
    let parsed = host.settled_scrape(ExpositionFormat::Prometheus);
    assert_eq!(parsed.request_count("GET", "/api/items", 200), 0);
}

#[test]
fn keys_this_version_did_not_write_are_skipped_and_counted() {
    let host = Host::start_on_file();
    let mut client = host.client();
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    host.settled_scrape(ExpositionFormat::OpenMetrics);

    // Another layout's counter (earlier builds' keys were v1) and a counter
    // someone set below zero: neither may be counted in a series. A key
    // outside `metrics/` is another writer's and left alone.
    let old_layout = "metrics/v1/duration|GET|/healthz|200|sum_ns";
    host.store.put(old_layout, &12i64.to_le_bytes());
    // The stored gauge of the builds before, which this one derives instead.
    let old_gauge = "metrics/v2/active|GET|/healthz";
    host.store.put(old_gauge, &3i64.to_le_bytes());
    let other = RequestLabels::new(Method::Post, Route::Healthz, 405);
    host.store.put(
        &StoreKey::Bucket {
            labels: other,
            slot: 3,
        }
        .encode(),
        &(-5i64).to_le_bytes(),
    );
    host.store.put("greeting", b"hello");
    let parsed = host.settled_scrape(ExpositionFormat::OpenMetrics);
    assert_eq!(parsed.request_count("GET", "/healthz", 200), 1);
    assert_eq!(parsed.request_count("POST", "/healthz", 405), 0);
    assert_eq!(
        parsed.scalar(STORE_ERRORS, &[]),
        3.0,
        "three keys reported by this scrape"
    );
    // The old gauge's 3 is not this version's: /healthz is in flight 0.
    assert_eq!(
        parsed.scalar(
            ACTIVE,
            &[("http_request_method", "GET"), ("http_route", "/healthz")]
        ),
        0.0
    );
    let log = host.log().join("\n");
    for key in [old_layout, old_gauge] {
        assert!(
            log.contains(&format!(
                "key {key:?} skipped: key not written by this version"
            )),
            "{log}"
        );
    }
    assert!(log.contains("skipped: counter is negative (-5)"), "{log}");
    assert!(!log.contains("greeting"), "{log}");
}

#[test]
fn a_counter_someone_set_as_text_fails_no_request_and_is_counted() {
    let host = Host::start_on_file();
    let mut client = host.client();
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    host.settled_scrape(ExpositionFormat::OpenMetrics);

    // Another writer `set`s text on one of our counters: Spin's increment
    // then fails on that key. The request is still served, the failure is
    // counted, and the scrape reports (and counts) the unreadable key.
    let labels = RequestLabels::new(Method::Get, Route::Healthz, 200);
    let key = StoreKey::SumNanos(labels).encode();
    host.store.put(&key, b"12");
    assert_eq!(client.send("GET", "/healthz", &[], b"").status, 200);
    let parsed = host.settled_scrape(ExpositionFormat::OpenMetrics);
    assert_eq!(
        parsed.request_count("GET", "/healthz", 200),
        2,
        "buckets still counted"
    );
    assert_eq!(
        parsed.scalar(STORE_ERRORS, &[]),
        2.0,
        "one failed increment, one unreadable key"
    );
    let log = host.log().join("\n");
    assert!(
        log.contains(&format!("{key:?} holds 2 bytes, not an 8-byte counter")),
        "{log}"
    );
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
    // The host names the file, the component says why it counted nothing.
    let file = stopped.state_dir.path().join("sqlite_key_value.db");
    for named in [
        format!("key-value store {}: file is not a database", file.display()),
        "app-spin: metrics store: opening key-value store \"default\" failed".to_owned(),
    ] {
        assert!(
            stopped.log.iter().any(|line| line.contains(&named)),
            "no {named:?} in {:?}",
            stopped.log
        );
    }
}
