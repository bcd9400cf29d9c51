//! End to end, on the real Prometheus and Alertmanager: app instances →
//! scrape → recording and alerting rules → Alertmanager → webhook receiver,
//! and back to resolved; plus the stack's own robustness (rolling restart
//! without a failed request, Prometheus and Alertmanager restarts, a failing
//! receiver).
//!
//! The stack runs with the configuration in `e2e.toml` (the same keys as
//! `stack.toml`, with second-scale intervals) on free loopback ports in a
//! temporary directory. These tests need `prometheus` and `alertmanager`
//! (Debian: `prometheus-alertmanager`) on PATH and the `app-native` binary,
//! so the long ones are ignored by a plain `cargo test`;
//! `scripts/checks/40-e2e.sh` installs what they need and runs them:
//!
//! ```sh
//! cargo test -p stack-local --test e2e -- --ignored --nocapture --test-threads=1
//! ```
//!
//! The exemplar test takes seconds and runs with every `cargo test`: it
//! fails, naming scripts/setup.sh, when the tools are missing.

mod catalog;
mod exemplars;
mod payload;
mod phases;
mod timeline;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use stack_config::Config;
use stack_local::{APP_BINARY_ENV, Stack};

const CONFIG_FILE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/e2e/e2e.toml");

/// The whole run must stay below this.
const BUDGET: Duration = Duration::from_secs(300);

/// Where cargo put this workspace's binaries: the test runs from
/// `target/<profile>/deps/`.
fn target_dir() -> PathBuf {
    let exe = std::env::current_exe().expect("the test binary's path");
    exe.parent()
        .and_then(Path::parent)
        .expect("target/<profile>/deps/<test>")
        .to_path_buf()
}

/// A workspace binary: from `env` when set (the check script sets it),
/// else the one cargo built beside this test.
fn workspace_binary(env: &str, name: &str, package: &str) -> PathBuf {
    if let Some(path) = std::env::var_os(env) {
        return PathBuf::from(path);
    }
    let beside = target_dir().join(name);
    assert!(
        beside.is_file(),
        "no {name} binary at {}: run `cargo build -p {package}` or set {env}",
        beside.display()
    );
    beside
}

/// The app binary the check script built, or the one cargo built.
fn app_binary() -> PathBuf {
    workspace_binary(APP_BINARY_ENV, "app-native", "app-native")
}

/// The `stack` command line (the thin CLI crate, built beside this one).
pub fn stack_binary() -> PathBuf {
    workspace_binary("STACK_BINARY", "stack", "stack")
}

/// `N` distinct loopback ports nobody listens on right now (held together
/// while chosen, so no two are the same).
pub fn free_ports<const N: usize>() -> [u16; N] {
    let held: Vec<std::net::TcpListener> = (0..N)
        .map(|_| std::net::TcpListener::bind("127.0.0.1:0").expect("a free loopback port"))
        .collect();
    std::array::from_fn(|i| held[i].local_addr().unwrap().port())
}

/// The e2e configuration with every local port free right now, and a free
/// port for the edge instance.
fn config_on_free_ports() -> (Config, u16) {
    let mut config = Config::load(Path::new(CONFIG_FILE)).expect("e2e.toml is valid");
    let [prometheus, alertmanager, receiver, app1, app2, edge] = free_ports();
    config.local.prometheus_address = format!("127.0.0.1:{prometheus}");
    config.local.alertmanager_address = format!("127.0.0.1:{alertmanager}");
    config.local.webhook_url = format!("http://127.0.0.1:{receiver}/alerts");
    config.local.app_ports = vec![app1, app2];
    config
        .validate()
        .expect("ports keep the configuration valid");
    (config, edge)
}

/// A directory removed when the test passes, kept (and named) when it fails.
struct TempDir {
    path: PathBuf,
    keep: bool,
}

impl TempDir {
    fn new(name: &str) -> TempDir {
        let path = std::env::temp_dir().join(format!("stack-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).expect("creating the temporary directory");
        TempDir { path, keep: true }
    }

    fn passed(mut self) {
        self.keep = false;
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        if self.keep {
            eprintln!("state and logs kept in {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

#[tokio::test(flavor = "current_thread")]
#[ignore = "runs real Prometheus and Alertmanager; scripts/checks/40-e2e.sh runs it"]
async fn alerts_reach_the_receiver_end_to_end() {
    let started = Instant::now();
    let dir = TempDir::new("e2e");
    let (config, edge_port) = config_on_free_ports();
    let result = phases::run(config, edge_port, &dir.path, app_binary()).await;
    let elapsed = started.elapsed();
    eprintln!("end-to-end run took {:.0} s", elapsed.as_secs_f64());
    if let Err(error) = result {
        panic!("{error:#}");
    }
    assert!(
        elapsed < BUDGET,
        "the end-to-end run took {elapsed:?}, over its {BUDGET:?} budget"
    );
    dir.passed();
}

#[test]
#[ignore = "runs real Prometheus and Alertmanager; scripts/checks/40-e2e.sh runs it"]
fn stack_up_command_line() {
    let dir = TempDir::new("cli");
    phases::command_line(&dir.path, &app_binary(), Path::new(CONFIG_FILE));
    dir.passed();
}

/// A trace id sent in `traceparent` comes back from the real Prometheus'
/// `/api/v1/query_exemplars`; an invalid header's never does.
#[tokio::test(flavor = "current_thread")]
async fn exemplars_reach_prometheus() {
    exemplars::require_tools();
    let dir = TempDir::new("exemplars");
    let (config, _) = config_on_free_ports();
    let options = exemplars::options(config, dir.path.join("state"), app_binary());
    let stack = Stack::start(options)
        .await
        .unwrap_or_else(|e| panic!("{e:#}"));
    let result = exemplars::run(&stack).await;
    stack.shutdown().await;
    if let Err(error) = result {
        panic!("{error:#}");
    }
    dir.passed();
}
