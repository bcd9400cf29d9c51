//! What a kustomization directory holds: resource files, ConfigMaps
//! kustomize generates from rendered files, and its `kustomization.yaml`.

use serde_json::Value;

use super::objects::Component;

/// Root of the rendered manifests, relative to the repository.
pub const K8S_DIR: &str = "k8s";
/// Where the files behind generated ConfigMaps are copied, inside each
/// kustomization root.
pub const FILES_DIR: &str = "files";

/// A ConfigMap kustomize generates from one rendered file.
#[derive(Clone, Debug)]
pub struct GeneratedConfigMap {
    pub name: &'static str,
    pub labels: Value,
    pub file_name: String,
    pub contents: String,
}

impl GeneratedConfigMap {
    pub fn new(name: &'static str, owner: &Component, file_name: &str, contents: &str) -> Self {
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

    /// The objects of its resource files: whole objects, not patches.
    pub fn resources(&self) -> impl Iterator<Item = &Value> {
        let patches = self.kustomization["patches"].as_array();
        self.files
            .iter()
            .filter(move |file| {
                !patches.is_some_and(|list| list.iter().any(|patch| patch["path"] == file.name))
            })
            .flat_map(|file| file.objects.iter())
    }
}
