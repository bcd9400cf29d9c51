//! Cardinality attack: 100,000 requests with random paths, methods (standard
//! and made-up tokens), query strings and headers must not add one series to
//! `/metrics`.
//!
//! By default the test starts the debug `app-native`. Environment knobs:
//! - `CARDINALITY_BIN`: another build of the binary (e.g. the release one);
//! - `CARDINALITY_TARGET`: `http://host:port` of an already running service
//!   (the edge variant's host, say) to attack instead of starting one;
//! - `CARDINALITY_REQUESTS`: how many requests (default 100,000).

mod support;

use std::collections::BTreeSet;
use std::net::{SocketAddr, ToSocketAddrs};
use std::thread;
use std::time::Instant;

use app_core::testing::Parsed;
use app_core::{ExpositionFormat, Method, Route};
use support::Server;
use test_support::{Client, Rng};

const DURATION: &str = "http_server_request_duration_seconds";
const CONNECTIONS: u64 = 4;

/// Standard methods, as a client would send them; the rest of the time a
/// made-up token is sent.
const STANDARD_METHODS: [&str; 9] = [
    "GET", "HEAD", "POST", "PUT", "DELETE", "PATCH", "OPTIONS", "TRACE", "CONNECT",
];

/// Paths that reach every route, so the attack also lands on known routes
/// with random suffixes, queries and methods.
const ROUTE_PATHS: [&str; 9] = [
    "/",
    "/api/items",
    "/api/items/1",
    "/api/items/",
    "/healthz",
    "/readyz",
    "/metrics",
    "/demo/error",
    "/demo/slow",
];

/// Real header names a client might send, minus those that change how the
/// message is framed or the connection is handled (the test wants to reach
/// the handler, not to test framing, which tests/hostile.rs does).
const HEADER_NAMES: [&str; 12] = [
    "accept",
    "accept-language",
    "accept-encoding",
    "user-agent",
    "cookie",
    "authorization",
    "referer",
    "x-forwarded-for",
    "x-request-id",
    "traceparent",
    "content-type",
    "origin",
];

const FRAMING_HEADERS: [&str; 10] = [
    "content-length",
    "transfer-encoding",
    "connection",
    "expect",
    "upgrade",
    "host",
    "te",
    "trailer",
    "keep-alive",
    "proxy-connection",
];

const TCHARS: &[u8] =
    b"!#$%&'*+-.^_`|~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const PATH_CHARS: &[u8] =
    b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-._~!$&'()*+,;=:@";

struct Attack {
    rng: Rng,
}

impl Attack {
    fn below(&mut self, n: usize) -> usize {
        (self.rng.next() % n as u64) as usize
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.rng.next() % 100 < percent
    }

    fn pick<'a>(&mut self, from: &[&'a str]) -> &'a str {
        from[self.below(from.len())]
    }

    fn token(&mut self, max_len: usize) -> String {
        (0..1 + self.below(max_len))
            .map(|_| TCHARS[self.below(TCHARS.len())] as char)
            .collect()
    }

    fn method(&mut self) -> String {
        if self.chance(60) {
            self.pick(&STANDARD_METHODS).to_owned()
        } else {
            self.token(16)
        }
    }

    /// Random characters, percent-encoded bytes (valid UTF-8 or not, some
    /// malformed escapes), dot segments and slashes.
    fn segment(&mut self) -> String {
        let mut segment = String::new();
        for _ in 0..1 + self.below(16) {
            match self.below(10) {
                0 => segment.push_str(&format!("%{:02X}", self.rng.next() as u8)),
                1 => segment
                    .push_str(["%", "%z", "%G1", "..", "%2F", "%00", "%C0%AF"][self.below(7)]),
                2 => {
                    let text = ["é", "日本", "🦀", "\u{202e}"][self.below(4)];
                    for byte in text.bytes() {
                        segment.push_str(&format!("%{byte:02X}"));
                    }
                }
                // Raw bytes outside ASCII: the HTTP layer refuses them.
                3 if self.chance(1) => segment.push('é'),
                _ => segment.push(PATH_CHARS[self.below(PATH_CHARS.len())] as char),
            }
        }
        segment
    }

    fn path(&mut self) -> String {
        let mut path = if self.chance(40) {
            self.pick(&ROUTE_PATHS).to_owned()
        } else {
            String::new()
        };
        if path.is_empty() || self.chance(30) {
            for _ in 0..1 + self.below(5) {
                if !path.ends_with('/') {
                    path.push('/');
                }
                path.push_str(&self.segment());
            }
        }
        if self.chance(50) {
            path.push('?');
            for i in 0..1 + self.below(5) {
                if i > 0 {
                    path.push('&');
                }
                path.push_str(&self.segment());
                path.push('=');
                path.push_str(&self.segment());
            }
        }
        path
    }

    fn headers(&mut self) -> Vec<(String, String)> {
        let mut headers = Vec::new();
        for _ in 0..self.below(7) {
            let name = if self.chance(40) {
                self.pick(&HEADER_NAMES).to_owned()
            } else {
                format!("x-{}", self.token(24))
            };
            if FRAMING_HEADERS.contains(&name.to_ascii_lowercase().as_str()) {
                continue;
            }
            let value: String = (0..self.below(64))
                .map(|_| match self.below(20) {
                    0 => 'ü',
                    _ => (b' ' + self.below(95) as u8) as char,
                })
                .collect();
            headers.push((name, value.trim().to_owned()));
        }
        headers
    }
}

/// Where the attack goes, and who started it.
struct Target {
    addr: SocketAddr,
    /// Set when this test started the binary itself; also keeps it alive.
    own: Option<Server>,
}

fn target() -> Target {
    if let Ok(url) = std::env::var("CARDINALITY_TARGET") {
        let authority = url
            .trim_start_matches("http://")
            .trim_end_matches('/')
            .to_owned();
        let addr = authority
            .to_socket_addrs()
            .unwrap_or_else(|e| panic!("CARDINALITY_TARGET {url}: {e}"))
            .next()
            .expect("CARDINALITY_TARGET resolves");
        return Target { addr, own: None };
    }
    let server = match std::env::var("CARDINALITY_BIN") {
        Ok(binary) => Server::start_binary(&binary, &[]),
        Err(_) => Server::start(&[]),
    };
    Target {
        addr: server.addr,
        own: Some(server),
    }
}

fn scrape(addr: SocketAddr) -> Parsed {
    Client::connect(addr).scrape(ExpositionFormat::Prometheus)
}

/// Series Prometheus would store, without the process' own metrics (their
/// values move, and only the native variant has them).
fn service_series(parsed: &Parsed) -> usize {
    let mut parsed = parsed.clone();
    parsed
        .families
        .retain(|name, _| !name.starts_with("process_"));
    parsed.series_count()
}

fn total_requests(parsed: &Parsed) -> u64 {
    parsed.histogram_count(DURATION, &[])
}

/// One request of every method class on every route, so every series the
/// attack can legitimately reach exists before the baseline scrape.
fn warm_up(addr: SocketAddr) -> u64 {
    let mut client = Client::connect(addr);
    let mut handled = 0;
    let methods = STANDARD_METHODS.iter().copied().chain(["BREW"]);
    for method in methods {
        for path in ROUTE_PATHS
            .iter()
            .copied()
            .chain(["/api/items/nope", "/nowhere"])
        {
            let response = match client.try_send(method, path, &[], b"") {
                Ok(response) => response,
                Err(_) => {
                    client = Client::connect(addr);
                    continue;
                }
            };
            if response.header("content-type").is_some() {
                handled += 1;
            }
            if response.header("connection") == Some("close") {
                client = Client::connect(addr);
            }
        }
    }
    handled
}

#[derive(Default)]
struct Tally {
    sent: u64,
    /// Answered by the service's handler (it always sets a content type).
    handled: u64,
    /// Refused by the HTTP layer before any handler ran (400 and friends).
    refused: u64,
    statuses: BTreeSet<u16>,
}

/// `strict`: every request must get an answer (true of app-native, which
/// answers even made-up methods; other hosts may just hang up on those).
fn attack(addr: SocketAddr, seed: u64, requests: u64, strict: bool) -> Tally {
    let mut attack = Attack {
        rng: Rng::new(seed),
    };
    let mut client = Client::connect(addr);
    let mut tally = Tally::default();
    for _ in 0..requests {
        let method = attack.method();
        let path = attack.path();
        let headers = attack.headers();
        let headers: Vec<(&str, &str)> = headers
            .iter()
            .map(|(n, v)| (n.as_str(), v.as_str()))
            .collect();
        tally.sent += 1;
        let response = match client.try_send(&method, &path, &headers, b"") {
            Ok(response) => response,
            Err(err) if strict => panic!("{method} {path} {headers:?}: no answer: {err}"),
            Err(_) => {
                tally.refused += 1;
                client = Client::connect(addr);
                continue;
            }
        };
        tally.statuses.insert(response.status);
        if response.header("content-type").is_some() {
            tally.handled += 1;
        } else {
            tally.refused += 1;
        }
        if response.header("connection") == Some("close") {
            client = Client::connect(addr);
        }
    }
    tally
}

#[test]
fn random_requests_add_no_series() {
    let requests: u64 = std::env::var("CARDINALITY_REQUESTS")
        .map(|n| n.parse().expect("CARDINALITY_REQUESTS is a number"))
        .unwrap_or(100_000);
    let target = target();
    let addr = target.addr;
    let strict = target.own.is_some();

    let warmed = warm_up(addr);
    assert!(warmed > 0, "the warm-up reached no handler");
    let before = scrape(addr);

    let started = Instant::now();
    let tallies: Vec<Tally> = (0..CONNECTIONS)
        .map(|i| {
            let share = requests / CONNECTIONS + u64::from(i < requests % CONNECTIONS);
            thread::spawn(move || attack(addr, 0xca7d_0000 + i, share, strict))
        })
        .collect::<Vec<_>>()
        .into_iter()
        .map(|t| t.join().expect("attacker thread"))
        .collect();
    let elapsed = started.elapsed();

    let after = scrape(addr);
    let sent: u64 = tallies.iter().map(|t| t.sent).sum();
    let handled: u64 = tallies.iter().map(|t| t.handled).sum();
    let refused: u64 = tallies.iter().map(|t| t.refused).sum();
    let statuses: BTreeSet<u16> = tallies.iter().flat_map(|t| t.statuses.clone()).collect();
    eprintln!(
        "{sent} requests in {elapsed:.1?} ({:.0}/s): {handled} handled, {refused} refused by the HTTP layer, statuses {statuses:?}; {} service series before, {} after",
        sent as f64 / elapsed.as_secs_f64(),
        service_series(&before),
        service_series(&after),
    );
    assert_eq!(sent, requests);
    // The attack means something only if it reaches the handler. app-native
    // passes everything parseable on; another host may refuse made-up
    // methods itself (Node's parser does), which is then its own answer.
    let reached = if strict { 9 } else { 4 };
    assert!(
        handled * 10 >= sent * reached,
        "too little of the attack reached the handler: {handled} of {sent}"
    );

    assert_eq!(
        before.schema(),
        after.schema(),
        "families or labels changed under attack"
    );
    assert_eq!(
        service_series(&before),
        service_series(&after),
        "series grew under attack"
    );

    // Every label value is in the closed sets, whatever was sent.
    let methods: Vec<&str> = Method::ALL.iter().map(|m| m.as_str()).collect();
    let routes: Vec<&str> = Route::ALL.iter().map(|r| r.template()).collect();
    for family in [DURATION, "http_server_active_requests"] {
        for series in &after.family(family).expect(family).series {
            assert!(methods.contains(&series.labels["http_request_method"].as_str()));
            assert!(routes.contains(&series.labels["http_route"].as_str()));
        }
    }

    // And every handled request was counted: nothing fell outside the
    // histogram (the baseline scrape is counted once it has answered).
    let counted = total_requests(&after) - total_requests(&before);
    if target.own.is_some() {
        assert_eq!(counted, handled + 1, "requests counted vs handled");
    } else {
        // Another variant may count asynchronously; it must not overcount.
        assert!(counted <= sent + 1, "counted {counted} of {sent} sent");
    }
}
