//! Prometheus configuration: the Kubernetes one and the local one.
//!
//! Both scrape the app with ONE job whose relabelling is identical; only the
//! discovery block differs. Kubernetes pod discovery yields one target per
//! pod and container port; the local stack lists its instances in a file
//! carrying the same `__meta_kubernetes_*` labels, so the local end-to-end
//! test exercises the very relabelling that runs in the cluster.

use std::net::SocketAddr;

use serde_json::{Value, json};

use app_core::Variant;

use crate::promql::regex_literal;
use crate::yaml;
use stack_config::config::Config;
use stack_config::topology::{ALERTMANAGER_SERVICE, POD_VARIANT_LABEL, RULES_FILE, mounts};

/// Job names of the monitoring components' own metrics.
pub const PROMETHEUS_JOB: &str = "prometheus";
pub const ALERTMANAGER_JOB: &str = "alertmanager";

/// Where the local config finds its target list, relative to the config file.
pub const LOCAL_TARGETS_FILE: &str = "targets/app.json";
/// Where the local config finds its rules, relative to the config file.
pub fn local_rules_file() -> String {
    format!("rules/{RULES_FILE}")
}

/// Prometheus feature flags every server we render or start runs with:
/// exemplar storage keeps the trace ids the app attaches to its latency
/// histogram (OpenMetrics exemplars), which the dashboard's latency panel
/// shows and `/api/v1/query_exemplars` returns.
pub const FEATURES: [&str; 1] = ["exemplar-storage"];

/// The flags a Prometheus server runs with, in Kubernetes and in the local
/// stack alike: its configuration file, TSDB directory, retention, listen
/// address and [`FEATURES`].
pub fn server_args(
    config: &Config,
    config_file: &str,
    data_dir: &str,
    listen_address: &str,
) -> Vec<String> {
    vec![
        format!("--config.file={config_file}"),
        format!("--storage.tsdb.path={data_dir}"),
        format!(
            "--storage.tsdb.retention.time={}",
            config.prometheus.retention
        ),
        format!("--web.listen-address={listen_address}"),
        format!("--enable-feature={}", FEATURES.join(",")),
    ]
}

/// The Kubernetes label key, as a pod discovery meta label name.
fn pod_label_meta(key: &str) -> String {
    let sanitized: String = key
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { '_' })
        .collect();
    format!("__meta_kubernetes_pod_label_{sanitized}")
}

const NAME_LABEL: &str = "app.kubernetes.io/name";

/// The container port name spin-operator gives every SpinApp's pods
/// (spin-operator v0.6.1 `pkg/spinapp/spinapp.go`, `HTTPPortName`): the
/// SpinKube overlay cannot name it `app.port_name`.
pub const SPINKUBE_PORT_NAME: &str = "http-app";

/// Keeps only the app's running pods on the named port, and turns the pod's
/// identity into the target labels `namespace`, `pod` and `variant`.
/// Shared with the operator's PodMonitor, which needs the same rules.
pub fn app_relabel_configs(config: &Config) -> Value {
    json!([
        {
            "source_labels": [pod_label_meta(NAME_LABEL)],
            "regex": regex_literal(&config.app.name),
            "action": "keep",
        },
        {
            "source_labels": ["__meta_kubernetes_pod_container_port_name"],
            "regex": format!(
                "{}|{}",
                regex_literal(&config.app.port_name),
                regex_literal(SPINKUBE_PORT_NAME)
            ),
            "action": "keep",
        },
        {
            // Pending pods have no address yet; finished ones never will again.
            "source_labels": ["__meta_kubernetes_pod_phase"],
            "regex": "Running",
            "action": "keep",
        },
        {
            "source_labels": ["__meta_kubernetes_namespace"],
            "target_label": "namespace",
        },
        {
            "source_labels": ["__meta_kubernetes_pod_name"],
            "target_label": "pod",
        },
        {
            "source_labels": [pod_label_meta(POD_VARIANT_LABEL)],
            "target_label": "variant",
        },
    ])
}

enum Discovery<'a> {
    Kubernetes,
    Local(&'a Config),
}

fn app_job(config: &Config, discovery: &Discovery) -> Value {
    let mut job = json!({
        "job_name": config.app.job,
        "metrics_path": "/metrics",
        "scheme": "http",
    });
    let fields = job.as_object_mut().expect("object");
    match discovery {
        Discovery::Kubernetes => fields.insert(
            "kubernetes_sd_configs".into(),
            json!([{"role": "pod", "namespaces": {"names": [config.namespace]}}]),
        ),
        Discovery::Local(_) => fields.insert(
            "file_sd_configs".into(),
            json!([{"files": [LOCAL_TARGETS_FILE], "refresh_interval": "5s"}]),
        ),
    };
    fields.insert("relabel_configs".into(), app_relabel_configs(config));
    job
}

fn static_job(name: &str, target: &str) -> Value {
    json!({"job_name": name, "static_configs": [{"targets": [target]}]})
}

fn render(config: &Config, discovery: Discovery) -> Value {
    let p = &config.prometheus;
    let (self_address, alertmanager_address, rule_files) = match &discovery {
        Discovery::Kubernetes => (
            format!("localhost:{}", p.port),
            format!("{ALERTMANAGER_SERVICE}:{}", config.alertmanager.port),
            format!("{}/*.yml", mounts::PROMETHEUS_RULES_DIR),
        ),
        Discovery::Local(config) => (
            config.local.prometheus_address.clone(),
            config.local.alertmanager_address.clone(),
            local_rules_file(),
        ),
    };
    let mut root = json!({
        "global": {
            "scrape_interval": p.scrape_interval,
            "scrape_timeout": p.scrape_timeout,
            "evaluation_interval": p.evaluation_interval,
        },
        "rule_files": [rule_files],
        "alerting": {
            "alertmanagers": [
                {"api_version": "v2", "static_configs": [{"targets": [alertmanager_address]}]},
            ],
        },
        "scrape_configs": [
            app_job(config, &discovery),
            static_job(PROMETHEUS_JOB, &self_address),
            static_job(ALERTMANAGER_JOB, &alertmanager_address),
        ],
    });
    if !p.remote_write.is_empty() {
        root.as_object_mut().expect("object").insert(
            "remote_write".into(),
            serde_json::to_value(&p.remote_write).expect("plain data"),
        );
    }
    root
}

/// `prometheus.yml` for Kubernetes.
pub fn kubernetes_config(config: &Config) -> String {
    yaml::document(
        &format!(
            "{}\nPrometheus in Kubernetes: pod discovery in namespace {}.",
            crate::tree::GENERATED_HEADER,
            config.namespace
        ),
        &render(config, Discovery::Kubernetes),
    )
}

/// `prometheus.yml` for the local stack: targets come from
/// [`LOCAL_TARGETS_FILE`] (see [`file_sd_targets`]), rules from
/// [`local_rules_file`], both relative to the config file.
pub fn local_config(config: &Config) -> String {
    yaml::document(
        &format!(
            "{}\nPrometheus for the local stack: the same app job, with file-based discovery\n\
             ({LOCAL_TARGETS_FILE}, written by `stack up`).",
            crate::tree::GENERATED_HEADER
        ),
        &render(config, Discovery::Local(config)),
    )
}

/// One local app instance, as the local stack runs it.
#[derive(Clone, Debug)]
pub struct LocalTarget {
    /// `host:port` Prometheus scrapes.
    pub address: String,
    /// Stands in for the pod name, e.g. `app-native-1`.
    pub pod: String,
    pub variant: Variant,
}

/// The JSON target list for [`LOCAL_TARGETS_FILE`]: each instance dressed as
/// the Kubernetes pod it stands for, so [`app_relabel_configs`] applies as is.
pub fn file_sd_targets(config: &Config, targets: &[LocalTarget]) -> String {
    let groups: Vec<Value> = targets
        .iter()
        .map(|target| {
            let mut labels = serde_json::Map::new();
            labels.insert(pod_label_meta(NAME_LABEL), json!(config.app.name));
            labels.insert(
                pod_label_meta(POD_VARIANT_LABEL),
                json!(target.variant.as_str()),
            );
            labels.insert(
                "__meta_kubernetes_pod_container_port_name".into(),
                json!(config.app.port_name),
            );
            labels.insert("__meta_kubernetes_pod_phase".into(), json!("Running"));
            labels.insert(
                "__meta_kubernetes_namespace".into(),
                json!(config.namespace),
            );
            labels.insert("__meta_kubernetes_pod_name".into(), json!(target.pod));
            json!({"targets": [target.address], "labels": labels})
        })
        .collect();
    crate::tree::pretty_json(&groups)
}

/// Where a local instance listens: loopback, `port`.
pub fn local_address(port: u16) -> SocketAddr {
    SocketAddr::from(([127, 0, 0, 1], port))
}

/// The local stack's native instances, one per `local.app_ports` entry:
/// the name that stands in for the pod (`app-native-1`, …) and the address.
pub fn local_native_instances(config: &Config) -> Vec<(String, SocketAddr)> {
    config
        .local
        .app_ports
        .iter()
        .enumerate()
        .map(|(i, &port)| (format!("app-native-{}", i + 1), local_address(port)))
        .collect()
}

/// The committed example target list: the local stack's default ports.
pub fn default_local_targets(config: &Config) -> Vec<LocalTarget> {
    local_native_instances(config)
        .into_iter()
        .map(|(pod, address)| LocalTarget {
            address: address.to_string(),
            pod,
            variant: Variant::Native,
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn job_without_discovery(mut config: Value) -> Value {
        let job = &mut config["scrape_configs"][0];
        let fields = job.as_object_mut().unwrap();
        fields.remove("kubernetes_sd_configs");
        fields.remove("file_sd_configs");
        job.clone()
    }

    #[test]
    fn only_the_discovery_block_differs() {
        let config = Config::default();
        let k8s = render(&config, Discovery::Kubernetes);
        let local = render(&config, Discovery::Local(&config));
        assert!(
            k8s["scrape_configs"][0]
                .get("kubernetes_sd_configs")
                .is_some()
        );
        assert!(local["scrape_configs"][0].get("file_sd_configs").is_some());
        assert_eq!(job_without_discovery(k8s), job_without_discovery(local));
    }

    #[test]
    fn alerts_go_to_the_rendered_alertmanager_service() {
        let config = Config::default();
        let k8s = render(&config, Discovery::Kubernetes);
        assert_eq!(
            k8s["alerting"]["alertmanagers"][0]["static_configs"][0]["targets"][0],
            json!("alertmanager:9093")
        );
    }

    #[test]
    fn remote_write_appears_only_when_configured() {
        let mut config = Config::default();
        assert!(
            render(&config, Discovery::Kubernetes)
                .get("remote_write")
                .is_none()
        );
        config
            .prometheus
            .remote_write
            .push(stack_config::config::RemoteWrite {
                url: "https://mimir.example/api/v1/push".into(),
                name: None,
            });
        let rendered = render(&config, Discovery::Kubernetes);
        assert_eq!(
            rendered["remote_write"][0]["url"],
            json!("https://mimir.example/api/v1/push")
        );
    }
}
