//! Per-pod rules the restricted Pod Security Standard does not cover: a
//! read-only root filesystem, probes, CPU and memory requests and limits,
//! images pinned to a tag, and whether a ServiceAccount token is mounted.

use serde_json::Value;

/// The pod template (or pod) spec of a workload object, if it has one.
pub fn pod_spec(object: &Value) -> Option<&Value> {
    match object["kind"].as_str()? {
        "Pod" => Some(&object["spec"]),
        "Deployment" | "StatefulSet" | "DaemonSet" | "ReplicaSet" | "Job" => {
            Some(&object["spec"]["template"]["spec"])
        }
        "CronJob" => Some(&object["spec"]["jobTemplate"]["spec"]["template"]["spec"]),
        _ => None,
    }
}

/// This project's rules for long-running containers.
pub fn hardening_violations(spec: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for container in spec["containers"].as_array().into_iter().flatten() {
        let name = container["name"].as_str().unwrap_or("?");
        let mut fail = |what: &str| found.push(format!("container {name}: {what}"));
        if container["securityContext"]["readOnlyRootFilesystem"] != Value::Bool(true) {
            fail("root filesystem is writable");
        }
        for probe in ["readinessProbe", "livenessProbe"] {
            if container[probe].is_null() {
                fail(&format!("has no {probe}"));
            }
        }
        for part in ["requests", "limits"] {
            for resource in ["cpu", "memory"] {
                if container["resources"][part][resource].is_null() {
                    fail(&format!("has no {resource} {part}"));
                }
            }
        }
        let image = container["image"].as_str().unwrap_or_default();
        let tag = image
            .rsplit('/')
            .next()
            .and_then(|last| last.split_once(':'));
        if !tag.is_some_and(|(_, tag)| !tag.is_empty() && tag != "latest") {
            fail(&format!("image {image:?} is not pinned to a tag"));
        }
    }
    found
}

/// Whether the pod gets a ServiceAccount token: the pod's setting wins,
/// and the API's default is to mount one.
pub fn mounts_token(spec: &Value, service_account: Option<&Value>) -> bool {
    match &spec["automountServiceAccountToken"] {
        Value::Bool(mount) => *mount,
        _ => service_account
            .and_then(|account| account["automountServiceAccountToken"].as_bool())
            .unwrap_or(true),
    }
}
