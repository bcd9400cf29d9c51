//! Building blocks shared by every workload: recommended labels, object
//! metadata, the restricted security contexts, probes and resources.

use serde_json::{Map, Value, json};

use stack_config::config::Config;
use stack_config::kubernetes::{Resources, Workload};

/// Who renders the manifests and who applies them.
pub const MANAGED_BY: &str = "kustomize";

/// One component of the stack: the `app.kubernetes.io/*` identity of its
/// objects. The selector uses only name and instance, which never change
/// across upgrades (selectors are immutable).
#[derive(Clone, Debug)]
pub struct Component {
    pub name: String,
    pub component: &'static str,
    pub version: String,
    pub instance: String,
    pub part_of: String,
    pub namespace: String,
}

impl Component {
    pub fn new(config: &Config, name: &str, component: &'static str, version: &str) -> Self {
        Component {
            name: name.into(),
            component,
            version: version.trim_start_matches('v').into(),
            instance: config.kubernetes.instance.clone(),
            part_of: config.kubernetes.part_of.clone(),
            namespace: config.namespace.clone(),
        }
    }

    /// Every recommended label.
    pub fn labels(&self) -> Value {
        json!({
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/instance": self.instance,
            "app.kubernetes.io/version": self.version,
            "app.kubernetes.io/component": self.component,
            "app.kubernetes.io/part-of": self.part_of,
            "app.kubernetes.io/managed-by": MANAGED_BY,
        })
    }

    pub fn selector(&self) -> Value {
        json!({
            "app.kubernetes.io/name": self.name,
            "app.kubernetes.io/instance": self.instance,
        })
    }

    /// Metadata of a namespaced object of this component.
    pub fn metadata(&self, name: &str) -> Value {
        json!({
            "name": name,
            "namespace": self.namespace,
            "labels": self.labels(),
        })
    }

    /// Metadata of a cluster-scoped object.
    pub fn cluster_metadata(&self, name: &str) -> Value {
        json!({"name": name, "labels": self.labels()})
    }
}

/// The restricted Pod Security Standard at pod level, plus a volume group so
/// the non-root user can write its volumes.
pub fn pod_security(workload: &Workload) -> Value {
    json!({
        "runAsNonRoot": true,
        "runAsUser": workload.uid,
        "runAsGroup": workload.uid,
        "fsGroup": workload.uid,
        // A large TSDB is not walked on every restart once its owner is right.
        "fsGroupChangePolicy": "OnRootMismatch",
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

/// The restricted Pod Security Standard at container level, and a read-only
/// root filesystem: everything a container writes goes to a named volume.
pub fn container_security() -> Value {
    json!({
        "runAsNonRoot": true,
        "allowPrivilegeEscalation": false,
        "readOnlyRootFilesystem": true,
        "capabilities": {"drop": ["ALL"]},
        "seccompProfile": {"type": "RuntimeDefault"},
    })
}

pub fn resources(requests: &Resources, limits: &Resources) -> Value {
    let quantities = |r: &Resources| json!({"cpu": r.cpu, "memory": r.memory});
    json!({
        "requests": quantities(requests),
        "limits": quantities(limits),
    })
}

/// An HTTP GET probe on a named container port.
pub fn http_probe(path: &str, port: &str, period: u32, failures: u32) -> Value {
    json!({
        "httpGet": {"path": path, "port": port},
        "periodSeconds": period,
        "timeoutSeconds": 2,
        "failureThreshold": failures,
    })
}

pub fn container_port(name: &str, port: u16) -> Value {
    json!({"name": name, "containerPort": port, "protocol": "TCP"})
}

/// A ClusterIP Service in front of a component's pods.
pub fn service(component: &Component, name: &str, port_name: &str, port: u16) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": component.metadata(name),
        "spec": {
            "type": "ClusterIP",
            "selector": component.selector(),
            "ports": [{
                "name": port_name,
                "port": port,
                "targetPort": port_name,
                "protocol": "TCP",
            }],
        },
    })
}

/// A dedicated identity per workload: the token is mounted only where the
/// pod spec asks for it (Prometheus alone).
pub fn service_account(component: &Component, name: &str, mount_token: bool) -> Value {
    json!({
        "apiVersion": "v1",
        "kind": "ServiceAccount",
        "metadata": component.metadata(name),
        "automountServiceAccountToken": mount_token,
    })
}

pub fn empty_dir(name: &str, size_limit: &str) -> Value {
    json!({"name": name, "emptyDir": {"sizeLimit": size_limit}})
}

pub fn config_map_volume(name: &str, config_map: &str) -> Value {
    json!({"name": name, "configMap": {"name": config_map}})
}

pub fn mount(name: &str, path: &str, read_only: bool) -> Value {
    json!({"name": name, "mountPath": path, "readOnly": read_only})
}

/// A PersistentVolumeClaim template or claim spec.
pub fn claim_spec(size: &str, storage_class: Option<&str>) -> Value {
    let mut spec = Map::new();
    spec.insert("accessModes".into(), json!(["ReadWriteOnce"]));
    if let Some(class) = storage_class {
        spec.insert("storageClassName".into(), json!(class));
    }
    spec.insert("resources".into(), json!({"requests": {"storage": size}}));
    Value::Object(spec)
}

/// Adds annotations to an object's metadata.
pub fn annotate(object: &mut Value, annotations: &[(String, String)]) {
    if annotations.is_empty() {
        return;
    }
    let metadata = object["metadata"]
        .as_object_mut()
        .expect("every object has metadata");
    let entry = metadata
        .entry("annotations")
        .or_insert_with(|| Value::Object(Map::new()));
    for (key, value) in annotations {
        entry[key] = json!(value);
    }
}
