//! Every webhook payload Alertmanager delivered is checked against the
//! rendered rules and routing: alert name, labels, annotations, status.

use serde_json::Value;
use stack_config::Config;
use stack_local::Delivery;
use stack_render::monitoring::alertmanager::GROUP_BY;

use crate::catalog::Catalog;

/// Alerts about the app: they must carry the app's identity.
const APP_ALERTS: [&str; 6] = [
    "AppDown",
    "AppAllInstancesDown",
    "HighErrorRate",
    "HighLatency",
    "AppAvailabilityBudgetBurn",
    "AppLatencyBudgetBurn",
];

fn text<'a>(value: &'a Value, key: &str) -> &'a str {
    value[key].as_str().unwrap_or_default()
}

/// Problems with one delivery; empty when it is as the rendering promises.
pub fn problems(
    delivery: &Delivery,
    catalog: &Catalog,
    config: &Config,
    pods: &[String],
) -> Vec<String> {
    let payload = &delivery.payload;
    let mut found = Vec::new();
    let mut check = |ok: bool, what: String| {
        if !ok {
            found.push(what);
        }
    };
    check(
        text(payload, "version") == "4",
        format!("webhook version {:?}", payload["version"]),
    );
    check(
        payload["truncatedAlerts"].as_u64() == Some(0),
        "alerts were truncated".into(),
    );
    check(
        !text(payload, "externalURL").is_empty(),
        "no externalURL".into(),
    );
    check(!text(payload, "groupKey").is_empty(), "no groupKey".into());
    let receiver = text(payload, "receiver");
    let alerts = delivery.alerts();
    check(!alerts.is_empty(), "no alerts".into());
    let any_firing = alerts.iter().any(|a| a["status"] == "firing");
    let group_status = text(payload, "status");
    check(
        group_status == if any_firing { "firing" } else { "resolved" },
        format!("group status {group_status:?} while any alert firing is {any_firing}"),
    );
    let group_labels = payload["groupLabels"]
        .as_object()
        .cloned()
        .unwrap_or_default();
    check(
        group_labels.contains_key("alertname")
            && group_labels.keys().all(|k| GROUP_BY.contains(&k.as_str())),
        format!(
            "groupLabels {} are not the rendered grouping {GROUP_BY:?}",
            payload["groupLabels"]
        ),
    );

    for alert in alerts {
        let labels = &alert["labels"];
        let name = text(labels, "alertname");
        let status = text(alert, "status");
        let who = format!("{name} {labels}");
        check(
            status == "firing" || status == "resolved",
            format!("{who}: status {status:?}"),
        );
        let Some(rule) = catalog.rule_for(labels) else {
            check(
                false,
                format!("{who}: no rendered rule has this name and these labels"),
            );
            continue;
        };
        check(
            rule.receiver() == Some(receiver),
            format!(
                "{who}: severity {} delivered to receiver {receiver:?}",
                rule.severity()
            ),
        );
        let annotations = &alert["annotations"];
        check(
            text(annotations, "summary") == rule.summary,
            format!(
                "{who}: summary {:?}, rule says {:?}",
                annotations["summary"], rule.summary
            ),
        );
        check(
            text(annotations, "runbook_url") == rule.runbook_url,
            format!(
                "{who}: runbook_url {:?}, rule says {:?}",
                annotations["runbook_url"], rule.runbook_url
            ),
        );
        let description = text(annotations, "description");
        check(
            !description.is_empty()
                && !description.contains("{{")
                && !description.contains("<no value>"),
            format!("{who}: description not fully expanded: {description:?}"),
        );
        if APP_ALERTS.contains(&name) {
            check(
                text(labels, "job") == config.app.job
                    && text(labels, "namespace") == config.namespace,
                format!("{who}: job/namespace are not the app's"),
            );
        }
        if name == "AppDown" {
            let pod = text(labels, "pod");
            check(
                pods.iter().any(|p| p == pod),
                format!("{who}: pod {pod:?} is no instance"),
            );
            check(
                text(labels, "variant") == "native" || text(labels, "variant") == "spin",
                format!("{who}: variant"),
            );
            check(
                description.contains(pod),
                format!("{who}: description does not name the pod"),
            );
        }
        let starts = humantime::parse_rfc3339_weak(text(alert, "startsAt"));
        check(
            starts.is_ok(),
            format!("{who}: startsAt {:?}", alert["startsAt"]),
        );
        if status == "resolved" {
            let ends = humantime::parse_rfc3339_weak(text(alert, "endsAt"));
            check(
                ends.is_ok_and(|e| e <= delivery.received_at && starts.is_ok_and(|s| s <= e)),
                format!(
                    "{who}: resolved, but endsAt {:?} is not between startsAt and receipt",
                    alert["endsAt"]
                ),
            );
        }
        check(
            alert["generatorURL"]
                .as_str()
                .is_some_and(|u| u.contains("/graph?g0.expr=")),
            format!("{who}: generatorURL {:?}", alert["generatorURL"]),
        );
    }
    found
}
