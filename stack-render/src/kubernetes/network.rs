//! NetworkPolicies: everything in the namespace is denied, then each flow
//! the stack needs is allowed by name. Kubelet probes come from the node and
//! are not subject to these.

use serde_json::{Value, json};
use stack_config::Endpoint;
use stack_config::topology::names_receiver;

use super::objects::Component;
use super::workloads::{alertmanager, app, grafana, prometheus, receiver};
use stack_config::config::Config;
use stack_config::topology::{RECEIVER_PORT, RECEIVER_SERVICE};

/// Labels CoreDNS (and kube-dns before it) carries in every common
/// distribution: kind, kubeadm, k3s, EKS, GKE, AKS.
const DNS_POD_LABEL: (&str, &str) = ("k8s-app", "kube-dns");

/// The label of KEDA's operator pods (kedacore/keda v2.20 config/manager),
/// which query Prometheus for the autoscaling trigger.
const KEDA_OPERATOR_LABEL: (&str, &str) = ("app.kubernetes.io/name", "keda-operator");

pub fn objects(config: &Config) -> Vec<Value> {
    let app = app::component(config);
    let prometheus = prometheus::component(config);
    let alertmanager = alertmanager::component(config);
    let grafana = grafana::component(config);
    let am_port = config.alertmanager.port;
    let prom_port = config.prometheus.port;

    let mut prometheus_egress = vec![
        egress_to(&app, config.app.port),
        egress_to(&alertmanager, am_port),
    ];
    // The API server is outside the pod network and has no labels to select.
    let mut outside_ports = config.kubernetes.api_server_ports.clone();
    outside_ports.extend(
        config
            .prometheus
            .remote_write
            .iter()
            .map(|remote| url_port(&remote.url)),
    );
    prometheus_egress.push(egress_anywhere(&outside_ports));

    // Notifications go to the in-cluster receiver's pods by label, anywhere
    // else only by port (a URL outside the cluster has no labels).
    let receiver = receiver::component(config);
    let (in_cluster, outside): (Vec<&str>, Vec<&str>) = config
        .alertmanager
        .notification_urls()
        .map(|(_, url)| url)
        .partition(|url| {
            names_receiver(&Endpoint::parse(url).expect("validated"), &config.namespace)
        });
    let mut alertmanager_egress = Vec::new();
    if !in_cluster.is_empty() {
        alertmanager_egress.push(egress_to(&receiver, RECEIVER_PORT));
    }
    if !outside.is_empty() {
        let ports: Vec<u16> = outside.iter().map(|url| url_port(url)).collect();
        alertmanager_egress.push(egress_anywhere(&ports));
    }

    let mut policies = vec![
        policy(
            &app,
            "default-deny",
            json!({}),
            json!({"policyTypes": ["Ingress", "Egress"]}),
        ),
        policy(
            &app,
            "allow-dns",
            json!({}),
            json!({
                "policyTypes": ["Egress"],
                "egress": [{
                    "to": [{
                        "namespaceSelector": {},
                        "podSelector": {"matchLabels": {DNS_POD_LABEL.0: DNS_POD_LABEL.1}},
                    }],
                    "ports": [
                        {"protocol": "UDP", "port": 53},
                        {"protocol": "TCP", "port": 53},
                    ],
                }],
            }),
        ),
        policy(
            &app,
            &config.app.name,
            app.selector(),
            json!({
                "policyTypes": ["Ingress"],
                // Clients and Prometheus alike.
                "ingress": [{"ports": [tcp(config.app.port)]}],
            }),
        ),
        policy(
            &prometheus,
            "prometheus",
            prometheus.selector(),
            json!({
                "policyTypes": ["Ingress", "Egress"],
                "ingress": prometheus_ingress(config),
                "egress": prometheus_egress,
            }),
        ),
        policy(
            &alertmanager,
            "alertmanager",
            alertmanager.selector(),
            json!({
                "policyTypes": ["Ingress", "Egress"],
                // Prometheus sends alerts; Grafana's Alertmanager datasource
                // reads them.
                "ingress": [ingress_from(&[&prometheus, &grafana], am_port)],
                "egress": alertmanager_egress,
            }),
        ),
        policy(
            &grafana,
            "grafana",
            grafana.selector(),
            json!({
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [{"ports": [tcp(config.grafana.port)]}],
                "egress": [
                    egress_to(&prometheus, prom_port),
                    egress_to(&alertmanager, am_port),
                ],
            }),
        ),
    ];
    if receiver::deployed(config) {
        policies.push(policy(
            &receiver,
            RECEIVER_SERVICE,
            receiver.selector(),
            json!({
                // Alertmanager alone notifies it, and it calls nothing.
                "policyTypes": ["Ingress", "Egress"],
                "ingress": [ingress_from(&[&alertmanager], RECEIVER_PORT)],
            }),
        ));
    }
    policies
}

/// Grafana reads Prometheus; with autoscaling on, so does KEDA's operator,
/// from its own namespace.
fn prometheus_ingress(config: &Config) -> Value {
    let mut ingress = vec![ingress_from(
        &[&grafana::component(config)],
        config.prometheus.port,
    )];
    let scaling = &config.kubernetes.autoscaling;
    if scaling.enabled {
        ingress.push(json!({
            "from": [{
                "namespaceSelector": {"matchLabels": {
                    "kubernetes.io/metadata.name": scaling.keda_namespace,
                }},
                "podSelector": {"matchLabels": {KEDA_OPERATOR_LABEL.0: KEDA_OPERATOR_LABEL.1}},
            }],
            "ports": [tcp(config.prometheus.port)],
        }));
    }
    json!(ingress)
}

pub(super) fn policy(owner: &Component, name: &str, pod_labels: Value, rules: Value) -> Value {
    let mut spec = json!({"podSelector": {}});
    if pod_labels
        .as_object()
        .is_some_and(|labels| !labels.is_empty())
    {
        spec["podSelector"] = json!({"matchLabels": pod_labels});
    }
    for (key, value) in rules.as_object().expect("rules are an object") {
        spec[key] = value.clone();
    }
    json!({
        "apiVersion": "networking.k8s.io/v1",
        "kind": "NetworkPolicy",
        "metadata": owner.metadata(name),
        "spec": spec,
    })
}

pub(super) fn tcp(port: u16) -> Value {
    json!({"protocol": "TCP", "port": port})
}

fn ingress_from(peers: &[&Component], port: u16) -> Value {
    let from: Vec<Value> = peers
        .iter()
        .map(|peer| json!({"podSelector": {"matchLabels": peer.selector()}}))
        .collect();
    json!({"from": from, "ports": [tcp(port)]})
}

pub(super) fn egress_to(peer: &Component, port: u16) -> Value {
    json!({
        "to": [{"podSelector": {"matchLabels": peer.selector()}}],
        "ports": [tcp(port)],
    })
}

fn egress_anywhere(ports: &[u16]) -> Value {
    let mut unique = ports.to_vec();
    unique.sort_unstable();
    unique.dedup();
    let ports: Vec<Value> = unique.into_iter().map(tcp).collect();
    json!({"ports": ports})
}

/// The TCP port an http(s) URL of the (validated) configuration connects to.
fn url_port(url: &str) -> u16 {
    Endpoint::parse(url).expect("validated").port()
}
