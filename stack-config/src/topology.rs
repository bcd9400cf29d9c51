//! What is fixed in code rather than configured: the Service names, ports,
//! paths and mount points the rendered configs use to find each other.
//! Kept beside the configuration so validation can check URLs against them
//! (a webhook URL naming the receiver must be the one it serves).

/// Kubernetes Service names, shared by the configs that point at each other.
pub const PROMETHEUS_SERVICE: &str = "prometheus";
pub const ALERTMANAGER_SERVICE: &str = "alertmanager";
pub const GRAFANA_SERVICE: &str = "grafana";

/// The in-cluster webhook receiver (the `alert-receiver` binary): its Service, port and
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
    /// Holds the dashboard file; the provider reads it.
    pub const GRAFANA_DASHBOARDS_DIR: &str = "/var/lib/grafana/dashboards";
}

pub const PROMETHEUS_CONFIG_FILE: &str = "prometheus.yml";
pub const RULES_FILE: &str = "app.rules.yml";
pub const ALERTMANAGER_CONFIG_FILE: &str = "alertmanager.yml";
pub const GRAFANA_DATASOURCES_FILE: &str = "datasources.yml";
pub const GRAFANA_DASHBOARD_PROVIDER_FILE: &str = "dashboards.yml";

/// Whether `url` addresses the receiver's Service from inside `namespace`:
/// `alert-receiver`, `alert-receiver.NS`, `alert-receiver.NS.svc[.DOMAIN]`.
pub fn names_receiver(url: &crate::endpoint::Endpoint, namespace: &str) -> bool {
    let Some(rest) = url.host().strip_prefix(RECEIVER_SERVICE) else {
        return false;
    };
    let qualified = format!(".{namespace}");
    rest.is_empty()
        || rest == qualified
        || rest
            .strip_prefix(&qualified)
            .is_some_and(|tail| tail == ".svc" || tail.starts_with(".svc."))
}
