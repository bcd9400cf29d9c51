//! The `[kubernetes]` section of the configuration: what only the manifests
//! need (third-party images, pod identities, resources, storage, shutdown
//! timing). Names, ports and the app's own images stay in the shared
//! sections so Prometheus' configuration and the manifests cannot disagree.

use serde::{Deserialize, Serialize};

use crate::config::{ConfigError, Image};

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Settings {
    /// `app.kubernetes.io/part-of` of every object.
    pub part_of: String,
    /// `app.kubernetes.io/instance`: tells two installations apart in one cluster.
    pub instance: String,
    /// Seconds a stopping app pod keeps serving before it is signalled, so
    /// every endpoint watcher has dropped it first. The app's own drain
    /// deadline (`app.drain_seconds`) follows.
    pub pre_stop_seconds: u32,
    /// For the app's images: `IfNotPresent` suits images loaded into kind.
    pub app_image_pull_policy: PullPolicy,
    /// StorageClass of the Prometheus and Alertmanager volumes; the cluster
    /// default when unset.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub storage_class: Option<String>,
    pub alertmanager_storage_size: String,
    /// Ports of the Kubernetes API server, the only egress Prometheus needs
    /// besides its targets and Alertmanager.
    pub api_server_ports: Vec<u16>,
    pub images: StackImages,
    pub app: Workload,
    pub prometheus: Workload,
    pub alertmanager: Workload,
    pub grafana: Workload,
    /// The webhook receiver (`stack receive`), when Alertmanager notifies it.
    pub receiver: Workload,
    /// The app container of the Spin overlay, which runs as the app pod
    /// (`app.uid`) but whose shim compiles the component when it starts.
    pub spin_app: ContainerResources,
    pub operator: Operator,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            part_of: "app-monitoring-stack".into(),
            instance: "app-monitoring".into(),
            pre_stop_seconds: 5,
            app_image_pull_policy: PullPolicy::IfNotPresent,
            storage_class: None,
            alertmanager_storage_size: "1Gi".into(),
            api_server_ports: vec![443, 6443],
            images: StackImages::default(),
            app: Workload::new(65532, ("50m", "32Mi"), ("500m", "128Mi")),
            prometheus: Workload::new(65534, ("200m", "512Mi"), ("1", "2Gi")),
            alertmanager: Workload::new(65534, ("20m", "64Mi"), ("200m", "256Mi")),
            // Grafana's image runs as 472; any uid works with its writable
            // paths on volumes, and a high one keeps clear of host accounts.
            grafana: Workload::new(10472, ("50m", "128Mi"), ("500m", "512Mi")),
            receiver: Workload::new(65532, ("10m", "16Mi"), ("100m", "64Mi")),
            // Sized from a measured Cranelift compile of the component
            // (docs/kubernetes.md, "The Spin pod").
            spin_app: ContainerResources::new(("100m", "64Mi"), ("1", "256Mi")),
            operator: Operator::default(),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum PullPolicy {
    Always,
    IfNotPresent,
    Never,
}

impl PullPolicy {
    pub fn as_str(self) -> &'static str {
        match self {
            PullPolicy::Always => "Always",
            PullPolicy::IfNotPresent => "IfNotPresent",
            PullPolicy::Never => "Never",
        }
    }
}

/// Pinned third-party images.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct StackImages {
    pub prometheus: Image,
    pub alertmanager: Image,
    pub grafana: Image,
}

impl Default for StackImages {
    fn default() -> Self {
        StackImages {
            // The current long-term-support line.
            prometheus: Image::new("docker.io/prom/prometheus", "v3.13.2"),
            alertmanager: Image::new("docker.io/prom/alertmanager", "v0.34.0"),
            grafana: Image::new("docker.io/grafana/grafana", "13.2.0"),
        }
    }
}

/// Who a pod runs as and what it may use.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Workload {
    /// User, group and volume group of the pod; never 0.
    pub uid: u32,
    pub requests: Resources,
    pub limits: Resources,
}

impl Workload {
    fn new(uid: u32, requests: (&str, &str), limits: (&str, &str)) -> Self {
        Workload {
            uid,
            requests: Resources::new(requests),
            limits: Resources::new(limits),
        }
    }
}

/// Requests and limits of one container.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ContainerResources {
    pub requests: Resources,
    pub limits: Resources,
}

impl ContainerResources {
    fn new(requests: (&str, &str), limits: (&str, &str)) -> Self {
        ContainerResources {
            requests: Resources::new(requests),
            limits: Resources::new(limits),
        }
    }
}

/// Kubernetes quantities, e.g. `cpu = "250m"`, `memory = "256Mi"`.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Resources {
    pub cpu: String,
    pub memory: String,
}

impl Resources {
    fn new((cpu, memory): (&str, &str)) -> Self {
        Resources {
            cpu: cpu.into(),
            memory: memory.into(),
        }
    }
}

/// For kube-prometheus-stack users (`k8s/operator/`).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Operator {
    /// The `release` label kube-prometheus-stack's Prometheus selects
    /// PodMonitors and PrometheusRules by: its Helm release name.
    pub release: String,
}

impl Default for Operator {
    fn default() -> Self {
        Operator {
            release: "kube-prometheus-stack".into(),
        }
    }
}

fn fail(key: &str, message: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError {
        key: format!("kubernetes.{key}"),
        message: message.into(),
    })
}

/// A Kubernetes quantity as the API server accepts it: a decimal number
/// with an optional binary (`Ki`..`Ei`) or decimal (`m`, `k`..`E`) suffix.
fn is_quantity(text: &str) -> bool {
    const SUFFIXES: [&str; 14] = [
        "Ki", "Mi", "Gi", "Ti", "Pi", "Ei", "m", "k", "M", "G", "T", "P", "E", "",
    ];
    SUFFIXES.iter().any(|suffix| {
        text.strip_suffix(suffix).is_some_and(|number| {
            let (whole, fraction) = number.split_once('.').unwrap_or((number, ""));
            !whole.is_empty()
                && whole.bytes().all(|b| b.is_ascii_digit())
                && fraction.bytes().all(|b| b.is_ascii_digit())
                && !number.ends_with('.')
        })
    })
}

fn check_label_value(key: &str, value: &str) -> Result<(), ConfigError> {
    let valid = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
        && value.starts_with(|c: char| c.is_ascii_alphanumeric())
        && value.ends_with(|c: char| c.is_ascii_alphanumeric());
    if valid {
        Ok(())
    } else {
        fail(
            key,
            format!(
                "{value:?} is not a valid label value: 1 to 63 of [A-Za-z0-9-_.], alphanumeric at both ends"
            ),
        )
    }
}

impl Settings {
    /// Range checks; keys in errors are full paths (`kubernetes.app.uid`).
    pub fn validate(&self, drain_seconds: u32) -> Result<(), ConfigError> {
        check_label_value("part_of", &self.part_of)?;
        check_label_value("instance", &self.instance)?;
        check_label_value("operator.release", &self.operator.release)?;
        if self.pre_stop_seconds > 120 {
            fail("pre_stop_seconds", "must be at most 120")?;
        }
        if drain_seconds == 0 && self.pre_stop_seconds == 0 {
            // Nothing would hold the pod while endpoints update: requests in
            // flight at that moment fail, which the rolling-restart test forbids.
            fail(
                "pre_stop_seconds",
                "must be above 0 when app.drain_seconds is 0",
            )?;
        }
        if let Some(class) = &self.storage_class
            && class.is_empty()
        {
            fail(
                "storage_class",
                "must not be empty; leave it out for the cluster default",
            )?;
        }
        if !is_quantity(&self.alertmanager_storage_size) {
            fail(
                "alertmanager_storage_size",
                format!(
                    "{:?} is not a Kubernetes quantity",
                    self.alertmanager_storage_size
                ),
            )?;
        }
        if self.api_server_ports.is_empty() || self.api_server_ports.contains(&0) {
            fail("api_server_ports", "must list at least one port, none 0")?;
        }
        for (key, image) in [
            ("images.prometheus", &self.images.prometheus),
            ("images.alertmanager", &self.images.alertmanager),
            ("images.grafana", &self.images.grafana),
        ] {
            image.validate(&format!("kubernetes.{key}"))?;
        }
        for (key, workload) in [
            ("app", &self.app),
            ("prometheus", &self.prometheus),
            ("alertmanager", &self.alertmanager),
            ("grafana", &self.grafana),
            ("receiver", &self.receiver),
        ] {
            if workload.uid == 0 {
                fail(
                    &format!("{key}.uid"),
                    "must not be 0: every pod runs as non-root",
                )?;
            }
            check_resources(key, &workload.requests, &workload.limits)?;
        }
        check_resources("spin_app", &self.spin_app.requests, &self.spin_app.limits)?;
        Ok(())
    }
}

fn check_resources(key: &str, requests: &Resources, limits: &Resources) -> Result<(), ConfigError> {
    for (part, resources) in [("requests", requests), ("limits", limits)] {
        for (field, value) in [("cpu", &resources.cpu), ("memory", &resources.memory)] {
            if !is_quantity(value) {
                fail(
                    &format!("{key}.{part}.{field}"),
                    format!("{value:?} is not a Kubernetes quantity (e.g. \"250m\", \"256Mi\")"),
                )?;
            }
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantities() {
        for good in ["1", "250m", "0.5", "256Mi", "2Gi", "10G", "1.5Gi"] {
            assert!(is_quantity(good), "{good} rejected");
        }
        for bad in ["", "m", "1.", ".5", "1 Gi", "1GB", "-1", "1e3x", "Mi"] {
            assert!(!is_quantity(bad), "{bad:?} accepted");
        }
    }

    #[test]
    fn errors_name_the_key() {
        let mut settings = Settings::default();
        settings.grafana.uid = 0;
        let error = settings.validate(10).unwrap_err();
        assert_eq!(error.key, "kubernetes.grafana.uid");

        let mut settings = Settings::default();
        settings.prometheus.limits.memory = "2 GB".into();
        assert_eq!(
            settings.validate(10).unwrap_err().key,
            "kubernetes.prometheus.limits.memory"
        );

        let mut settings = Settings::default();
        settings.spin_app.limits.cpu = "one".into();
        assert_eq!(
            settings.validate(10).unwrap_err().key,
            "kubernetes.spin_app.limits.cpu"
        );

        let mut settings = Settings::default();
        settings.images.grafana.tag = "latest".into();
        assert_eq!(
            settings.validate(10).unwrap_err().key,
            "kubernetes.images.grafana.tag"
        );

        let settings = Settings {
            pre_stop_seconds: 0,
            ..Settings::default()
        };
        assert_eq!(
            settings.validate(0).unwrap_err().key,
            "kubernetes.pre_stop_seconds"
        );
        assert!(Settings::default().validate(10).is_ok());
    }
}
