//! The SpinKube-native overlay: the base with the app Deployment and Service
//! replaced by a `SpinApp` and its `SpinAppExecutor`, for clusters running
//! spin-operator, which creates both from them.
//!
//! What spin-operator v0.6.1 copies from a SpinApp to the Deployment it
//! creates (`internal/controller/spinapp_controller.go`, `constructDeployment`;
//! `internal/controller/deployment.go`): image, replicas, podLabels,
//! podAnnotations, resources, volumes, volumeMounts, serviceAccountName,
//! readiness and liveness `checks`, variables (as `SPIN_VARIABLE_*`). It
//! sets `SPIN_HTTP_LISTEN_ADDR` to port 80 itself, names the container port
//! `http-app` (`pkg/spinapp/spinapp.go`) and sets no securityContext, no
//! startupProbe, no preStop hook and no token-mount setting: those cannot be
//! expressed, and docs/kubernetes.md ("SpinKube") says what follows.

use serde_json::{Value, json};

use super::kustomization::{Kustomization, ResourceFile};
use super::kustomize::API_VERSION as KUSTOMIZE_API_VERSION;
use super::network::{egress_to, policy, tcp};
use super::objects;
use super::overlays::{self, SPIN_RUNTIME_CLASS};
use super::workloads::{app, prometheus};
use super::{autoscaling, spin_shim};
use stack_config::config::Config;
use stack_config::topology::POD_VARIANT_LABEL;

pub const API_VERSION: &str = "core.spinkube.dev/v1alpha1";
/// The executor spin-operator's samples and Helm chart name for the shim.
pub const EXECUTOR: &str = "containerd-shim-spin";
/// The port and port name spin-operator gives every SpinApp's container.
pub const PORT: u16 = 80;
pub use crate::monitoring::scrape::SPINKUBE_PORT_NAME as PORT_NAME;
/// The pods run the Spin component: same variant as the Spin overlay.
pub const VARIANT: &str = "spin";
/// spin-operator sets no securityContext, so the namespace can enforce only
/// this level (audit and warn stay `restricted`).
pub const POD_SECURITY_ENFORCE: &str = "baseline";

pub fn kustomization(config: &Config) -> Kustomization {
    let mut files = vec![
        ResourceFile {
            name: "runtime-class.yaml",
            objects: vec![overlays::runtime_class(config)],
        },
        ResourceFile {
            name: "spin-app.yaml",
            objects: vec![executor(config), spin_app(config)],
        },
        ResourceFile {
            name: "network-policies.yaml",
            objects: port_policies(config),
        },
    ];
    if config.kubernetes.autoscaling.enabled {
        files.push(ResourceFile {
            name: autoscaling::FILE,
            objects: vec![autoscaling::scaled_object(config, VARIANT)],
        });
    }
    let mut resources = vec![json!("../../base")];
    resources.extend(files.iter().map(|file| json!(file.name)));
    let patches = [
        (
            "remove-app-deployment.yaml",
            removal(config, "apps/v1", "Deployment"),
        ),
        ("remove-app-service.yaml", removal(config, "v1", "Service")),
        ("namespace-patch.yaml", namespace_patch(config)),
    ];
    let kustomization = json!({
        "apiVersion": KUSTOMIZE_API_VERSION,
        "kind": "Kustomization",
        "resources": resources,
        "patches": patches.iter().map(|(name, _)| json!({"path": name})).collect::<Vec<_>>(),
        // The SpinApp's webhook rejects an app whose executor does not exist yet.
        "sortOptions": overlays::prerequisites_first(&["SpinAppExecutor"]),
    });
    files.extend(patches.into_iter().map(|(name, patch)| ResourceFile {
        name,
        objects: vec![patch],
    }));
    Kustomization {
        dir: "overlays/spinkube",
        files,
        config_maps: Vec::new(),
        kustomization,
    }
}

fn executor(config: &Config) -> Value {
    json!({
        "apiVersion": API_VERSION,
        "kind": "SpinAppExecutor",
        "metadata": app::component(config).metadata(EXECUTOR),
        "spec": {
            "createDeployment": true,
            "deploymentConfig": {
                "runtimeClassName": SPIN_RUNTIME_CLASS,
                // The component calls no host (allowed_outbound_hosts = []),
                // so no CA bundle Secret is generated or mounted.
                "installDefaultCACerts": false,
            },
        },
    })
}

fn spin_app(config: &Config) -> Value {
    let owner = app::component(config);
    let mut pod_labels = owner.labels();
    pod_labels[POD_VARIANT_LABEL] = json!(VARIANT);
    let mut metadata = owner.metadata(&config.app.name);
    metadata["labels"][POD_VARIANT_LABEL] = json!(VARIANT);
    let (mut volumes, mut mounts) = (vec![], vec![]);
    for path in &spin_shim::WRITABLE_PATHS {
        volumes.push(objects::empty_dir(path.volume, path.size_limit));
        mounts.push(objects::mount(path.volume, path.mount_path, false));
    }
    // The base pod's scratch space.
    volumes.push(objects::empty_dir("tmp", "64Mi"));
    mounts.push(objects::mount("tmp", "/tmp", false));
    let spin = &config.kubernetes.spin_app;
    let mut spec = json!({
        "executor": EXECUTOR,
        "image": config.images.spin.reference(),
        "serviceAccountName": config.app.name,
        "podLabels": pod_labels,
        "resources": objects::resources(&spin.requests, &spin.limits),
        "volumes": volumes,
        "volumeMounts": mounts,
        // spin-operator writes its own /runtime-config.toml over the image's.
        "runtimeConfig": {
            "keyValueStores": [{
                "name": spin_shim::RUNTIME_CONFIG.label,
                "type": spin_shim::RUNTIME_CONFIG.store_type,
            }],
        },
        "checks": {
            "readiness": probe("/readyz", 0, 2, 1),
            // No startupProbe can be set: liveness waits as long as the Spin
            // overlay's startup probe would allow the compile to take.
            "liveness": probe(
                "/healthz",
                spin_shim::STARTUP_PROBE_PERIOD_SECONDS * spin_shim::STARTUP_PROBE_FAILURES,
                10,
                3,
            ),
        },
    });
    if config.kubernetes.autoscaling.enabled {
        // spin-operator then leaves the Deployment's replicas to KEDA; the
        // webhook refuses `replicas` together with it.
        spec["enableAutoscaling"] = json!(true);
    } else {
        spec["replicas"] = json!(config.app.replicas);
    }
    json!({
        "apiVersion": API_VERSION,
        "kind": "SpinApp",
        "metadata": metadata,
        "spec": spec,
    })
}

/// A SpinApp health check; spin-operator probes its own port.
fn probe(path: &str, initial_delay: u32, period: u32, failures: u32) -> Value {
    json!({
        "httpGet": {"path": path},
        "initialDelaySeconds": initial_delay,
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    })
}

/// The base's policies open the app port; spin-operator's pods listen on
/// [`PORT`] instead, so clients and Prometheus may reach that too.
fn port_policies(config: &Config) -> Vec<Value> {
    let app = app::component(config);
    let prometheus = prometheus::component(config);
    vec![
        policy(
            &app,
            &format!("{}-spinkube", config.app.name),
            app.selector(),
            json!({"policyTypes": ["Ingress"], "ingress": [{"ports": [tcp(PORT)]}]}),
        ),
        policy(
            &prometheus,
            "prometheus-spinkube",
            prometheus.selector(),
            json!({"policyTypes": ["Egress"], "egress": [egress_to(&app, PORT)]}),
        ),
    ]
}

/// A strategic-merge patch deleting one of the base's app objects, which
/// spin-operator creates under the same name.
fn removal(config: &Config, api_version: &str, kind: &str) -> Value {
    json!({
        "apiVersion": api_version,
        "kind": kind,
        "metadata": {"name": config.app.name, "namespace": config.namespace},
        "$patch": "delete",
    })
}

fn namespace_patch(config: &Config) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {
            "name": config.namespace,
            "labels": {"pod-security.kubernetes.io/enforce": POD_SECURITY_ENFORCE},
        },
    })
}
