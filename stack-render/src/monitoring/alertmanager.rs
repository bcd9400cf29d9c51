//! Alertmanager configuration: route by severity, group by alert and job,
//! and keep a down job's symptom alerts quiet while its `AppDown` speaks.

use serde::Serialize;

use crate::monitoring::rules::{WATCHDOG_SEVERITY, alert_names};
use crate::yaml;
use stack_config::config::{Config, Severity};
use stack_config::duration::PromDuration;

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

/// `alertmanager.yml`, field for field as Alertmanager reads it (its
/// `config.Config`): a misspelt field does not compile.
#[derive(Debug, Serialize)]
struct AlertmanagerConfig {
    global: Global,
    route: Route,
    inhibit_rules: Vec<InhibitRule>,
    receivers: Vec<Receiver>,
}

#[derive(Debug, Serialize)]
struct Global {
    resolve_timeout: PromDuration,
}

#[derive(Debug, Serialize)]
struct Route {
    receiver: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_by: Option<[&'static str; 3]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_wait: Option<PromDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    group_interval: Option<PromDuration>,
    #[serde(skip_serializing_if = "Option::is_none")]
    repeat_interval: Option<PromDuration>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    routes: Vec<Route>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    matchers: Vec<String>,
}

impl Route {
    /// A child route: `matchers` go to `receiver`, the rest is inherited.
    fn matching(receiver: &'static str, matcher: String) -> Route {
        Route {
            receiver,
            group_by: None,
            group_wait: None,
            group_interval: None,
            repeat_interval: None,
            routes: Vec::new(),
            matchers: vec![matcher],
        }
    }
}

#[derive(Debug, Serialize)]
struct InhibitRule {
    source_matchers: Vec<String>,
    target_matchers: Vec<String>,
    equal: Vec<&'static str>,
}

#[derive(Debug, Serialize)]
struct Receiver {
    name: &'static str,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    webhook_configs: Vec<WebhookConfig>,
}

#[derive(Debug, Serialize)]
struct WebhookConfig {
    url: String,
    send_resolved: bool,
    /// 0: every alert of the group, however many.
    max_alerts: u32,
}

fn webhook(url: &str) -> Vec<WebhookConfig> {
    vec![WebhookConfig {
        url: url.to_owned(),
        send_resolved: true,
        max_alerts: 0,
    }]
}

fn severity(severity: &str) -> String {
    format!("severity=\"{severity}\"")
}

fn render(config: &Config, webhook_url: &str) -> AlertmanagerConfig {
    use alert_names::*;
    let am = &config.alertmanager;
    let watchdog_receiver = Receiver {
        name: WATCHDOG_RECEIVER,
        // No dead man's switch configured: the Watchdog goes nowhere rather
        // than to people.
        webhook_configs: am.watchdog_url.as_deref().map(webhook).unwrap_or_default(),
    };
    let symptoms = [HIGH_ERROR_RATE, HIGH_LATENCY].join("|");
    let outages = [APP_DOWN, APP_ALL_INSTANCES_DOWN].join("|");
    let critical = severity(Severity::Critical.as_str());
    let warning = severity(Severity::Warning.as_str());
    AlertmanagerConfig {
        global: Global {
            resolve_timeout: am.resolve_timeout,
        },
        route: Route {
            receiver: TICKET_RECEIVER,
            group_by: Some(GROUP_BY),
            group_wait: Some(am.group_wait),
            group_interval: Some(am.group_interval),
            repeat_interval: Some(am.repeat_interval),
            routes: vec![
                Route::matching(WATCHDOG_RECEIVER, severity(WATCHDOG_SEVERITY)),
                Route::matching(PAGE_RECEIVER, critical.clone()),
                Route::matching(TICKET_RECEIVER, warning.clone()),
            ],
            matchers: Vec::new(),
        },
        inhibit_rules: vec![
            // A job that is down fails and is slow as a consequence: the
            // down alert says it all.
            InhibitRule {
                source_matchers: vec![format!("alertname=~\"{outages}\"")],
                target_matchers: vec![format!("alertname=~\"{symptoms}\"")],
                equal: vec!["namespace", "job"],
            },
            // A page already covers the same alert's ticket.
            InhibitRule {
                source_matchers: vec![critical],
                target_matchers: vec![warning],
                equal: vec!["alertname", "namespace", "job", "variant"],
            },
        ],
        receivers: vec![
            Receiver {
                name: PAGE_RECEIVER,
                webhook_configs: webhook(webhook_url),
            },
            Receiver {
                name: TICKET_RECEIVER,
                webhook_configs: webhook(webhook_url),
            },
            watchdog_receiver,
        ],
    }
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
    use serde_json::{Value, json};

    fn rendered() -> Value {
        serde_json::to_value(render(&Config::default(), "http://127.0.0.1:9095/")).unwrap()
    }

    #[test]
    fn app_down_inhibits_only_symptoms_of_the_same_job() {
        let value = rendered();
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
        let value = rendered();
        let receivers = value["receivers"].as_array().unwrap();
        let watchdog = receivers
            .iter()
            .find(|r| r["name"] == WATCHDOG_RECEIVER)
            .unwrap();
        assert!(watchdog.get("webhook_configs").is_none());
    }
}
