//! Grafana: provisioned datasources and dashboard, admin credentials read
//! from a Secret that only exists in the cluster, exposed by NodePort.

use serde_json::{Value, json};

use crate::kubernetes::kustomization::GeneratedConfigMap;
use crate::kubernetes::objects::{self, Component};
use crate::monitoring::Monitoring;
use stack_config::config::Config;
use stack_config::topology::{
    GRAFANA_DASHBOARD_PROVIDER_FILE, GRAFANA_DATASOURCES_FILE, GRAFANA_SERVICE, mounts,
};

pub const DATASOURCES_CONFIG_MAP: &str = "grafana-datasources";
pub const PROVIDER_CONFIG_MAP: &str = "grafana-dashboard-provider";
pub const DASHBOARDS_CONFIG_MAP: &str = "grafana-dashboards";
pub const CONTAINER: &str = "grafana";
pub const PORT_NAME: &str = "http";

/// Keys of the admin Secret (created at deploy time, never rendered).
pub const ADMIN_USER_KEY: &str = "admin-user";
pub const ADMIN_PASSWORD_KEY: &str = "admin-password";
/// Where the Secret's keys appear as files; Grafana reads `GF_*__FILE`
/// variables from there, so the password is in no environment.
pub const SECRETS_DIR: &str = "/etc/grafana/secrets";
const DATA_DIR: &str = "/var/lib/grafana";

pub fn component(config: &Config) -> Component {
    let image = &config.kubernetes.images.grafana;
    Component::new(config, "grafana", "dashboards", &image.tag)
}

pub fn objects(config: &Config) -> Vec<Value> {
    let grafana = component(config);
    let mut service = objects::service(&grafana, GRAFANA_SERVICE, PORT_NAME, config.grafana.port);
    service["spec"]["type"] = json!("NodePort");
    service["spec"]["ports"][0]["nodePort"] = json!(config.grafana.node_port);
    vec![
        objects::service_account(&grafana, GRAFANA_SERVICE, false),
        service,
        deployment(config, &grafana),
    ]
}

pub fn config_maps(config: &Config, monitoring: &Monitoring) -> Vec<GeneratedConfigMap> {
    let grafana = component(config);
    vec![
        GeneratedConfigMap::new(
            DATASOURCES_CONFIG_MAP,
            &grafana,
            GRAFANA_DATASOURCES_FILE,
            &monitoring.grafana_datasources,
        ),
        GeneratedConfigMap::new(
            PROVIDER_CONFIG_MAP,
            &grafana,
            GRAFANA_DASHBOARD_PROVIDER_FILE,
            &monitoring.grafana_dashboard_provider,
        ),
        GeneratedConfigMap::new(
            DASHBOARDS_CONFIG_MAP,
            &grafana,
            &monitoring.dashboard_file,
            &monitoring.dashboard,
        ),
    ]
}

fn deployment(config: &Config, grafana: &Component) -> Value {
    let k8s = &config.kubernetes;
    let env = json!([
        {"name": "GF_SECURITY_ADMIN_USER__FILE", "value": format!("{SECRETS_DIR}/{ADMIN_USER_KEY}")},
        {"name": "GF_SECURITY_ADMIN_PASSWORD__FILE", "value": format!("{SECRETS_DIR}/{ADMIN_PASSWORD_KEY}")},
        {"name": "GF_SERVER_HTTP_PORT", "value": config.grafana.port.to_string()},
        {"name": "GF_PATHS_DATA", "value": DATA_DIR},
        // The root filesystem is read-only: log to stdout only.
        {"name": "GF_LOG_MODE", "value": "console"},
        // Nothing leaves the cluster unasked.
        {"name": "GF_ANALYTICS_REPORTING_ENABLED", "value": "false"},
        {"name": "GF_ANALYTICS_CHECK_FOR_UPDATES", "value": "false"},
        {"name": "GF_ANALYTICS_CHECK_FOR_PLUGIN_UPDATES", "value": "false"},
    ]);
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": grafana.metadata(GRAFANA_SERVICE),
        "spec": {
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": grafana.selector()},
            // Its SQLite database is per pod: never two at once.
            "strategy": {"type": "Recreate"},
            "template": {
                "metadata": {"labels": grafana.labels()},
                "spec": {
                    "serviceAccountName": GRAFANA_SERVICE,
                    "automountServiceAccountToken": false,
                    "enableServiceLinks": false,
                    "securityContext": objects::pod_security(&k8s.grafana),
                    "containers": [{
                        "name": CONTAINER,
                        "image": &k8s.images.grafana.reference(),
                        "imagePullPolicy": "IfNotPresent",
                        "env": env,
                        "ports": [objects::container_port(PORT_NAME, config.grafana.port)],
                        "startupProbe": objects::http_probe("/api/health", PORT_NAME, 5, 60),
                        "readinessProbe": objects::http_probe("/api/health", PORT_NAME, 5, 3),
                        "livenessProbe": objects::http_probe("/api/health", PORT_NAME, 15, 4),
                        "resources": objects::resources(&k8s.grafana.requests, &k8s.grafana.limits),
                        "securityContext": objects::container_security(),
                        "volumeMounts": [
                            objects::mount("data", DATA_DIR, false),
                            objects::mount("tmp", "/tmp", false),
                            objects::mount("logs", "/var/log/grafana", false),
                            objects::mount("admin", SECRETS_DIR, true),
                            objects::mount("datasources", mounts::GRAFANA_DATASOURCES_DIR, true),
                            objects::mount("dashboard-provider", mounts::GRAFANA_DASHBOARD_PROVIDERS_DIR, true),
                            objects::mount("dashboards", mounts::GRAFANA_DASHBOARDS_DIR, true),
                        ],
                    }],
                    "volumes": [
                        // Everything in it is provisioned again at start.
                        objects::empty_dir("data", "1Gi"),
                        objects::empty_dir("tmp", "256Mi"),
                        objects::empty_dir("logs", "64Mi"),
                        {
                            "name": "admin",
                            "secret": {
                                "secretName": config.grafana.admin_secret,
                                "defaultMode": 0o440,
                                "items": [
                                    {"key": ADMIN_USER_KEY, "path": ADMIN_USER_KEY},
                                    {"key": ADMIN_PASSWORD_KEY, "path": ADMIN_PASSWORD_KEY},
                                ],
                            },
                        },
                        objects::config_map_volume("datasources", DATASOURCES_CONFIG_MAP),
                        objects::config_map_volume("dashboard-provider", PROVIDER_CONFIG_MAP),
                        objects::config_map_volume("dashboards", DASHBOARDS_CONFIG_MAP),
                    ],
                },
            },
        },
    })
}
