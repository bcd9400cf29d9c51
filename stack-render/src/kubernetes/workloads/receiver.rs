//! The webhook receiver Alertmanager notifies by default: the `alert-receiver` binary
//! behind the Service `alert-receiver`, logging each notification as one
//! JSON line (`kubectl logs deploy/alert-receiver`). It is deployed exactly
//! when `alertmanager.webhook_url` or `watchdog_url` names that Service, so
//! the default configuration never points at a receiver that does not exist,
//! and one pointing elsewhere deploys nothing it does not use.

use serde_json::{Value, json};

use stack_config::Endpoint;
use stack_config::topology::names_receiver;

use crate::kubernetes::objects::{self, Component};
use stack_config::config::Config;
use stack_config::topology::{RECEIVER_PATH, RECEIVER_PORT, RECEIVER_SERVICE};

pub const CONTAINER: &str = "receiver";
pub const PORT_NAME: &str = "http";

pub fn component(config: &Config) -> Component {
    let image = &config.images.receiver;
    Component::new(config, RECEIVER_SERVICE, "notifications", &image.tag)
}

/// Whether the manifests include the receiver.
pub fn deployed(config: &Config) -> bool {
    config
        .alertmanager
        .notification_urls()
        .filter_map(|(_, url)| Endpoint::parse(url).ok())
        .any(|url| names_receiver(&url, &config.namespace))
}

pub fn objects(config: &Config) -> Vec<Value> {
    let receiver = component(config);
    vec![
        objects::service_account(&receiver, RECEIVER_SERVICE, false),
        objects::service(&receiver, RECEIVER_SERVICE, PORT_NAME, RECEIVER_PORT),
        deployment(config, &receiver),
    ]
}

fn deployment(config: &Config, receiver: &Component) -> Value {
    let k8s = &config.kubernetes;
    let args = [
        format!("--listen=0.0.0.0:{RECEIVER_PORT}"),
        format!("--path={RECEIVER_PATH}"),
    ];
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": receiver.metadata(RECEIVER_SERVICE),
        "spec": {
            // Alertmanager retries a notification the receiver missed while
            // it restarted: one replica loses nothing.
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": receiver.selector()},
            "template": {
                "metadata": {"labels": receiver.labels()},
                "spec": {
                    "serviceAccountName": RECEIVER_SERVICE,
                    "automountServiceAccountToken": false,
                    "enableServiceLinks": false,
                    "securityContext": objects::pod_security(&k8s.receiver),
                    // It holds nothing to flush.
                    "terminationGracePeriodSeconds": 10,
                    "containers": [{
                        "name": CONTAINER,
                        "image": &config.images.receiver.reference(),
                        // Loaded into the cluster with the app's images.
                        "imagePullPolicy": k8s.app_image_pull_policy.as_str(),
                        "args": args,
                        "ports": [objects::container_port(PORT_NAME, RECEIVER_PORT)],
                        "readinessProbe": objects::http_probe("/healthz", PORT_NAME, 5, 3),
                        "livenessProbe": objects::http_probe("/healthz", PORT_NAME, 15, 4),
                        "resources": objects::resources(&k8s.receiver.requests, &k8s.receiver.limits),
                        // It writes only to stdout: no volume at all.
                        "securityContext": objects::container_security(),
                    }],
                },
            },
        },
    })
}
