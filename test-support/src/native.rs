use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// An `app-native` process started by a test.
pub struct SpawnedNative {
    pub child: Child,
    pub addr: SocketAddr,
    /// Its log lines after the `serving` one; keep the receiver while the
    /// process runs, or its stderr is no longer drained.
    pub logs: mpsc::Receiver<String>,
}

/// Starts the `app-native` binary at `binary` on an ephemeral loopback port
/// with JSON logs at info and `args` added, and waits up to 20 s for its
/// `serving` line to learn the address.
pub fn spawn_native(binary: &Path, args: &[&str]) -> SpawnedNative {
    let mut child = Command::new(binary)
        .args(["--listen", "127.0.0.1:0", "--log-format", "json"])
        .args(args)
        .env("RUST_LOG", "info")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{} starts: {e}", binary.display()));
    let stderr = child.stderr.take().unwrap();
    let (tx, logs) = mpsc::channel();
    std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let deadline = Instant::now() + Duration::from_secs(20);
    let addr = loop {
        let line = logs
            .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            .expect("app-native logged its listen address in time");
        let event: serde_json::Value = serde_json::from_str(&line).expect("JSON log line");
        if event["message"] == "serving" {
            break event["listen"].as_str().unwrap().parse().unwrap();
        }
    };
    SpawnedNative { child, addr, logs }
}
