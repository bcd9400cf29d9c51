//! Build stamps and deploy.env facts, against the objects they describe.

use super::builds::{ANNOTATION, ImageBuilds};
use super::facts::DeployFacts;
use super::{Kustomization, Manifests};
use crate::Monitoring;
use stack_config::config::{Config, Image};

fn manifests(config: &Config) -> Manifests {
    Manifests::new(config, &Monitoring::new(config))
}

fn facts(
    config: &Config,
    manifests: &Manifests,
    overlay: &Kustomization,
    image: &Image,
) -> Result<DeployFacts, String> {
    DeployFacts::read(
        &manifests.base,
        overlay,
        &image.reference(),
        &config.images.receiver.reference(),
    )
}

#[test]
fn facts_name_the_node_port_secret_and_each_overlays_image() {
    let config = Config::default();
    let m = manifests(&config);
    let native = facts(&config, &m, &m.native, &config.images.native).unwrap();
    assert_eq!(
        native.grafana_node_port,
        u64::from(config.grafana.node_port)
    );
    assert_eq!(native.grafana_admin_secret, config.grafana.admin_secret);
    assert_eq!(
        native.receiver_image_reference,
        config.images.receiver.reference()
    );
    let spinkube = facts(&config, &m, &m.spinkube, &config.images.spin).unwrap();
    assert_eq!(spinkube.image_reference, config.images.spin.reference());
    assert_eq!(
        native
            .env_file()
            .lines()
            .map(|l| l.split('=').next().unwrap())
            .collect::<Vec<_>>(),
        [
            "GRAFANA_NODE_PORT",
            "GRAFANA_ADMIN_SECRET",
            "IMAGE_REFERENCE",
            "RECEIVER_IMAGE_REFERENCE"
        ]
    );
}

#[test]
fn an_overlay_that_does_not_run_its_image_fails() {
    let config = Config::default();
    let m = manifests(&config);
    // The native overlay renames the base image to the native one, never to Spin's.
    let error = facts(&config, &m, &m.native, &config.images.spin).unwrap_err();
    assert!(
        error.contains("no container runs localhost/app-spin"),
        "{error}"
    );
    // Without the overlay's rename the Spin image runs nowhere either.
    let mut unrenamed = m.spin.clone();
    unrenamed.kustomization["images"] = serde_json::json!([]);
    assert!(facts(&config, &m, &unrenamed, &config.images.spin).is_err());
}

#[test]
fn no_in_cluster_receiver_means_no_receiver_image() {
    let mut config = Config::default();
    config.alertmanager.webhook_url = "http://receiver.example:9000/alerts".into();
    let m = manifests(&config);
    let native = facts(&config, &m, &m.native, &config.images.native).unwrap();
    assert_eq!(native.receiver_image_reference, "");
}

#[test]
fn two_node_ports_are_an_error() {
    let config = Config::default();
    let mut m = manifests(&config);
    let mut extra = m
        .base
        .resources()
        .find(|o| o["spec"]["type"] == "NodePort")
        .unwrap()
        .clone();
    extra["spec"]["ports"][0]["nodePort"] = serde_json::json!(30999);
    m.base.files[0].objects.push(extra);
    let error = facts(&config, &m, &m.native, &config.images.native).unwrap_err();
    assert!(error.contains("exactly one NodePort"), "{error}");
}

#[test]
fn builds_stamp_the_pod_templates_of_their_images_only() {
    let config = Config::default();
    let mut m = manifests(&config);
    let builds = ImageBuilds {
        native: Some("n1".into()),
        spin: Some("s1".into()),
        receiver: Some("r1".into()),
    };
    builds.stamp(&mut m, &config).unwrap();
    let annotation = |k: &Kustomization, kind: &str| -> Vec<String> {
        k.objects()
            .filter(|o| o["kind"] == kind)
            .filter_map(|o| {
                let template = &o["spec"]["template"]["metadata"]["annotations"][ANNOTATION];
                let spin_app = &o["spec"]["podAnnotations"][ANNOTATION];
                template.as_str().or(spin_app.as_str()).map(String::from)
            })
            .collect()
    };
    assert_eq!(annotation(&m.native, "Deployment"), ["n1"]);
    assert_eq!(annotation(&m.spin, "Deployment"), ["s1"]);
    assert_eq!(annotation(&m.spinkube, "SpinApp"), ["s1"]);
    // Only the receiver's workload in the base; Prometheus, Grafana, ... untouched.
    assert_eq!(annotation(&m.base, "Deployment"), ["r1"]);
    assert!(annotation(&m.base, "StatefulSet").is_empty());
    // Unstamped by default: the committed tree carries no build.
    let mut plain = manifests(&config);
    ImageBuilds::default().stamp(&mut plain, &config).unwrap();
    assert!(annotation(&plain.native, "Deployment").is_empty());
}

#[test]
fn a_blank_build_id_is_refused_by_name() {
    let config = Config::default();
    let builds = ImageBuilds {
        spin: Some("has space".into()),
        ..ImageBuilds::default()
    };
    let error = builds
        .stamp(&mut manifests(&config), &config)
        .unwrap_err()
        .to_string();
    assert!(error.contains("--image-spin-build-id"), "{error}");
}
