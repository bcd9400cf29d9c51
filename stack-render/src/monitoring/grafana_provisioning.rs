//! Grafana provisioning as typed files: the datasources (Prometheus and
//! Alertmanager, with fixed uids the dashboard refers to) and the file
//! provider that loads the dashboard. The cluster and the local stack render
//! the same structs; only the URLs and the dashboard directory differ.

use serde::Serialize;

use crate::yaml;
use stack_config::config::Config;
use stack_config::topology::{ALERTMANAGER_SERVICE, PROMETHEUS_SERVICE, mounts};

pub const ALERTMANAGER_DATASOURCE_UID: &str = "alertmanager";

/// Where Grafana reaches Prometheus and Alertmanager, as base URLs.
#[derive(Clone, Debug)]
pub struct DatasourceUrls {
    pub prometheus: String,
    pub alertmanager: String,
}

impl DatasourceUrls {
    /// The in-cluster Services.
    pub fn kubernetes(config: &Config) -> Self {
        DatasourceUrls {
            prometheus: format!("http://{PROMETHEUS_SERVICE}:{}", config.prometheus.port),
            alertmanager: format!("http://{ALERTMANAGER_SERVICE}:{}", config.alertmanager.port),
        }
    }
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasources {
    api_version: u32,
    datasources: Vec<Datasource>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Datasource {
    name: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    uid: String,
    access: &'static str,
    url: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    is_default: Option<bool>,
    editable: bool,
    json_data: JsonData,
}

#[derive(Debug, Serialize)]
#[serde(untagged, rename_all_fields = "camelCase")]
enum JsonData {
    Prometheus {
        time_interval: String,
    },
    Alertmanager {
        implementation: &'static str,
        handle_grafana_managed_alerts: bool,
    },
}

/// `datasources.yml`: Prometheus (the default) and Alertmanager at `urls`.
pub fn datasources(config: &Config, urls: &DatasourceUrls) -> String {
    let file = Datasources {
        api_version: 1,
        datasources: vec![
            Datasource {
                name: "Prometheus",
                kind: "prometheus",
                uid: config.grafana.datasource_uid.clone(),
                access: "proxy",
                url: urls.prometheus.clone(),
                is_default: Some(true),
                editable: false,
                json_data: JsonData::Prometheus {
                    time_interval: config.prometheus.scrape_interval.to_string(),
                },
            },
            Datasource {
                name: "Alertmanager",
                kind: "alertmanager",
                uid: ALERTMANAGER_DATASOURCE_UID.to_owned(),
                access: "proxy",
                url: urls.alertmanager.clone(),
                is_default: None,
                editable: false,
                json_data: JsonData::Alertmanager {
                    implementation: "prometheus",
                    handle_grafana_managed_alerts: false,
                },
            },
        ],
    };
    yaml::document(crate::tree::GENERATED_HEADER, &file)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Providers {
    api_version: u32,
    providers: Vec<Provider>,
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Provider {
    name: &'static str,
    folder: &'static str,
    #[serde(rename = "type")]
    kind: &'static str,
    disable_deletion: bool,
    allow_ui_updates: bool,
    options: ProviderOptions,
}

#[derive(Debug, Serialize)]
struct ProviderOptions {
    path: String,
}

/// `dashboards.yml`: one file provider loading the dashboards in `dir`.
pub fn dashboard_provider(dir: &str) -> String {
    let file = Providers {
        api_version: 1,
        providers: vec![Provider {
            name: "app",
            folder: "App",
            kind: "file",
            // Dashboards are code: edits in the UI would be lost on restart.
            disable_deletion: true,
            allow_ui_updates: false,
            options: ProviderOptions {
                path: dir.to_owned(),
            },
        }],
    };
    yaml::document(crate::tree::GENERATED_HEADER, &file)
}

/// The provider of the Grafana Deployment (its dashboards ConfigMap mount).
pub fn kubernetes_dashboard_provider() -> String {
    dashboard_provider(mounts::GRAFANA_DASHBOARDS_DIR)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn local_urls_and_directory_are_the_ones_given() {
        let config = Config::default();
        let urls = DatasourceUrls {
            prometheus: "http://127.0.0.1:19090".into(),
            alertmanager: "http://[::1]:19093".into(),
        };
        let text = datasources(&config, &urls);
        let parsed: serde_json::Value = serde_yaml::from_str(&text).unwrap();
        let got: Vec<(&str, &str)> = parsed["datasources"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| (d["uid"].as_str().unwrap(), d["url"].as_str().unwrap()))
            .collect();
        assert_eq!(
            got,
            [
                (
                    config.grafana.datasource_uid.as_str(),
                    "http://127.0.0.1:19090"
                ),
                (ALERTMANAGER_DATASOURCE_UID, "http://[::1]:19093"),
            ]
        );
        let provider: serde_json::Value =
            serde_yaml::from_str(&dashboard_provider("/tmp/state/grafana/dashboards")).unwrap();
        assert_eq!(
            provider["providers"][0]["options"]["path"],
            "/tmp/state/grafana/dashboards"
        );
    }
}
