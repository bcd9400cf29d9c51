//! Kubernetes manifests: a kustomize base (namespace, app, Prometheus,
//! Alertmanager, Grafana, the webhook receiver, NetworkPolicies), one overlay per variant, and
//! resources for kube-prometheus-stack users.
//!
//! Objects are built as `serde_json::Value`s (so tests can walk them), then
//! written as YAML under `k8s/`. The monitoring files the ConfigMaps hold are
//! copied, never re-rendered, into the kustomization roots: kustomize does
//! not load files from outside its root.

pub mod autoscaling;
pub mod builds;
pub mod checkov;
pub mod facts;
pub mod kustomization;
mod kustomize;
mod network;
mod objects;
mod operator;
mod overlays;
pub mod policy;
pub mod spin_shim;
pub mod spinkube;
pub mod workloads;

#[cfg(test)]
mod tests;
#[cfg(test)]
mod tests_deploy;
#[cfg(test)]
mod tests_policy;
#[cfg(test)]
mod tests_spinkube;
#[cfg(test)]
use workloads::{alertmanager, app, grafana, prometheus};

use crate::monitoring::Monitoring;
use crate::tree::RenderedTree;
use stack_config::config::Config;

pub use kustomization::{FILES_DIR, GeneratedConfigMap, K8S_DIR, Kustomization, ResourceFile};
pub use stack_config::kubernetes::Settings;

/// Everything under `k8s/`.
#[derive(Clone, Debug)]
pub struct Manifests {
    pub base: Kustomization,
    pub native: Kustomization,
    pub spin: Kustomization,
    pub spinkube: Kustomization,
    pub operator: Kustomization,
}

impl Manifests {
    pub fn new(config: &Config, monitoring: &Monitoring) -> Self {
        let mut manifests = Manifests {
            base: kustomize::base(config, monitoring),
            native: overlays::native(config),
            spin: overlays::spin(config),
            spinkube: spinkube::kustomization(config),
            operator: operator::kustomization(config, monitoring),
        };
        checkov::annotate([&mut manifests.base, &mut manifests.operator]);
        manifests
    }

    pub fn all(&self) -> [&Kustomization; 5] {
        [
            &self.base,
            &self.native,
            &self.spin,
            &self.spinkube,
            &self.operator,
        ]
    }

    /// `deploy.env` beside each overlay deploy applies (see [`facts`]).
    pub fn add_facts(&self, config: &Config, tree: &mut RenderedTree) -> anyhow::Result<()> {
        let receiver = config.images.receiver.reference();
        for (overlay, image) in [
            (&self.native, &config.images.native),
            (&self.spin, &config.images.spin),
            (&self.spinkube, &config.images.spin),
        ] {
            let facts =
                facts::DeployFacts::read(&self.base, overlay, &image.reference(), &receiver)
                    .map_err(anyhow::Error::msg)?;
            tree.insert(
                format!("{K8S_DIR}/{}/{}", overlay.dir, facts::FILE),
                facts.env_file(),
            );
        }
        Ok(())
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
