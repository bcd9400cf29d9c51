//! The traffic generator: a steady request mix at a fixed rate, sent the way a
//! load balancer would send it.
//!
//! It polls every instance's `/readyz` and routes only to instances that
//! answer 200, so an instance that starts draining (readiness 503) gets no
//! new requests while it finishes the ones it has: exactly the behaviour a
//! rolling restart relies on. Requests are open-loop (one every 1/rate
//! seconds, whatever the answers take), so slow answers do not slow the
//! rate down and rates in Prometheus are predictable.

use std::collections::{BTreeMap, VecDeque};
use std::fmt;
use std::str::FromStr;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use http::StatusCode;
use serde_json::{Value, json};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::http::HttpClient;

/// What the generator sends.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Scenario {
    /// Mostly 200, some 404, a little 5xx and slow traffic, all below the
    /// alert thresholds.
    #[default]
    Normal,
    /// 5xx ratio far above the `HighErrorRate` threshold.
    Errors,
    /// p95 latency far above the `HighLatency` threshold.
    Slow,
}

impl Scenario {
    pub const ALL: [Scenario; 3] = [Scenario::Normal, Scenario::Errors, Scenario::Slow];

    pub fn as_str(self) -> &'static str {
        match self {
            Scenario::Normal => "normal",
            Scenario::Errors => "errors",
            Scenario::Slow => "slow",
        }
    }

    pub fn describe(self) -> &'static str {
        match self {
            Scenario::Normal => "the steady mix: 84% 200, 15% 404, 1% 500; 4% take 250 ms",
            Scenario::Errors => "30% of requests answer 500",
            Scenario::Slow => "30% of requests take 1.2 s",
        }
    }
}

impl fmt::Display for Scenario {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Scenario {
    type Err = String;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Scenario::ALL
            .into_iter()
            .find(|scenario| scenario.as_str() == s.trim())
            .ok_or_else(|| format!("unknown scenario {s:?}: one of normal, errors, slow"))
    }
}

/// One request of the mix and the status the app must answer.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Planned {
    pub path: &'static str,
    pub expect: StatusCode,
}

const fn planned(path: &'static str, status: u16) -> Planned {
    let expect = match StatusCode::from_u16(status) {
        Ok(status) => status,
        Err(_) => panic!("invalid status"),
    };
    Planned { path, expect }
}

const ITEMS: Planned = planned("/api/items", 200);
const ITEM: [Planned; 3] = [
    planned("/api/items/1", 200),
    planned("/api/items/2", 200),
    planned("/api/items/3", 200),
];
const ROOT: Planned = planned("/", 200);
const MISSING_ITEM: Planned = planned("/api/items/999", 404);
const UNKNOWN_PAGE: Planned = planned("/no/such/page", 404);
const ERROR: Planned = planned("/demo/error", 500);
const A_BIT_SLOW: Planned = planned("/demo/slow?ms=250", 200);
// Just above the 1 s bucket bound: the sooner a slow answer is complete
// (and counted), the sooner the alert sees it.
const TOO_SLOW: Planned = planned("/demo/slow?ms=1200", 200);

impl Scenario {
    /// The `n`th request of this scenario. Over any 100 consecutive requests
    /// the shares are exact; a stride coprime with 100 spreads each kind
    /// evenly instead of sending them in runs.
    pub fn request(self, n: u64) -> Planned {
        let slot = (n.wrapping_mul(37) % 100) as u32;
        let (errors, slow) = match self {
            Scenario::Normal => (1, 0),
            Scenario::Errors => (30, 0),
            Scenario::Slow => (1, 30),
        };
        match slot {
            s if s < errors => ERROR,
            s if s < errors + slow => TOO_SLOW,
            s if s < errors + slow + 4 => A_BIT_SLOW,
            s if s < errors + slow + 12 => MISSING_ITEM,
            s if s < errors + slow + 19 => UNKNOWN_PAGE,
            s if s < errors + slow + 29 => ROOT,
            s if s < errors + slow + 59 => ITEM[(n % 3) as usize],
            _ => ITEMS,
        }
    }
}

/// How the generator behaves.
#[derive(Clone, Debug)]
pub struct TrafficOptions {
    pub requests_per_second: f64,
    /// How often each instance's `/readyz` is polled.
    pub readiness_interval: Duration,
    /// A request not answered within this is a failure.
    pub request_timeout: Duration,
    /// Requests in flight beyond this are shed (counted, not sent).
    pub max_in_flight: usize,
}

impl Default for TrafficOptions {
    fn default() -> Self {
        TrafficOptions {
            requests_per_second: 20.0,
            readiness_interval: Duration::from_millis(100),
            request_timeout: Duration::from_secs(15),
            max_in_flight: 512,
        }
    }
}

/// An instance the generator balances across.
#[derive(Clone, Debug)]
pub struct Backend {
    /// The instance's name (its `pod` label).
    pub name: String,
    /// `http://host:port`.
    pub base_url: String,
    /// Serves one request at a time, as the edge variant's test host does
    /// (its WASI sleep holds the whole host): such a backend gets no slow
    /// demo requests, which would stall its scrapes and readiness too and
    /// measure the test host instead of the service.
    pub one_at_a_time: bool,
}

#[derive(Debug)]
struct BackendState {
    backend: Backend,
    ready: AtomicBool,
}

/// Counters since start or the last [`Traffic::reset_stats`].
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Stats {
    pub sent: u64,
    /// Answered with the status the mix expects.
    pub ok: u64,
    /// Transport errors, timeouts and unexpected statuses.
    pub failed: u64,
    /// No instance was ready to take the request.
    pub unroutable: u64,
    /// Too many requests in flight already.
    pub shed: u64,
    pub by_backend: BTreeMap<String, u64>,
    pub by_status: BTreeMap<u16, u64>,
    /// The latest failures, newest last.
    pub recent_failures: VecDeque<String>,
}

impl Stats {
    const KEPT_FAILURES: usize = 20;

    /// Requests one backend has answered so far.
    pub fn served_by(&self, backend: &str) -> u64 {
        self.by_backend.get(backend).copied().unwrap_or(0)
    }

    pub fn to_json(&self) -> Value {
        json!({
            "sent": self.sent,
            "ok": self.ok,
            "failed": self.failed,
            "unroutable": self.unroutable,
            "shed": self.shed,
            "by_backend": self.by_backend,
            "by_status": self.by_status.iter().map(|(k, v)| (k.to_string(), *v)).collect::<BTreeMap<_, _>>(),
            "recent_failures": self.recent_failures,
        })
    }
}

#[derive(Debug)]
struct Shared {
    backends: Vec<BackendState>,
    scenario: watch::Sender<Scenario>,
    stats: Mutex<Stats>,
    in_flight: AtomicUsize,
    next_backend: AtomicUsize,
    sequence: AtomicU64,
    client: HttpClient,
    options: TrafficOptions,
}

impl Shared {
    fn record(&self, f: impl FnOnce(&mut Stats)) {
        f(&mut self.stats.lock().expect("stats lock"));
    }

    /// The next ready backend that can take `planned`, round robin.
    fn pick(&self, planned: &Planned) -> Option<&BackendState> {
        let slow = planned.path.starts_with("/demo/slow");
        let count = self.backends.len();
        let start = self.next_backend.fetch_add(1, Ordering::Relaxed);
        (0..count)
            .map(|i| &self.backends[(start + i) % count])
            .find(|b| b.ready.load(Ordering::SeqCst) && !(slow && b.backend.one_at_a_time))
    }
}

/// The running generator. Dropping it stops it.
#[derive(Debug)]
pub struct Traffic {
    shared: Arc<Shared>,
    tasks: Mutex<Vec<JoinHandle<()>>>,
}

impl Traffic {
    pub fn start(backends: Vec<Backend>, options: TrafficOptions) -> Traffic {
        let client = HttpClient::new(options.request_timeout);
        let shared = Arc::new(Shared {
            backends: backends
                .into_iter()
                .map(|backend| BackendState {
                    backend,
                    ready: AtomicBool::new(false),
                })
                .collect(),
            scenario: watch::Sender::new(Scenario::Normal),
            stats: Mutex::new(Stats::default()),
            in_flight: AtomicUsize::new(0),
            next_backend: AtomicUsize::new(0),
            sequence: AtomicU64::new(0),
            client,
            options,
        });
        let mut tasks: Vec<JoinHandle<()>> = (0..shared.backends.len())
            .map(|i| tokio::spawn(watch_readiness(shared.clone(), i)))
            .collect();
        tasks.push(tokio::spawn(send_steadily(shared.clone())));
        Traffic {
            shared,
            tasks: Mutex::new(tasks),
        }
    }

    pub fn scenario(&self) -> Scenario {
        *self.shared.scenario.borrow()
    }

    pub fn set_scenario(&self, scenario: Scenario) {
        self.shared.scenario.send_replace(scenario);
    }

    pub fn stats(&self) -> Stats {
        self.shared.stats.lock().expect("stats lock").clone()
    }

    pub fn reset_stats(&self) {
        *self.shared.stats.lock().expect("stats lock") = Stats::default();
    }

    /// Stops sending; requests in flight finish on their own.
    pub fn stop(&self) {
        for task in self.tasks.lock().expect("tasks lock").drain(..) {
            task.abort();
        }
    }
}

impl Drop for Traffic {
    fn drop(&mut self) {
        self.stop();
    }
}

async fn watch_readiness(shared: Arc<Shared>, index: usize) {
    let state = &shared.backends[index];
    let url = format!("{}/readyz", state.backend.base_url);
    // A short timeout of its own: a hung instance must leave the rotation fast.
    let client = HttpClient::new(
        shared
            .options
            .readiness_interval
            .max(Duration::from_millis(100))
            * 5,
    );
    let mut tick = tokio::time::interval(shared.options.readiness_interval);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let ready = matches!(client.get(&url).await, Ok(reply) if reply.status == StatusCode::OK);
        state.ready.store(ready, Ordering::SeqCst);
    }
}

async fn send_steadily(shared: Arc<Shared>) {
    let period = Duration::from_secs_f64(1.0 / shared.options.requests_per_second.max(0.01));
    let mut tick = tokio::time::interval(period);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Skip);
    loop {
        tick.tick().await;
        let n = shared.sequence.fetch_add(1, Ordering::Relaxed);
        let planned = shared.scenario.borrow().request(n);
        let Some(backend) = shared.pick(&planned) else {
            shared.record(|s| s.unroutable += 1);
            continue;
        };
        if shared.in_flight.load(Ordering::SeqCst) >= shared.options.max_in_flight {
            shared.record(|s| s.shed += 1);
            continue;
        }
        let url = format!("{}{}", backend.backend.base_url, planned.path);
        let name = backend.backend.name.clone();
        let shared = shared.clone();
        shared.in_flight.fetch_add(1, Ordering::SeqCst);
        tokio::spawn(async move {
            let started = Instant::now();
            let outcome = shared.client.get(&url).await;
            shared.in_flight.fetch_sub(1, Ordering::SeqCst);
            shared.record(|s| {
                s.sent += 1;
                *s.by_backend.entry(name.clone()).or_default() += 1;
                let failure = match &outcome {
                    Ok(reply) => {
                        *s.by_status.entry(reply.status.as_u16()).or_default() += 1;
                        (reply.status != planned.expect).then(|| {
                            format!(
                                "{name} GET {}: {} (expected {})",
                                planned.path, reply.status, planned.expect
                            )
                        })
                    }
                    Err(err) => Some(format!(
                        "{name} GET {} after {:?}: {err:#}",
                        planned.path,
                        started.elapsed()
                    )),
                };
                match failure {
                    None => s.ok += 1,
                    Some(text) => {
                        s.failed += 1;
                        if s.recent_failures.len() == Stats::KEPT_FAILURES {
                            s.recent_failures.pop_front();
                        }
                        s.recent_failures.push_back(text);
                    }
                }
            });
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shares(scenario: Scenario) -> BTreeMap<&'static str, u32> {
        let mut counts = BTreeMap::new();
        for n in 0..100 {
            *counts.entry(scenario.request(n).path).or_default() += 1;
        }
        counts
    }

    #[test]
    fn normal_mix_stays_below_the_alert_thresholds() {
        let counts = shares(Scenario::Normal);
        let errors = counts["/demo/error"];
        let slow = counts.get("/demo/slow?ms=1200").copied().unwrap_or(0);
        // HighErrorRate's default threshold is 5%; HighLatency's p95 needs
        // more than 5% of requests above 1 s.
        assert!((1..5).contains(&errors), "{errors}% errors");
        assert_eq!(slow, 0);
        assert_eq!(counts.values().sum::<u32>(), 100);
    }

    #[test]
    fn fault_scenarios_cross_the_thresholds_clearly() {
        assert_eq!(shares(Scenario::Errors)["/demo/error"], 30);
        assert_eq!(shares(Scenario::Slow)["/demo/slow?ms=1200"], 30);
    }

    #[test]
    fn kinds_are_spread_not_bunched() {
        // Any 10 consecutive requests of the errors mix hold 2 to 4 errors.
        for start in 0..100 {
            let errors = (start..start + 10)
                .filter(|&n| Scenario::Errors.request(n).expect.is_server_error())
                .count();
            assert!((2..=4).contains(&errors), "{errors} errors from {start}");
        }
    }

    #[test]
    fn scenarios_parse_by_name() {
        for scenario in Scenario::ALL {
            assert_eq!(scenario.as_str().parse::<Scenario>(), Ok(scenario));
        }
        assert!("panic".parse::<Scenario>().is_err());
    }
}
