//! `deploy.env`: the facts nix/deploy.sh needs about one overlay, written
//! beside it (`k8s/overlays/<variant>/deploy.env`) and read out of the very
//! objects rendered, so nothing is kept twice: the Grafana NodePort (kind
//! publishes it when it creates the cluster), the Secret Grafana's admin
//! password comes from (deploy creates it; it is never rendered), the image
//! the overlay runs and, when a workload runs it, the webhook receiver's.
//!
//! Rendering fails unless some container of the overlay runs exactly its
//! image: the Deployments must run the archives deploy loads, never
//! look-alikes.

use std::collections::BTreeSet;

use serde_json::Value;

use super::kustomization::Kustomization;

pub const FILE: &str = "deploy.env";

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeployFacts {
    pub grafana_node_port: u64,
    pub grafana_admin_secret: String,
    pub image_reference: String,
    /// Empty when Alertmanager notifies a receiver outside the cluster.
    pub receiver_image_reference: String,
}

impl DeployFacts {
    /// The facts of `overlay` over `base`, checking it runs `image`.
    pub fn read(
        base: &Kustomization,
        overlay: &Kustomization,
        image: &str,
        receiver: &str,
    ) -> Result<Self, String> {
        let node_ports = base
            .resources()
            .filter(|o| o["kind"] == "Service" && o["spec"]["type"] == "NodePort")
            .flat_map(|service| service["spec"]["ports"].as_array().into_iter().flatten())
            .filter_map(|port| port["nodePort"].as_u64());
        // However the workload consumes it: env, envFrom or a mounted volume.
        let mut secrets = Vec::new();
        for workload in base
            .resources()
            .filter(|o| matches!(o["kind"].as_str(), Some("Deployment" | "StatefulSet")))
        {
            walk(workload, &mut |mapping| {
                for name in [
                    &mapping["secretKeyRef"]["name"],
                    &mapping["secretRef"]["name"],
                    &mapping["secret"]["secretName"],
                ] {
                    secrets.extend(name.as_str().map(String::from));
                }
            });
        }
        let images = images(base, overlay);
        if !images.contains(image) {
            return Err(format!(
                "{}: no container runs {image}; images: {images:?}",
                overlay.dir
            ));
        }
        Ok(DeployFacts {
            grafana_node_port: exactly_one(node_ports, "NodePort")?,
            grafana_admin_secret: exactly_one(secrets, "Secret referenced by a workload")?,
            image_reference: image.into(),
            receiver_image_reference: if base.resources().any(|o| runs(o, receiver)) {
                receiver.into()
            } else {
                String::new()
            },
        })
    }

    /// Shell assignments, each value single-quoted.
    pub fn env_file(&self) -> String {
        [
            ("GRAFANA_NODE_PORT", self.grafana_node_port.to_string()),
            ("GRAFANA_ADMIN_SECRET", self.grafana_admin_secret.clone()),
            ("IMAGE_REFERENCE", self.image_reference.clone()),
            (
                "RECEIVER_IMAGE_REFERENCE",
                self.receiver_image_reference.clone(),
            ),
        ]
        .iter()
        .map(|(key, value)| format!("{key}='{}'\n", value.replace('\'', r"'\''")))
        .collect()
    }
}

/// Every image the overlay runs: the base's containers under the overlay's
/// `images` renames (as kustomize applies them), and SpinApps' own images
/// (spin-operator makes their containers).
fn images(base: &Kustomization, overlay: &Kustomization) -> BTreeSet<String> {
    let renames = overlay.kustomization["images"]
        .as_array()
        .cloned()
        .unwrap_or_default();
    let rename = |reference: &str| {
        let (name, _) = reference.rsplit_once(':').unwrap_or((reference, ""));
        renames
            .iter()
            .find(|r| r["name"] == name)
            .map_or(reference.to_string(), |r| {
                format!(
                    "{}:{}",
                    r["newName"].as_str().unwrap_or(name),
                    r["newTag"].as_str().unwrap_or("")
                )
            })
    };
    let mut images = BTreeSet::new();
    for object in base.resources().chain(overlay.resources()) {
        walk(object, &mut |mapping| {
            for container in mapping["containers"].as_array().into_iter().flatten() {
                images.extend(container["image"].as_str().map(rename));
            }
        });
        if object["kind"] == "SpinApp" {
            images.extend(object["spec"]["image"].as_str().map(String::from));
        }
    }
    images
}

fn exactly_one<T: Ord + std::fmt::Debug>(
    found: impl IntoIterator<Item = T>,
    what: &str,
) -> Result<T, String> {
    let mut values: BTreeSet<T> = found.into_iter().collect();
    match values.len() {
        1 => Ok(values.pop_first().expect("one value")),
        _ => Err(format!("expected exactly one {what}, found {values:?}")),
    }
}

/// Every mapping inside `node`, depth first.
fn walk<'a>(node: &'a Value, visit: &mut dyn FnMut(&'a Value)) {
    match node {
        Value::Object(map) => {
            visit(node);
            map.values().for_each(|value| walk(value, visit));
        }
        Value::Array(list) => list.iter().for_each(|value| walk(value, visit)),
        _ => {}
    }
}

/// A Deployment or StatefulSet with a container running `image`.
pub(super) fn runs(object: &Value, image: &str) -> bool {
    matches!(object["kind"].as_str(), Some("Deployment" | "StatefulSet"))
        && object["spec"]["template"]["spec"]["containers"]
            .as_array()
            .is_some_and(|containers| containers.iter().any(|c| c["image"] == image))
}
