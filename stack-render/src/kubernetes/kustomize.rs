//! The kustomize base and the writing of manifest files.

use serde_json::{Value, json};

use super::kustomization::{FILES_DIR, GeneratedConfigMap, Kustomization, ResourceFile};
use super::network;
use super::objects::Component;
use super::workloads::{alertmanager, app, grafana, prometheus, receiver};
use crate::monitoring::Monitoring;
use crate::yaml;
use stack_config::config::Config;

pub const API_VERSION: &str = "kustomize.config.k8s.io/v1beta1";

/// Pod Security Admission enforces, audits and warns at this level.
pub const POD_SECURITY_LEVEL: &str = "restricted";

/// YAML documents with the generated-file header.
pub fn yaml_file(objects: &[Value]) -> String {
    let mut out = String::new();
    for (i, object) in objects.iter().enumerate() {
        if i == 0 {
            out.push_str(&yaml::document(crate::tree::GENERATED_HEADER, object));
        } else {
            out.push_str("---\n");
            out.push_str(&yaml::to_string(object));
        }
    }
    out
}

pub fn base(config: &Config, monitoring: &Monitoring) -> Kustomization {
    let mut resources = vec![
        ResourceFile {
            name: "namespace.yaml",
            objects: vec![namespace(config)],
        },
        ResourceFile {
            name: "app.yaml",
            objects: app::objects(config),
        },
        ResourceFile {
            name: "prometheus.yaml",
            objects: prometheus::objects(config),
        },
        ResourceFile {
            name: "alertmanager.yaml",
            objects: alertmanager::objects(config),
        },
        ResourceFile {
            name: "grafana.yaml",
            objects: grafana::objects(config),
        },
    ];
    if receiver::deployed(config) {
        resources.push(ResourceFile {
            name: "alert-receiver.yaml",
            objects: receiver::objects(config),
        });
    }
    resources.push(ResourceFile {
        name: "network-policies.yaml",
        objects: network::objects(config),
    });
    let mut config_maps = prometheus::config_maps(config, monitoring);
    config_maps.extend(alertmanager::config_maps(config, monitoring));
    config_maps.extend(grafana::config_maps(config, monitoring));
    let kustomization = kustomization(
        config,
        resources.iter().map(|file| file.name.to_string()).collect(),
        &config_maps,
        true,
    );
    Kustomization {
        dir: "base",
        files: resources,
        config_maps,
        kustomization,
    }
}

/// A `kustomization.yaml`. With `hashed` names, a changed file yields a new
/// ConfigMap name and so a rollout; without, names stay fixed for tools that
/// look ConfigMaps up by name.
pub fn kustomization(
    config: &Config,
    resources: Vec<String>,
    config_maps: &[GeneratedConfigMap],
    hashed: bool,
) -> Value {
    let mut kustomization = json!({
        "apiVersion": API_VERSION,
        "kind": "Kustomization",
        "namespace": config.namespace,
        "resources": resources,
    });
    if !config_maps.is_empty() {
        let generators: Vec<Value> = config_maps
            .iter()
            .map(|config_map| {
                let mut options = json!({"labels": config_map.labels});
                if !hashed {
                    options["disableNameSuffixHash"] = json!(true);
                }
                json!({
                    "name": config_map.name,
                    "files": [format!("{FILES_DIR}/{}", config_map.file_name)],
                    "options": options,
                })
            })
            .collect();
        kustomization["configMapGenerator"] = json!(generators);
    }
    kustomization
}

fn namespace(config: &Config) -> Value {
    let owner = Component::new(
        config,
        &config.kubernetes.part_of,
        "namespace",
        app_core::VERSION,
    );
    let mut labels = owner.labels();
    for mode in ["enforce", "audit", "warn"] {
        labels[format!("pod-security.kubernetes.io/{mode}")] = json!(POD_SECURITY_LEVEL);
        labels[format!("pod-security.kubernetes.io/{mode}-version")] = json!("latest");
    }
    json!({
        "apiVersion": "v1",
        "kind": "Namespace",
        "metadata": {"name": config.namespace, "labels": labels},
    })
}
