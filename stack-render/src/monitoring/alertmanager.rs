//! Alertmanager configuration: route by severity, group by alert and job,
//! and keep a down job's symptom alerts quiet while its `AppDown` speaks.

use serde_json::{Value, json};

use crate::monitoring::rules::{WATCHDOG_SEVERITY, alert_names};
use crate::yaml;
use stack_config::config::{Config, Severity};

/// Receiver names.
pub const PAGE_RECEIVER: &str = "page";
pub const TICKET_RECEIVER: &str = "ticket";
pub const WATCHDOG_RECEIVER: &str = "watchdog";

/// Labels that group notifications: one per alert and job (and namespace,
/// so two deployments of the app never share a notification).
pub const GROUP_BY: [&str; 3] = ["alertname", "namespace", "job"];

/// The flags an Alertmanager runs with, in Kubernetes and in the local stack
/// alike: its configuration file, data directory and listen address.
pub fn server_args(config_file: &str, data_dir: &str, listen_address: &str) -> Vec<String> {
    vec![
        format!("--config.file={config_file}"),
        format!("--storage.path={data_dir}"),
        format!("--web.listen-address={listen_address}"),
        // One replica: no gossip peers to find, and no cluster port (9094)
        // to open.
        "--cluster.listen-address=".to_string(),
    ]
}

fn webhook(url: &str) -> Value {
    json!([{"url": url, "send_resolved": true, "max_alerts": 0}])
}

fn render(config: &Config, webhook_url: &str) -> Value {
    use alert_names::*;
    let am = &config.alertmanager;
    let watchdog_receiver = match &am.watchdog_url {
        Some(url) => json!({"name": WATCHDOG_RECEIVER, "webhook_configs": webhook(url)}),
        // No dead man's switch configured: the Watchdog goes nowhere rather
        // than to people.
        None => json!({"name": WATCHDOG_RECEIVER}),
    };
    let symptoms = [HIGH_ERROR_RATE, HIGH_LATENCY].join("|");
    let outages = [APP_DOWN, APP_ALL_INSTANCES_DOWN].join("|");
    json!({
        "global": {"resolve_timeout": am.resolve_timeout},
        "route": {
            "receiver": TICKET_RECEIVER,
            "group_by": GROUP_BY,
            "group_wait": am.group_wait,
            "group_interval": am.group_interval,
            "repeat_interval": am.repeat_interval,
            "routes": [
                {
                    "receiver": WATCHDOG_RECEIVER,
                    "matchers": [format!("severity=\"{WATCHDOG_SEVERITY}\"")],
                },
                {
                    "receiver": PAGE_RECEIVER,
                    "matchers": [format!("severity=\"{}\"", Severity::Critical.as_str())],
                },
                {
                    "receiver": TICKET_RECEIVER,
                    "matchers": [format!("severity=\"{}\"", Severity::Warning.as_str())],
                },
            ],
        },
        "inhibit_rules": [
            {
                // A job that is down fails and is slow as a consequence: the
                // down alert says it all.
                "source_matchers": [format!("alertname=~\"{outages}\"")],
                "target_matchers": [format!("alertname=~\"{symptoms}\"")],
                "equal": ["namespace", "job"],
            },
            {
                // A page already covers the same alert's ticket.
                "source_matchers": [format!("severity=\"{}\"", Severity::Critical.as_str())],
                "target_matchers": [format!("severity=\"{}\"", Severity::Warning.as_str())],
                "equal": ["alertname", "namespace", "job", "variant"],
            },
        ],
        "receivers": [
            {"name": PAGE_RECEIVER, "webhook_configs": webhook(webhook_url)},
            {"name": TICKET_RECEIVER, "webhook_configs": webhook(webhook_url)},
            watchdog_receiver,
        ],
    })
}

/// `alertmanager.yml` delivering to `webhook_url`.
pub fn config(config: &Config, webhook_url: &str) -> String {
    yaml::document(
        &format!(
            "{}\nCritical alerts page, warnings open tickets; both go to {webhook_url} here.",
            crate::tree::GENERATED_HEADER
        ),
        &render(config, webhook_url),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn app_down_inhibits_only_symptoms_of_the_same_job() {
        let value = render(&Config::default(), "http://127.0.0.1:9095/");
        let rule = &value["inhibit_rules"][0];
        assert_eq!(rule["equal"], json!(["namespace", "job"]));
        let target = rule["target_matchers"][0].as_str().unwrap();
        assert!(target.contains("HighErrorRate") && target.contains("HighLatency"));
        assert!(
            !target.contains("AppDown"),
            "AppDown must not inhibit itself"
        );
    }

    #[test]
    fn watchdog_never_reaches_people() {
        let value = render(&Config::default(), "http://127.0.0.1:9095/");
        let receivers = value["receivers"].as_array().unwrap();
        let watchdog = receivers
            .iter()
            .find(|r| r["name"] == WATCHDOG_RECEIVER)
            .unwrap();
        assert!(watchdog.get("webhook_configs").is_none());
    }
}
