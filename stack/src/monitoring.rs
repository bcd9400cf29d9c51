//! The monitoring files, rendered once and shared: written to the repository
//! by [`Monitoring::add_to`], embedded in ConfigMaps by the Kubernetes
//! renderer, and written to a state directory by the local stack.

use serde_json::Value;

use crate::config::Config;
use crate::render::RenderedTree;
use crate::{alertmanager, grafana, prometheus, rules};

/// Kubernetes Service names, shared by the configs that point at each other.
pub const PROMETHEUS_SERVICE: &str = "prometheus";
pub const ALERTMANAGER_SERVICE: &str = "alertmanager";
pub const GRAFANA_SERVICE: &str = "grafana";

/// The in-cluster webhook receiver (`stack receive`): its Service, port and
/// path make the default `alertmanager.webhook_url`, and the manifests
/// deploy exactly this Service, so the two cannot drift apart.
pub const RECEIVER_SERVICE: &str = "alert-receiver";
pub const RECEIVER_PORT: u16 = 9095;
pub const RECEIVER_PATH: &str = "/alerts";

/// The URL Alertmanager reaches the in-cluster receiver at.
pub fn receiver_url() -> String {
    format!("http://{RECEIVER_SERVICE}:{RECEIVER_PORT}{RECEIVER_PATH}")
}

/// Prometheus and Alertmanager answer 200 here once they serve: the
/// Kubernetes readiness probes and the local stack's start-up wait use it.
pub const READY_PATH: &str = "/-/ready";

/// Pod label (besides the recommended `app.kubernetes.io/*` ones) telling
/// which build serves: `native` or `spin`. Becomes the `variant` target label.
pub const POD_VARIANT_LABEL: &str = "variant";

/// Where each container expects its files (ConfigMap mount points).
pub mod mounts {
    /// Holds [`super::PROMETHEUS_CONFIG_FILE`].
    pub const PROMETHEUS_CONFIG_DIR: &str = "/etc/prometheus";
    /// Holds [`super::RULES_FILE`].
    pub const PROMETHEUS_RULES_DIR: &str = "/etc/prometheus/rules";
    pub const PROMETHEUS_DATA_DIR: &str = "/prometheus";
    /// Holds [`super::ALERTMANAGER_CONFIG_FILE`].
    pub const ALERTMANAGER_CONFIG_DIR: &str = "/etc/alertmanager";
    pub const ALERTMANAGER_DATA_DIR: &str = "/alertmanager";
    /// Holds [`super::GRAFANA_DATASOURCES_FILE`].
    pub const GRAFANA_DATASOURCES_DIR: &str = "/etc/grafana/provisioning/datasources";
    /// Holds [`super::GRAFANA_DASHBOARD_PROVIDER_FILE`].
    pub const GRAFANA_DASHBOARD_PROVIDERS_DIR: &str = "/etc/grafana/provisioning/dashboards";
    /// Holds [`super::Monitoring::dashboard_file`]; the provider reads it.
    pub const GRAFANA_DASHBOARDS_DIR: &str = "/var/lib/grafana/dashboards";
}

pub const PROMETHEUS_CONFIG_FILE: &str = "prometheus.yml";
pub const RULES_FILE: &str = "app.rules.yml";
pub const ALERTMANAGER_CONFIG_FILE: &str = "alertmanager.yml";
pub const GRAFANA_DATASOURCES_FILE: &str = "datasources.yml";
pub const GRAFANA_DASHBOARD_PROVIDER_FILE: &str = "dashboards.yml";

/// Repository paths of the committed monitoring output.
pub mod repo_paths {
    pub const PROMETHEUS_K8S: &str = "monitoring/prometheus/prometheus.yml";
    pub const PROMETHEUS_LOCAL: &str = "monitoring/prometheus/prometheus.local.yml";
    pub const RULES: &str = "monitoring/prometheus/rules/app.rules.yml";
    pub const LOCAL_TARGETS: &str = "monitoring/prometheus/targets/app.json";
    pub const ALERTMANAGER_K8S: &str = "monitoring/alertmanager/alertmanager.yml";
    pub const ALERTMANAGER_LOCAL: &str = "monitoring/alertmanager/alertmanager.local.yml";
    pub const GRAFANA_DATASOURCES: &str =
        "monitoring/grafana/provisioning/datasources/datasources.yml";
    pub const GRAFANA_DASHBOARD_PROVIDER: &str =
        "monitoring/grafana/provisioning/dashboards/dashboards.yml";
    pub const DASHBOARDS_DIR: &str = "dashboards";
}

/// Every monitoring file, as text, plus the structured rule groups for
/// resources that embed them (a `PrometheusRule`'s `spec.groups`).
#[derive(Clone, Debug)]
pub struct Monitoring {
    /// `prometheus.yml` for Kubernetes (pod discovery).
    pub prometheus_k8s: String,
    /// The same scrape job with file-based discovery, for the local stack.
    pub prometheus_local: String,
    /// Example target list for the local config (the default local ports).
    pub local_targets: String,
    /// [`RULES_FILE`]: recording and alerting rules.
    pub rules: String,
    /// The `groups` list of [`Monitoring::rules`].
    pub rule_groups: Value,
    pub alertmanager_k8s: String,
    pub alertmanager_local: String,
    pub grafana_datasources: String,
    pub grafana_dashboard_provider: String,
    /// File name of the dashboard, e.g. `app-overview.json`.
    pub dashboard_file: String,
    pub dashboard: String,
}

impl Monitoring {
    pub fn render(config: &Config) -> Monitoring {
        let rule_set = rules::RuleSet::new(config);
        let dashboard = grafana::dashboard(config, &rule_set);
        Monitoring {
            prometheus_k8s: prometheus::kubernetes_config(config),
            prometheus_local: prometheus::local_config(config),
            local_targets: prometheus::file_sd_targets(
                config,
                &prometheus::default_local_targets(config),
            ),
            rules: rule_set.to_yaml(),
            rule_groups: rule_set.groups_value(),
            alertmanager_k8s: alertmanager::config(config, &config.alertmanager.webhook_url),
            alertmanager_local: alertmanager::config(config, &config.local.webhook_url),
            grafana_datasources: grafana::datasources(config),
            grafana_dashboard_provider: grafana::dashboard_provider(),
            dashboard_file: format!("{}.json", config.grafana.dashboard_uid),
            dashboard: crate::render::pretty_json(&dashboard),
        }
    }

    /// Places the monitoring files at their committed paths.
    pub fn add_to(&self, tree: &mut RenderedTree) {
        tree.insert(repo_paths::PROMETHEUS_K8S, self.prometheus_k8s.clone());
        tree.insert(repo_paths::PROMETHEUS_LOCAL, self.prometheus_local.clone());
        tree.insert(repo_paths::LOCAL_TARGETS, self.local_targets.clone());
        tree.insert(repo_paths::RULES, self.rules.clone());
        tree.insert(repo_paths::ALERTMANAGER_K8S, self.alertmanager_k8s.clone());
        tree.insert(
            repo_paths::ALERTMANAGER_LOCAL,
            self.alertmanager_local.clone(),
        );
        tree.insert(
            repo_paths::GRAFANA_DATASOURCES,
            self.grafana_datasources.clone(),
        );
        tree.insert(
            repo_paths::GRAFANA_DASHBOARD_PROVIDER,
            self.grafana_dashboard_provider.clone(),
        );
        tree.insert(
            format!("{}/{}", repo_paths::DASHBOARDS_DIR, self.dashboard_file),
            self.dashboard.clone(),
        );
    }
}
