//! The project's manifest rules (`policy`) on the rendered objects: every
//! pod and overlay passes, and each rule catches its breach.

use serde_json::{Value, json};

use super::Kustomization;
use super::Manifests;
use super::policy::manifests::violations;
use super::policy::pods::{hardening_violations, pod_spec};
use super::tests::{base_objects, find, manifests, patched_app, workloads};
use stack_config::config::Config;
use stack_config::topology::{GRAFANA_SERVICE, PROMETHEUS_SERVICE};

/// An overlay's objects as `kubectl kustomize` builds them, as far as the
/// policy reads them: the base, with the overlay's app Deployment merged in.
fn built(manifests: &Manifests, overlay: &Kustomization) -> Vec<Value> {
    let app = patched_app(manifests, overlay);
    let is_app =
        |o: &Value| o["kind"] == "Deployment" && o["metadata"]["name"] == app["metadata"]["name"];
    base_objects(manifests)
        .into_iter()
        .map(|o| if is_app(o) { app.clone() } else { o.clone() })
        .collect()
}

/// Sets (or, for null, removes) the field at a JSON pointer.
fn set(object: &mut Value, pointer: &str, value: Value) {
    let (parent, key) = pointer.rsplit_once('/').unwrap();
    let key = key.replace("~1", "/");
    match object.pointer_mut(parent) {
        Some(Value::Array(list)) => list[key.parse::<usize>().unwrap()] = value,
        Some(Value::Object(map)) if value.is_null() => {
            map.remove(&key).unwrap_or_else(|| panic!("no {pointer}"));
        }
        Some(Value::Object(map)) => {
            map.insert(key, value);
        }
        _ => panic!("no parent of {pointer}"),
    }
}

#[test]
fn every_pod_is_hardened_and_each_overlay_meets_the_project_rules() {
    let (manifests, _) = manifests();
    let workloads = workloads(&manifests);
    assert_eq!(
        workloads.len(),
        7,
        "app, prometheus, alertmanager, grafana, alert-receiver, 2 overlays"
    );
    for workload in &workloads {
        let spec = pod_spec(workload).unwrap();
        let name = &workload["metadata"]["name"];
        assert_eq!(hardening_violations(spec), Vec::<String>::new(), "{name}");
    }
    for overlay in [&manifests.native, &manifests.spin] {
        assert_eq!(
            violations(&built(&manifests, overlay)),
            Vec::<String>::new()
        );
    }
}

#[test]
fn the_policy_catches_each_breach() {
    let (manifests, _) = manifests();
    let clean = built(&manifests, &manifests.native);
    assert_eq!(violations(&clean), Vec::<String>::new());
    let namespace = Config::default().namespace;
    let grafana = find(&base_objects(&manifests), "Deployment", GRAFANA_SERVICE);
    let password = grafana["spec"]["template"]["spec"]["containers"][0]["env"]
        .as_array()
        .unwrap()
        .iter()
        .position(|e| e["name"].as_str().unwrap().contains("PASSWORD"))
        .expect("Grafana reads its password from a file");
    // breach(KIND, NAME, POINTER, VALUE, EXPECTED): that object with that
    // field set (removed for null) breaks a rule, reported as EXPECTED.
    let breach = |kind: &str, name: &str, pointer: &str, value: Value, expected: &str| {
        let mut broken = clean.clone();
        let object = broken
            .iter_mut()
            .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
            .unwrap_or_else(|| panic!("no {kind} {name}"));
        set(object, pointer, value);
        let found = violations(&broken);
        let caught = found.iter().any(|v| v.contains(expected));
        assert!(caught, "{kind} {name} {pointer}: {found:?}");
    };
    let container = "/spec/template/spec/containers/0";
    for (field, value, expected) in [
        (
            "securityContext/readOnlyRootFilesystem",
            json!(false),
            "root filesystem is writable",
        ),
        ("readinessProbe", Value::Null, "has no readinessProbe"),
        ("livenessProbe", Value::Null, "has no livenessProbe"),
        (
            "resources/limits/memory",
            Value::Null,
            "has no memory limits",
        ),
        ("resources/requests/cpu", Value::Null, "has no cpu requests"),
        (
            "image",
            json!("docker.io/example/app-native:latest"),
            "not pinned",
        ),
        ("image", json!("docker.io/example/app-native"), "not pinned"),
    ] {
        breach(
            "Deployment",
            "app",
            &format!("{container}/{field}"),
            value,
            expected,
        );
    }
    let token = "/spec/template/spec/automountServiceAccountToken";
    breach(
        "Deployment",
        "app",
        token,
        json!(true),
        "ServiceAccount token",
    );
    let env = format!("{container}/env/{password}/name");
    let direct = json!("GF_SECURITY_ADMIN_PASSWORD");
    breach("Deployment", GRAFANA_SERVICE, &env, direct, "set directly");
    breach(
        "Role",
        PROMETHEUS_SERVICE,
        "/rules/0/verbs/0",
        json!("create"),
        "grants",
    );
    let label = |mode: &str| format!("/metadata/labels/pod-security.kubernetes.io~1{mode}");
    breach(
        "Namespace",
        &namespace,
        &label("enforce"),
        json!("baseline"),
        "does not enforce",
    );
    breach(
        "Namespace",
        &namespace,
        &label("warn"),
        Value::Null,
        "does not warn",
    );
    let selective = json!({"matchLabels": {"a": "b"}});
    breach(
        "NetworkPolicy",
        "default-deny",
        "/spec/podSelector",
        selective,
        "default-deny",
    );
    // Objects that must not be rendered at all, and a SpinApp, beside which
    // the namespace must enforce baseline instead.
    for (kind, expected) in [
        ("Secret", "renders Secret/extra"),
        ("ClusterRole", "renders ClusterRole/extra"),
        ("ClusterRoleBinding", "renders ClusterRoleBinding/extra"),
        ("SpinApp", "does not enforce Pod Security baseline"),
    ] {
        let mut broken = clean.clone();
        broken.push(json!({"kind": kind, "metadata": {"name": "extra"}}));
        let found = violations(&broken);
        assert!(
            found.iter().any(|v| v.contains(expected)),
            "{kind}: {found:?}"
        );
    }
}
