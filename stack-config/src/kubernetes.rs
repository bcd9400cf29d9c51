//! The `[kubernetes]` section of the configuration: what only the manifests
//! need (third-party images, pod identities, resources, storage, shutdown
//! timing). Names, ports and the app's own images stay in the shared
//! sections so Prometheus' configuration and the manifests cannot disagree.

use serde::{Deserialize, Serialize};

use crate::image::Image;

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
    /// The webhook receiver (`alert-receiver`), when Alertmanager notifies it.
    pub receiver: Workload,
    /// The app container of the Spin overlay, which runs as the app pod
    /// (`app.uid`) but whose shim compiles the component when it starts.
    pub spin_app: ContainerResources,
    pub operator: Operator,
    /// KEDA ScaledObjects on the request rate, one per overlay; off unless
    /// `enabled`.
    pub autoscaling: Autoscaling,
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
            autoscaling: Autoscaling::default(),
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

/// Opt-in autoscaling (`[kubernetes.autoscaling]`): KEDA scales the app
/// between `min_replicas` and `max_replicas` so that each replica serves about
/// `requests_per_second` of user traffic (the `job:http_server_requests:rate5m`
/// recording rule of its variant).
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Autoscaling {
    pub enabled: bool,
    pub min_replicas: u32,
    pub max_replicas: u32,
    /// Target requests per second per replica (KEDA's `threshold`).
    pub requests_per_second: f64,
    /// Below this total rate the app is not scaled up from its minimum
    /// (KEDA's `activationThreshold`).
    pub activation_requests_per_second: f64,
    /// Namespace KEDA's operator runs in: the NetworkPolicies let its pods
    /// query Prometheus.
    pub keda_namespace: String,
}

impl Default for Autoscaling {
    fn default() -> Self {
        Autoscaling {
            enabled: false,
            min_replicas: 2,
            max_replicas: 10,
            requests_per_second: 50.0,
            activation_requests_per_second: 0.0,
            keda_namespace: "keda".into(),
        }
    }
}
