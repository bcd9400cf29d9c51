//! `stack receive`, the receiver the cluster runs, as a real process: a
//! notification shaped as Alertmanager sends it becomes one JSON line on
//! stdout, anything else is refused, and SIGTERM ends it cleanly.

use std::io::Read as _;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use http::{Method, StatusCode};
use serde_json::{Value, json};
use stack::local::free_port;
use stack::local::http::HttpClient;
use stack::local::poll;
use stack_config::topology::RECEIVER_PATH;

/// What Alertmanager POSTs (webhook payload version 4), one firing alert.
fn notification() -> Value {
    json!({
        "version": "4",
        "groupKey": "{}/{severity=\"critical\"}:{alertname=\"AppDown\", job=\"app\", namespace=\"app-monitoring\"}",
        "truncatedAlerts": 0,
        "status": "firing",
        "receiver": "page",
        "groupLabels": {"alertname": "AppDown", "job": "app", "namespace": "app-monitoring"},
        "commonLabels": {"alertname": "AppDown", "job": "app", "severity": "critical"},
        "commonAnnotations": {"summary": "An instance of app is down"},
        "externalURL": "http://alertmanager:9093",
        "alerts": [{
            "status": "firing",
            "labels": {
                "alertname": "AppDown",
                "job": "app",
                "namespace": "app-monitoring",
                "pod": "app-7d9f8c6b5-x2x8q",
                "severity": "critical",
                "variant": "native",
            },
            "annotations": {
                "summary": "An instance of app is down",
                "runbook_url": "docs/runbook.md#appdown",
            },
            "startsAt": "2026-11-25T22:00:00.000Z",
            "endsAt": "0001-01-01T00:00:00Z",
            "generatorURL": "http://prometheus:9090/graph?g0.expr=up%3D%3D0",
            "fingerprint": "5e2b1f0c7a9d3e41",
        }],
    })
}

struct Receiver {
    child: Child,
    base: String,
}

impl Receiver {
    fn start() -> Receiver {
        let port = free_port().unwrap();
        let child = Command::new(env!("CARGO_BIN_EXE_stack"))
            .args(["receive", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("stack receive starts");
        Receiver {
            child,
            base: format!("http://127.0.0.1:{port}"),
        }
    }

    /// SIGTERM, then the exit status and everything it printed on stdout.
    fn terminate(mut self) -> (std::process::ExitStatus, String) {
        // SAFETY: kill(2) on our own child's pid, which it still is: the
        // child has not been waited for.
        unsafe { libc::kill(self.child.id() as libc::pid_t, libc::SIGTERM) };
        let status = self.child.wait().unwrap();
        let mut out = String::new();
        self.child
            .stdout
            .take()
            .unwrap()
            .read_to_string(&mut out)
            .unwrap();
        (status, out)
    }
}

impl Drop for Receiver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn wait_healthy(client: &HttpClient, base: &str) {
    let url = format!("{base}/healthz");
    poll::until(
        &format!("{url} to answer 200"),
        Duration::from_secs(5),
        Duration::from_millis(50),
        || async { Ok((client.get(&url).await?.status == StatusCode::OK).then_some(())) },
    )
    .await
    .unwrap_or_else(|error| panic!("{base}/healthz never answered 200: {error:#}"));
}

#[tokio::test]
async fn each_notification_is_one_json_line_on_stdout_and_sigterm_stops_it() {
    let receiver = Receiver::start();
    let base = receiver.base.clone();
    let client = HttpClient::new(Duration::from_secs(5));
    wait_healthy(&client, &base).await;

    let posted = notification();
    let url = format!("{base}{RECEIVER_PATH}");
    let reply = client
        .send_json(Method::POST, &url, &posted)
        .await
        .expect("a notification is accepted");
    assert_eq!(reply.status, StatusCode::OK);

    // Not a webhook payload, or not the webhook path: refused, not logged.
    let not_alerts = client
        .send(
            Method::POST,
            &url,
            Some(("application/json", r#"{"hello": 1}"#.into())),
        )
        .await
        .unwrap();
    assert_eq!(not_alerts.status, StatusCode::BAD_REQUEST);
    let body = serde_json::to_vec(&posted).unwrap();
    let elsewhere = client
        .send(
            Method::POST,
            &format!("{base}/elsewhere"),
            Some(("application/json", body.into())),
        )
        .await
        .unwrap();
    assert_eq!(elsewhere.status, StatusCode::NOT_FOUND);
    // No traffic generator behind this server.
    let scenario = client.get(&format!("{base}/scenario")).await.unwrap();
    assert_eq!(scenario.status, StatusCode::NOT_FOUND);

    let (status, stdout) = receiver.terminate();
    assert!(status.success(), "exit after SIGTERM: {status}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 1, "stdout: {stdout:?}");
    let line: Value = serde_json::from_str(lines[0]).expect("the line is JSON");
    assert_eq!(line["accepted"], json!(true));
    assert_eq!(line["payload"], posted);
    let received_at = line["received_at"].as_str().unwrap();
    humantime::parse_rfc3339(received_at).expect("received_at is RFC 3339");
}
