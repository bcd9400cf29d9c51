//! The service itself: Deployment, Service, PodDisruptionBudget. Variant
//! specifics (image, runtime, environment) come from the overlays.

use serde_json::{Value, json};

use crate::kubernetes::objects::{self, Component};
use stack_config::config::Config;

/// Name of the app's container, which the overlays patch.
pub const CONTAINER: &str = "app";

/// Seconds the kubelet waits after the app's own drain deadline before it
/// kills the container: room for the process to exit once drained.
pub const EXIT_MARGIN_SECONDS: u32 = 5;

pub fn component(config: &Config) -> Component {
    Component::new(config, &config.app.name, "server", app_core::VERSION)
}

/// How long a stopping pod may take: the preStop pause, then the app's
/// drain deadline, then the exit margin. One setting (`app.drain_seconds`)
/// drives both this and the app's `APP_DRAIN_TIMEOUT`.
pub fn termination_grace_seconds(config: &Config) -> u32 {
    config.kubernetes.pre_stop_seconds + config.app.drain_seconds + EXIT_MARGIN_SECONDS
}

pub fn objects(config: &Config) -> Vec<Value> {
    let app = component(config);
    let name = &config.app.name;
    vec![
        objects::service_account(&app, name, false),
        deployment(config, &app),
        objects::service(&app, name, &config.app.port_name, config.app.port),
        json!({
            "apiVersion": "policy/v1",
            "kind": "PodDisruptionBudget",
            "metadata": app.metadata(name),
            "spec": {
                // One pod at a time, whatever the replica count: a drain
                // never takes the service down and never blocks forever.
                "maxUnavailable": 1,
                "selector": {"matchLabels": app.selector()},
            },
        }),
    ]
}

fn deployment(config: &Config, app: &Component) -> Value {
    let k8s = &config.kubernetes;
    let port_name = &config.app.port_name;
    let mut deployment = json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": app.metadata(&config.app.name),
        "spec": {
            "replicas": config.app.replicas,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": app.selector()},
            // A new pod is ready before an old one stops.
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxUnavailable": 0, "maxSurge": 1},
            },
            "template": {
                "metadata": {"labels": app.labels()},
                "spec": {
                    "serviceAccountName": config.app.name,
                    "automountServiceAccountToken": false,
                    "enableServiceLinks": false,
                    "securityContext": objects::pod_security(&k8s.app),
                    "terminationGracePeriodSeconds": termination_grace_seconds(config),
                    "topologySpreadConstraints": [{
                        "maxSkew": 1,
                        "topologyKey": "kubernetes.io/hostname",
                        "whenUnsatisfiable": "ScheduleAnyway",
                        "labelSelector": {"matchLabels": app.selector()},
                    }],
                    "containers": [{
                        "name": CONTAINER,
                        "image": &config.images.native.reference(),
                        "imagePullPolicy": k8s.app_image_pull_policy.as_str(),
                        "ports": [objects::container_port(port_name, config.app.port)],
                        "readinessProbe": objects::http_probe("/readyz", port_name, 2, 1),
                        "livenessProbe": objects::http_probe("/healthz", port_name, 10, 3),
                        "resources": objects::resources(&k8s.app.requests, &k8s.app.limits),
                        "securityContext": objects::container_security(),
                        "volumeMounts": [objects::mount("tmp", "/tmp", false)],
                    }],
                    "volumes": [objects::empty_dir("tmp", "64Mi")],
                },
            },
        },
    });
    if k8s.autoscaling.enabled {
        // KEDA's HorizontalPodAutoscaler owns the count; a replica field
        // here would reset it on every `kubectl apply`.
        deployment["spec"]
            .as_object_mut()
            .expect("spec")
            .remove("replicas");
    }
    if k8s.pre_stop_seconds > 0 {
        // Endpoint removal races the signal: keep serving until every
        // watcher has stopped sending here. The kubelet itself sleeps, so no
        // shell is needed in the image (neither variant's has one).
        deployment["spec"]["template"]["spec"]["containers"][0]["lifecycle"] =
            json!({"preStop": {"sleep": {"seconds": k8s.pre_stop_seconds}}});
    }
    deployment
}
