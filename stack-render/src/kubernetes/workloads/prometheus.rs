//! Prometheus: its own identity with read-only access to pods, endpoints and
//! services of this namespace alone, configuration and rules from generated
//! ConfigMaps, and its TSDB on a PersistentVolumeClaim.

use serde_json::{Value, json};

use crate::kubernetes::kustomization::GeneratedConfigMap;
use crate::kubernetes::objects::{self, Component};
use crate::monitoring::Monitoring;
use stack_config::config::Config;
use stack_config::topology::{
    PROMETHEUS_CONFIG_FILE, PROMETHEUS_SERVICE, READY_PATH, RULES_FILE, mounts,
};

/// Names of the generated ConfigMaps (kustomize appends a content hash, so
/// a changed file rolls the pod).
pub const CONFIG_MAP: &str = "prometheus-config";
pub const RULES_CONFIG_MAP: &str = "prometheus-rules";
pub const CONTAINER: &str = "prometheus";
pub const PORT_NAME: &str = "web";

/// Exactly what Kubernetes service discovery reads, and nothing that writes.
pub const RBAC_RESOURCES: [&str; 3] = ["pods", "endpoints", "services"];
pub const RBAC_VERBS: [&str; 3] = ["get", "list", "watch"];

pub fn component(config: &Config) -> Component {
    let image = &config.kubernetes.images.prometheus;
    Component::new(config, "prometheus", "monitoring", &image.tag)
}

pub fn objects(config: &Config) -> Vec<Value> {
    let prometheus = component(config);
    let name = PROMETHEUS_SERVICE;
    vec![
        objects::service_account(&prometheus, name, true),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "Role",
            "metadata": prometheus.metadata(name),
            "rules": [{
                "apiGroups": [""],
                "resources": RBAC_RESOURCES,
                "verbs": RBAC_VERBS,
            }],
        }),
        json!({
            "apiVersion": "rbac.authorization.k8s.io/v1",
            "kind": "RoleBinding",
            "metadata": prometheus.metadata(name),
            "roleRef": {
                "apiGroup": "rbac.authorization.k8s.io",
                "kind": "Role",
                "name": name,
            },
            "subjects": [{
                "kind": "ServiceAccount",
                "name": name,
                "namespace": config.namespace,
            }],
        }),
        objects::service(&prometheus, name, PORT_NAME, config.prometheus.port),
        stateful_set(config, &prometheus),
    ]
}

/// The path of the rules file relative to the configuration directory,
/// where the projected volume places it.
fn rules_path() -> String {
    let relative = mounts::PROMETHEUS_RULES_DIR
        .strip_prefix(mounts::PROMETHEUS_CONFIG_DIR)
        .and_then(|rest| rest.strip_prefix('/'))
        .expect("the rules directory lies inside the configuration directory");
    format!("{relative}/{RULES_FILE}")
}

fn stateful_set(config: &Config, prometheus: &Component) -> Value {
    let k8s = &config.kubernetes;
    let args = crate::monitoring::scrape::server_args(
        config,
        &format!("{}/{PROMETHEUS_CONFIG_FILE}", mounts::PROMETHEUS_CONFIG_DIR),
        mounts::PROMETHEUS_DATA_DIR,
        &format!(":{}", config.prometheus.port),
    );
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": prometheus.metadata(PROMETHEUS_SERVICE),
        "spec": {
            "serviceName": PROMETHEUS_SERVICE,
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": prometheus.selector()},
            "template": {
                "metadata": {"labels": prometheus.labels()},
                "spec": {
                    "serviceAccountName": PROMETHEUS_SERVICE,
                    // Kubernetes service discovery authenticates with it.
                    "automountServiceAccountToken": true,
                    "enableServiceLinks": false,
                    "securityContext": objects::pod_security(&k8s.prometheus),
                    // Time to flush the head block on shutdown.
                    "terminationGracePeriodSeconds": 120,
                    "containers": [{
                        "name": CONTAINER,
                        "image": &k8s.images.prometheus.reference(),
                        "imagePullPolicy": "IfNotPresent",
                        "args": args,
                        "ports": [objects::container_port(PORT_NAME, config.prometheus.port)],
                        // Replaying a large WAL after a restart takes a while.
                        "startupProbe": objects::http_probe(READY_PATH, PORT_NAME, 5, 60),
                        "readinessProbe": objects::http_probe(READY_PATH, PORT_NAME, 5, 3),
                        "livenessProbe": objects::http_probe("/-/healthy", PORT_NAME, 15, 4),
                        "resources": objects::resources(&k8s.prometheus.requests, &k8s.prometheus.limits),
                        "securityContext": objects::container_security(),
                        "volumeMounts": [
                            objects::mount("config", mounts::PROMETHEUS_CONFIG_DIR, true),
                            objects::mount("data", mounts::PROMETHEUS_DATA_DIR, false),
                        ],
                    }],
                    "volumes": [{
                        // One projected volume: a ConfigMap mounted inside
                        // another's read-only mount cannot get its mount point.
                        "name": "config",
                        "projected": {"sources": [
                            {"configMap": {
                                "name": CONFIG_MAP,
                                "items": [{"key": PROMETHEUS_CONFIG_FILE, "path": PROMETHEUS_CONFIG_FILE}],
                            }},
                            {"configMap": {
                                "name": RULES_CONFIG_MAP,
                                "items": [{"key": RULES_FILE, "path": rules_path()}],
                            }},
                        ]},
                    }],
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data", "labels": prometheus.labels()},
                "spec": objects::claim_spec(
                    &config.prometheus.storage_size,
                    k8s.storage_class.as_deref(),
                ),
            }],
        },
    })
}

/// The ConfigMaps kustomize generates from the monitoring files.
pub fn config_maps(config: &Config, monitoring: &Monitoring) -> Vec<GeneratedConfigMap> {
    let prometheus = component(config);
    vec![
        GeneratedConfigMap::new(
            CONFIG_MAP,
            &prometheus,
            PROMETHEUS_CONFIG_FILE,
            &monitoring.prometheus_k8s,
        ),
        GeneratedConfigMap::new(RULES_CONFIG_MAP, &prometheus, RULES_FILE, &monitoring.rules),
    ]
}
