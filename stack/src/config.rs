//! THE configuration of the stack: one typed struct with defaults in code,
//! overridden by `stack.toml` and then by command-line flags.
//!
//! Unknown keys are rejected and every value is range-checked before anything
//! is rendered, with errors that name the offending key, because a typo here
//! would otherwise surface as an alert that silently never fires.

use std::fmt;
use std::path::Path;

use serde::{Deserialize, Serialize};

use crate::duration::PromDuration;
use crate::monitoring::{RECEIVER_PATH, RECEIVER_PORT};

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
    /// What only the Kubernetes manifests need (owned by `crate::k8s`).
    pub kubernetes: crate::k8s::settings::Settings,
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
    /// The `stack` binary, which runs the in-cluster webhook receiver
    /// (`stack receive`).
    pub receiver: Image,
}

impl Default for Images {
    fn default() -> Self {
        Images {
            native: Image::new("localhost/app-native", app_core::VERSION),
            spin: Image::new("localhost/app-spin", app_core::VERSION),
            receiver: Image::new("localhost/stack", env!("CARGO_PKG_VERSION")),
        }
    }
}

/// An image reference pinned to a tag (never `latest` by omission).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Image {
    pub repository: String,
    pub tag: String,
}

impl Image {
    pub fn new(repository: &str, tag: &str) -> Self {
        Image {
            repository: repository.into(),
            tag: tag.into(),
        }
    }

    /// Parses `repository:tag`; the tag is required.
    pub fn parse(reference: &str) -> Result<Self, String> {
        let slash = reference.rfind('/').map_or(0, |i| i + 1);
        match reference[slash..].rfind(':') {
            Some(colon) if colon > 0 && slash + colon + 1 < reference.len() => Ok(Image::new(
                &reference[..slash + colon],
                &reference[slash + colon + 1..],
            )),
            _ => Err(format!(
                "image reference {reference:?} must be REPOSITORY:TAG with a pinned tag"
            )),
        }
    }

    pub fn reference(&self) -> String {
        format!("{}:{}", self.repository, self.tag)
    }

    /// A usable, pinned reference; `key` names it in the error (e.g.
    /// `images.native`).
    pub fn validate(&self, key: &str) -> Result<(), ConfigError> {
        if self.repository.is_empty() || self.repository.contains(char::is_whitespace) {
            fail(
                &format!("{key}.repository"),
                "must be a non-empty image repository",
            )?;
        }
        if self.tag.is_empty() || self.tag == "latest" || self.tag.contains(char::is_whitespace) {
            fail(
                &format!("{key}.tag"),
                format!("{:?} is not a pinned tag", self.tag),
            )?;
        }
        Ok(())
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
            retention: PromDuration::from_days(15),
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
            webhook_url: crate::monitoring::receiver_url(),
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
    /// Fixed uid of the Prometheus datasource every panel refers to.
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
    /// The runbook every alert links to; `#alertname` is appended.
    pub runbook_url: String,
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
            runbook_url: "docs/runbook.md".into(),
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
    pub webhook_url: String,
    /// Ports of the local app instances, one per replica.
    pub app_ports: Vec<u16>,
}

impl Default for Local {
    fn default() -> Self {
        Local {
            prometheus_address: "127.0.0.1:9090".into(),
            alertmanager_address: "127.0.0.1:9093".into(),
            webhook_url: format!("http://127.0.0.1:{RECEIVER_PORT}{RECEIVER_PATH}"),
            app_ports: vec![8081, 8082],
        }
    }
}

/// A configuration that cannot be rendered, naming the key at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn fail(key: &str, message: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError {
        key: key.into(),
        message: message.into(),
    })
}

fn check_fraction(key: &str, value: f64) -> Result<(), ConfigError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        fail(
            key,
            format!("{value} is out of range: must be above 0 and below 1"),
        )
    }
}

fn check_port(key: &str, port: u16) -> Result<(), ConfigError> {
    if port == 0 {
        fail(key, "must be a port number from 1 to 65535")
    } else {
        Ok(())
    }
}

fn check_positive(key: &str, value: PromDuration) -> Result<(), ConfigError> {
    if value.is_zero() {
        fail(key, "must be longer than 0s")
    } else {
        Ok(())
    }
}

fn check_name(key: &str, value: &str) -> Result<(), ConfigError> {
    // An RFC 1123 label: what Kubernetes accepts as a namespace or object name.
    let valid = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if valid {
        Ok(())
    } else if value.is_empty() {
        fail(key, "must not be empty")
    } else {
        fail(
            key,
            format!("{value:?} is not a valid name: lowercase letters, digits and '-', at most 63"),
        )
    }
}

fn check_url(key: &str, value: &str) -> Result<(), ConfigError> {
    if value.starts_with("http://") || value.starts_with("https://") {
        Ok(())
    } else {
        fail(key, format!("{value:?} must be an http:// or https:// URL"))
    }
}

fn check_address(key: &str, value: &str) -> Result<(), ConfigError> {
    match value.rsplit_once(':') {
        Some((host, port)) if !host.is_empty() && port.parse::<u16>().is_ok_and(|p| p > 0) => {
            Ok(())
        }
        _ => fail(key, format!("{value:?} must be HOST:PORT")),
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

    /// Every range check, first failure wins.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_name("namespace", &self.namespace)?;
        for (key, image) in [
            ("images.native", &self.images.native),
            ("images.spin", &self.images.spin),
            ("images.receiver", &self.images.receiver),
        ] {
            image.validate(key)?;
        }
        // The overlays swap the app's image by repository name: a receiver
        // image of the same name would be swapped with it.
        let receiver = &self.images.receiver.repository;
        if receiver == &self.images.native.repository || receiver == &self.images.spin.repository {
            fail(
                "images.receiver.repository",
                format!("{receiver:?} must differ from the app images' repositories"),
            )?;
        }

        check_name("app.name", &self.app.name)?;
        if self.app.job.is_empty() {
            fail("app.job", "must not be empty")?;
        }
        check_port("app.port", self.app.port)?;
        check_name("app.port_name", &self.app.port_name)?;
        if self.app.port_name.len() > 15 {
            fail(
                "app.port_name",
                "Kubernetes port names are at most 15 characters",
            )?;
        }
        if !(1..=100).contains(&self.app.replicas) {
            fail(
                "app.replicas",
                format!("{} is out of range: 1 to 100", self.app.replicas),
            )?;
        }
        if self.app.drain_seconds > 300 {
            fail("app.drain_seconds", "must be at most 300")?;
        }

        let p = &self.prometheus;
        check_port("prometheus.port", p.port)?;
        check_positive("prometheus.scrape_interval", p.scrape_interval)?;
        check_positive("prometheus.evaluation_interval", p.evaluation_interval)?;
        check_positive("prometheus.scrape_timeout", p.scrape_timeout)?;
        if p.scrape_timeout > p.scrape_interval {
            fail(
                "prometheus.scrape_timeout",
                format!(
                    "{} exceeds scrape_interval {}",
                    p.scrape_timeout, p.scrape_interval
                ),
            )?;
        }
        check_positive("prometheus.retention", p.retention)?;
        if p.storage_size.is_empty() {
            fail("prometheus.storage_size", "must not be empty")?;
        }
        for (i, remote) in p.remote_write.iter().enumerate() {
            check_url(&format!("prometheus.remote_write[{i}].url"), &remote.url)?;
        }

        let am = &self.alertmanager;
        check_port("alertmanager.port", am.port)?;
        for (key, url) in am.notification_urls() {
            check_url(key, url)?;
            crate::k8s::receiver::check_url(key, url, &self.namespace)?;
        }
        check_positive("alertmanager.group_interval", am.group_interval)?;
        check_positive("alertmanager.repeat_interval", am.repeat_interval)?;
        check_positive("alertmanager.resolve_timeout", am.resolve_timeout)?;

        let g = &self.grafana;
        check_port("grafana.port", g.port)?;
        if !(30000..=32767).contains(&g.node_port) {
            fail(
                "grafana.node_port",
                format!("{} is outside the NodePort range 30000-32767", g.node_port),
            )?;
        }
        check_name("grafana.admin_secret", &g.admin_secret)?;
        if g.datasource_uid.is_empty() {
            fail("grafana.datasource_uid", "must not be empty")?;
        }
        if g.dashboard_uid.is_empty() || g.dashboard_uid.len() > 40 {
            fail("grafana.dashboard_uid", "must be 1 to 40 characters")?;
        }

        self.validate_alerts()?;
        self.validate_slo()?;

        let l = &self.local;
        check_address("local.prometheus_address", &l.prometheus_address)?;
        check_address("local.alertmanager_address", &l.alertmanager_address)?;
        check_url("local.webhook_url", &l.webhook_url)?;
        if l.app_ports.is_empty() || l.app_ports.contains(&0) {
            fail("local.app_ports", "must list at least one port, none 0")?;
        }
        self.kubernetes.validate(self.app.drain_seconds)?;
        Ok(())
    }

    fn validate_alerts(&self) -> Result<(), ConfigError> {
        let a = &self.alerts;
        check_positive("alerts.rate_window", a.rate_window)?;
        // rate() needs two samples inside its window.
        if a.rate_window.as_millis() < 2 * self.prometheus.scrape_interval.as_millis() {
            fail(
                "alerts.rate_window",
                format!(
                    "{} is shorter than two scrape intervals ({}): rate() would see one sample",
                    a.rate_window, self.prometheus.scrape_interval
                ),
            )?;
        }
        if !(a.min_request_rate >= 0.0 && a.min_request_rate.is_finite()) {
            fail(
                "alerts.min_request_rate",
                format!("{} must be 0 or more", a.min_request_rate),
            )?;
        }
        for route in &a.excluded_routes {
            if app_core::Route::from_template(route).is_none() {
                let known: Vec<_> = app_core::Route::ALL.iter().map(|r| r.template()).collect();
                fail(
                    "alerts.excluded_routes",
                    format!(
                        "{route:?} is not a route app-core defines ({})",
                        known.join(", ")
                    ),
                )?;
            }
        }
        check_fraction("alerts.error_ratio", a.error_ratio)?;
        let top = largest_bucket();
        if !(a.latency_p95_seconds > 0.0 && a.latency_p95_seconds < top) {
            fail(
                "alerts.latency_p95_seconds",
                format!(
                    "{} is out of range: must be above 0 and below the largest bucket bound {top} \
                     (histogram_quantile never reports more)",
                    a.latency_p95_seconds
                ),
            )?;
        }
        check_positive("alerts.meta_window", a.meta_window)?;
        if a.runbook_url.is_empty() {
            fail("alerts.runbook_url", "must not be empty")?;
        }
        Ok(())
    }

    fn validate_slo(&self) -> Result<(), ConfigError> {
        let s = &self.slo;
        check_fraction("slo.availability_target", s.availability_target)?;
        check_fraction("slo.latency_target", s.latency_target)?;
        if !app_core::metrics::DURATION_BUCKETS.contains(&s.latency_threshold_seconds) {
            fail(
                "slo.latency_threshold_seconds",
                format!(
                    "{} is not a bucket bound of the duration histogram {:?}: the SLI would be estimated, not counted",
                    s.latency_threshold_seconds,
                    app_core::metrics::DURATION_BUCKETS
                ),
            )?;
        }
        if s.windows.is_empty() {
            fail("slo.windows", "must list at least one burn-rate window")?;
        }
        for (i, w) in s.windows.iter().enumerate() {
            let key = |field: &str| format!("slo.windows[{i}].{field}");
            check_positive(&key("short"), w.short)?;
            if w.short >= w.long {
                fail(
                    &key("short"),
                    format!("{} must be shorter than long {}", w.short, w.long),
                )?;
            }
            if w.short.as_millis() < 2 * self.prometheus.scrape_interval.as_millis() {
                fail(&key("short"), "must span at least two scrape intervals")?;
            }
            if !(w.burn_rate > 0.0 && w.burn_rate.is_finite()) {
                fail(
                    &key("burn_rate"),
                    format!("{} must be above 0", w.burn_rate),
                )?;
            }
            // An error ratio cannot exceed 1: such an alert could never fire.
            for (target_key, target) in [
                ("slo.availability_target", s.availability_target),
                ("slo.latency_target", s.latency_target),
            ] {
                if w.burn_rate * (1.0 - target) >= 1.0 {
                    fail(
                        &key("burn_rate"),
                        format!(
                            "{} times the error budget of {target_key} = {target} is 100% errors or more: the alert could never fire",
                            w.burn_rate
                        ),
                    )?;
                }
            }
        }
        Ok(())
    }
}

fn largest_bucket() -> f64 {
    *app_core::metrics::DURATION_BUCKETS
        .last()
        .expect("the histogram has buckets")
}
