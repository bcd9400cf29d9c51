//! Kubernetes manifests: a kustomize base (namespace, app, Prometheus,
//! Alertmanager, Grafana, the webhook receiver, NetworkPolicies), one overlay per variant, and
//! resources for kube-prometheus-stack users.
//!
//! Objects are built as `serde_json::Value`s (so tests can walk them), then
//! written as YAML under `k8s/`. The monitoring files the ConfigMaps hold are
//! copied, never re-rendered, into the kustomization roots: kustomize does
//! not load files from outside its root.

mod alertmanager;
mod app;
pub mod checkov;
mod grafana;
mod kustomize;
mod network;
mod objects;
mod operator;
mod overlays;
pub mod policy;
mod prometheus;
pub mod receiver;
pub mod settings;
pub mod spin_shim;

#[cfg(test)]
mod tests;

use serde_json::Value;

use crate::config::Config;
use crate::monitoring::Monitoring;
use crate::render::RenderedTree;
use objects::Component;

pub use settings::Settings;

/// Root of the rendered manifests, relative to the repository.
pub const K8S_DIR: &str = "k8s";
/// Where the files behind generated ConfigMaps are copied, inside each
/// kustomization root.
const FILES_DIR: &str = "files";

/// A ConfigMap kustomize generates from one rendered file.
#[derive(Clone, Debug)]
pub struct GeneratedConfigMap {
    pub name: &'static str,
    pub labels: Value,
    pub file_name: String,
    pub contents: String,
}

impl GeneratedConfigMap {
    fn new(name: &'static str, owner: &Component, file_name: &str, contents: &str) -> Self {
        GeneratedConfigMap {
            name,
            labels: owner.labels(),
            file_name: file_name.into(),
            contents: contents.into(),
        }
    }
}

/// One kustomization directory: its resource files, generated ConfigMaps
/// and the `kustomization.yaml` tying them together.
#[derive(Clone, Debug)]
pub struct Kustomization {
    /// Directory relative to [`K8S_DIR`].
    pub dir: &'static str,
    /// Resource and patch files.
    pub files: Vec<ResourceFile>,
    pub config_maps: Vec<GeneratedConfigMap>,
    pub kustomization: Value,
}

/// A YAML file of one or more objects.
#[derive(Clone, Debug)]
pub struct ResourceFile {
    pub name: &'static str,
    pub objects: Vec<Value>,
}

impl Kustomization {
    /// Every object in its files (not the generated ConfigMaps; patches are partial).
    pub fn objects(&self) -> impl Iterator<Item = &Value> {
        self.files.iter().flat_map(|file| file.objects.iter())
    }
}

/// Everything under `k8s/`.
#[derive(Clone, Debug)]
pub struct Manifests {
    pub base: Kustomization,
    pub native: Kustomization,
    pub spin: Kustomization,
    pub operator: Kustomization,
}

impl Manifests {
    pub fn new(config: &Config, monitoring: &Monitoring) -> Self {
        let mut manifests = Manifests {
            base: kustomize::base(config, monitoring),
            native: overlays::native(config),
            spin: overlays::spin(config),
            operator: operator::kustomization(config, monitoring),
        };
        checkov::annotate(&mut manifests);
        manifests
    }

    pub fn all(&self) -> [&Kustomization; 4] {
        [&self.base, &self.native, &self.spin, &self.operator]
    }

    pub fn add_to(&self, tree: &mut RenderedTree) {
        for kustomization in self.all() {
            let dir = format!("{K8S_DIR}/{}", kustomization.dir);
            tree.insert(
                format!("{dir}/kustomization.yaml"),
                kustomize::yaml_file(std::slice::from_ref(&kustomization.kustomization)),
            );
            for file in &kustomization.files {
                tree.insert(
                    format!("{dir}/{}", file.name),
                    kustomize::yaml_file(&file.objects),
                );
            }
            for config_map in &kustomization.config_maps {
                tree.insert(
                    format!("{dir}/{FILES_DIR}/{}", config_map.file_name),
                    config_map.contents.clone(),
                );
            }
        }
        tree.insert(
            format!("{K8S_DIR}/{}", checkov::SKIPS_FILE),
            checkov::skips_file(),
        );
    }
}

/// Adds every file under `k8s/` to the tree.
pub fn render(config: &Config, monitoring: &Monitoring, tree: &mut RenderedTree) {
    Manifests::new(config, monitoring).add_to(tree);
}
