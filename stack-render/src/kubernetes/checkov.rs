//! The checkov findings this project accepts, each with its reason: the one
//! list behind `k8s/checkov-skips.yaml`, which `scripts/checks/35-kubernetes.sh`
//! passes to checkov. Anything else checkov reports fails that check, and so
//! does an entry here that checkov no longer reports.

use serde_json::{Value, json};

use super::kustomization::Kustomization;
use super::objects;
use crate::yaml;
use stack_config::topology::PROMETHEUS_SERVICE;

pub const SKIPS_FILE: &str = "checkov-skips.yaml";

/// Where an accepted finding applies.
pub enum Scope {
    /// Every resource: passed to checkov as `--skip-check`.
    Everywhere,
    /// One object: rendered as a `checkov.io/skip<N>` annotation on it, so
    /// the same check still runs on every other object.
    Object {
        kind: &'static str,
        name: &'static str,
    },
}

pub struct Skip {
    pub check: &'static str,
    pub scope: Scope,
    pub reason: &'static str,
}

pub const SKIPS: &[Skip] = &[
    Skip {
        check: "CKV_K8S_15",
        scope: Scope::Everywhere,
        reason: "Image pull policy Always: every image is pinned to a release tag, and the \
                 app's images are loaded into the cluster (kind load) rather than pulled, \
                 which Always would break. IfNotPresent is used throughout.",
    },
    Skip {
        check: "CKV_K8S_43",
        scope: Scope::Everywhere,
        reason: "Image digests: images are pinned to release tags in stack.toml; their \
                 digests cannot be resolved offline where the manifests are rendered. The \
                 app's images are the ones the Nix flake builds and passes in by reference.",
    },
    Skip {
        check: "CKV_K8S_38",
        scope: Scope::Object {
            kind: "StatefulSet",
            name: PROMETHEUS_SERVICE,
        },
        reason: "Prometheus discovers the app's pods through the Kubernetes API and needs its \
                 ServiceAccount token; its Role allows only get/list/watch on pods, endpoints \
                 and services of this namespace. Every other pod runs without a token.",
    },
];

/// Files checkov does not scan by themselves, with the reason.
pub const SKIP_PATHS: &[(&str, &str)] = &[
    (
        "app-patch.yaml",
        "Strategic-merge patches are fragments of the app Deployment, not deployable \
         objects; checkov judges them as part of each built overlay instead.",
    ),
    (
        "remove-app-deployment.yaml",
        "A `$patch: delete` of the base's app Deployment in the SpinKube overlay (spin-operator \
         creates the app's Deployment), not an object; the built overlay holds no such \
         Deployment.",
    ),
];

/// Puts the per-object skips on the objects they concern.
/// `roots`: the kustomizations checkov scans by their source files (the
/// base and the operator's).
pub fn annotate(mut roots: [&mut Kustomization; 2]) {
    for (index, skip) in SKIPS.iter().enumerate() {
        let Scope::Object { kind, name } = skip.scope else {
            continue;
        };
        let mut found = 0;
        for kustomization in roots.iter_mut() {
            for object in objects_mut(kustomization) {
                if object["kind"] == kind && object["metadata"]["name"] == name {
                    objects::annotate(
                        object,
                        &[(
                            format!("checkov.io/skip{}", index + 1),
                            format!("{}={}", skip.check, skip.reason),
                        )],
                    );
                    found += 1;
                }
            }
        }
        assert_eq!(
            found, 1,
            "checkov skip {} names no single {kind} {name}",
            skip.check
        );
    }
}

fn objects_mut(kustomization: &mut Kustomization) -> impl Iterator<Item = &mut Value> {
    kustomization
        .files
        .iter_mut()
        .flat_map(|file| file.objects.iter_mut())
}

pub fn skips_file() -> String {
    let skips: Vec<Value> = SKIPS
        .iter()
        .map(|skip| {
            let mut entry = json!({"check": skip.check});
            match skip.scope {
                Scope::Everywhere => entry["scope"] = json!("everywhere"),
                Scope::Object { kind, name } => entry["scope"] = json!(format!("{kind}/{name}")),
            }
            entry["reason"] = json!(skip.reason);
            entry
        })
        .collect();
    let paths: Vec<Value> = SKIP_PATHS
        .iter()
        .map(|(path, reason)| json!({"path": path, "reason": reason}))
        .collect();
    yaml::document(
        &format!(
            "{}\nCheckov findings accepted for k8s/ (scripts/checks/35-kubernetes.sh reads this).\n\
             Scope `everywhere` becomes --skip-check; `Kind/name` is a checkov.io/skip\n\
             annotation on that object alone.",
            crate::tree::GENERATED_HEADER
        ),
        &json!({"skips": skips, "skip_paths": paths}),
    )
}
