use serde_json::{Value, json};

use super::policy::pods::{mounts_token, pod_spec};
use super::*;
use stack_config::topology::{
    ALERTMANAGER_SERVICE, GRAFANA_SERVICE, POD_VARIANT_LABEL, PROMETHEUS_SERVICE, RECEIVER_PORT,
    RECEIVER_SERVICE,
};

pub(super) fn manifests_for(config: &Config) -> (Manifests, Monitoring) {
    config.validate().expect("valid configuration");
    let monitoring = Monitoring::new(config);
    (Manifests::new(config, &monitoring), monitoring)
}

pub(super) fn manifests() -> (Manifests, Monitoring) {
    manifests_for(&Config::default())
}

pub(super) fn base_objects(manifests: &Manifests) -> Vec<&Value> {
    manifests.base.objects().collect()
}

pub(super) fn find<'a>(objects: &[&'a Value], kind: &str, name: &str) -> &'a Value {
    objects
        .iter()
        .find(|o| o["kind"] == kind && o["metadata"]["name"] == name)
        .unwrap_or_else(|| panic!("no {kind} {name}"))
}

/// The app Deployment as an overlay deploys it: the patch's container
/// fields and pod fields merged over the base, as a strategic merge does.
pub(super) fn patched_app(manifests: &Manifests, overlay: &Kustomization) -> Value {
    let base = base_objects(manifests);
    let mut deployment = find(&base, "Deployment", &Config::default().app.name).clone();
    let patch = overlay
        .objects()
        .find(|o| o["kind"] == "Deployment")
        .expect("overlay patches the app");
    for labels in ["/metadata/labels", "/spec/template/metadata/labels"] {
        for (key, value) in patch.pointer(labels).unwrap().as_object().unwrap() {
            deployment.pointer_mut(labels).unwrap()[key] = value.clone();
        }
    }
    let patch_spec = &patch["spec"]["template"]["spec"];
    let spec = &mut deployment["spec"]["template"]["spec"];
    for (key, value) in patch_spec.as_object().unwrap() {
        match key.as_str() {
            "containers" => {}
            "volumes" => merge_by_key(&mut spec[key], value, "name"),
            _ => spec[key] = value.clone(),
        }
    }
    let patch_container = &patch_spec["containers"][0];
    let container = spec["containers"]
        .as_array_mut()
        .unwrap()
        .iter_mut()
        .find(|c| c["name"] == patch_container["name"])
        .expect("patch names an existing container");
    for (key, value) in patch_container.as_object().unwrap() {
        match key.as_str() {
            "volumeMounts" => merge_by_key(&mut container[key], value, "mountPath"),
            _ => container[key] = value.clone(),
        }
    }
    deployment
}

/// A strategic merge of a list with a merge key: entries of the patch
/// replace those with the same key, the others are appended.
fn merge_by_key(base: &mut Value, patch: &Value, key: &str) {
    let list = base.as_array_mut().expect("a list to merge into");
    for entry in patch.as_array().expect("a list patch") {
        match list.iter_mut().find(|old| old[key] == entry[key]) {
            Some(old) => *old = entry.clone(),
            None => list.push(entry.clone()),
        }
    }
}

pub(super) fn workloads(manifests: &Manifests) -> Vec<Value> {
    let mut all: Vec<Value> = base_objects(manifests)
        .into_iter()
        .filter(|o| pod_spec(o).is_some())
        .cloned()
        .collect();
    all.push(patched_app(manifests, &manifests.native));
    all.push(patched_app(manifests, &manifests.spin));
    all
}

#[test]
fn every_object_carries_the_recommended_labels_and_its_namespace() {
    let (manifests, _) = manifests();
    let config = Config::default();
    let keys = [
        "name",
        "instance",
        "version",
        "component",
        "part-of",
        "managed-by",
    ];
    let mut checked = 0;
    for kustomization in manifests.all() {
        // Patches carry only what they change.
        for object in kustomization.resources() {
            let kind = object["kind"].as_str().unwrap();
            let labels = &object["metadata"]["labels"];
            for key in keys {
                assert!(
                    labels[format!("app.kubernetes.io/{key}")].is_string(),
                    "{kind} {} lacks app.kubernetes.io/{key}",
                    object["metadata"]["name"]
                );
            }
            let cluster_scoped = matches!(kind, "Namespace" | "RuntimeClass");
            assert_eq!(
                object["metadata"]["namespace"].as_str().is_some(),
                !cluster_scoped,
                "{kind} namespace"
            );
            if let Some(spec) = pod_spec(object) {
                let _ = spec;
                let template_labels = &object["spec"]["template"]["metadata"]["labels"];
                assert_eq!(template_labels, labels, "{kind} pod labels");
            }
            checked += 1;
        }
        for config_map in &kustomization.config_maps {
            for key in keys {
                assert!(config_map.labels[format!("app.kubernetes.io/{key}")].is_string());
            }
        }
    }
    assert!(checked > 20, "only {checked} objects checked");
    let namespace = find(&base_objects(&manifests), "Namespace", &config.namespace);
    assert_eq!(
        namespace["metadata"]["labels"]["pod-security.kubernetes.io/enforce"],
        "restricted"
    );
}

#[test]
fn only_prometheus_mounts_a_service_account_token() {
    let (manifests, _) = manifests();
    let objects = base_objects(&manifests);
    let mut mounting = Vec::new();
    for workload in workloads(&manifests) {
        let spec = pod_spec(&workload).unwrap();
        let account = spec["serviceAccountName"].as_str().expect("own account");
        let account = find(&objects, "ServiceAccount", account);
        if mounts_token(spec, Some(account)) {
            mounting.push(workload["metadata"]["name"].as_str().unwrap().to_string());
        }
    }
    assert_eq!(mounting, [PROMETHEUS_SERVICE]);
    // No account mounts one by default either.
    for account in objects.iter().filter(|o| o["kind"] == "ServiceAccount") {
        let expected = account["metadata"]["name"] == PROMETHEUS_SERVICE;
        assert_eq!(account["automountServiceAccountToken"], json!(expected));
    }
}

#[test]
fn prometheus_may_only_read_pods_endpoints_and_services_of_its_namespace() {
    let (manifests, _) = manifests();
    let objects = base_objects(&manifests);
    let rbac: Vec<&&Value> = objects
        .iter()
        .filter(|o| o["apiVersion"].as_str().unwrap().starts_with("rbac."))
        .collect();
    let kinds: Vec<&str> = rbac.iter().map(|o| o["kind"].as_str().unwrap()).collect();
    assert_eq!(kinds, ["Role", "RoleBinding"], "namespaced RBAC only");
    let role = find(&objects, "Role", PROMETHEUS_SERVICE);
    assert_eq!(
        role["rules"],
        json!([{
            "apiGroups": [""],
            "resources": ["pods", "endpoints", "services"],
            "verbs": ["get", "list", "watch"],
        }])
    );
    let binding = find(&objects, "RoleBinding", PROMETHEUS_SERVICE);
    assert_eq!(binding["roleRef"]["kind"], "Role");
    assert_eq!(binding["subjects"][0]["name"], PROMETHEUS_SERVICE);
    assert_eq!(
        binding["subjects"][0]["namespace"],
        Config::default().namespace
    );
}

#[test]
fn shutdown_timing_follows_the_drain_deadline() {
    for (pre_stop, drain) in [(5, 10), (0, 30), (12, 0)] {
        let mut config = Config::default();
        config.kubernetes.pre_stop_seconds = pre_stop;
        config.app.drain_seconds = drain;
        let (manifests, _) = manifests_for(&config);
        let native = patched_app(&manifests, &manifests.native);
        let spec = &native["spec"]["template"]["spec"];
        let grace = spec["terminationGracePeriodSeconds"].as_u64().unwrap();
        assert_eq!(
            grace,
            u64::from(pre_stop + drain + app::EXIT_MARGIN_SECONDS)
        );
        let container = &spec["containers"][0];
        let env = container["env"].as_array().unwrap();
        let drain_env = env
            .iter()
            .find(|e| e["name"] == "APP_DRAIN_TIMEOUT")
            .unwrap();
        assert_eq!(drain_env["value"], drain.to_string());
        let sleep = &container["lifecycle"]["preStop"]["sleep"]["seconds"];
        if pre_stop == 0 {
            assert!(container["lifecycle"].is_null());
        } else {
            assert_eq!(sleep, &json!(pre_stop));
        }
    }
}

#[test]
fn the_grafana_password_is_only_ever_a_reference_to_the_secret() {
    let mut config = Config::default();
    config.grafana.admin_secret = "my-grafana-admin".into();
    let (manifests, _) = manifests_for(&config);
    let objects = base_objects(&manifests);
    assert!(
        manifests
            .all()
            .iter()
            .flat_map(|k| k.objects())
            .all(|o| o["kind"] != "Secret"),
        "no Secret is rendered"
    );
    let grafana = find(&objects, "Deployment", GRAFANA_SERVICE);
    let spec = &grafana["spec"]["template"]["spec"];
    let env = spec["containers"][0]["env"].as_array().unwrap();
    for var in env {
        let name = var["name"].as_str().unwrap();
        if name.contains("PASSWORD") || name.contains("ADMIN_USER") {
            assert!(name.ends_with("__FILE"), "{name} must point at a file");
            assert!(
                var["value"]
                    .as_str()
                    .unwrap()
                    .starts_with(grafana::SECRETS_DIR)
            );
        }
    }
    let volume = spec["volumes"]
        .as_array()
        .unwrap()
        .iter()
        .find(|v| !v["secret"].is_null())
        .unwrap();
    assert_eq!(volume["secret"]["secretName"], "my-grafana-admin");
}

#[test]
fn network_policies_deny_by_default_and_allow_only_the_stack_flows() {
    let (manifests, _) = manifests();
    let objects = base_objects(&manifests);
    let deny = find(&objects, "NetworkPolicy", "default-deny");
    assert_eq!(deny["spec"]["podSelector"], json!({}));
    assert_eq!(deny["spec"]["policyTypes"], json!(["Ingress", "Egress"]));
    assert!(deny["spec"]["ingress"].is_null() && deny["spec"]["egress"].is_null());

    let selector = |name: &str| {
        json!({"podSelector": {"matchLabels": {
            "app.kubernetes.io/name": name,
            "app.kubernetes.io/instance": Config::default().kubernetes.instance,
        }}})
    };
    let alertmanager = find(&objects, "NetworkPolicy", "alertmanager");
    assert_eq!(
        alertmanager["spec"]["ingress"][0]["from"],
        json!([selector("prometheus"), selector("grafana")])
    );
    let prometheus = find(&objects, "NetworkPolicy", "prometheus");
    assert_eq!(
        prometheus["spec"]["ingress"][0]["from"],
        json!([selector("grafana")])
    );
    let scrape = &prometheus["spec"]["egress"][0];
    assert_eq!(scrape["to"], json!([selector("app")]));
    assert_eq!(scrape["ports"], json!([{"protocol": "TCP", "port": 8080}]));
    let dns = find(&objects, "NetworkPolicy", "allow-dns");
    assert_eq!(dns["spec"]["podSelector"], json!({}));
    assert_eq!(dns["spec"]["egress"][0]["ports"][0]["port"], 53);
}

#[test]
fn config_maps_hold_the_monitoring_files_unchanged() {
    let (manifests, monitoring) = manifests();
    let by_name = |name: &str| {
        manifests
            .base
            .config_maps
            .iter()
            .find(|c| c.name == name)
            .unwrap_or_else(|| panic!("no ConfigMap {name}"))
            .contents
            .clone()
    };
    assert_eq!(by_name(prometheus::CONFIG_MAP), monitoring.prometheus_k8s);
    assert_eq!(by_name(prometheus::RULES_CONFIG_MAP), monitoring.rules);
    assert_eq!(
        by_name(alertmanager::CONFIG_MAP),
        monitoring.alertmanager_k8s
    );
    assert_eq!(
        by_name(grafana::DATASOURCES_CONFIG_MAP),
        monitoring.grafana_datasources
    );
    assert_eq!(
        by_name(grafana::DASHBOARDS_CONFIG_MAP),
        monitoring.dashboard
    );

    let rule = manifests
        .operator
        .objects()
        .find(|o| o["kind"] == "PrometheusRule")
        .unwrap();
    assert_eq!(rule["spec"]["groups"], monitoring.rule_groups);
    let dashboard = &manifests.operator.config_maps[0];
    assert_eq!(dashboard.contents, monitoring.dashboard);
    assert_eq!(dashboard.labels["grafana_dashboard"], "1");
}

#[test]
fn overlays_label_the_variant_prometheus_reads() {
    let (manifests, monitoring) = manifests();
    let meta_label = format!("__meta_kubernetes_pod_label_{POD_VARIANT_LABEL}");
    assert!(
        monitoring.prometheus_k8s.contains(&meta_label),
        "Prometheus no longer reads the {POD_VARIANT_LABEL:?} pod label"
    );
    for (overlay, variant) in [(&manifests.native, "native"), (&manifests.spin, "spin")] {
        let app = patched_app(&manifests, overlay);
        assert_eq!(
            app["spec"]["template"]["metadata"]["labels"][POD_VARIANT_LABEL],
            variant
        );
    }
}

#[test]
fn the_spin_overlay_runs_the_component_under_containerd_shim_spin() {
    let mut config = Config::default();
    config.images.spin = stack_config::config::Image::new("registry.example/app-spin", "1.2.3");
    let (manifests, _) = manifests_for(&config);
    let runtime_class = manifests
        .spin
        .objects()
        .find(|o| o["kind"] == "RuntimeClass")
        .unwrap();
    assert_eq!(runtime_class["metadata"]["name"], "wasmtime-spin-v2");
    assert_eq!(runtime_class["handler"], "spin");
    let app = patched_app(&manifests, &manifests.spin);
    let spec = &app["spec"]["template"]["spec"];
    assert_eq!(spec["runtimeClassName"], "wasmtime-spin-v2");
    assert_eq!(spec["containers"][0]["command"], json!(["/"]));
    assert_eq!(
        spec["containers"][0]["env"],
        json!([{"name": "SPIN_HTTP_LISTEN_ADDR", "value": "0.0.0.0:8080"}])
    );
    assert_eq!(
        manifests.spin.kustomization["images"],
        json!([{
            "name": config.images.native.repository,
            "newName": "registry.example/app-spin",
            "newTag": "1.2.3",
        }])
    );
    assert!(
        manifests
            .native
            .objects()
            .all(|o| o["kind"] != "RuntimeClass")
    );
}

#[test]
fn the_spin_pod_gives_the_shim_every_path_it_writes() {
    let (manifests, _) = manifests();
    let app = patched_app(&manifests, &manifests.spin);
    let spec = &app["spec"]["template"]["spec"];
    let container = &spec["containers"][0];
    let volumes = spec["volumes"].as_array().unwrap();
    for path in &spin_shim::WRITABLE_PATHS {
        let mount = container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["mountPath"] == path.mount_path)
            .unwrap_or_else(|| panic!("{} is not mounted ({})", path.mount_path, path.why));
        assert_eq!(mount["readOnly"], false, "{}", path.mount_path);
        let volume = volumes
            .iter()
            .find(|v| v["name"] == mount["name"])
            .unwrap_or_else(|| panic!("no volume {} for {}", mount["name"], path.mount_path));
        // An emptyDir lives as long as the pod: a restarted container keeps
        // whatever Spin wrote to its state directory.
        assert!(
            volume.get("emptyDir").is_some(),
            "{} must be an emptyDir: {volume}",
            path.mount_path
        );
    }
    // The base's mount survives the merge, and the root stays read-only.
    assert!(
        container["volumeMounts"]
            .as_array()
            .unwrap()
            .iter()
            .any(|m| m["mountPath"] == "/tmp")
    );
    assert_eq!(container["securityContext"]["readOnlyRootFilesystem"], true);
    // Nothing of the native pod is loosened: it gets none of these mounts.
    let native = patched_app(&manifests, &manifests.native);
    assert_eq!(
        native["spec"]["template"]["spec"]["containers"][0]["volumeMounts"],
        json!([{"name": "tmp", "mountPath": "/tmp", "readOnly": false}])
    );
}

#[test]
fn the_spin_container_starts_under_a_startup_probe_with_its_own_resources() {
    let mut config = Config::default();
    config.kubernetes.spin_app.limits.memory = "300Mi".into();
    let (manifests, _) = manifests_for(&config);
    let app = patched_app(&manifests, &manifests.spin);
    let container = &app["spec"]["template"]["spec"]["containers"][0];
    let startup = &container["startupProbe"];
    assert_eq!(startup["httpGet"]["path"], "/healthz");
    let budget =
        startup["periodSeconds"].as_u64().unwrap() * startup["failureThreshold"].as_u64().unwrap();
    assert!(budget >= 30, "{budget} s to compile and start");
    // Liveness and readiness stay as the base has them.
    assert_eq!(container["livenessProbe"]["failureThreshold"], 3);
    assert_eq!(container["resources"]["limits"]["memory"], "300Mi");
    let native = patched_app(&manifests, &manifests.native);
    assert!(
        native["spec"]["template"]["spec"]["containers"][0]
            .get("startupProbe")
            .is_none()
    );
}

#[test]
fn the_spin_overlay_orders_its_runtime_class_before_the_workloads() {
    let (manifests, _) = manifests();
    let order = manifests.spin.kustomization["sortOptions"]["legacySortOptions"]["orderFirst"]
        .as_array()
        .expect("spin overlay sets the order")
        .clone();
    let position = |kind: &str| order.iter().position(|k| k == kind).unwrap();
    assert!(position("RuntimeClass") < position("Deployment"));
    assert!(position("Namespace") < position("RuntimeClass"));
}

#[test]
fn the_kubernetes_section_is_read_from_toml() {
    let config = Config::from_toml(
        "[kubernetes]\npre_stop_seconds = 7\nstorage_class = \"fast\"\n\
         [kubernetes.grafana]\nuid = 20000\nrequests = { cpu = \"1\", memory = \"1Gi\" }\n\
         limits = { cpu = \"2\", memory = \"2Gi\" }\n",
    )
    .unwrap();
    assert_eq!(config.kubernetes.pre_stop_seconds, 7);
    assert_eq!(config.kubernetes.grafana.uid, 20000);
    let (manifests, _) = manifests_for(&config);
    let prometheus = find(&base_objects(&manifests), "StatefulSet", PROMETHEUS_SERVICE);
    assert_eq!(
        prometheus["spec"]["volumeClaimTemplates"][0]["spec"]["storageClassName"],
        "fast"
    );
    let error = Config::from_toml("[kubernetes]\npre_stop_second = 7\n").unwrap_err();
    assert!(error.to_string().contains("pre_stop_second"), "{error}");
}

#[test]
fn every_rendered_file_lands_under_k8s() {
    let config = Config::default();
    let monitoring = Monitoring::new(&config);
    let mut tree = RenderedTree::default();
    Manifests::new(&config, &monitoring).add_to(&mut tree);
    let paths: Vec<String> = tree
        .iter()
        .map(|(path, _)| path.to_string_lossy().into_owned())
        .collect();
    assert!(paths.iter().all(|p| p.starts_with("k8s/")), "{paths:?}");
    for expected in [
        "k8s/base/kustomization.yaml",
        "k8s/base/files/prometheus.yml",
        "k8s/overlays/native/kustomization.yaml",
        "k8s/overlays/spin/runtime-class.yaml",
        "k8s/operator/kustomization.yaml",
    ] {
        assert!(paths.iter().any(|p| p == expected), "{expected} missing");
    }
}

#[test]
fn generated_config_maps_fit_a_client_side_apply() {
    // `kubectl apply` copies each object into an annotation limited to
    // 256 KiB, next to the object's own 1 MiB limit.
    let (manifests, _) = manifests();
    for kustomization in manifests.all() {
        for config_map in &kustomization.config_maps {
            assert!(
                config_map.contents.len() < 128 * 1024,
                "{} is {} bytes",
                config_map.name,
                config_map.contents.len()
            );
        }
    }
}

fn selects(selector: &Value, labels: &Value) -> bool {
    selector
        .as_object()
        .unwrap()
        .iter()
        .all(|(key, value)| &labels[key] == value)
}

#[test]
fn the_default_webhook_reaches_a_rendered_receiver() {
    let (manifests, monitoring) = manifests();
    let config = Config::default();
    let objects = base_objects(&manifests);
    let url = &config.alertmanager.webhook_url;
    assert!(
        monitoring.alertmanager_k8s.contains(&format!("url: {url}")),
        "Alertmanager does not notify {url}"
    );
    // http://SERVICE:PORT/PATH: a Service of that name and port, in front
    // of a pod listening on that port.
    let authority = url
        .strip_prefix("http://")
        .unwrap()
        .split('/')
        .next()
        .unwrap();
    let (host, port) = authority.split_once(':').unwrap();
    let service = find(&objects, "Service", host);
    let service_port = &service["spec"]["ports"][0];
    assert_eq!(service_port["port"].as_u64(), port.parse::<u64>().ok());
    let deployment = find(&objects, "Deployment", host);
    let template = &deployment["spec"]["template"];
    assert!(selects(
        &service["spec"]["selector"],
        &template["metadata"]["labels"]
    ));
    let container = &template["spec"]["containers"][0];
    let named = container["ports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == service_port["targetPort"])
        .expect("the Service's targetPort is a container port");
    assert_eq!(named["containerPort"], service_port["port"]);
    assert_eq!(
        container["args"],
        json!(["--listen=0.0.0.0:9095", "--path=/alerts"])
    );
    assert_eq!(container["image"], config.images.receiver.reference());
    assert_eq!(deployment["spec"]["replicas"], 1);

    // Only Alertmanager reaches it; Alertmanager reaches it by label.
    let receiver_labels = &template["metadata"]["labels"];
    let policy = find(&objects, "NetworkPolicy", RECEIVER_SERVICE);
    assert!(selects(
        &policy["spec"]["podSelector"]["matchLabels"],
        receiver_labels
    ));
    let ingress = policy["spec"]["ingress"].as_array().unwrap();
    assert_eq!(ingress.len(), 1);
    let from = ingress[0]["from"].as_array().unwrap();
    assert_eq!(from.len(), 1);
    let alertmanager = find(&objects, "StatefulSet", ALERTMANAGER_SERVICE);
    assert!(selects(
        &from[0]["podSelector"]["matchLabels"],
        &alertmanager["spec"]["template"]["metadata"]["labels"]
    ));
    assert_eq!(
        ingress[0]["ports"],
        json!([{"protocol": "TCP", "port": RECEIVER_PORT}])
    );
    assert!(
        policy["spec"]["egress"].is_null(),
        "the receiver calls nothing"
    );
    let am_policy = find(&objects, "NetworkPolicy", ALERTMANAGER_SERVICE);
    let egress = am_policy["spec"]["egress"].as_array().unwrap();
    assert_eq!(egress.len(), 1, "{egress:?}");
    assert!(selects(
        &egress[0]["to"][0]["podSelector"]["matchLabels"],
        receiver_labels
    ));
}

#[test]
fn a_webhook_elsewhere_deploys_no_receiver() {
    let mut config = Config::default();
    config.alertmanager.webhook_url = "https://hooks.example/alertmanager".into();
    let (manifests, _) = manifests_for(&config);
    let objects = base_objects(&manifests);
    assert!(
        objects
            .iter()
            .all(|o| o["metadata"]["name"] != RECEIVER_SERVICE),
        "an unused receiver is rendered"
    );
    assert!(
        !manifests
            .base
            .files
            .iter()
            .any(|f| f.name == "alert-receiver.yaml")
    );
    let am_policy = find(&objects, "NetworkPolicy", ALERTMANAGER_SERVICE);
    assert_eq!(
        am_policy["spec"]["egress"],
        json!([{"ports": [{"protocol": "TCP", "port": 443}]}])
    );

    // The watchdog alone may name it.
    config.alertmanager.watchdog_url = Some(format!(
        "http://{RECEIVER_SERVICE}.{}.svc:{RECEIVER_PORT}/alerts",
        config.namespace
    ));
    let (manifests, _) = manifests_for(&config);
    let objects = base_objects(&manifests);
    find(&objects, "Deployment", RECEIVER_SERVICE);
    let am_policy = find(&objects, "NetworkPolicy", ALERTMANAGER_SERVICE);
    assert_eq!(am_policy["spec"]["egress"].as_array().unwrap().len(), 2);
}

#[test]
fn a_url_naming_the_receiver_must_be_the_one_it_serves() {
    let error =
        Config::from_toml("[alertmanager]\nwebhook_url = \"http://alert-receiver:9000/alerts\"\n")
            .unwrap_err();
    assert!(
        error.to_string().contains("alertmanager.webhook_url"),
        "{error}"
    );
    let error = Config::from_toml(
        "[images.receiver]\nrepository = \"localhost/app-native\"\ntag = \"1\"\n",
    )
    .unwrap_err();
    assert!(
        error.to_string().contains("images.receiver.repository"),
        "{error}"
    );
}

#[test]
fn every_rendered_object_reads_back_as_built() {
    let config = stack_config::Config::default();
    let monitoring = crate::Monitoring::new(&config);
    crate::yaml::assert_round_trip(&monitoring.rule_groups);
    let manifests = Manifests::new(&config, &monitoring);
    let mut objects = 0;
    for kustomization in manifests.all() {
        crate::yaml::assert_round_trip(&kustomization.kustomization);
        for object in kustomization.objects() {
            crate::yaml::assert_round_trip(object);
            objects += 1;
        }
    }
    assert!(objects > 20, "only {objects} objects rendered");
}
