//! THE configuration of the stack: one typed struct with defaults in code,
//! overridden by `stack.toml` and then by command-line flags.
//!
//! Unknown keys are rejected here; every value is range-checked in
//! [`crate::validate`] before anything is rendered, with errors that name
//! the offending key, because a typo here would otherwise surface as an
//! alert that silently never fires.

use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::duration::PromDuration;
pub use crate::image::Image;
use crate::topology::{RECEIVER_PATH, RECEIVER_PORT, receiver_url};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// Kubernetes namespace of everything, also the `namespace` target label.
    pub namespace: String,
    pub images: Images,
    pub app: App,
    pub prometheus: Prometheus,
    pub alertmanager: Alertmanager,
    pub grafana: Grafana,
    pub alerts: Alerts,
    pub slo: Slo,
    pub local: Local,
    /// What only the Kubernetes manifests need.
    pub kubernetes: crate::kubernetes::Settings,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            namespace: "app-monitoring".into(),
            images: Images::default(),
            app: App::default(),
            prometheus: Prometheus::default(),
            alertmanager: Alertmanager::default(),
            grafana: Grafana::default(),
            alerts: Alerts::default(),
            slo: Slo::default(),
            local: Local::default(),
            kubernetes: Default::default(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Images {
    pub native: Image,
    pub spin: Image,
    /// The `alert-receiver` binary, the in-cluster webhook receiver.
    pub receiver: Image,
}

impl Default for Images {
    fn default() -> Self {
        Images {
            native: Image::new("localhost/app-native", app_core::VERSION),
            spin: Image::new("localhost/app-spin", app_core::VERSION),
            receiver: Image::new("localhost/alert-receiver", env!("CARGO_PKG_VERSION")),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct App {
    /// `app.kubernetes.io/name` of the app's pods; Prometheus keeps only those.
    pub name: String,
    /// Prometheus job name of the app's targets.
    pub job: String,
    pub port: u16,
    /// Name of the container port serving `/metrics`; Prometheus keeps only it.
    pub port_name: String,
    pub replicas: u32,
    /// How long a stopping instance keeps serving in-flight requests.
    pub drain_seconds: u32,
}

impl Default for App {
    fn default() -> Self {
        App {
            name: "app".into(),
            job: "app".into(),
            port: 8080,
            port_name: "http".into(),
            replicas: 2,
            drain_seconds: 10,
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Prometheus {
    pub port: u16,
    pub scrape_interval: PromDuration,
    pub scrape_timeout: PromDuration,
    pub evaluation_interval: PromDuration,
    /// `--storage.tsdb.retention.time`.
    pub retention: PromDuration,
    /// Size of the PersistentVolumeClaim holding the TSDB.
    pub storage_size: String,
    /// Extra long-term stores (Thanos, Mimir, VictoriaMetrics...).
    pub remote_write: Vec<RemoteWrite>,
}

impl Default for Prometheus {
    fn default() -> Self {
        Prometheus {
            port: 9090,
            scrape_interval: PromDuration::from_secs(15),
            scrape_timeout: PromDuration::from_secs(10),
            evaluation_interval: PromDuration::from_secs(15),
            // Above slo.period, which the error budget is counted over.
            retention: PromDuration::from_days(30),
            storage_size: "10Gi".into(),
            remote_write: Vec::new(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteWrite {
    pub url: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Alertmanager {
    pub port: u16,
    /// Where notifications go in Kubernetes.
    pub webhook_url: String,
    /// Optional dead man's switch: receives the always-firing `Watchdog`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub watchdog_url: Option<String>,
    pub group_wait: PromDuration,
    pub group_interval: PromDuration,
    pub repeat_interval: PromDuration,
    pub resolve_timeout: PromDuration,
}

impl Alertmanager {
    /// Every URL Alertmanager notifies, with its configuration key.
    pub fn notification_urls(&self) -> impl Iterator<Item = (&'static str, &str)> {
        std::iter::once(("alertmanager.webhook_url", self.webhook_url.as_str())).chain(
            self.watchdog_url
                .as_deref()
                .map(|url| ("alertmanager.watchdog_url", url)),
        )
    }
}

impl Default for Alertmanager {
    fn default() -> Self {
        Alertmanager {
            port: 9093,
            webhook_url: receiver_url(),
            watchdog_url: None,
            group_wait: PromDuration::from_secs(30),
            group_interval: PromDuration::from_mins(5),
            repeat_interval: PromDuration::from_hours(4),
            resolve_timeout: PromDuration::from_mins(5),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Grafana {
    pub port: u16,
    pub node_port: u16,
    /// Name of the Secret (never committed) holding `admin-user` and `admin-password`.
    pub admin_secret: String,
    /// Fixed uid of the provisioned Prometheus datasource, which the
    /// dashboard's `datasource` variable selects by default.
    pub datasource_uid: String,
    pub dashboard_uid: String,
}

impl Default for Grafana {
    fn default() -> Self {
        Grafana {
            port: 3000,
            node_port: 30300,
            admin_secret: "grafana-admin".into(),
            datasource_uid: "prometheus".into(),
            dashboard_uid: "app-overview".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Alerts {
    /// Window of the `rate()` behind the recording rules, alerts and panels.
    pub rate_window: PromDuration,
    /// Below this many requests per second, ratio and latency alerts stay
    /// silent: three requests, one failed, are not an outage.
    pub min_request_rate: f64,
    /// Routes that are not user traffic (probes, scrapes) and count toward no
    /// alert or SLO. Must be `http_route` values app-core defines.
    pub excluded_routes: Vec<String>,
    pub app_down_for: PromDuration,
    pub no_instance_for: PromDuration,
    pub error_ratio: f64,
    pub error_for: PromDuration,
    pub latency_p95_seconds: f64,
    pub latency_for: PromDuration,
    /// Window and `for` of the alerts about Prometheus and Alertmanager.
    pub meta_window: PromDuration,
    pub meta_for: PromDuration,
    /// Absolute URL under which this repository's files open in a browser
    /// (e.g. `https://github.com/ORG/REPO/blob/main/`): every alert's
    /// `runbook_url` is [`RUNBOOK_PATH`] under it, `#alertname` appended, so
    /// a pager can open it. The default is a placeholder on the reserved
    /// example.com: set it.
    pub runbook_base_url: String,
}

/// The runbook's path in the repository, below `alerts.runbook_base_url`.
pub const RUNBOOK_PATH: &str = "docs/runbook.md";

impl Alerts {
    /// The absolute link to the runbook section `anchor`.
    pub fn runbook_url(&self, anchor: &str) -> String {
        let base = self.runbook_base_url.trim_end_matches('/');
        format!("{base}/{RUNBOOK_PATH}#{anchor}")
    }
}

impl Default for Alerts {
    fn default() -> Self {
        Alerts {
            rate_window: PromDuration::from_mins(5),
            min_request_rate: 0.1,
            excluded_routes: vec!["/healthz".into(), "/readyz".into(), "/metrics".into()],
            app_down_for: PromDuration::from_mins(1),
            no_instance_for: PromDuration::from_mins(1),
            error_ratio: 0.05,
            error_for: PromDuration::from_mins(5),
            latency_p95_seconds: 1.0,
            latency_for: PromDuration::from_mins(5),
            meta_window: PromDuration::from_mins(5),
            meta_for: PromDuration::from_mins(5),
            runbook_base_url: "https://example.com/app-monitoring/".into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Slo {
    /// Fraction of requests that must not answer 5xx.
    pub availability_target: f64,
    /// Fraction of requests that must finish within `latency_threshold_seconds`.
    pub latency_target: f64,
    /// Must be a bucket bound of `http_server_request_duration_seconds`.
    pub latency_threshold_seconds: f64,
    /// The rolling window the error budget is counted over (Sloth's and
    /// Pyrra's default, four weeks): burn rate 1 spends the budget in
    /// exactly this time. Prometheus must keep that much history.
    pub period: PromDuration,
    /// Multi-window, multi-burn-rate alert pairs (SRE workbook, chapter 5).
    pub windows: Vec<BurnWindow>,
}

impl Default for Slo {
    fn default() -> Self {
        let window = |long, short, burn_rate, for_, severity| BurnWindow {
            long: PromDuration::from_mins(long),
            short: PromDuration::from_mins(short),
            burn_rate,
            for_: PromDuration::from_mins(for_),
            severity,
        };
        Slo {
            availability_target: 0.999,
            latency_target: 0.99,
            latency_threshold_seconds: 1.0,
            period: PromDuration::from_days(28),
            windows: vec![
                window(60, 5, 14.4, 2, Severity::Critical),
                window(6 * 60, 30, 6.0, 15, Severity::Critical),
                window(24 * 60, 2 * 60, 3.0, 60, Severity::Warning),
                window(3 * 24 * 60, 6 * 60, 1.0, 3 * 60, Severity::Warning),
            ],
        }
    }
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct BurnWindow {
    pub long: PromDuration,
    pub short: PromDuration,
    pub burn_rate: f64,
    #[serde(rename = "for")]
    pub for_: PromDuration,
    pub severity: Severity,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    /// Pages a human now.
    Critical,
    /// Opens a ticket for working hours.
    Warning,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Critical => "critical",
            Severity::Warning => "warning",
        }
    }
}

/// The local stack (`stack up`, the end-to-end test): same rules, same job,
/// file-based discovery instead of Kubernetes.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Local {
    pub prometheus_address: String,
    pub alertmanager_address: String,
    /// Grafana's, when a Grafana binary is on PATH (`stack up` runs it then).
    pub grafana_address: String,
    pub webhook_url: String,
    /// Ports of the local app instances, one per replica.
    pub app_ports: Vec<u16>,
}

impl Default for Local {
    fn default() -> Self {
        Local {
            prometheus_address: "127.0.0.1:9090".into(),
            alertmanager_address: "127.0.0.1:9093".into(),
            grafana_address: "127.0.0.1:3000".into(),
            webhook_url: format!("http://127.0.0.1:{RECEIVER_PORT}{RECEIVER_PATH}"),
            app_ports: vec![8081, 8082],
        }
    }
}

impl Config {
    /// Defaults overridden by a TOML file, validated.
    pub fn load(path: &Path) -> anyhow::Result<Config> {
        let text = std::fs::read_to_string(path)
            .map_err(|e| anyhow::anyhow!("cannot read {}: {e}", path.display()))?;
        let config =
            Config::from_toml(&text).map_err(|e| anyhow::anyhow!("{}: {e}", path.display()))?;
        Ok(config)
    }

    /// Parses and validates; unknown keys are errors.
    pub fn from_toml(text: &str) -> anyhow::Result<Config> {
        let config: Config = toml::from_str(text).map_err(|e| anyhow::anyhow!("{e}"))?;
        config.validate()?;
        Ok(config)
    }
}
