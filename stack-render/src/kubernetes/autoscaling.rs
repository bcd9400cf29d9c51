//! Opt-in autoscaling (`[kubernetes.autoscaling]`): one KEDA `ScaledObject`
//! per overlay, scaling the app on the request rate Prometheus already
//! records for its variant.

use serde_json::{Value, json};

use super::workloads::app;
use crate::monitoring::rules::Names;
use crate::promql::job_matcher;
use stack_config::config::Config;
use stack_config::topology::{POD_VARIANT_LABEL, PROMETHEUS_SERVICE};

pub const API_VERSION: &str = "keda.sh/v1alpha1";
pub const FILE: &str = "scaled-object.yaml";

/// The trigger's query: the user request rate of one variant, summed over
/// whatever else the recording rule keeps apart, so KEDA always reads one
/// number (KEDA takes only the first sample of a vector).
pub fn request_rate_query(config: &Config, variant: &str) -> String {
    format!(
        "sum({}{{namespace=\"{}\", {}, {POD_VARIANT_LABEL}=\"{variant}\"}})",
        Names::new(config).job_requests(),
        config.namespace,
        job_matcher(&config.app.job),
    )
}

/// KEDA takes thresholds as strings of a decimal number.
fn decimal(value: f64) -> String {
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned()
}

/// The ScaledObject for one variant. `target` is the `scaleTargetRef`: the
/// Deployment of the native and Spin overlays, or for SpinKube the
/// Deployment spin-operator creates under the SpinApp's name (see
/// `spinkube.rs` for why not the SpinApp itself).
pub fn scaled_object(config: &Config, variant: &str) -> Value {
    let scaling = &config.kubernetes.autoscaling;
    let owner = app::component(config);
    json!({
        "apiVersion": API_VERSION,
        "kind": "ScaledObject",
        "metadata": owner.metadata(&config.app.name),
        "spec": {
            "scaleTargetRef": {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "name": config.app.name,
            },
            "minReplicaCount": scaling.min_replicas,
            "maxReplicaCount": scaling.max_replicas,
            "triggers": [{
                "type": "prometheus",
                // Per replica: KEDA divides the query's value by the
                // replica count (its default AverageValue metric type).
                "metricType": "AverageValue",
                "metadata": {
                    "serverAddress": format!(
                        "http://{PROMETHEUS_SERVICE}.{}.svc:{}",
                        config.namespace, config.prometheus.port
                    ),
                    "query": request_rate_query(config, variant),
                    "threshold": decimal(scaling.requests_per_second),
                    "activationThreshold": decimal(scaling.activation_requests_per_second),
                },
            }],
        },
    })
}
