//! The state directory: every file the local stack writes, under one root.
//!
//! ```text
//! .state/
//!   stack.json                   the running stack: pid, URLs (removed on exit)
//!   prometheus/prometheus.yml    rendered on every start
//!   prometheus/rules/…           rendered on every start
//!   prometheus/targets/app.json  the instances (file-based discovery)
//!   prometheus/data/             TSDB, kept across runs
//!   alertmanager/alertmanager.yml
//!   alertmanager/data/           silences and notification log, kept
//!   grafana/grafana.ini          rendered on every start, as are
//!   grafana/provisioning/…       its datasources and dashboard provider
//!   grafana/dashboards/…         and the dashboard (when Grafana runs)
//!   grafana/data/                its database, kept; admin-password beside it
//!   receiver/notifications.jsonl every webhook delivery, appended
//!   logs/<part>.log              output of every process, appended
//! ```

use std::path::{Path, PathBuf};

use anyhow::Context as _;
use serde::{Deserialize, Serialize};

use stack_config::topology::{ALERTMANAGER_CONFIG_FILE, PROMETHEUS_CONFIG_FILE};
use stack_render::monitoring::scrape::{LOCAL_TARGETS_FILE, local_rules_file};
use stack_render::pretty_json;

/// Marks a directory as ours, so `--fresh` never deletes anything else.
const MARKER: &str = ".stack-state";
const DESCRIPTOR: &str = "stack.json";

#[derive(Clone, Debug)]
pub struct StateDir {
    root: PathBuf,
}

impl StateDir {
    pub fn new(root: impl Into<PathBuf>) -> Self {
        StateDir { root: root.into() }
    }

    pub fn root(&self) -> &Path {
        &self.root
    }

    pub fn prometheus_dir(&self) -> PathBuf {
        self.root.join("prometheus")
    }

    pub fn prometheus_config(&self) -> PathBuf {
        self.prometheus_dir().join(PROMETHEUS_CONFIG_FILE)
    }

    pub fn prometheus_rules(&self) -> PathBuf {
        self.prometheus_dir().join(local_rules_file())
    }

    pub fn prometheus_targets(&self) -> PathBuf {
        self.prometheus_dir().join(LOCAL_TARGETS_FILE)
    }

    pub fn prometheus_data(&self) -> PathBuf {
        self.prometheus_dir().join("data")
    }

    pub fn alertmanager_dir(&self) -> PathBuf {
        self.root.join("alertmanager")
    }

    pub fn alertmanager_config(&self) -> PathBuf {
        self.alertmanager_dir().join(ALERTMANAGER_CONFIG_FILE)
    }

    pub fn alertmanager_data(&self) -> PathBuf {
        self.alertmanager_dir().join("data")
    }

    pub fn grafana_dir(&self) -> PathBuf {
        self.root.join("grafana")
    }

    pub fn grafana_ini(&self) -> PathBuf {
        self.grafana_dir().join("grafana.ini")
    }

    pub fn grafana_provisioning(&self) -> PathBuf {
        self.grafana_dir().join("provisioning")
    }

    pub fn grafana_dashboards(&self) -> PathBuf {
        self.grafana_dir().join("dashboards")
    }

    /// Made on the first start: Grafana sets it when it creates its
    /// database, so later starts must pass the same one.
    pub fn grafana_admin_password(&self) -> PathBuf {
        self.grafana_dir().join("admin-password")
    }

    pub fn receiver_log(&self) -> PathBuf {
        self.root.join("receiver").join("notifications.jsonl")
    }

    pub fn log(&self, part: &str) -> PathBuf {
        self.root.join("logs").join(format!("{part}.log"))
    }

    pub fn descriptor_path(&self) -> PathBuf {
        self.root.join(DESCRIPTOR)
    }

    /// Creates the layout. With `fresh`, an earlier state directory is
    /// emptied first, but only one this stack created.
    pub fn prepare(&self, fresh: bool) -> anyhow::Result<()> {
        if fresh && self.root.exists() {
            let ours = self.root.join(MARKER).exists()
                || std::fs::read_dir(&self.root).is_ok_and(|mut d| d.next().is_none());
            anyhow::ensure!(
                ours,
                "refusing to empty {}: it is not a state directory of `stack up` (no {MARKER} file)",
                self.root.display()
            );
            std::fs::remove_dir_all(&self.root)
                .with_context(|| format!("removing {}", self.root.display()))?;
        }
        for dir in [
            self.root.clone(),
            self.prometheus_data(),
            self.alertmanager_data(),
            self.root.join("logs"),
            self.root.join("receiver"),
        ] {
            std::fs::create_dir_all(&dir).with_context(|| format!("creating {}", dir.display()))?;
        }
        std::fs::write(
            self.root.join(MARKER),
            "State of `stack up`; `stack up --fresh` empties this directory.\n",
        )?;
        Ok(())
    }

    /// Whether data from an earlier run is there to be reused.
    pub fn has_data(&self) -> bool {
        std::fs::read_dir(self.prometheus_data()).is_ok_and(|mut d| d.next().is_some())
    }

    pub fn read_descriptor(&self) -> Option<Descriptor> {
        let text = std::fs::read_to_string(self.descriptor_path()).ok()?;
        serde_json::from_str(&text).ok()
    }

    /// The stack running from this directory, if one is (a stale file left
    /// by a killed stack does not count).
    pub fn running(&self) -> Option<Descriptor> {
        self.read_descriptor()
            .filter(|d| d.pid != std::process::id() && crate::child::process_exists(d.pid))
    }

    pub fn write_descriptor(&self, descriptor: &Descriptor) -> anyhow::Result<()> {
        write_atomically(&self.descriptor_path(), &pretty_json(descriptor))
    }

    pub fn remove_descriptor(&self) {
        let _ = std::fs::remove_file(self.descriptor_path());
    }
}

/// How to reach a running stack; `stack load` reads it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Descriptor {
    /// Of the `stack up` process.
    pub pid: u32,
    pub control_url: String,
    pub prometheus_url: String,
    pub alertmanager_url: String,
    /// When Grafana runs.
    #[serde(default)]
    pub grafana_url: Option<String>,
    pub receiver_log_url: String,
    /// Every child process: part name and pid.
    pub children: Vec<(String, u32)>,
}

/// Writes via a temporary file and a rename, so a watcher (Prometheus'
/// file discovery) never reads half a file.
pub fn write_atomically(path: &Path, contents: &str) -> anyhow::Result<()> {
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    }
    let temporary = path.with_extension("tmp");
    std::fs::write(&temporary, contents)
        .with_context(|| format!("writing {}", temporary.display()))?;
    std::fs::rename(&temporary, path).with_context(|| format!("writing {}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("stack-state-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn fresh_empties_only_a_state_directory_of_ours() {
        let foreign = scratch("foreign");
        std::fs::create_dir_all(&foreign).unwrap();
        std::fs::write(foreign.join("thesis.tex"), "precious").unwrap();
        let error = StateDir::new(&foreign)
            .prepare(true)
            .unwrap_err()
            .to_string();
        assert!(error.contains("refusing to empty"), "{error}");
        assert!(foreign.join("thesis.tex").exists());
        std::fs::remove_dir_all(&foreign).unwrap();

        let ours = scratch("ours");
        let state = StateDir::new(&ours);
        state.prepare(false).unwrap();
        std::fs::write(state.prometheus_data().join("chunk"), "old").unwrap();
        assert!(state.has_data());
        state.prepare(false).unwrap();
        assert!(state.has_data(), "a second start must reuse the data");
        state.prepare(true).unwrap();
        assert!(!state.has_data(), "--fresh must start clean");
        std::fs::remove_dir_all(&ours).unwrap();
    }

    #[test]
    fn a_descriptor_of_a_dead_process_means_nothing_runs() {
        let dir = scratch("descriptor");
        let state = StateDir::new(&dir);
        state.prepare(false).unwrap();
        let mut descriptor = Descriptor {
            pid: std::process::id(),
            control_url: "http://127.0.0.1:1".into(),
            prometheus_url: String::new(),
            alertmanager_url: String::new(),
            grafana_url: None,
            receiver_log_url: String::new(),
            children: Vec::new(),
        };
        state.write_descriptor(&descriptor).unwrap();
        assert_eq!(state.read_descriptor(), Some(descriptor.clone()));
        // Our own pid is not "another stack"; a pid beyond pid_max belongs to nobody.
        assert!(state.running().is_none());
        descriptor.pid = u32::MAX / 2;
        state.write_descriptor(&descriptor).unwrap();
        assert!(state.running().is_none());
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
