//! `alert-receiver`, the receiver the cluster runs, as a real process: a
//! notification shaped as Alertmanager sends it becomes one JSON line on
//! stdout, anything else is refused, and SIGTERM ends it cleanly.

use std::io::{Read as _, Write as _};
use std::net::{TcpListener, TcpStream};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::{Value, json};
use stack_config::topology::RECEIVER_PATH;

/// One HTTP/1.1 request on a fresh connection; the reply's status code.
fn request(base: &str, method: &str, path: &str, body: &str) -> std::io::Result<u16> {
    let mut stream = TcpStream::connect(base)?;
    stream.set_read_timeout(Some(Duration::from_secs(5)))?;
    write!(
        stream,
        "{method} {path} HTTP/1.1\r\nHost: {base}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\nConnection: close\r\n\r\n{body}",
        body.len()
    )?;
    let mut reply = String::new();
    stream.read_to_string(&mut reply)?;
    let status = reply.split(' ').nth(1).and_then(|code| code.parse().ok());
    status.ok_or_else(|| std::io::Error::other(format!("not an HTTP reply: {reply:?}")))
}

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
                "runbook_url": "https://example.com/app-monitoring/docs/runbook.md#appdown",
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
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .unwrap()
            .port();
        let child = Command::new(env!("CARGO_BIN_EXE_alert-receiver"))
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("alert-receiver starts");
        Receiver {
            child,
            base: format!("127.0.0.1:{port}"),
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

fn wait_healthy(base: &str) {
    let deadline = Instant::now() + Duration::from_secs(5);
    loop {
        match request(base, "GET", "/healthz", "") {
            Ok(200) => return,
            result if Instant::now() > deadline => {
                panic!("{base}/healthz never answered 200: {result:?}")
            }
            _ => std::thread::sleep(Duration::from_millis(50)),
        }
    }
}

#[test]
fn each_notification_is_one_json_line_on_stdout_and_sigterm_stops_it() {
    let receiver = Receiver::start();
    let base = receiver.base.clone();
    wait_healthy(&base);

    let posted = notification();
    let body = posted.to_string();
    let status = request(&base, "POST", RECEIVER_PATH, &body).expect("a notification is accepted");
    assert_eq!(status, 200);

    // Not a webhook payload, or not the webhook path: refused, not logged.
    let not_alerts = request(&base, "POST", RECEIVER_PATH, r#"{"hello": 1}"#).unwrap();
    assert_eq!(not_alerts, 400);
    let elsewhere = request(&base, "POST", "/elsewhere", &body).unwrap();
    assert_eq!(elsewhere, 404);
    // No traffic generator behind this server.
    let scenario = request(&base, "GET", "/scenario", "").unwrap();
    assert_eq!(scenario, 404);
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
