//! One overlay per variant: the base with the variant's image, label and
//! runtime. The Spin overlay runs the component under containerd-shim-spin.

use serde_json::{Value, json};

use super::kustomization::{Kustomization, ResourceFile};
use super::kustomize::API_VERSION;
use super::objects::{self, Component};
use super::workloads::app;
use super::{autoscaling, spin_shim};
use stack_config::config::{Config, Image};
use stack_config::topology::POD_VARIANT_LABEL;

/// The RuntimeClass SpinKube installs, and the containerd handler it names.
pub const SPIN_RUNTIME_CLASS: &str = "wasmtime-spin-v2";
pub const SPIN_HANDLER: &str = "spin";
/// containerd-shim-spin reads the component's `spin.toml` from the image
/// root; this command tells it to.
pub const SPIN_COMMAND: &str = "/";
/// The shim's HTTP trigger listens on port 80 unless told otherwise.
pub const SPIN_LISTEN_ENV: &str = "SPIN_HTTP_LISTEN_ADDR";

pub(super) const PATCH_FILE: &str = "app-patch.yaml";

pub fn native(config: &Config) -> Kustomization {
    let env = json!([
        {"name": "APP_LISTEN", "value": format!("0.0.0.0:{}", config.app.port)},
        // The same setting sizes the pod's terminationGracePeriodSeconds.
        {"name": "APP_DRAIN_TIMEOUT", "value": config.app.drain_seconds.to_string()},
        {"name": "APP_LOG_FORMAT", "value": "json"},
    ]);
    let patch = app_patch(config, "native", json!({"env": env}), json!({}));
    overlay(
        config,
        "overlays/native",
        vec![ResourceFile {
            name: PATCH_FILE,
            objects: vec![patch],
        }],
        &config.images.native,
        "native",
    )
}

/// The RuntimeClass whose handler runs containerd-shim-spin.
pub fn runtime_class(config: &Config) -> Value {
    json!({
        "apiVersion": "node.k8s.io/v1",
        "kind": "RuntimeClass",
        "metadata": app::component(config).cluster_metadata(SPIN_RUNTIME_CLASS),
        "handler": SPIN_HANDLER,
    })
}

pub fn spin(config: &Config) -> Kustomization {
    let runtime_class = runtime_class(config);
    let port_name = &config.app.port_name;
    let shim_paths = spin_shim::WRITABLE_PATHS.iter();
    let container = json!({
        "command": [SPIN_COMMAND],
        "env": [{
            "name": SPIN_LISTEN_ENV,
            "value": format!("0.0.0.0:{}", config.app.port),
        }],
        // Liveness and readiness wait until Spin has compiled the component
        // and answers; until then only this probe runs.
        "startupProbe": objects::http_probe(
            "/healthz",
            port_name,
            spin_shim::STARTUP_PROBE_PERIOD_SECONDS,
            spin_shim::STARTUP_PROBE_FAILURES,
        ),
        "resources": objects::resources(&config.kubernetes.spin_app.requests, &config.kubernetes.spin_app.limits),
        "volumeMounts": shim_paths
            .clone()
            .map(|path| objects::mount(path.volume, path.mount_path, false))
            .collect::<Vec<_>>(),
    });
    let pod = json!({
        "runtimeClassName": SPIN_RUNTIME_CLASS,
        "volumes": shim_paths
            .map(|path| objects::empty_dir(path.volume, path.size_limit))
            .collect::<Vec<_>>(),
    });
    let patch = app_patch(config, "spin", container, pod);
    let mut spin = overlay(
        config,
        "overlays/spin",
        vec![
            ResourceFile {
                name: "runtime-class.yaml",
                objects: vec![runtime_class],
            },
            ResourceFile {
                name: PATCH_FILE,
                objects: vec![patch],
            },
        ],
        &config.images.spin,
        "spin",
    );
    spin.kustomization["sortOptions"] = prerequisites_first(&[]);
    spin
}

/// Kustomize's legacy order puts kinds it does not know, RuntimeClass among
/// them, after every workload; a Deployment applied before its RuntimeClass
/// has its first pods rejected. This is the legacy order (kustomize's
/// `api/resid/gvk.go`) with RuntimeClass right after Namespace, then any
/// `custom` kinds other objects need first.
pub fn prerequisites_first(custom: &[&str]) -> Value {
    let mut first = vec!["Namespace", "RuntimeClass"];
    first.extend_from_slice(custom);
    first.extend([
        "ResourceQuota",
        "StorageClass",
        "CustomResourceDefinition",
        "ServiceAccount",
        "PodSecurityPolicy",
        "Role",
        "ClusterRole",
        "RoleBinding",
        "ClusterRoleBinding",
        "ConfigMap",
        "Secret",
        "Endpoints",
        "Service",
        "LimitRange",
        "PriorityClass",
        "PersistentVolume",
        "PersistentVolumeClaim",
        "Deployment",
        "StatefulSet",
        "CronJob",
        "PodDisruptionBudget",
    ]);
    json!({
        "order": "legacy",
        "legacySortOptions": {
            "orderFirst": first,
            "orderLast": ["MutatingWebhookConfiguration", "ValidatingWebhookConfiguration"],
        },
    })
}

/// A strategic-merge patch of the app Deployment: the variant label on the
/// Deployment and its pods, fields merged into the app container, and
/// fields merged into the pod spec (lists such as `volumes` merge by name).
fn app_patch(config: &Config, variant: &str, container: Value, pod: Value) -> Value {
    let owner: Component = app::component(config);
    let mut container = container;
    let fields = container.as_object_mut().expect("container fields");
    let mut merged = serde_json::Map::new();
    merged.insert("name".into(), json!(app::CONTAINER));
    merged.append(fields);
    let mut pod_spec = pod;
    pod_spec["containers"] = json!([Value::Object(merged)]);
    let variant_label = json!({POD_VARIANT_LABEL: variant});
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": {
            "name": config.app.name,
            "namespace": owner.namespace,
            "labels": variant_label,
        },
        "spec": {
            "template": {
                "metadata": {"labels": variant_label},
                "spec": pod_spec,
            },
        },
    })
}

fn overlay(
    config: &Config,
    dir: &'static str,
    mut files: Vec<ResourceFile>,
    image: &Image,
    variant: &str,
) -> Kustomization {
    if config.kubernetes.autoscaling.enabled {
        files.push(ResourceFile {
            name: autoscaling::FILE,
            objects: vec![autoscaling::scaled_object(config, variant)],
        });
    }
    let mut resources = vec![json!("../../base")];
    let mut patches = Vec::new();
    for file in &files {
        if file.name == PATCH_FILE {
            patches.push(json!({"path": file.name}));
        } else {
            resources.push(json!(file.name));
        }
    }
    let kustomization = json!({
        "apiVersion": API_VERSION,
        "kind": "Kustomization",
        "resources": resources,
        "patches": patches,
        // The base names the native image; each overlay pins its own.
        "images": [{
            "name": config.images.native.repository,
            "newName": image.repository,
            "newTag": image.tag,
        }],
    });
    Kustomization {
        dir,
        files,
        config_maps: Vec::new(),
        kustomization,
    }
}
