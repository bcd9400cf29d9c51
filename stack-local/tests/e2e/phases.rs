//! The scenarios, in order. Each waits for what it expects with a deadline;
//! nothing sleeps for a fixed time.

use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, bail, ensure};
use app_core::Variant;
use http::{Method, StatusCode};
use serde_json::{Value, json};
use stack_config::Config;
use stack_local::http::{HttpClient, encode_query_value};
use stack_local::{
    Options, Progress, Scenario, Stack, edge_host, poll, process_exists, std_duration,
};

use crate::catalog::Catalog;
use crate::payload;
use crate::timeline::Timeline;

const APP_DOWN: &str = "AppDown";
const NO_INSTANCE: &str = "AppAllInstancesDown";
const HIGH_ERROR_RATE: &str = "HighErrorRate";
const HIGH_LATENCY: &str = "HighLatency";
/// Alerts about the app, which a scenario may leave behind for the next.
const APP_ALERTS: [&str; 6] = [
    APP_DOWN,
    NO_INSTANCE,
    HIGH_ERROR_RATE,
    HIGH_LATENCY,
    "AppAvailabilityBudgetBurn",
    "AppLatencyBudgetBurn",
];

pub fn unix_now() -> f64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs_f64()
}

fn step(what: &str) {
    eprintln!("\n=== {what}");
}

/// Whether alert labels name `name` and hold every pair of `filter`.
fn labels_are(labels: &Value, name: &str, filter: &[(&str, &str)]) -> bool {
    labels["alertname"] == name
        && filter
            .iter()
            .all(|(key, value)| labels[key].as_str() == Some(value))
}

/// Whether an alert of a webhook payload is `name` in `status` with `labels`.
fn alert_is(alert: &Value, name: &str, status: &str, filter: &[(&str, &str)]) -> bool {
    alert["status"] == status && labels_are(&alert["labels"], name, filter)
}

struct E2e {
    stack: Stack,
    catalog: Catalog,
    timeline: Timeline,
    client: HttpClient,
    pods: Vec<String>,
}

impl E2e {
    fn config(&self) -> &Config {
        self.stack.config()
    }

    fn scrape(&self) -> Duration {
        std_duration(self.config().prometheus.scrape_interval)
    }

    /// The slack every notification gets beyond `for` + 3 scrapes: one
    /// evaluation to notice, Alertmanager's group_wait, and two seconds.
    fn margin(&self) -> Duration {
        let config = self.config();
        std_duration(config.alertmanager.group_wait)
            + std_duration(config.prometheus.evaluation_interval) * 2
            + Duration::from_secs(2)
    }

    /// The bound: `for` + 3 scrape intervals + a small margin.
    fn bound(&self, for_: stack_config::PromDuration) -> Duration {
        std_duration(for_) + self.scrape() * 3 + self.margin()
    }

    /// Waits for an accepted delivery, arriving after `after`, holding an
    /// alert `name` in `status` with `labels`; returns its arrival.
    async fn delivery(
        &self,
        after: Instant,
        timeout: Duration,
        name: &str,
        status: &str,
        labels: &[(&str, &str)],
    ) -> anyhow::Result<Instant> {
        let what = format!("a {status} {name} {labels:?} notification");
        poll::until(&what, timeout, Duration::from_millis(50), || async {
            Ok(self
                .stack
                .receiver()
                .notifications()
                .into_iter()
                .filter(|d| d.arrived > after)
                .find(|d| d.alerts().iter().any(|a| alert_is(a, name, status, labels)))
                .map(|d| d.arrived))
        })
        .await
    }

    /// Waits for the notification and records fault → arrival.
    async fn expect_notification(
        &mut self,
        fault: Instant,
        name: &str,
        status: &str,
        labels: &[(&str, &str)],
        event: &str,
        bound: Option<Duration>,
    ) -> anyhow::Result<()> {
        // Wait past the bound, so a slow alert is measured and reported
        // rather than only timed out.
        let timeout = bound.unwrap_or(Duration::from_secs(30)) + Duration::from_secs(20);
        let arrived = self.delivery(fault, timeout, name, status, labels).await?;
        self.timeline.record(name, event, fault, arrived, bound);
        Ok(())
    }

    /// A firing notification within `for_`'s bound of `fault`.
    async fn expect_firing(
        &mut self,
        fault: Instant,
        name: &str,
        labels: &[(&str, &str)],
        event: &str,
        for_: stack_config::PromDuration,
    ) -> anyhow::Result<()> {
        let bound = self.bound(for_);
        self.expect_notification(fault, name, "firing", labels, event, Some(bound))
            .await
    }

    /// A resolved notification after `back`; resolving has no issue bound.
    async fn expect_resolved(
        &mut self,
        back: Instant,
        name: &str,
        labels: &[(&str, &str)],
        event: &str,
    ) -> anyhow::Result<()> {
        self.expect_notification(back, name, "resolved", labels, event, None)
            .await
    }

    /// Prometheus' rule groups, as its rules API reports them.
    async fn rule_groups(&self) -> anyhow::Result<Vec<Value>> {
        self.prometheus_list("rules", "groups").await
    }

    /// Prometheus' active alerts (pending and firing).
    async fn prometheus_alerts(&self) -> anyhow::Result<Vec<Value>> {
        self.prometheus_list("alerts", "alerts").await
    }

    /// The list `data.{field}` of Prometheus' `/api/v1/{endpoint}`.
    async fn prometheus_list(&self, endpoint: &str, field: &str) -> anyhow::Result<Vec<Value>> {
        let body = self
            .client
            .get_json(&format!(
                "{}/api/v1/{endpoint}",
                self.stack.urls().prometheus
            ))
            .await?;
        Ok(body["data"][field].as_array().cloned().unwrap_or_default())
    }

    async fn wait_prometheus_firing(
        &self,
        name: &str,
        labels: &[(&str, &str)],
        timeout: Duration,
    ) -> anyhow::Result<()> {
        poll::until(
            &format!("{name} {labels:?} firing in Prometheus"),
            timeout,
            Duration::from_millis(100),
            || async {
                let alerts = self.prometheus_alerts().await?;
                Ok(alerts
                    .iter()
                    .any(|a| a["state"] == "firing" && labels_are(&a["labels"], name, labels))
                    .then_some(()))
            },
        )
        .await
    }

    /// Waits until no alert about the app is pending or firing, so one
    /// scenario's leftovers do not bleed into the next.
    async fn settle(&self) -> anyhow::Result<()> {
        poll::until(
            "no app alert pending or firing",
            Duration::from_secs(60),
            Duration::from_millis(200),
            || async {
                let alerts = self.prometheus_alerts().await?;
                let left: Vec<String> = alerts
                    .iter()
                    .filter(|a| APP_ALERTS.iter().any(|n| a["labels"]["alertname"] == *n))
                    .map(|a| {
                        format!(
                            "{} {} {}",
                            a["labels"]["alertname"], a["state"], a["labels"]
                        )
                    })
                    .collect();
                ensure!(left.is_empty(), "still active: {left:?}");
                Ok(Some(()))
            },
        )
        .await
    }

    async fn alertmanager_get(&self, path: &str) -> anyhow::Result<Value> {
        self.client
            .get_json(&format!("{}{path}", self.stack.urls().alertmanager))
            .await
    }
}

/// The in-process scenarios on one stack.
pub async fn run(
    config: Config,
    edge_port: u16,
    dir: &Path,
    app_binary: std::path::PathBuf,
) -> anyhow::Result<()> {
    let catalog = Catalog::new(&config);
    let mut options = Options::new(config, dir.join("state"));
    options.app_binary = Some(app_binary);
    // The edge variant joins when it is built (scripts/build-spin.sh).
    match edge_host() {
        Ok(edge) => {
            eprintln!("edge variant included: {}", edge.component.display());
            options.edge = Some(edge);
            options.edge_port = Some(edge_port);
        }
        // 40-e2e requires it, so HighLatency and the rest are shown for
        // variant="spin" too; a bare `cargo test` may run without it.
        Err(why) if std::env::var_os("STACK_E2E_EDGE").is_some_and(|v| v == "required") => {
            anyhow::bail!("the edge variant is required (STACK_E2E_EDGE=required) but {why}")
        }
        Err(why) => eprintln!("edge variant left out: {why}"),
    }
    options.build = false;
    options.install = false;
    options.progress = Progress::new(true);
    step("starting the stack");
    let stack = Stack::start(options).await?;
    let started_unix = unix_now();
    let pods = stack.instances().iter().map(|i| i.name.clone()).collect();
    let mut e2e = E2e {
        stack,
        catalog,
        timeline: Timeline::default(),
        client: HttpClient::new(Duration::from_secs(5)),
        pods,
    };
    let outcome = scenarios(&mut e2e, started_unix).await;
    let children = e2e.stack.children();
    let deliveries = e2e.stack.receiver().deliveries();
    eprintln!(
        "\nfault → notification, per alert:\n{}",
        e2e.timeline.report()
    );
    eprintln!(
        "traffic over the run: {}",
        e2e.stack.traffic().stats().to_json()
    );
    step("stopping the stack");
    let E2e {
        stack,
        timeline,
        catalog,
        pods,
        ..
    } = e2e;
    let config = stack.config().clone();
    stack.shutdown().await;
    outcome?;

    let orphans: Vec<_> = children
        .iter()
        .filter(|(_, pid)| process_exists(*pid))
        .collect();
    ensure!(
        orphans.is_empty(),
        "processes left running after shutdown: {orphans:?}"
    );

    step("checking every delivered payload");
    let mut problems = Vec::new();
    for delivery in &deliveries {
        for problem in payload::problems(delivery, &catalog, &config, &pods) {
            problems.push(format!("{problem}\n      in {}", delivery.payload));
        }
    }
    ensure!(
        problems.is_empty(),
        "{} payload problem(s):\n  {}",
        problems.len(),
        problems.join("\n  ")
    );
    let watchdog = deliveries.iter().any(|d| {
        d.alerts()
            .iter()
            .any(|a| a["labels"]["alertname"] == "Watchdog")
    });
    ensure!(!watchdog, "the Watchdog reached the people's receiver");
    eprintln!("{} deliveries, all as rendered", deliveries.len());

    let slow = timeline.too_slow();
    ensure!(
        slow.is_empty(),
        "alerts slower than `for` + 3 scrape intervals + margin: {slow:#?}"
    );
    Ok(())
}

async fn scenarios(e: &mut E2e, started_unix: f64) -> anyhow::Result<()> {
    step("1. targets up; every rule evaluates; every recording has data");
    targets_and_rules(e).await?;

    step("rolling restart under load: no failed request");
    rolling_restart(e).await?;
    e.settle().await?;

    step("Prometheus restarted with the same data directory");
    prometheus_restart(e, started_unix).await?;
    e.settle().await?;

    step("2. one instance down → AppDown; all down → AppAllInstancesDown; back → resolved");
    outages(e).await?;
    e.settle().await?;

    step("3. errors → HighErrorRate; every dashboard panel query has data");
    errors(e).await?;
    e.settle().await?;

    step("3. AppDown inhibits the error and latency alerts of its job");
    inhibition(e).await?;
    e.settle().await?;

    step("4. slow → HighLatency, for every variant");
    slow(e).await?;
    e.settle().await?;

    step("5. Alertmanager down while an alert fires; its state survives the restart");
    alertmanager_down(e).await?;

    step("a failing receiver (500) is retried until the notification arrives");
    failing_receiver(e).await?;
    Ok(())
}

async fn targets_and_rules(e: &mut E2e) -> anyhow::Result<()> {
    let targets = e.stack.app_targets().await?;
    eprintln!("    app targets: {targets:?}");
    // Every rule evaluates without error, every recording returns data.
    let recordings = e.catalog.recordings.clone();
    poll::until(
        "every recording rule to have data",
        Duration::from_secs(30),
        Duration::from_millis(500),
        || async {
            let mut broken = Vec::new();
            for group in e.rule_groups().await? {
                for rule in group["rules"].as_array().into_iter().flatten() {
                    if rule["health"] == "err" {
                        broken.push(format!("{}: {}", rule["name"], rule["lastError"]));
                    }
                }
            }
            ensure!(broken.is_empty(), "rules failing: {broken:?}");
            let mut empty = Vec::new();
            for record in &recordings {
                if e.stack.query(record).await?.is_empty() {
                    empty.push(record.clone());
                }
            }
            ensure!(empty.is_empty(), "no data yet: {empty:?}");
            Ok(Some(()))
        },
    )
    .await?;
    eprintln!("    {} recording rules, all with data", recordings.len());
    Ok(())
}

/// Panel queries are checked while an alert fires, so the alert panels
/// have something to show too.
async fn dashboard_queries(e: &E2e) -> anyhow::Result<()> {
    let queries = e.catalog.panel_queries.clone();
    ensure!(
        !queries.is_empty(),
        "the rendered dashboard has no Prometheus query"
    );
    poll::until(
        "every dashboard panel query to return data",
        Duration::from_secs(20),
        Duration::from_millis(500),
        || async {
            let mut empty = Vec::new();
            for query in &queries {
                let result = e
                    .stack
                    .query(&query.expr)
                    .await
                    .with_context(|| format!("panel {:?}", query.panel))?;
                if result.is_empty() {
                    empty.push(format!("{:?}: {}", query.panel, query.expr));
                }
            }
            ensure!(empty.is_empty(), "no data: {empty:#?}");
            Ok(Some(()))
        },
    )
    .await?;
    eprintln!("    {} panel queries, all with data", queries.len());
    Ok(())
}

/// The value of an app's gauge for HEAD /demo/slow, which only this test
/// sends: it tells when our in-flight requests have reached the server.
async fn head_slow_in_flight(client: &HttpClient, base: &str) -> anyhow::Result<f64> {
    let metrics = client.get(&format!("{base}/metrics")).await?.text();
    Ok(sum_samples(
        &metrics,
        "http_server_active_requests",
        &["http_request_method=\"HEAD\"", "http_route=\"/demo/slow\""],
    ))
}

/// The sum of a family's samples in a Prometheus text exposition, over the
/// series whose labels contain every one of `label_pairs`.
fn sum_samples(metrics: &str, family: &str, label_pairs: &[&str]) -> f64 {
    metrics
        .lines()
        .filter(|l| {
            l.strip_prefix(family)
                .is_some_and(|rest| rest.starts_with('{'))
                && label_pairs.iter().all(|pair| l.contains(pair))
        })
        .filter_map(|l| l.rsplit(' ').next()?.parse::<f64>().ok())
        .sum()
}

fn connection_refused(error: &anyhow::Error) -> bool {
    caused_by(
        error,
        std::io::ErrorKind::ConnectionRefused,
        "Connection refused",
    )
}

fn connection_reset(error: &anyhow::Error) -> bool {
    caused_by(
        error,
        std::io::ErrorKind::ConnectionReset,
        "Connection reset",
    )
}

/// An I/O error of `kind` anywhere in the chain; `message` catches it where a
/// client library passed it on as text only.
fn caused_by(error: &anyhow::Error, kind: std::io::ErrorKind, message: &str) -> bool {
    error.chain().any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == kind)
            || cause.to_string().contains(message)
    })
}

async fn rolling_restart(e: &mut E2e) -> anyhow::Result<()> {
    let delay = e.stack.options().shutdown_delay;
    let drain = Duration::from_secs(e.config().app.drain_seconds.into());
    ensure!(
        delay >= Duration::from_secs(1),
        "the test needs a shutdown delay to observe"
    );
    let probe = HttpClient::fresh_connections(Duration::from_millis(500));
    let patient = HttpClient::new(Duration::from_secs(30));
    e.stack.traffic().reset_stats();
    // The drain is app-native's; the edge's lifecycle belongs to its host.
    let natives: Vec<usize> = (0..e.stack.instances().len())
        .filter(|&i| e.stack.instances()[i].variant == Variant::Native)
        .collect();
    for (position, &index) in natives.iter().enumerate() {
        let name = e.stack.instances()[index].name.clone();
        let base = e.stack.instances()[index].base_url();
        // The last instance also holds a request longer than its drain
        // deadline: the deadline, not the request, decides when it exits.
        let overrun = position + 1 == natives.len();
        // In flight at SIGTERM and still running when the listener closes:
        // it must be answered.
        let within_ms = (delay + Duration::from_secs(1)).as_millis();
        let within = {
            let client = patient.clone();
            let url = format!("{base}/demo/slow?ms={within_ms}");
            tokio::spawn(async move { client.send(Method::HEAD, &url, None).await })
        };
        let beyond = overrun.then(|| {
            let client = patient.clone();
            let url = format!("{base}/demo/slow?ms=10000");
            tokio::spawn(async move { client.send(Method::HEAD, &url, None).await })
        });
        let expected_in_flight = if overrun { 2.0 } else { 1.0 };
        poll::until(
            "the test's slow requests to be in flight",
            Duration::from_secs(5),
            Duration::from_millis(20),
            || async {
                Ok((head_slow_in_flight(&probe, &base).await? >= expected_in_flight).then_some(()))
            },
        )
        .await?;

        let sigterm = Instant::now();
        e.stack.terminate_instance(index)?;
        let mut flipped = None;
        let closed = loop {
            match probe.get(&format!("{base}/readyz")).await {
                Ok(reply) if reply.status == StatusCode::SERVICE_UNAVAILABLE => {
                    flipped.get_or_insert(sigterm.elapsed());
                }
                Ok(_) => {}
                Err(error) if connection_refused(&error) => break sigterm.elapsed(),
                // A connection still in the accept queue when the listener
                // closes is reset rather than refused: the same event.
                Err(error)
                    if connection_reset(&error)
                        && sigterm.elapsed() + Duration::from_millis(100) >= delay =>
                {
                    break sigterm.elapsed();
                }
                Err(error) => bail!("{name}: /readyz during shutdown: {error:#}"),
            }
            ensure!(
                sigterm.elapsed() < delay + Duration::from_secs(5),
                "{name}: listener still open {:?} after SIGTERM",
                sigterm.elapsed()
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        };
        let flipped = flipped.with_context(|| {
            format!("{name}: /readyz never answered 503 before the listener closed")
        })?;
        ensure!(
            flipped < Duration::from_millis(500),
            "{name}: readiness flipped only {flipped:?} after SIGTERM"
        );
        ensure!(
            closed + Duration::from_millis(100) >= delay,
            "{name}: listener closed {closed:?} after SIGTERM, before the {delay:?} shutdown delay"
        );
        let status = e
            .stack
            .wait_instance_exit(index, delay + drain + Duration::from_secs(5))
            .await?;
        let exited = sigterm.elapsed();
        ensure!(status.success(), "{name} exited with {status}");
        ensure!(
            exited <= delay + drain + Duration::from_millis(1500),
            "{name}: exited {exited:?} after SIGTERM, past shutdown delay {delay:?} + drain deadline {drain:?}"
        );
        let answered = within
            .await?
            .with_context(|| format!("{name}: the in-flight request was cut"))?;
        ensure!(
            answered.status == StatusCode::OK,
            "{name}: the in-flight request got {}",
            answered.status
        );
        if let Some(beyond) = beyond {
            ensure!(
                exited + Duration::from_millis(300) >= delay + drain,
                "{name}: exited {exited:?} after SIGTERM, before its drain deadline, with a request in flight"
            );
            ensure!(
                beyond.await?.is_err(),
                "{name}: a request longer than the drain deadline was answered"
            );
        }
        eprintln!(
            "    {name}: readiness 503 after {:.2} s, listener closed after {:.2} s, exited after {:.2} s{}",
            flipped.as_secs_f64(),
            closed.as_secs_f64(),
            exited.as_secs_f64(),
            if overrun {
                " (drain deadline reached)"
            } else {
                " (drained)"
            }
        );

        e.stack.start_instance(index).await?;
        let served_before = e.stack.traffic().stats().served_by(&name);
        poll::until(
            &format!("traffic to reach {name} again"),
            Duration::from_secs(10),
            Duration::from_millis(50),
            || async {
                let served = e.stack.traffic().stats().served_by(&name);
                Ok((served > served_before).then_some(()))
            },
        )
        .await?;
    }
    let stats = e.stack.traffic().stats();
    eprintln!(
        "    traffic during the rolling restart: {}",
        stats.to_json()
    );
    ensure!(
        stats.sent >= 50,
        "too little traffic to prove anything: {} requests",
        stats.sent
    );
    ensure!(
        stats.failed == 0 && stats.unroutable == 0,
        "requests failed during the rolling restart: {}",
        stats.to_json()
    );
    Ok(())
}

/// Raw samples `(timestamp, value)` per series of a range selector.
async fn samples(
    e: &E2e,
    selector: &str,
    range_seconds: u64,
) -> anyhow::Result<Vec<(Value, Vec<f64>)>> {
    let result = e
        .stack
        .query(&format!("{selector}[{range_seconds}s]"))
        .await?;
    Ok(result
        .into_iter()
        .map(|series| {
            let times = series["values"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(|pair| pair[0].as_f64())
                .collect();
            (series["metric"].clone(), times)
        })
        .collect())
}

/// The value of an instant query's first series; 0 when it has none.
fn first_value(result: &[Value]) -> f64 {
    result
        .first()
        .and_then(|s| s["value"][1].as_str())
        .and_then(|v| v.parse::<f64>().ok())
        .unwrap_or(0.0)
}

async fn prometheus_restart(e: &mut E2e, started_unix: f64) -> anyhow::Result<()> {
    let stop_begin = unix_now();
    e.stack.stop_prometheus().await?;
    e.stack.start_prometheus().await?;
    let ready = unix_now();
    let window = ready - stop_begin;
    let scrape = e.scrape().as_secs_f64();
    eprintln!("    restart window {window:.2} s");

    // Rules resume: every group evaluates again, every recording gets new
    // samples.
    let recordings = e.catalog.recordings.clone();
    poll::until(
        "every rule group and recording evaluated after the restart",
        Duration::from_secs(20),
        Duration::from_millis(250),
        || async {
            let mut stale = Vec::new();
            for group in e.rule_groups().await? {
                let last = group["lastEvaluation"].as_str().unwrap_or_default();
                let last = humantime::parse_rfc3339_weak(last)
                    .ok()
                    .and_then(|t| t.duration_since(UNIX_EPOCH).ok())
                    .map_or(0.0, |d| d.as_secs_f64());
                if last <= ready {
                    stale.push(format!("group {}", group["name"]));
                }
            }
            for record in &recordings {
                let newest =
                    first_value(&e.stack.query(&format!("max(timestamp({record}))")).await?);
                if newest <= ready {
                    stale.push(record.clone());
                }
            }
            ensure!(
                stale.is_empty(),
                "not evaluated since the restart: {stale:?}"
            );
            Ok(Some(()))
        },
    )
    .await?;

    // Scraping resumes. Prometheus hands discovered targets to its scrapers
    // at most every 5 s (a fixed throttle of its discovery manager), so the
    // first scrape after a restart can lag that much behind readiness.
    let job = e.config().app.job.clone();
    let up = format!("up{{job=\"{job}\"}}");
    let resumed = poll::until(
        "every app target scraped after the restart",
        Duration::from_secs(20),
        Duration::from_millis(100),
        || async {
            let newest = first_value(&e.stack.query(&format!("min(timestamp({up}))")).await?);
            Ok((newest > ready).then_some(newest))
        },
    )
    .await?;
    eprintln!(
        "    stopped at +0, ready at +{window:.2} s, scraping again at +{:.2} s",
        resumed - stop_begin
    );

    // The TSDB kept what came before; the only gap is the restart's.
    const DISCOVERY_THROTTLE: f64 = 5.0;
    let range = (unix_now() - started_unix).ceil() as u64 + 5;
    // A job-level recording: it has a series for as long as there is
    // traffic, unlike per-route ones, which come and go with sparse routes.
    let job_recording = recordings
        .iter()
        .find(|r| r.starts_with("job:"))
        .context("no job-level recording rule")?
        .clone();
    for selector in [up, job_recording] {
        let series = samples(e, &selector, range).await?;
        ensure!(
            !series.is_empty(),
            "{selector}: no series after the restart"
        );
        for (metric, times) in series {
            ensure!(
                times.first().is_some_and(|&t| t < stop_begin - 5.0),
                "{selector} {metric}: samples from before the restart are gone"
            );
            ensure!(
                times.last().is_some_and(|&t| t > ready),
                "{selector} {metric}: no sample since the restart"
            );
            let mut largest: f64 = 0.0;
            for pair in times.windows(2) {
                let gap = pair[1] - pair[0];
                let spans_restart = pair[0] <= ready && pair[1] >= stop_begin;
                let allowed = if spans_restart {
                    window + DISCOVERY_THROTTLE + 2.0 * scrape + 0.5
                } else {
                    2.0 * scrape + 0.5
                };
                ensure!(
                    gap <= allowed,
                    "{selector} {metric}: a {gap:.1} s gap at {} (allowed {allowed:.1} s; restart window {window:.1} s)",
                    pair[0]
                );
                largest = largest.max(gap);
            }
            eprintln!("    {selector} {metric}: largest gap {largest:.1} s");
        }
    }
    Ok(())
}

async fn outages(e: &mut E2e) -> anyhow::Result<()> {
    let config = e.config().clone();
    let [first, second] = [e.pods[0].clone(), e.pods[1].clone()];

    let fault = Instant::now();
    e.stack.kill_instance(0).await?;
    e.expect_firing(
        fault,
        APP_DOWN,
        &[("pod", &first)],
        &format!("firing, {first} killed"),
        config.alerts.app_down_for,
    )
    .await?;

    let fault = Instant::now();
    e.stack.kill_instance(1).await?;
    e.expect_firing(
        fault,
        NO_INSTANCE,
        &[],
        "firing, every native instance killed",
        config.alerts.no_instance_for,
    )
    .await?;
    e.expect_firing(
        fault,
        APP_DOWN,
        &[("pod", &second)],
        &format!("firing, {second} killed"),
        config.alerts.app_down_for,
    )
    .await?;

    let back = Instant::now();
    e.stack.start_instance(0).await?;
    e.stack.start_instance(1).await?;
    e.expect_resolved(back, NO_INSTANCE, &[], "resolved, instances restarted")
        .await?;
    for pod in [&first, &second] {
        e.expect_resolved(
            back,
            APP_DOWN,
            &[("pod", pod)],
            &format!("resolved, {pod} restarted"),
        )
        .await?;
    }
    Ok(())
}

async fn errors(e: &mut E2e) -> anyhow::Result<()> {
    let fault = Instant::now();
    e.stack.traffic().set_scenario(Scenario::Errors);
    e.expect_firing(
        fault,
        HIGH_ERROR_RATE,
        &[("variant", "native")],
        "firing after `stack load errors`",
        e.config().alerts.error_for,
    )
    .await?;
    dashboard_queries(e).await?;
    let back = Instant::now();
    e.stack.traffic().set_scenario(Scenario::Normal);
    e.expect_resolved(
        back,
        HIGH_ERROR_RATE,
        &[],
        "resolved after `stack load normal`",
    )
    .await
}

/// `stack load slow` reaches every variant, so HighLatency fires (and
/// resolves) once per variant that runs: the edge's p95 is its own, not
/// hidden in native's, and the edge host's sleeping guests hold up nobody.
async fn slow(e: &mut E2e) -> anyhow::Result<()> {
    let mut variants: Vec<&'static str> = e
        .stack
        .instances()
        .iter()
        .map(|i| i.variant.as_str())
        .collect();
    variants.sort_unstable();
    variants.dedup();
    eprintln!("    variants expected to fire HighLatency: {variants:?}");
    let fault = Instant::now();
    e.stack.traffic().set_scenario(Scenario::Slow);
    for variant in &variants {
        e.expect_firing(
            fault,
            HIGH_LATENCY,
            &[("variant", variant)],
            &format!("firing after `stack load slow`, {variant}"),
            e.config().alerts.latency_for,
        )
        .await?;
    }
    let back = Instant::now();
    e.stack.traffic().set_scenario(Scenario::Normal);
    for variant in &variants {
        e.expect_resolved(
            back,
            HIGH_LATENCY,
            &[("variant", variant)],
            &format!("resolved after `stack load normal`, {variant}"),
        )
        .await?;
    }
    Ok(())
}

async fn inhibition(e: &mut E2e) -> anyhow::Result<()> {
    let pod = e.pods[0].clone();
    let fault = Instant::now();
    e.stack.kill_instance(0).await?;
    e.expect_firing(
        fault,
        APP_DOWN,
        &[("pod", &pod)],
        &format!("firing, {pod} killed again"),
        e.config().alerts.app_down_for,
    )
    .await?;

    let mark = Instant::now();
    let alerts = &e.config().alerts;
    let symptoms = [
        (Scenario::Errors, HIGH_ERROR_RATE, alerts.error_for),
        (Scenario::Slow, HIGH_LATENCY, alerts.latency_for),
    ];
    for (scenario, alert, for_) in symptoms {
        e.stack.traffic().set_scenario(scenario);
        e.wait_prometheus_firing(alert, &[], e.bound(for_)).await?;
        // Alertmanager has the alert and holds it back because of AppDown.
        let filter = encode_query_value(&format!("alertname=\"{alert}\""));
        let inhibited = poll::until(
            &format!("{alert} suppressed by AppDown in Alertmanager"),
            Duration::from_secs(15),
            Duration::from_millis(200),
            || async {
                let alerts = e
                    .alertmanager_get(&format!("/api/v2/alerts?filter={filter}"))
                    .await?;
                let suppressed = alerts.as_array().into_iter().flatten().find(|a| {
                    a["status"]["state"] == "suppressed"
                        && a["status"]["inhibitedBy"]
                            .as_array()
                            .is_some_and(|by| !by.is_empty())
                });
                Ok(suppressed.map(|a| a["status"].clone()))
            },
        )
        .await?;
        eprintln!("    `stack load {scenario}`: {alert} fires; Alertmanager: {inhibited}");
    }
    // Neither reaches the receiver over the time it would otherwise take.
    let config = e.config();
    let quiet = std_duration(config.alertmanager.group_wait)
        + std_duration(config.alertmanager.group_interval) * 2
        + Duration::from_secs(1);
    let leaked = poll::until(
        "the inhibited alerts to stay undelivered",
        quiet,
        Duration::from_millis(100),
        || async {
            let leaked = e.stack.receiver().notifications().into_iter().find(|d| {
                d.arrived > mark
                    && d.alerts().iter().any(|a| {
                        alert_is(a, HIGH_ERROR_RATE, "firing", &[])
                            || alert_is(a, HIGH_LATENCY, "firing", &[])
                    })
            });
            Ok(leaked.map(|d| d.payload))
        },
    )
    .await;
    if let Ok(payload) = leaked {
        bail!("a symptom alert was delivered while AppDown fired for its job: {payload}");
    }
    eprintln!(
        "    HighErrorRate and HighLatency held back for {:.1} s while AppDown fired",
        mark.elapsed().as_secs_f64()
    );

    e.stack.traffic().set_scenario(Scenario::Normal);
    let back = Instant::now();
    e.stack.start_instance(0).await?;
    e.expect_resolved(
        back,
        APP_DOWN,
        &[("pod", &pod)],
        &format!("resolved, {pod} restarted"),
    )
    .await
}

async fn alertmanager_down(e: &mut E2e) -> anyhow::Result<()> {
    let pod = e.pods[1].clone();
    // Alertmanager's state: a silence that must survive its restart.
    let now = SystemTime::now();
    let silence = json!({
        "matchers": [{"name": "alertname", "value": "E2EStateProbe", "isRegex": false, "isEqual": true}],
        "startsAt": humantime::format_rfc3339(now).to_string(),
        "endsAt": humantime::format_rfc3339(now + Duration::from_secs(3600)).to_string(),
        "createdBy": "stack e2e",
        "comment": "must survive an Alertmanager restart",
    });
    let created = e
        .client
        .send_json(
            Method::POST,
            &format!("{}/api/v2/silences", e.stack.urls().alertmanager),
            &silence,
        )
        .await?
        .json()?;
    let silence_id = created["silenceID"]
        .as_str()
        .context("no silenceID")?
        .to_owned();

    e.stack.stop_alertmanager().await?;
    let fault = Instant::now();
    e.stack.kill_instance(1).await?;
    let bound = e.bound(e.config().alerts.app_down_for);
    e.wait_prometheus_firing(APP_DOWN, &[("pod", &pod)], bound)
        .await?;
    let returned = Instant::now();
    e.stack.start_alertmanager().await?;
    // Prometheus resends firing alerts every resend delay; then group_wait.
    let bound = e.stack.options().resend_delay() + e.margin() + e.scrape() * 3;
    e.expect_notification(
        returned,
        APP_DOWN,
        "firing",
        &[("pod", &pod)],
        &format!("firing, {pod} killed; since Alertmanager returned"),
        Some(bound),
    )
    .await?;
    let arrived = e
        .delivery(
            returned,
            Duration::from_secs(1),
            APP_DOWN,
            "firing",
            &[("pod", &pod)],
        )
        .await?;
    e.timeline.record(
        APP_DOWN,
        &format!("firing, {pod} killed, Alertmanager down"),
        fault,
        arrived,
        None,
    );

    let kept = e
        .alertmanager_get(&format!("/api/v2/silence/{silence_id}"))
        .await?;
    ensure!(
        kept["status"]["state"] == "active" && kept["matchers"][0]["value"] == "E2EStateProbe",
        "the silence did not survive the Alertmanager restart: {kept}"
    );
    eprintln!("    silence {silence_id} survived the restart");
    Ok(())
}

fn webhook_failures(metrics: &str) -> f64 {
    // Per attempt; `notifications_failed_total` counts only notifications
    // that failed for good.
    sum_samples(
        metrics,
        "alertmanager_notification_requests_failed_total",
        &["integration=\"webhook\""],
    )
}

async fn failing_receiver(e: &mut E2e) -> anyhow::Result<()> {
    let pod = e.pods[1].clone();
    let metrics_url = format!("{}/metrics", e.stack.urls().alertmanager);
    let failed_before = webhook_failures(&e.client.get(&metrics_url).await?.text());
    let refusals = 2;
    e.stack.receiver().fail_next(refusals);
    let back = Instant::now();
    e.stack.start_instance(1).await?;
    e.expect_resolved(
        back,
        APP_DOWN,
        &[("pod", &pod)],
        &format!("resolved, {pod} back, after {refusals} refusals"),
    )
    .await?;
    let refused = e
        .stack
        .receiver()
        .deliveries()
        .into_iter()
        .filter(|d| !d.accepted && d.arrived > back)
        .count();
    ensure!(
        refused == refusals as usize,
        "{refused} deliveries refused, expected {refusals}"
    );
    let failed = webhook_failures(&e.client.get(&metrics_url).await?.text()) - failed_before;
    ensure!(
        failed >= f64::from(refusals),
        "Alertmanager counted {failed} failed webhook notifications, expected {refusals}"
    );
    eprintln!("    Alertmanager retried after {refusals} refusals ({failed} failures counted)");
    Ok(())
}

/// `stack up` and `stack load` as a user runs them: a taken port, Ctrl-C,
/// reuse and `--fresh` of the state directory, and no orphan even when
/// `stack up` itself is killed.
pub fn command_line(dir: &Path, app_binary: &Path, config_file: &Path) {
    let state = dir.join("state");
    let ports: [u16; 5] = crate::free_ports();
    let up_command = |extra: &[&str]| {
        let mut command = Command::new(crate::stack_binary());
        command
            .arg("up")
            .arg("--config")
            .arg(config_file)
            .arg("--state-dir")
            .arg(&state)
            .args(["--prometheus-port", &ports[0].to_string()])
            .args(["--alertmanager-port", &ports[1].to_string()])
            .args(["--receiver-port", &ports[2].to_string()])
            .args(["--app-ports", &format!("{},{}", ports[3], ports[4])])
            .arg("--app-binary")
            .arg(app_binary)
            // The edge host only slows this down; the in-process test runs it.
            .args(["--no-build", "--no-install", "--no-edge"])
            .args(extra)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped());
        command
    };
    let load = |scenario: &str| {
        Command::new(crate::stack_binary())
            .args(["load", scenario, "--config"])
            .arg(config_file)
            .arg("--state-dir")
            .arg(&state)
            .output()
            .expect("running stack load")
    };

    step("a taken port is named, nothing starts");
    let holder = std::net::TcpListener::bind(("127.0.0.1", ports[1])).unwrap();
    let output = up_command(&[]).output().expect("running stack up");
    drop(holder);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        !output.status.success(),
        "stack up started on a taken port: {stderr}"
    );
    assert!(
        stderr.contains(&format!("port {} for Alertmanager", ports[1]))
            && stderr.contains("already in use"),
        "the error does not name the taken port: {stderr}"
    );

    step("stack up, stack load, Ctrl-C");
    let mut run = Running::start(up_command(&[]));
    assert!(run.output().contains("(fresh)"), "{}", run.output());
    // Without a Grafana binary the stack says so in one line and runs on.
    let path = std::env::var_os("PATH").unwrap_or_default();
    let grafana_here = std::env::split_paths(&path)
        .any(|dir| dir.join("grafana").is_file() || dir.join("grafana-server").is_file());
    if !grafana_here {
        let output = run.output();
        let left_out: Vec<&str> = output
            .lines()
            .filter(|line| line.contains("Grafana left out"))
            .collect();
        assert_eq!(left_out.len(), 1, "{output}");
        assert!(
            left_out[0].ends_with("neither grafana nor grafana-server is on PATH"),
            "{output}"
        );
    }
    let descriptor: Value =
        serde_json::from_str(&std::fs::read_to_string(state.join("stack.json")).unwrap()).unwrap();
    let children = child_pids(&descriptor);
    assert_eq!(
        children.len(),
        4,
        "two instances, Prometheus, Alertmanager: {descriptor}"
    );
    let loaded = load("errors");
    assert!(
        loaded.status.success(),
        "stack load errors: {}",
        String::from_utf8_lossy(&loaded.stderr)
    );
    assert!(String::from_utf8_lossy(&loaded.stdout).contains("traffic scenario now errors"));
    let control = descriptor["control_url"].as_str().unwrap().to_owned();
    let receiver_log = descriptor["receiver_log_url"].as_str().unwrap().to_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    runtime.block_on(async {
        let client = HttpClient::new(Duration::from_secs(5));
        let scenario = client.get(&format!("{control}/scenario")).await.unwrap();
        assert_eq!(scenario.text().trim(), "errors");
        assert_eq!(
            client.get(&receiver_log).await.unwrap().status,
            StatusCode::OK
        );
    });
    run.signal(libc::SIGINT);
    let status = run.wait(Duration::from_secs(30));
    assert!(
        status.success(),
        "stack up exited with {status} on Ctrl-C: {}",
        run.output()
    );
    assert_gone(&children);
    assert!(!state.join("stack.json").exists(), "stack.json left behind");
    let refused = load("normal");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("no stack is running"));

    step("a second stack up reuses the data; killing stack up kills its children");
    let probe = state.join("prometheus/data/e2e-probe");
    std::fs::write(&probe, "kept unless --fresh").unwrap();
    let mut run = Running::start(up_command(&[]));
    assert!(
        run.output().contains("reusing earlier data"),
        "{}",
        run.output()
    );
    let descriptor: Value =
        serde_json::from_str(&std::fs::read_to_string(state.join("stack.json")).unwrap()).unwrap();
    let children = child_pids(&descriptor);
    run.signal(libc::SIGKILL);
    run.wait(Duration::from_secs(10));
    assert_gone(&children);
    assert!(probe.exists());

    step("stack up --fresh starts clean");
    let mut run = Running::start(up_command(&["--fresh"]));
    assert!(run.output().contains("(fresh)"), "{}", run.output());
    assert!(!probe.exists(), "--fresh kept the old data");
    run.signal(libc::SIGTERM);
    let status = run.wait(Duration::from_secs(30));
    assert!(
        status.success(),
        "stack up exited with {status} on SIGTERM: {}",
        run.output()
    );
}

fn child_pids(descriptor: &Value) -> Vec<u32> {
    descriptor["children"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c[1].as_u64().unwrap() as u32)
        .collect()
}

fn assert_gone(pids: &[u32]) {
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let alive: Vec<_> = pids.iter().filter(|&&pid| process_exists(pid)).collect();
        if alive.is_empty() {
            return;
        }
        assert!(
            Instant::now() < deadline,
            "orphans still running: {alive:?}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// A `stack up` process whose stderr is collected as it comes.
struct Running {
    child: std::process::Child,
    output: Arc<Mutex<String>>,
}

impl Running {
    /// Starts it and waits for its "up" banner.
    fn start(mut command: Command) -> Running {
        let mut child = command.spawn().expect("starting stack up");
        let output = Arc::new(Mutex::new(String::new()));
        let stderr = child.stderr.take().unwrap();
        let sink = output.clone();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                let mut out = sink.lock().unwrap();
                out.push_str(&line);
                out.push('\n');
            }
        });
        let mut run = Running { child, output };
        let deadline = Instant::now() + Duration::from_secs(60);
        while !run.output().contains("The local stack is up") {
            if let Some(status) = run.child.try_wait().unwrap() {
                panic!(
                    "stack up exited ({status}) before it was up:\n{}",
                    run.output()
                );
            }
            assert!(
                Instant::now() < deadline,
                "stack up not up within 60 s:\n{}",
                run.output()
            );
            std::thread::sleep(Duration::from_millis(100));
        }
        run
    }

    fn output(&self) -> String {
        self.output.lock().unwrap().clone()
    }

    fn signal(&self, signal: libc::c_int) {
        unsafe {
            libc::kill(self.child.id() as libc::pid_t, signal);
        }
    }

    fn wait(&mut self, timeout: Duration) -> std::process::ExitStatus {
        let deadline = Instant::now() + timeout;
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            if Instant::now() >= deadline {
                let _ = self.child.kill();
                panic!(
                    "stack up did not exit within {timeout:?}:\n{}",
                    self.output()
                );
            }
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if self.child.try_wait().ok().flatten().is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}
