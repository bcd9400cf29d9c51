//! The monitoring files, rendered once and shared: embedded in ConfigMaps by
//! the Kubernetes renderer, written to a state directory by the local stack,
//! and (the local configuration and the dashboard) to the repository by
//! [`Monitoring::add_to`].

use serde_json::Value;

use crate::tree::RenderedTree;
use stack_config::config::Config;
pub mod alertmanager;
pub mod grafana;
pub mod grafana_provisioning;
pub mod rules;
pub mod scrape;

/// Repository paths of the committed monitoring output that only the local
/// configuration uses. What the cluster reads (the Kubernetes `prometheus.yml`
/// and `alertmanager.yml`, the rules, the Grafana provisioning) is committed
/// once, where kustomize's load restrictor needs it: `k8s/base/files/`.
pub mod repo_paths {
    pub const PROMETHEUS_LOCAL: &str = "monitoring/prometheus/prometheus.local.yml";
    pub const LOCAL_TARGETS: &str = "monitoring/prometheus/targets/app.json";
    pub const ALERTMANAGER_LOCAL: &str = "monitoring/alertmanager/alertmanager.local.yml";
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
    pub fn new(config: &Config) -> Monitoring {
        let rule_set = rules::RuleSet::new(config);
        let dashboard = grafana::dashboard(config, &rule_set);
        Monitoring {
            prometheus_k8s: scrape::kubernetes_config(config),
            prometheus_local: scrape::local_config(config),
            local_targets: scrape::file_sd_targets(config, &scrape::default_local_targets(config)),
            rules: rule_set.to_yaml(),
            rule_groups: rule_set.groups_value(),
            alertmanager_k8s: alertmanager::config(config, &config.alertmanager.webhook_url),
            alertmanager_local: alertmanager::config(config, &config.local.webhook_url),
            grafana_datasources: grafana_provisioning::datasources(
                config,
                &grafana_provisioning::DatasourceUrls::kubernetes(config),
            ),
            grafana_dashboard_provider: grafana_provisioning::kubernetes_dashboard_provider(),
            dashboard_file: format!("{}.json", config.grafana.dashboard_uid),
            dashboard: crate::tree::pretty_json(&dashboard),
        }
    }

    /// Places the local monitoring files and the dashboard at their
    /// committed paths (the rest is embedded by the Kubernetes renderer).
    pub fn add_to(&self, tree: &mut RenderedTree) {
        tree.insert(repo_paths::PROMETHEUS_LOCAL, self.prometheus_local.clone());
        tree.insert(repo_paths::LOCAL_TARGETS, self.local_targets.clone());
        tree.insert(
            repo_paths::ALERTMANAGER_LOCAL,
            self.alertmanager_local.clone(),
        );
        tree.insert(
            format!("{}/{}", repo_paths::DASHBOARDS_DIR, self.dashboard_file),
            self.dashboard.clone(),
        );
    }
}
