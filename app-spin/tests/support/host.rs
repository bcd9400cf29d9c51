//! One `edge-host` process serving `spin.toml`'s component, with a state
//! directory of its own; its log is kept for the tests to read. The store is
//! either where the shipped `runtime-config.toml` puts it (in memory, as the
//! component runs in production) or Spin's default without a runtime config,
//! `sqlite_key_value.db` in the state directory, which a test can read and
//! write as another writer would.

use std::io::{BufRead, BufReader};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex, mpsc};
use std::time::Duration;

use app_core::ExpositionFormat;
use app_core::store_keys::{counter, read_back};
use app_core::testing::{Parsed, Value};
use app_core::{BuildInfo, Variant};
use test_support::Client;

use super::{Manifest, StoreFile, connect};

/// Where the host keeps the `default` key-value store.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Store {
    /// `app-spin/runtime-config.toml`: in memory, gone with the process.
    Shipped,
    /// No runtime config: the state directory's `sqlite_key_value.db`.
    StateFile,
}

pub struct Host {
    pub http: SocketAddr,
    /// The store file; only a [`Store::StateFile`] host writes it.
    pub store: StoreFile,
    kind: Store,
    state_dir: StateDir,
    log: Log,
    /// Ends when the host closes its stderr.
    log_reader: Option<std::thread::JoinHandle<()>>,
    child: Child,
}

/// What the host says it did when it stops: `requests=N instances=N
/// traps=N key-value: increment=N ...`.
#[derive(Debug)]
pub struct Summary(pub String);

impl Summary {
    pub fn count(&self, name: &str) -> Option<u64> {
        self.0.split_whitespace().find_map(|field| {
            let (key, value) = field.split_once('=')?;
            (key == name).then(|| value.parse().unwrap())
        })
    }
}

/// What a stopped host leaves: its last word, its store, its log.
pub struct Stopped {
    pub summary: Summary,
    pub state_dir: StateDir,
    pub log: Vec<String>,
}

/// Removed when the last host using it is gone.
pub struct StateDir(PathBuf);

impl StateDir {
    fn new() -> StateDir {
        static NEXT: AtomicU32 = AtomicU32::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        let dir = std::env::temp_dir().join(format!("app-spin-edge-{}-{n}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        StateDir(dir)
    }
}

impl StateDir {
    pub fn path(&self) -> &Path {
        &self.0
    }
}

impl Drop for StateDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

/// The runtime config the component ships with, next to `spin.toml`.
pub fn runtime_config() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("runtime-config.toml")
}

fn binary() -> PathBuf {
    std::env::var_os("EDGE_HOST_BIN")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../target/release/edge-host")
        })
}

impl Host {
    /// `spin.toml` as it is, demo faults switched on, as the shared case
    /// table expects.
    pub fn start() -> Host {
        Host::start_with_variables(&[("demo_faults", "true")])
    }

    /// `overrides` are set as `SPIN_VARIABLE_*`, as under `spin up`.
    pub fn start_with_variables(overrides: &[(&str, &str)]) -> Host {
        Host::spawn(StateDir::new(), overrides, Store::Shipped)
    }

    /// A host on Spin's default store file, for tests that look into it.
    pub fn start_on_file() -> Host {
        Host::spawn(
            StateDir::new(),
            &[("demo_faults", "true")],
            Store::StateFile,
        )
    }

    /// A host whose store file already holds `contents`.
    pub fn start_on_store(contents: &[u8]) -> Host {
        let state_dir = StateDir::new();
        std::fs::write(StoreFile::in_state_dir(&state_dir.0).path, contents).unwrap();
        Host::spawn(state_dir, &[("demo_faults", "true")], Store::StateFile)
    }

    /// A host on the state directory another host left behind, its store
    /// where `store` says.
    pub fn restart_on(state_dir: StateDir, store: Store) -> Host {
        Host::spawn(state_dir, &[("demo_faults", "true")], store)
    }

    pub fn state_dir(&self) -> &Path {
        &self.state_dir.0
    }

    fn spawn(state_dir: StateDir, overrides: &[(&str, &str)], kind: Store) -> Host {
        let component = Manifest::path()
            .parent()
            .unwrap()
            .join(Manifest::load().component()["source"].as_str().unwrap());
        assert!(
            component.exists(),
            "{} missing: build it with scripts/build-spin.sh",
            component.display()
        );
        let binary = binary();
        let mut command = Command::new(&binary);
        command
            .arg("-f")
            .arg(Manifest::path())
            .args(["--listen", "127.0.0.1:0", "--state-dir"])
            .arg(&state_dir.0)
            .args(match kind {
                Store::Shipped => vec![
                    "--runtime-config-file".into(),
                    runtime_config().into_os_string(),
                ],
                Store::StateFile => Vec::new(),
            })
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in overrides {
            command.env(format!("SPIN_VARIABLE_{}", name.to_uppercase()), value);
        }
        let mut child = command.spawn().unwrap_or_else(|err| {
            panic!(
                "{}: {err} (build it: cargo build --release -p edge-host)",
                binary.display()
            )
        });
        let (log, log_reader) = keep_log(child.stderr.take().unwrap());
        let (tx, rx) = mpsc::channel();
        let stdout = child.stdout.take().unwrap();
        std::thread::spawn(move || {
            let mut lines = BufReader::new(stdout).lines();
            if let Some(Ok(line)) = lines.next() {
                let _ = tx.send(line);
            }
            for _ in lines {}
        });
        let line = rx
            .recv_timeout(Duration::from_secs(120))
            .unwrap_or_else(|_| panic!("edge-host did not start: {:?}", log.lock().unwrap()));
        let http = line
            .strip_prefix("Serving http://")
            .and_then(|addr| addr.parse().ok())
            .unwrap_or_else(|| panic!("no address in {line:?}"));
        let store = StoreFile::in_state_dir(&state_dir.0);
        Host {
            http,
            store,
            kind,
            state_dir,
            log,
            log_reader: Some(log_reader),
            child,
        }
    }

    pub fn client(&self) -> Client {
        connect(self.http)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        self.client().scrape(format)
    }

    /// Waits until every earlier request has finished: the component
    /// answers before it counts, so right after a response its increments
    /// may still be running. Settled means every in-flight gauge but the
    /// scrapes' own is back at 0 (the gauge is derived; the bucket slot
    /// that brings it down is a request's last increment). A file is read as another writer would, which counts
    /// nothing; the in-memory store only a scrape can see, counted under
    /// `/metrics`, which the tests' counts leave out.
    pub fn settle(&self) {
        for _ in 0..400 {
            if self
                .in_flight()
                .iter()
                .all(|(route, n)| route == "/metrics" || *n == 0)
            {
                return;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
        panic!("requests still in flight after 4 s");
    }

    /// Route -> requests in flight on it.
    fn in_flight(&self) -> Vec<(String, i64)> {
        match self.kind {
            Store::StateFile => {
                let entries = self.store.entries();
                let (stored, _) = read_back(
                    BuildInfo::new(Variant::Spin),
                    entries
                        .iter()
                        .map(|(key, value)| (key.as_str(), counter(value))),
                );
                stored
                    .active
                    .iter()
                    .map(|(labels, n)| (labels.http_route.template().to_owned(), *n))
                    .collect()
            }
            Store::Shipped => {
                let parsed = self.scrape(ExpositionFormat::Prometheus);
                let Some(family) = parsed.family("http_server_active_requests") else {
                    return Vec::new();
                };
                family
                    .series
                    .iter()
                    .map(|series| {
                        let Value::Scalar(n) = series.value else {
                            panic!("gauge expected: {series:?}")
                        };
                        (series.labels["http_route"].clone(), n as i64)
                    })
                    .collect()
            }
        }
    }

    /// A scrape of everything answered so far.
    pub fn settled_scrape(&self, format: ExpositionFormat) -> Parsed {
        self.settle();
        self.scrape(format)
    }

    /// Every line the host has logged so far (its own and the component's).
    pub fn log(&self) -> Vec<String> {
        self.log.lock().unwrap().clone()
    }

    /// SIGTERM; the host lets running instances finish and says what it did.
    pub fn stop(mut self) -> Stopped {
        let status = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        let exit = self.child.wait().unwrap();
        if let Some(reader) = self.log_reader.take() {
            reader.join().unwrap();
        }
        assert!(exit.success(), "edge-host exited {exit}: {:?}", self.log());
        let log = self.log();
        let summary = log
            .iter()
            .find_map(|line| {
                line.strip_prefix("edge-host: stopped: ")
                    .map(|s| Summary(s.to_owned()))
            })
            .unwrap_or_else(|| panic!("no summary in {log:?}"));
        let state_dir = StateDir(std::mem::take(&mut self.state_dir.0));
        Stopped {
            summary,
            state_dir,
            log,
        }
    }
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

type Log = Arc<Mutex<Vec<String>>>;

fn keep_log(stderr: std::process::ChildStderr) -> (Log, std::thread::JoinHandle<()>) {
    let log = Log::default();
    let kept = log.clone();
    let reader = std::thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            eprintln!("{line}");
            kept.lock().unwrap().push(line);
        }
    });
    (log, reader)
}
