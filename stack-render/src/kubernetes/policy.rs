//! The restricted Pod Security Standard, field by field, plus this
//! project's own rules for every pod: read-only root filesystem, probes,
//! resource requests and limits. Used by the unit tests on the rendered
//! objects; `scripts/checks/35-kubernetes.sh` applies the same list to the
//! output of `kubectl kustomize`.

use serde_json::Value;

/// Volume types the restricted profile allows.
const RESTRICTED_VOLUME_TYPES: [&str; 8] = [
    "configMap",
    "csi",
    "downwardAPI",
    "emptyDir",
    "ephemeral",
    "persistentVolumeClaim",
    "projected",
    "secret",
];

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

fn containers(spec: &Value) -> impl Iterator<Item = &Value> {
    ["initContainers", "containers", "ephemeralContainers"]
        .into_iter()
        .flat_map(move |key| spec[key].as_array().into_iter().flatten())
}

/// A container's effective security setting: its own, else the pod's.
fn effective<'a>(pod: &'a Value, container: &'a Value, field: &str) -> &'a Value {
    match &container["securityContext"][field] {
        Value::Null => &pod["securityContext"][field],
        own => own,
    }
}

/// Every way `spec` breaks the restricted Pod Security Standard (latest).
pub fn restricted_violations(spec: &Value) -> Vec<String> {
    let mut found = Vec::new();
    for field in ["hostNetwork", "hostPID", "hostIPC"] {
        if spec[field] == Value::Bool(true) {
            found.push(format!("{field} is true"));
        }
    }
    for volume in spec["volumes"].as_array().into_iter().flatten() {
        let name = volume["name"].as_str().unwrap_or("?");
        let kinds: Vec<&String> = volume
            .as_object()
            .into_iter()
            .flat_map(|fields| fields.keys())
            .filter(|key| *key != "name")
            .collect();
        for kind in kinds {
            if !RESTRICTED_VOLUME_TYPES.contains(&kind.as_str()) {
                found.push(format!("volume {name} is of type {kind}"));
            }
        }
    }
    if let Some(sysctls) = spec["securityContext"]["sysctls"].as_array()
        && !sysctls.is_empty()
    {
        found.push("pod sets sysctls".into());
    }
    let pod_seccomp = &spec["securityContext"]["seccompProfile"]["type"];
    for container in containers(spec) {
        let name = container["name"].as_str().unwrap_or("?");
        let mut fail = |what: &str| found.push(format!("container {name}: {what}"));
        let security = &container["securityContext"];
        if security["privileged"] == Value::Bool(true) {
            fail("privileged");
        }
        if security["allowPrivilegeEscalation"] != Value::Bool(false) {
            fail("allowPrivilegeEscalation is not false");
        }
        if effective(spec, container, "runAsNonRoot") != &Value::Bool(true) {
            fail("runAsNonRoot is not true");
        }
        if effective(spec, container, "runAsUser").as_u64() == Some(0) {
            fail("runAsUser is 0");
        }
        let seccomp = match &security["seccompProfile"]["type"] {
            Value::Null => pod_seccomp,
            own => own,
        };
        if !matches!(seccomp.as_str(), Some("RuntimeDefault" | "Localhost")) {
            fail("seccompProfile is not RuntimeDefault or Localhost");
        }
        let drops = security["capabilities"]["drop"].as_array();
        if !drops.is_some_and(|drop| drop.iter().any(|c| c == "ALL")) {
            fail("capabilities do not drop ALL");
        }
        for added in security["capabilities"]["add"]
            .as_array()
            .into_iter()
            .flatten()
        {
            if added != "NET_BIND_SERVICE" {
                fail(&format!("adds capability {added}"));
            }
        }
        for port in container["ports"].as_array().into_iter().flatten() {
            if port["hostPort"].as_u64().is_some_and(|p| p != 0) {
                fail("uses a hostPort");
            }
        }
        if security["procMount"]
            .as_str()
            .is_some_and(|m| m != "Default")
        {
            fail("procMount is not Default");
        }
        let selinux = &security["seLinuxOptions"];
        if !selinux["user"].is_null() || !selinux["role"].is_null() {
            fail("sets an SELinux user or role");
        }
        if security["appArmorProfile"]["type"] == "Unconfined" {
            fail("AppArmor is Unconfined");
        }
    }
    found
}

/// This project's rules beyond the standard, for long-running containers.
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
