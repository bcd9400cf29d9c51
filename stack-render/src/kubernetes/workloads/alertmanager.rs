//! Alertmanager: configuration from a generated ConfigMap, notification log
//! and silences on a PersistentVolumeClaim so they survive a restart.

use serde_json::{Value, json};

use crate::kubernetes::kustomization::GeneratedConfigMap;
use crate::kubernetes::objects::{self, Component};
use crate::monitoring::Monitoring;
use stack_config::config::Config;
use stack_config::topology::{ALERTMANAGER_CONFIG_FILE, ALERTMANAGER_SERVICE, READY_PATH, mounts};

pub const CONFIG_MAP: &str = "alertmanager-config";
pub const CONTAINER: &str = "alertmanager";
pub const PORT_NAME: &str = "web";

pub fn component(config: &Config) -> Component {
    let image = &config.kubernetes.images.alertmanager;
    Component::new(config, "alertmanager", "alerting", &image.tag)
}

pub fn objects(config: &Config) -> Vec<Value> {
    let alertmanager = component(config);
    vec![
        objects::service_account(&alertmanager, ALERTMANAGER_SERVICE, false),
        objects::service(
            &alertmanager,
            ALERTMANAGER_SERVICE,
            PORT_NAME,
            config.alertmanager.port,
        ),
        stateful_set(config, &alertmanager),
    ]
}

pub fn config_maps(config: &Config, monitoring: &Monitoring) -> Vec<GeneratedConfigMap> {
    vec![GeneratedConfigMap::new(
        CONFIG_MAP,
        &component(config),
        ALERTMANAGER_CONFIG_FILE,
        &monitoring.alertmanager_k8s,
    )]
}

fn stateful_set(config: &Config, alertmanager: &Component) -> Value {
    let k8s = &config.kubernetes;
    let args = crate::monitoring::alertmanager::server_args(
        &format!(
            "{}/{ALERTMANAGER_CONFIG_FILE}",
            mounts::ALERTMANAGER_CONFIG_DIR
        ),
        mounts::ALERTMANAGER_DATA_DIR,
        &format!(":{}", config.alertmanager.port),
    );
    json!({
        "apiVersion": "apps/v1",
        "kind": "StatefulSet",
        "metadata": alertmanager.metadata(ALERTMANAGER_SERVICE),
        "spec": {
            "serviceName": ALERTMANAGER_SERVICE,
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": alertmanager.selector()},
            "template": {
                "metadata": {"labels": alertmanager.labels()},
                "spec": {
                    "serviceAccountName": ALERTMANAGER_SERVICE,
                    "automountServiceAccountToken": false,
                    "enableServiceLinks": false,
                    "securityContext": objects::pod_security(&k8s.alertmanager),
                    "containers": [{
                        "name": CONTAINER,
                        "image": &k8s.images.alertmanager.reference(),
                        "imagePullPolicy": "IfNotPresent",
                        "args": args,
                        "ports": [objects::container_port(PORT_NAME, config.alertmanager.port)],
                        "readinessProbe": objects::http_probe(READY_PATH, PORT_NAME, 5, 3),
                        "livenessProbe": objects::http_probe("/-/healthy", PORT_NAME, 15, 4),
                        "resources": objects::resources(&k8s.alertmanager.requests, &k8s.alertmanager.limits),
                        "securityContext": objects::container_security(),
                        "volumeMounts": [
                            objects::mount("config", mounts::ALERTMANAGER_CONFIG_DIR, true),
                            objects::mount("data", mounts::ALERTMANAGER_DATA_DIR, false),
                        ],
                    }],
                    "volumes": [objects::config_map_volume("config", CONFIG_MAP)],
                },
            },
            "volumeClaimTemplates": [{
                "metadata": {"name": "data", "labels": alertmanager.labels()},
                "spec": objects::claim_spec(
                    &k8s.alertmanager_storage_size,
                    k8s.storage_class.as_deref(),
                ),
            }],
        },
    })
}
