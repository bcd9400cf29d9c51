//! The webhook receiver Alertmanager notifies: it writes every delivery as
//! one JSON line (when, whether it was accepted, the payload). The local
//! stack appends the lines to a file and keeps the deliveries in memory;
//! the `alert-receiver` binary, the in-cluster receiver, prints them on
//! stdout and keeps nothing, so it can run for months.
//!
//! It can be told to fail the next deliveries with 500, to prove that
//! Alertmanager retries a receiver that is down.

use std::fs::File;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{Instant, SystemTime};

use anyhow::Context as _;
use serde_json::{Value, json};

/// Opens `path` for appending, creating it and its directory if missing
/// (the receiver's log, and every log the local stack appends to).
pub fn open_append(path: &Path) -> anyhow::Result<File> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    File::options()
        .create(true)
        .append(true)
        .open(path)
        .with_context(|| format!("opening {}", path.display()))
}

/// One delivery attempt as the receiver saw it.
#[derive(Clone, Debug)]
pub struct Delivery {
    pub received_at: SystemTime,
    /// Monotonic time of arrival, for measuring delays.
    pub arrived: Instant,
    /// False when the receiver answered 500 on purpose.
    pub accepted: bool,
    pub payload: Value,
}

impl Delivery {
    /// `alerts[]` of the payload.
    pub fn alerts(&self) -> &[Value] {
        self.payload["alerts"].as_array().map_or(&[], Vec::as_slice)
    }
}

#[derive(Debug)]
pub struct Receiver {
    log: Log,
    /// Every delivery, for whoever runs the local stack; `None` keeps none.
    deliveries: Option<Mutex<Vec<Delivery>>>,
    fail_next: AtomicU32,
}

/// Where the JSON lines go.
#[derive(Debug)]
enum Log {
    File { path: PathBuf, file: Mutex<File> },
    Stdout,
}

/// What the receiver answers.
#[derive(Debug, PartialEq, Eq)]
pub enum Verdict {
    Accepted,
    /// Failed on purpose (see [`Receiver::fail_next`]).
    Refused,
    /// Not an Alertmanager webhook payload.
    Invalid(String),
}

impl Receiver {
    /// A receiver appending to `log_path` (created if missing, kept if not:
    /// a restarted stack adds to the history).
    pub fn open(log_path: &Path) -> anyhow::Result<Receiver> {
        let log = open_append(log_path)?;
        Ok(Receiver {
            log: Log::File {
                path: log_path.to_path_buf(),
                file: Mutex::new(log),
            },
            deliveries: Some(Mutex::new(Vec::new())),
            fail_next: AtomicU32::new(0),
        })
    }

    /// A receiver printing each delivery on stdout and remembering none
    /// (the in-cluster receiver: the container log is the record).
    pub fn stdout() -> Receiver {
        Receiver {
            log: Log::Stdout,
            deliveries: None,
            fail_next: AtomicU32::new(0),
        }
    }

    /// The JSON-lines file, when the receiver writes one.
    pub fn log_path(&self) -> Option<&Path> {
        match &self.log {
            Log::File { path, .. } => Some(path),
            Log::Stdout => None,
        }
    }

    /// Answers the next `count` deliveries with 500.
    pub fn fail_next(&self, count: u32) {
        self.fail_next.store(count, Ordering::SeqCst);
    }

    /// Every delivery attempt so far, refused ones included, oldest first
    /// (none for a receiver that remembers none).
    pub fn deliveries(&self) -> Vec<Delivery> {
        self.deliveries
            .as_ref()
            .map(|d| d.lock().expect("deliveries lock").clone())
            .unwrap_or_default()
    }

    /// Accepted deliveries only.
    pub fn notifications(&self) -> Vec<Delivery> {
        self.deliveries()
            .into_iter()
            .filter(|d| d.accepted)
            .collect()
    }

    /// Handles one POSTed body.
    pub fn receive(&self, body: &[u8]) -> Verdict {
        let payload: Value = match serde_json::from_slice(body) {
            Ok(value) => value,
            Err(err) => return Verdict::Invalid(format!("not JSON: {err}")),
        };
        if !payload["alerts"].is_array() {
            return Verdict::Invalid(
                "no `alerts` list: not an Alertmanager webhook payload".into(),
            );
        }
        let refuse = self
            .fail_next
            .fetch_update(Ordering::SeqCst, Ordering::SeqCst, |n| n.checked_sub(1))
            .is_ok();
        let delivery = Delivery {
            received_at: SystemTime::now(),
            arrived: Instant::now(),
            accepted: !refuse,
            payload,
        };
        let line = json!({
            "received_at": humantime::format_rfc3339_millis(delivery.received_at).to_string(),
            "accepted": delivery.accepted,
            "payload": delivery.payload,
        });
        // A full disk or a closed stdout must not take the receiver down;
        // the local stack's in-memory copy still holds the delivery.
        match &self.log {
            Log::File { file, .. } => {
                let _ = writeln!(file.lock().expect("log lock"), "{line}");
            }
            Log::Stdout => {
                let _ = writeln!(std::io::stdout().lock(), "{line}");
            }
        }
        if let Some(deliveries) = &self.deliveries {
            deliveries.lock().expect("deliveries lock").push(delivery);
        }
        if refuse {
            Verdict::Refused
        } else {
            Verdict::Accepted
        }
    }

    /// One line per delivery, for the terminal.
    pub fn summary(delivery: &Delivery) -> String {
        let alerts: Vec<String> = delivery
            .alerts()
            .iter()
            .map(|a| {
                let labels = &a["labels"];
                let who = labels["pod"]
                    .as_str()
                    .or(labels["variant"].as_str())
                    .unwrap_or("");
                format!(
                    "{} {}{}",
                    a["status"].as_str().unwrap_or("?"),
                    labels["alertname"].as_str().unwrap_or("?"),
                    if who.is_empty() {
                        String::new()
                    } else {
                        format!(" ({who})")
                    }
                )
            })
            .collect();
        format!(
            "{} → {}: {}",
            delivery.payload["receiver"].as_str().unwrap_or("?"),
            if delivery.accepted {
                "received"
            } else {
                "refused (500)"
            },
            alerts.join(", ")
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn payload() -> Vec<u8> {
        serde_json::to_vec(&json!({
            "receiver": "ticket",
            "status": "firing",
            "alerts": [{"status": "firing", "labels": {"alertname": "AppDown", "pod": "app-native-1"}}],
        }))
        .unwrap()
    }

    #[test]
    fn logs_one_json_line_per_delivery_and_fails_on_request() {
        let dir = std::env::temp_dir().join(format!("receiver-test-{}", std::process::id()));
        let path = dir.join("notifications.jsonl");
        let _ = std::fs::remove_file(&path);
        let receiver = Receiver::open(&path).unwrap();
        receiver.fail_next(1);
        assert_eq!(receiver.receive(&payload()), Verdict::Refused);
        assert_eq!(receiver.receive(&payload()), Verdict::Accepted);
        assert!(matches!(receiver.receive(b"{}"), Verdict::Invalid(_)));

        let lines: Vec<Value> = std::fs::read_to_string(&path)
            .unwrap()
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0]["accepted"], json!(false));
        assert_eq!(lines[1]["accepted"], json!(true));
        assert_eq!(
            lines[1]["payload"]["alerts"][0]["labels"]["alertname"],
            "AppDown"
        );
        assert_eq!(receiver.notifications().len(), 1);
        assert_eq!(
            Receiver::summary(&receiver.notifications()[0]),
            "ticket → received: firing AppDown (app-native-1)"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
