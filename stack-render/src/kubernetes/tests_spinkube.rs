//! The SpinKube overlay and the opt-in ScaledObjects, on the rendered objects.

use serde_json::Value;

use super::*;
use crate::monitoring::scrape::SPINKUBE_PORT_NAME;
use stack_config::topology::POD_VARIANT_LABEL;

fn manifests_for(config: &Config) -> Manifests {
    config.validate().expect("valid configuration");
    Manifests::new(config, &Monitoring::new(config))
}

fn kind<'a>(kustomization: &'a Kustomization, kind: &str) -> Vec<&'a Value> {
    kustomization
        .objects()
        .filter(|o| o["kind"] == kind)
        .collect()
}

fn autoscaled() -> Config {
    let mut config = Config::default();
    config.kubernetes.autoscaling.enabled = true;
    config.kubernetes.autoscaling.min_replicas = 3;
    config.kubernetes.autoscaling.max_replicas = 7;
    config.kubernetes.autoscaling.requests_per_second = 12.5;
    config
}

#[test]
fn the_spin_app_runs_the_spin_pod() {
    let config = Config::default();
    let manifests = manifests_for(&config);
    let [app] = kind(&manifests.spinkube, "SpinApp")[..] else {
        panic!("one SpinApp");
    };
    let spec = &app["spec"];
    assert_eq!(spec["image"], config.images.spin.reference());
    assert_eq!(spec["replicas"], config.app.replicas);
    assert_eq!(spec["serviceAccountName"], config.app.name);
    // The metrics' store where the image's runtime config puts it, which
    // spin-operator's own runtime config would otherwise replace.
    assert_eq!(
        spec["runtimeConfig"],
        serde_json::json!({"keyValueStores": [{"name": "default", "type": "spin"}]})
    );
    // Same writable paths as the Spin overlay's pod, each an emptyDir.
    for path in &spin_shim::WRITABLE_PATHS {
        let volume = spec["volumes"]
            .as_array()
            .unwrap()
            .iter()
            .find(|v| v["name"] == path.volume)
            .unwrap_or_else(|| panic!("no volume {}", path.volume));
        assert_eq!(volume["emptyDir"]["sizeLimit"], path.size_limit);
        assert!(
            spec["volumeMounts"]
                .as_array()
                .unwrap()
                .iter()
                .any(|m| m["name"] == path.volume && m["mountPath"] == path.mount_path),
            "{} not mounted at {}",
            path.volume,
            path.mount_path
        );
    }
    let resources = &spec["resources"];
    assert_eq!(
        resources["limits"]["cpu"],
        config.kubernetes.spin_app.limits.cpu
    );
    assert_eq!(
        resources["requests"]["memory"],
        config.kubernetes.spin_app.requests.memory
    );
    // Prometheus keeps the pods: the name label, the variant, and the port
    // name spin-operator gives them.
    let labels = &spec["podLabels"];
    assert_eq!(labels["app.kubernetes.io/name"], config.app.name);
    assert_eq!(labels[POD_VARIANT_LABEL], "spin");
    let keep = crate::monitoring::scrape::app_relabel_configs(&config);
    let port_rule = keep
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["source_labels"][0] == "__meta_kubernetes_pod_container_port_name")
        .unwrap();
    let regex = port_rule["regex"].as_str().unwrap();
    assert!(
        regex.split('|').any(|alt| alt == SPINKUBE_PORT_NAME),
        "{regex}"
    );
    // The executor it names is rendered, on the Spin overlay's runtime class.
    let [executor] = kind(&manifests.spinkube, "SpinAppExecutor")[..] else {
        panic!("one SpinAppExecutor");
    };
    assert_eq!(executor["metadata"]["name"], spec["executor"]);
    assert_eq!(
        executor["spec"]["deploymentConfig"]["runtimeClassName"],
        overlays::SPIN_RUNTIME_CLASS
    );
}

#[test]
fn the_spinkube_overlay_replaces_the_app_deployment_and_service() {
    let config = Config::default();
    let manifests = manifests_for(&config);
    let overlay = &manifests.spinkube;
    let deleted: Vec<(&Value, &Value)> = overlay
        .objects()
        .filter(|o| o["$patch"] == "delete")
        .map(|o| (&o["kind"], &o["metadata"]["name"]))
        .collect();
    assert_eq!(deleted.len(), 2, "{deleted:?}");
    for wanted in ["Deployment", "Service"] {
        assert!(
            deleted
                .iter()
                .any(|(k, n)| *k == wanted && n.as_str() == Some(config.app.name.as_str()))
        );
    }
    // The deletions are patches, not resources.
    assert!(overlay.resources().all(|o| o.get("$patch").is_none()));
    // Pods without a securityContext: the namespace can enforce only baseline.
    let namespace = kind(overlay, "Namespace");
    assert_eq!(
        namespace[0]["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        spinkube::POD_SECURITY_ENFORCE
    );
    // Clients and Prometheus reach spin-operator's port.
    let policies = kind(overlay, "NetworkPolicy");
    assert!(
        policies
            .iter()
            .any(|p| p["spec"]["ingress"][0]["ports"][0]["port"] == spinkube::PORT)
    );
    assert!(
        policies
            .iter()
            .any(|p| p["spec"]["egress"][0]["ports"][0]["port"] == spinkube::PORT)
    );
}

#[test]
fn autoscaling_is_off_unless_enabled() {
    let manifests = manifests_for(&Config::default());
    for overlay in [&manifests.native, &manifests.spin, &manifests.spinkube] {
        assert!(kind(overlay, "ScaledObject").is_empty(), "{}", overlay.dir);
    }
    let app = kind(&manifests.spinkube, "SpinApp")[0];
    assert!(app["spec"].get("enableAutoscaling").is_none());
    let deployment = manifests
        .base
        .objects()
        .find(|o| o["kind"] == "Deployment")
        .unwrap();
    assert_eq!(
        deployment["spec"]["replicas"],
        Config::default().app.replicas
    );
}

#[test]
fn each_overlay_scales_its_variant_on_its_request_rate() {
    let config = autoscaled();
    let manifests = manifests_for(&config);
    for (overlay, variant) in [
        (&manifests.native, "native"),
        (&manifests.spin, "spin"),
        (&manifests.spinkube, "spin"),
    ] {
        let [scaled] = kind(overlay, "ScaledObject")[..] else {
            panic!("{}: one ScaledObject", overlay.dir);
        };
        let spec = &scaled["spec"];
        assert_eq!(spec["scaleTargetRef"]["kind"], "Deployment");
        assert_eq!(spec["scaleTargetRef"]["name"], config.app.name);
        assert_eq!(spec["minReplicaCount"], 3);
        assert_eq!(spec["maxReplicaCount"], 7);
        let trigger = &spec["triggers"][0];
        assert_eq!(trigger["type"], "prometheus");
        assert_eq!(trigger["metadata"]["threshold"], "12.5");
        assert_eq!(
            trigger["metadata"]["query"],
            autoscaling::request_rate_query(&config, variant)
        );
        assert!(
            trigger["metadata"]["query"]
                .as_str()
                .unwrap()
                .contains(&format!("{POD_VARIANT_LABEL}=\"{variant}\"")),
        );
        assert_eq!(
            trigger["metadata"]["serverAddress"],
            format!(
                "http://prometheus.{}.svc:{}",
                config.namespace, config.prometheus.port
            )
        );
    }
    // The base Deployment leaves the count to KEDA...
    let deployment = manifests
        .base
        .objects()
        .find(|o| o["kind"] == "Deployment" && o["metadata"]["name"] == config.app.name)
        .unwrap();
    assert!(deployment["spec"].get("replicas").is_none());
    // ...and spin-operator does only when told.
    let app = kind(&manifests.spinkube, "SpinApp")[0];
    assert_eq!(app["spec"]["enableAutoscaling"], true);
    assert!(app["spec"].get("replicas").is_none());
    // KEDA's operator may query Prometheus.
    let prometheus_policy = manifests
        .base
        .objects()
        .find(|o| o["kind"] == "NetworkPolicy" && o["metadata"]["name"] == "prometheus")
        .unwrap();
    let from_keda = prometheus_policy["spec"]["ingress"]
        .as_array()
        .unwrap()
        .iter()
        .any(|rule| {
            rule["from"][0]["namespaceSelector"]["matchLabels"]["kubernetes.io/metadata.name"]
                == "keda"
        });
    assert!(from_keda, "{prometheus_policy}");
}

/// The promtool test of the trigger's query (run by scripts/checks/30-monitoring.sh)
/// tests exactly the queries rendered from the committed stack.toml.
#[test]
fn the_promtool_test_holds_the_rendered_queries() {
    let root = concat!(env!("CARGO_MANIFEST_DIR"), "/..");
    let config = Config::load(std::path::Path::new(&format!("{root}/stack.toml"))).unwrap();
    let test = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/promtool/autoscaling.test.yml"
    ))
    .unwrap();
    for variant in ["native", "spin"] {
        let query = autoscaling::request_rate_query(&config, variant);
        assert!(
            test.contains(&format!("expr: '{query}'")),
            "autoscaling.test.yml does not test {query}"
        );
    }
}

#[test]
fn the_spin_app_restates_the_images_runtime_config() {
    let path = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../app-spin/runtime-config.toml"
    );
    let file: toml::Table = std::fs::read_to_string(path)
        .unwrap_or_else(|err| panic!("{path}: {err}"))
        .parse()
        .unwrap_or_else(|err| panic!("{path}: {err}"));
    // Exactly one store, with no more than the SpinApp says of it: a key
    // the SpinApp left out would differ between the two overlays.
    let store = spin_shim::RUNTIME_CONFIG;
    let expected: toml::Table = format!(
        "[key_value_store.{}]\ntype = {:?}\n",
        store.label, store.store_type
    )
    .parse()
    .unwrap();
    assert_eq!(file, expected, "{path}");
}
