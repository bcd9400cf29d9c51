//! How to run the stack: the configuration plus what only the local run
//! decides (state directory, binaries, installs, the edge instance, traffic).

use std::path::PathBuf;
use std::time::Duration;

use stack_config::config::Config;

use crate::edge::EdgeHost;
use crate::grafana::GrafanaBinary;
use crate::progress::Progress;
use crate::traffic::TrafficOptions;

/// How to run the stack. Ports and intervals come from `config`
/// (`local.*`, `prometheus.*`, `alertmanager.*`, `alerts.*`).
#[derive(Clone, Debug)]
pub struct Options {
    pub config: Config,
    pub state_dir: PathBuf,
    /// Empty the state directory first instead of reusing its data.
    pub fresh: bool,
    /// The `app-native` binary; `None` builds or finds it.
    pub app_binary: Option<PathBuf>,
    /// Build `app-native` from the repository when no binary is named.
    pub build: bool,
    /// May install missing Debian packages (as root).
    pub install: bool,
    /// Each instance keeps accepting this long after SIGTERM, readiness at
    /// 503, before it closes its listener (`app-native --shutdown-delay`).
    pub shutdown_delay: Duration,
    /// Also run the edge variant on this host (see [`crate::tools::edge_host`]).
    pub edge: Option<EdgeHost>,
    /// Port of the edge instance; default: the last app port + 1.
    pub edge_port: Option<u16>,
    /// Also run Grafana, on `local.grafana_address`.
    pub grafana: Option<GrafanaBinary>,
    pub traffic: TrafficOptions,
    pub progress: Progress,
}

impl Options {
    pub fn new(config: Config, state_dir: impl Into<PathBuf>) -> Self {
        Options {
            config,
            state_dir: state_dir.into(),
            fresh: false,
            app_binary: None,
            build: true,
            install: true,
            shutdown_delay: Duration::from_secs(2),
            edge: None,
            edge_port: None,
            grafana: None,
            traffic: TrafficOptions::default(),
            progress: Progress::quiet(),
        }
    }

    /// The edge instance's port, when there is one.
    pub fn edge_port(&self) -> Option<u16> {
        self.edge.as_ref()?;
        let last = self
            .config
            .local
            .app_ports
            .iter()
            .max()
            .copied()
            .unwrap_or(8080);
        Some(self.edge_port.unwrap_or(last.saturating_add(1)))
    }

    /// How long an instance may take to stop: its shutdown delay, its drain
    /// deadline, and a little to exit.
    pub fn instance_stop_grace(&self) -> Duration {
        self.shutdown_delay
            + Duration::from_secs(u64::from(self.config.app.drain_seconds))
            + Duration::from_secs(2)
    }

    /// Prometheus resends firing alerts this often: so a restarted
    /// Alertmanager learns of them again. Four evaluation intervals, at most
    /// Prometheus' own default of one minute.
    pub fn resend_delay(&self) -> Duration {
        (std_duration(self.config.prometheus.evaluation_interval) * 4).min(Duration::from_secs(60))
    }
}

pub fn std_duration(duration: stack_config::PromDuration) -> Duration {
    Duration::from_millis(duration.as_millis())
}
