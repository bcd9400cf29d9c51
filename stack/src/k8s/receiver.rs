//! The webhook receiver Alertmanager notifies by default: `stack receive`
//! behind the Service `alert-receiver`, logging each notification as one
//! JSON line (`kubectl logs deploy/alert-receiver`). It is deployed exactly
//! when `alertmanager.webhook_url` or `watchdog_url` names that Service, so
//! the default configuration never points at a receiver that does not exist,
//! and one pointing elsewhere deploys nothing it does not use.

use serde_json::{Value, json};

use super::network::url_port;
use super::objects::{self, Component};
use crate::config::{Config, ConfigError};
use crate::monitoring::{RECEIVER_PATH, RECEIVER_PORT, RECEIVER_SERVICE, receiver_url};
use crate::url;

pub const CONTAINER: &str = "receiver";
pub const PORT_NAME: &str = "http";

pub fn component(config: &Config) -> Component {
    let image = &config.images.receiver;
    Component::new(config, RECEIVER_SERVICE, "notifications", &image.tag)
}

/// The host of an http(s) URL, without user info or port.
fn host(url: &str) -> &str {
    let host_port = url::split(url).host_port();
    host_port.split(':').next().unwrap_or_default()
}

/// Whether `url` addresses the receiver's Service from inside `namespace`:
/// `alert-receiver`, `alert-receiver.NS`, `alert-receiver.NS.svc[.DOMAIN]`.
pub fn names_receiver(url: &str, namespace: &str) -> bool {
    let host = host(url);
    let Some(rest) = host.strip_prefix(RECEIVER_SERVICE) else {
        return false;
    };
    let qualified = format!(".{namespace}");
    rest.is_empty()
        || rest == qualified
        || rest
            .strip_prefix(&qualified)
            .is_some_and(|tail| tail == ".svc" || tail.starts_with(".svc."))
}

/// Whether the manifests include the receiver.
pub fn deployed(config: &Config) -> bool {
    config
        .alertmanager
        .notification_urls()
        .any(|(_, url)| names_receiver(url, &config.namespace))
}

/// A URL naming the receiver must be the one it serves: anything else
/// would render a configuration whose notifications are refused.
pub fn check_url(key: &str, url: &str, namespace: &str) -> Result<(), ConfigError> {
    if !names_receiver(url, namespace) {
        return Ok(());
    }
    if url.starts_with("http://")
        && url_port(url) == RECEIVER_PORT
        && url::split(url).path == RECEIVER_PATH
    {
        return Ok(());
    }
    Err(ConfigError {
        key: key.into(),
        message: format!(
            "{url:?} names the in-cluster receiver (`stack receive`, Service {RECEIVER_SERVICE}), \
             which serves {} only",
            receiver_url()
        ),
    })
}

pub fn objects(config: &Config) -> Vec<Value> {
    let receiver = component(config);
    vec![
        objects::service_account(&receiver, RECEIVER_SERVICE, false),
        objects::service(&receiver, RECEIVER_SERVICE, PORT_NAME, RECEIVER_PORT),
        deployment(config, &receiver),
    ]
}

fn deployment(config: &Config, receiver: &Component) -> Value {
    let k8s = &config.kubernetes;
    let args = [
        "receive".to_string(),
        format!("--listen=0.0.0.0:{RECEIVER_PORT}"),
        format!("--path={RECEIVER_PATH}"),
    ];
    json!({
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": receiver.metadata(RECEIVER_SERVICE),
        "spec": {
            // Alertmanager retries a notification the receiver missed while
            // it restarted: one replica loses nothing.
            "replicas": 1,
            "revisionHistoryLimit": 5,
            "selector": {"matchLabels": receiver.selector()},
            "template": {
                "metadata": {"labels": receiver.labels()},
                "spec": {
                    "serviceAccountName": RECEIVER_SERVICE,
                    "automountServiceAccountToken": false,
                    "enableServiceLinks": false,
                    "securityContext": objects::pod_security(&k8s.receiver),
                    // It holds nothing to flush.
                    "terminationGracePeriodSeconds": 10,
                    "containers": [{
                        "name": CONTAINER,
                        "image": &config.images.receiver.reference(),
                        // Loaded into the cluster with the app's images.
                        "imagePullPolicy": k8s.app_image_pull_policy.as_str(),
                        "args": args,
                        "ports": [objects::container_port(PORT_NAME, RECEIVER_PORT)],
                        "readinessProbe": objects::http_probe("/healthz", PORT_NAME, 5, 3),
                        "livenessProbe": objects::http_probe("/healthz", PORT_NAME, 15, 4),
                        "resources": objects::resources(&k8s.receiver.requests, &k8s.receiver.limits),
                        // It writes only to stdout: no volume at all.
                        "securityContext": objects::container_security(),
                    }],
                },
            },
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_of_the_receiver_service() {
        for url in [
            "http://alert-receiver:9095/alerts",
            "http://alert-receiver.mon:9095/alerts",
            "http://alert-receiver.mon.svc:9095/alerts",
            "http://alert-receiver.mon.svc.cluster.local:9095/alerts",
        ] {
            assert!(names_receiver(url, "mon"), "{url}");
            assert!(check_url("k", url, "mon").is_ok(), "{url}");
        }
        for url in [
            "http://alert-receiver.other:9095/alerts",
            "http://alert-receiver-2:9095/alerts",
            "https://hooks.example/alert-receiver",
            "http://127.0.0.1:9095/alerts",
        ] {
            assert!(!names_receiver(url, "mon"), "{url}");
        }
        for wrong in [
            "http://alert-receiver:9096/alerts",
            "http://alert-receiver:9095/",
            "http://alert-receiver:9095",
            "https://alert-receiver:9095/alerts",
        ] {
            let error = check_url("alertmanager.webhook_url", wrong, "mon").unwrap_err();
            assert_eq!(error.key, "alertmanager.webhook_url");
            assert!(error.message.contains(&receiver_url()), "{error}");
        }
    }
}
