//! For clusters that already run kube-prometheus-stack: the same scrape,
//! rules and dashboard as resources the Prometheus Operator and Grafana's
//! dashboard sidecar pick up, instead of our own Prometheus and Grafana.

use serde_json::{Map, Value, json};

use super::kustomization::{GeneratedConfigMap, Kustomization, ResourceFile};
use super::kustomize;
use super::objects::Component;
use super::workloads::app;
use crate::monitoring::Monitoring;
use stack_config::config::Config;

pub const API_VERSION: &str = "monitoring.coreos.com/v1";
/// Label kube-prometheus-stack's Grafana sidecar watches ConfigMaps for.
pub const DASHBOARD_LABEL: (&str, &str) = ("grafana_dashboard", "1");
pub const DASHBOARD_CONFIG_MAP: &str = "app-dashboard";

pub fn kustomization(config: &Config, monitoring: &Monitoring) -> Kustomization {
    let owner = app::component(config);
    let files = vec![
        ResourceFile {
            name: "pod-monitor.yaml",
            objects: vec![pod_monitor(config, &owner)],
        },
        ResourceFile {
            name: "prometheus-rule.yaml",
            objects: vec![prometheus_rule(config, &owner, monitoring)],
        },
    ];
    let mut dashboard = GeneratedConfigMap::new(
        DASHBOARD_CONFIG_MAP,
        &owner,
        &monitoring.dashboard_file,
        &monitoring.dashboard,
    );
    dashboard.labels[DASHBOARD_LABEL.0] = json!(DASHBOARD_LABEL.1);
    let config_maps = vec![dashboard];
    // The sidecar finds dashboards by label, and a fixed name keeps an
    // update from leaving the old copy behind.
    let kustomization = kustomize::kustomization(
        config,
        files.iter().map(|file| file.name.to_string()).collect(),
        &config_maps,
        false,
    );
    Kustomization {
        dir: "operator",
        files,
        config_maps,
        kustomization,
    }
}

/// Recommended labels plus the Helm release the operator selects by.
fn metadata(config: &Config, owner: &Component) -> Value {
    let mut metadata = owner.metadata(&config.app.name);
    metadata["labels"]["release"] = json!(config.kubernetes.operator.release);
    metadata
}

fn pod_monitor(config: &Config, owner: &Component) -> Value {
    let mut relabelings: Vec<Value> = crate::monitoring::scrape::app_relabel_configs(config)
        .as_array()
        .expect("relabel configs are a list")
        .iter()
        .map(camel_case_keys)
        .collect();
    // The operator names the job `<namespace>/<PodMonitor>`; the rules
    // select the app's job by its configured name.
    relabelings.push(json!({
        "action": "replace",
        "targetLabel": "job",
        "replacement": config.app.job,
    }));
    json!({
        "apiVersion": API_VERSION,
        "kind": "PodMonitor",
        "metadata": metadata(config, owner),
        "spec": {
            "selector": {"matchLabels": owner.selector()},
            "podMetricsEndpoints": [{
                "port": config.app.port_name,
                "path": "/metrics",
                "interval": config.prometheus.scrape_interval.to_string(),
                "scrapeTimeout": config.prometheus.scrape_timeout.to_string(),
                "relabelings": relabelings,
            }],
        },
    })
}

fn prometheus_rule(config: &Config, owner: &Component, monitoring: &Monitoring) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "PrometheusRule",
        "metadata": metadata(config, owner),
        "spec": {"groups": monitoring.rule_groups},
    })
}

/// Prometheus' `source_labels` is the operator's `sourceLabels`.
fn camel_case_keys(relabel: &Value) -> Value {
    let object = relabel.as_object().expect("a relabel config is an object");
    let converted: Map<String, Value> = object
        .iter()
        .map(|(key, value)| {
            let mut camel = String::with_capacity(key.len());
            let mut upper = false;
            for c in key.chars() {
                if c == '_' {
                    upper = true;
                } else if upper {
                    camel.push(c.to_ascii_uppercase());
                    upper = false;
                } else {
                    camel.push(c);
                }
            }
            (camel, value.clone())
        })
        .collect();
    Value::Object(converted)
}
