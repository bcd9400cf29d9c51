//! Exemplars through the real Prometheus: the local stack (the rendered
//! local config, the server flags every rendered Prometheus runs with)
//! scrapes an instance that served requests with a `traceparent`, and
//! `/api/v1/query_exemplars` returns the trace id that was sent, and none
//! from an invalid header.

use std::net::SocketAddr;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use anyhow::{Context as _, ensure};
use serde_json::Value;
use stack_config::Config;
use stack_local::http::encode_query_value;
use stack_local::{Options, Stack, poll};

use crate::phases::unix_now;

const BUCKETS: &str = "http_server_request_duration_seconds_bucket";
const PARENT: &str = "b7ad6b7169203331";

/// A trace id of this run only, so nothing an earlier run left can match.
fn fresh_trace_id() -> String {
    let nanos = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_nanos();
    format!("{:032x}", nanos << 20 | u128::from(std::process::id()))
}

/// Invalid headers, each with a marker of its own inside, so an echo of
/// any of them is found.
fn hostile_headers() -> Vec<String> {
    let marker = |n: u8| format!("{n:02x}{}d1", "d1ce".repeat(7));
    let with = |trace: String| format!("00-{trace}-{PARENT}-01");
    vec![
        with(marker(1).to_uppercase()),
        format!("ff-{}-{PARENT}-01", marker(2)),
        format!("{}-{}", with(marker(3)), "x".repeat(2000)),
        format!("00-{}-{}-01", marker(4), "0".repeat(16)),
        format!("00-{}", marker(5)),
        with("0".repeat(32)),
    ]
}

/// One GET with a `traceparent`, on the instance's own port.
async fn traced_get(addr: SocketAddr, traceparent: String) -> anyhow::Result<()> {
    let status = tokio::task::spawn_blocking(move || {
        let mut client = test_support::Client::connect(addr);
        client
            .send("GET", "/api/items/1", &[("traceparent", &traceparent)], b"")
            .status
    })
    .await?;
    ensure!(status == 200, "GET /api/items/1 answered {status}");
    Ok(())
}

/// Waits until Prometheus has scraped `pod` after `after` (unix seconds):
/// whatever the instance recorded before then is in Prometheus now.
async fn scraped_after(stack: &Stack, pod: &str, after: f64) -> anyhow::Result<()> {
    let query = format!("timestamp(up{{pod=\"{pod}\"}})");
    poll::until(
        "a scrape after the requests",
        Duration::from_secs(20),
        Duration::from_millis(200),
        || async {
            let result = stack.query(&query).await?;
            let at: Option<f64> = result
                .first()
                .and_then(|r| r["value"][1].as_str())
                .and_then(|v| v.parse().ok());
            Ok(at.filter(|at| *at > after).map(|_| ()))
        },
    )
    .await
}

/// `/api/v1/query_exemplars` for the duration buckets since `start`.
async fn exemplars(stack: &Stack, start: f64) -> anyhow::Result<Value> {
    let url = format!(
        "{}/api/v1/query_exemplars?query={}&start={start}&end={}",
        stack.urls().prometheus,
        encode_query_value(BUCKETS),
        unix_now() + 60.0
    );
    let body = stack.client().get_json(&url).await?;
    ensure!(
        body["status"] == "success",
        "query_exemplars failed: {body}"
    );
    Ok(body["data"].clone())
}

/// Every `(series labels, exemplar labels)` pair of a query_exemplars answer.
fn pairs(data: &Value) -> Vec<(Value, Value)> {
    let mut found = Vec::new();
    for series in data.as_array().into_iter().flatten() {
        for exemplar in series["exemplars"].as_array().into_iter().flatten() {
            found.push((series["seriesLabels"].clone(), exemplar["labels"].clone()));
        }
    }
    found
}

pub async fn run(stack: &Stack) -> anyhow::Result<()> {
    let start = unix_now() - 1.0;
    let instance = &stack.instances()[0];
    let (pod, addr) = (instance.name.clone(), instance.address);

    // One scrape after each invalid header: a bucket keeps only its last
    // exemplar, so a wrongly kept one must be seen before the next lands.
    for header in hostile_headers() {
        traced_get(addr, header).await?;
        scraped_after(stack, &pod, unix_now()).await?;
    }
    let trace_id = fresh_trace_id();
    traced_get(addr, format!("00-{trace_id}-{PARENT}-01")).await?;

    let found = poll::until(
        "the trace id among the exemplars",
        Duration::from_secs(20),
        Duration::from_millis(200),
        || async {
            let data = exemplars(stack, start).await?;
            let seen = pairs(&data)
                .iter()
                .any(|(_, labels)| labels["trace_id"] == trace_id.as_str());
            Ok(seen.then_some(data))
        },
    )
    .await?;

    let text = found.to_string().to_lowercase();
    ensure!(
        !text.contains("d1ced1ce"),
        "an invalid header's id was stored: {found}"
    );
    for (series, labels) in pairs(&found) {
        let keys: Vec<&String> = labels
            .as_object()
            .context("exemplar labels")?
            .keys()
            .collect();
        ensure!(keys == ["trace_id"], "exemplar labels {labels}");
        ensure!(
            labels["trace_id"] == trace_id.as_str(),
            "a trace id nobody sent: {labels}"
        );
        ensure!(
            series["__name__"] == BUCKETS && series["pod"] == pod.as_str(),
            "{series}"
        );
        ensure!(
            series.get("trace_id").is_none(),
            "the trace id became a label: {series}"
        );
    }
    let labelled = stack.query("count({trace_id!=\"\"})").await?;
    ensure!(
        labelled.is_empty(),
        "series with a trace_id label: {labelled:?}"
    );
    Ok(())
}

/// Prometheus and Alertmanager must be there: nothing is skipped.
pub fn require_tools() {
    for names in [
        &["prometheus"][..],
        &["prometheus-alertmanager", "alertmanager"],
    ] {
        let found = std::env::var_os("PATH").is_some_and(|path| {
            std::env::split_paths(&path).any(|dir| names.iter().any(|n| dir.join(n).is_file()))
        });
        assert!(
            found,
            "{} is not on PATH: scripts/setup.sh installs it (Debian's prometheus and \
             prometheus-alertmanager), or enter `nix develop`",
            names[0]
        );
    }
}

pub fn options(config: Config, state: std::path::PathBuf, app: std::path::PathBuf) -> Options {
    let mut options = Options::new(config, state);
    options.app_binary = Some(app);
    options.build = false;
    options.install = false;
    options
}
