//! Marks the pod templates that run a built image with the build that made
//! it (`stack render --image-native-build-id ID`, as nix/manifests.nix does).
//!
//! An image's tag comes from stack.toml and stays the same across rebuilds,
//! so a new image alone would change no Deployment and nothing would roll.
//! The annotation carries the build's identity (Nix: the image's store
//! hash): the pod template changes exactly when the image does, and one
//! `kubectl apply` rolls it.

use serde_json::{Value, json};

use super::Manifests;
use super::facts::runs;
use super::overlays::PATCH_FILE;
use stack_config::config::Config;

/// The pod-template annotation that names the image's build.
pub const ANNOTATION: &str = "app-monitoring/image-build";

/// The build of each image, where one is known (none: nothing is stamped).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageBuilds {
    pub native: Option<String>,
    pub spin: Option<String>,
    pub receiver: Option<String>,
}

impl ImageBuilds {
    /// Stamps each overlay's app pod template with its image's build, and
    /// the webhook receiver's wherever it is deployed.
    pub fn stamp(&self, manifests: &mut Manifests, config: &Config) -> anyhow::Result<()> {
        for (flag, build) in [
            ("native", &self.native),
            ("spin", &self.spin),
            ("receiver", &self.receiver),
        ] {
            if let Some(build) = build {
                check(build).map_err(|e| anyhow::anyhow!("--image-{flag}-build-id: {e}"))?;
            }
        }
        if let Some(build) = &self.native {
            stamp_app_patch(&mut manifests.native, build)?;
        }
        if let Some(build) = &self.spin {
            stamp_app_patch(&mut manifests.spin, build)?;
            // spin-operator copies a SpinApp's podAnnotations to its pod template.
            let stamped = objects_mut(&mut manifests.spinkube)
                .filter(|object| object["kind"] == "SpinApp")
                .map(|spin_app| annotate(&mut spin_app["spec"]["podAnnotations"], build))
                .count();
            anyhow::ensure!(
                stamped == 1,
                "the spinkube overlay has {stamped} SpinApps, not one"
            );
        }
        if let Some(build) = &self.receiver {
            // Deployed only when Alertmanager's webhook names it in-cluster.
            let receiver = config.images.receiver.reference();
            for workload in objects_mut(&mut manifests.base).filter(|o| runs(o, &receiver)) {
                annotate(
                    &mut workload["spec"]["template"]["metadata"]["annotations"],
                    build,
                );
            }
        }
        Ok(())
    }
}

fn check(build: &str) -> Result<(), String> {
    if build.is_empty() || !build.chars().all(|c| c.is_ascii_graphic()) {
        return Err(format!(
            "build id {build:?} must be non-empty printable ASCII without spaces"
        ));
    }
    Ok(())
}

fn stamp_app_patch(overlay: &mut super::Kustomization, build: &str) -> anyhow::Result<()> {
    let dir = overlay.dir;
    let patch = overlay
        .files
        .iter_mut()
        .find(|file| file.name == PATCH_FILE)
        .and_then(|file| file.objects.first_mut())
        .ok_or_else(|| anyhow::anyhow!("{dir} has no app Deployment patch to stamp"))?;
    annotate(
        &mut patch["spec"]["template"]["metadata"]["annotations"],
        build,
    );
    Ok(())
}

fn objects_mut(kustomization: &mut super::Kustomization) -> impl Iterator<Item = &mut Value> {
    kustomization
        .files
        .iter_mut()
        .flat_map(|file| file.objects.iter_mut())
}

fn annotate(annotations: &mut Value, build: &str) {
    if !annotations.is_object() {
        *annotations = json!({});
    }
    annotations[ANNOTATION] = json!(build);
}
