//! The project's rules for one built object set (an overlay as `kubectl
//! kustomize` outputs it): every pod hardened (`pods`), only Prometheus with
//! a ServiceAccount token, passwords only from files, no Secret and no
//! cluster-wide RBAC, Prometheus's Role read-only, the namespace labelled
//! for Pod Security admission, and a default-deny NetworkPolicy.

use serde_json::{Value, json};
use stack_config::topology::PROMETHEUS_SERVICE;

use super::pods::{hardening_violations, mounts_token, pod_spec};

/// Kinds never rendered: the Grafana password's Secret is the operator's
/// to create, and RBAC stays inside the namespace.
const FORBIDDEN_KINDS: [&str; 3] = ["Secret", "ClusterRole", "ClusterRoleBinding"];

/// Every rule `objects` breaks, each naming the object.
pub fn violations(objects: &[Value]) -> Vec<String> {
    let mut found = pod_violations(objects);
    found.extend(access_violations(objects));
    found.extend(namespace_violations(objects));
    found
}

fn of_kind<'a>(objects: &'a [Value], kind: &'a str) -> impl Iterator<Item = &'a Value> {
    objects.iter().filter(move |o| o["kind"] == kind)
}

/// `Kind/name`, as kubectl names an object.
fn name(object: &Value) -> String {
    let part = |v: &Value| v.as_str().unwrap_or("?").to_string();
    format!(
        "{}/{}",
        part(&object["kind"]),
        part(&object["metadata"]["name"])
    )
}

fn pod_violations(objects: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    let mut token_pods = Vec::new();
    for object in objects {
        let Some(spec) = pod_spec(object) else {
            continue;
        };
        let named = |what: &str| format!("{}: {what}", name(object));
        found.extend(hardening_violations(spec).iter().map(|w| named(w)));
        let account = spec["serviceAccountName"].as_str().unwrap_or("default");
        let account = of_kind(objects, "ServiceAccount").find(|a| a["metadata"]["name"] == account);
        if mounts_token(spec, account) {
            token_pods.push(object["metadata"]["name"].as_str().unwrap_or("?"));
        }
        let containers = spec["containers"].as_array().into_iter().flatten();
        for env in containers.flat_map(|c| c["env"].as_array().into_iter().flatten()) {
            let var = env["name"].as_str().unwrap_or_default();
            if var.contains("PASSWORD") && !var.ends_with("__FILE") {
                found.push(named(&format!("{var} is set directly, not from a file")));
            }
        }
    }
    let long_running = ["Deployment", "StatefulSet"]
        .iter()
        .any(|kind| of_kind(objects, kind).next().is_some());
    if long_running && token_pods != [PROMETHEUS_SERVICE] {
        found.push(format!(
            "pods mounting a ServiceAccount token: {token_pods:?}, expected only {PROMETHEUS_SERVICE}"
        ));
    }
    found
}

fn access_violations(objects: &[Value]) -> Vec<String> {
    let mut found: Vec<String> = FORBIDDEN_KINDS
        .iter()
        .flat_map(|kind| of_kind(objects, kind))
        .map(|o| format!("renders {}", name(o)))
        .collect();
    // Discovery needs to read pods (and, for other roles, endpoints and
    // services) of its own namespace, nothing more.
    let read_only = json!([{
        "apiGroups": [""],
        "resources": ["pods", "endpoints", "services"],
        "verbs": ["get", "list", "watch"],
    }]);
    for role in of_kind(objects, "Role").filter(|r| r["rules"] != read_only) {
        found.push(format!("{} grants {}", name(role), role["rules"]));
    }
    found
}

fn namespace_violations(objects: &[Value]) -> Vec<String> {
    let mut found = Vec::new();
    // spin-operator builds a SpinApp's pods without a securityContext, so
    // that overlay's namespace can enforce only baseline; audit and warn
    // stay restricted everywhere.
    let spinkube = of_kind(objects, "SpinApp").next().is_some();
    let enforced = if spinkube { "baseline" } else { "restricted" };
    for namespace in of_kind(objects, "Namespace") {
        let labels = &namespace["metadata"]["labels"];
        for (mode, level) in [
            ("enforce", enforced),
            ("warn", "restricted"),
            ("audit", "restricted"),
        ] {
            if labels[format!("pod-security.kubernetes.io/{mode}")] != level {
                found.push(format!(
                    "{} does not {mode} Pod Security {level}",
                    name(namespace)
                ));
            }
        }
    }
    let denies_all = |policy: &&Value| {
        let spec = &policy["spec"];
        matches!(&spec["podSelector"], Value::Null) || spec["podSelector"] == json!({})
    };
    let no_rules = |rules: &Value| rules.as_array().is_none_or(|r| r.is_empty());
    let default_deny = of_kind(objects, "NetworkPolicy")
        .filter(denies_all)
        .any(|p| {
            let spec = &p["spec"];
            let mut types: Vec<&str> = spec["policyTypes"]
                .as_array()
                .into_iter()
                .flatten()
                .filter_map(Value::as_str)
                .collect();
            types.sort_unstable();
            types == ["Egress", "Ingress"]
                && no_rules(&spec["ingress"])
                && no_rules(&spec["egress"])
        });
    if of_kind(objects, "Deployment").next().is_some() && !default_deny {
        found.push("no default-deny NetworkPolicy for the namespace".into());
    }
    found
}
