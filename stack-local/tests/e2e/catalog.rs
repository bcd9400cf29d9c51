//! What the rendered files promise, read from the rendering itself: the
//! recording rules, the alerts with their labels and annotations, and the
//! dashboard's panel queries. Nothing here is retyped from the rules.

use std::collections::BTreeMap;

use serde_json::Value;
use stack_config::Config;
use stack_render::Monitoring;
use stack_render::monitoring::alertmanager::{PAGE_RECEIVER, TICKET_RECEIVER};

/// An alert rule as rendered.
#[derive(Clone, Debug)]
pub struct AlertRule {
    pub labels: BTreeMap<String, String>,
    pub summary: String,
    pub runbook_url: String,
}

impl AlertRule {
    pub fn severity(&self) -> &str {
        self.labels.get("severity").map_or("", String::as_str)
    }

    /// The receiver Alertmanager's routing must pick for this severity.
    pub fn receiver(&self) -> Option<&'static str> {
        match self.severity() {
            "critical" => Some(PAGE_RECEIVER),
            "warning" => Some(TICKET_RECEIVER),
            _ => None,
        }
    }
}

#[derive(Clone, Debug)]
pub struct Catalog {
    pub recordings: Vec<String>,
    pub alerts: BTreeMap<String, Vec<AlertRule>>,
    pub panel_queries: Vec<PanelQuery>,
}

#[derive(Clone, Debug)]
pub struct PanelQuery {
    pub panel: String,
    pub expr: String,
}

impl Catalog {
    pub fn new(config: &Config) -> Catalog {
        let monitoring = Monitoring::new(config);
        let mut recordings = Vec::new();
        let mut alerts: BTreeMap<String, Vec<AlertRule>> = BTreeMap::new();
        for group in monitoring.rule_groups.as_array().expect("groups") {
            for rule in group["rules"].as_array().expect("rules") {
                if let Some(record) = rule["record"].as_str() {
                    if !recordings.iter().any(|r| r == record) {
                        recordings.push(record.to_owned());
                    }
                    continue;
                }
                let name = rule["alert"].as_str().expect("alert or record").to_owned();
                let strings = |value: &Value| -> BTreeMap<String, String> {
                    value
                        .as_object()
                        .map(|m| {
                            m.iter()
                                .map(|(k, v)| {
                                    (k.clone(), v.as_str().unwrap_or_default().to_owned())
                                })
                                .collect()
                        })
                        .unwrap_or_default()
                };
                let annotations = strings(&rule["annotations"]);
                alerts.entry(name).or_default().push(AlertRule {
                    labels: strings(&rule["labels"]),
                    summary: annotations.get("summary").cloned().unwrap_or_default(),
                    runbook_url: annotations.get("runbook_url").cloned().unwrap_or_default(),
                });
            }
        }
        let dashboard: Value =
            serde_json::from_str(&monitoring.dashboard).expect("the rendered dashboard is JSON");
        let panel_queries = panel_queries(&dashboard, config);
        Catalog {
            recordings,
            alerts,
            panel_queries,
        }
    }

    /// The rendered rule an alert came from: same name, and every label the
    /// rule sets is on the alert.
    pub fn rule_for(&self, labels: &Value) -> Option<&AlertRule> {
        let name = labels["alertname"].as_str()?;
        self.alerts.get(name)?.iter().find(|rule| {
            rule.labels
                .iter()
                .all(|(key, value)| labels[key].as_str() == Some(value))
        })
    }
}

/// Every Prometheus query of every panel (rows included), with Grafana's
/// variables replaced by values that select this stack's series.
fn panel_queries(dashboard: &Value, config: &Config) -> Vec<PanelQuery> {
    let mut variables: Vec<(String, String)> = Vec::new();
    for variable in dashboard["templating"]["list"]
        .as_array()
        .into_iter()
        .flatten()
    {
        let Some(name) = variable["name"].as_str() else {
            continue;
        };
        if variable["type"] == "datasource" {
            continue;
        }
        let value = match name {
            "namespace" => config.namespace.clone(),
            "job" => config.app.job.clone(),
            // Multi-value and "All" selections become a regex over every value.
            _ => variable["allValue"].as_str().unwrap_or(".*").to_owned(),
        };
        variables.push((name.to_owned(), value));
    }
    let rate_window = config.alerts.rate_window.to_string();
    let scrape = config.prometheus.scrape_interval.to_string();
    let builtins = [
        ("__rate_interval", rate_window.clone()),
        ("__interval", scrape.clone()),
        ("__range", rate_window.clone()),
    ];
    let substitute = |expr: &str| -> String {
        let mut out = expr.to_owned();
        // Longest names first, so `$__rate_interval` is not read as `$__r…`.
        let mut all: Vec<(String, String)> = builtins
            .iter()
            .map(|(k, v)| ((*k).to_owned(), v.clone()))
            .chain(variables.iter().cloned())
            .collect();
        all.sort_by_key(|(name, _)| std::cmp::Reverse(name.len()));
        for (name, value) in &all {
            out = out
                .replace(&format!("${{{name}:regex}}"), value)
                .replace(&format!("${{{name}}}"), value)
                .replace(&format!("[[{name}]]"), value)
                .replace(&format!("${name}"), value);
        }
        out
    };
    let mut queries = Vec::new();
    let mut stack = vec![dashboard];
    while let Some(node) = stack.pop() {
        for panel in node["panels"].as_array().into_iter().flatten() {
            let title = panel["title"].as_str().unwrap_or("(untitled)").to_owned();
            for target in panel["targets"].as_array().into_iter().flatten() {
                // An exemplar target's series are empty by construction (it
                // is there for the exemplars of its selectors), so it is not
                // one of the queries that must return data.
                if target["exemplar"] == true {
                    continue;
                }
                let is_prometheus = target["datasource"]["type"]
                    .as_str()
                    .or(panel["datasource"]["type"].as_str())
                    .is_none_or(|t| t == "prometheus");
                if let (true, Some(expr)) = (is_prometheus, target["expr"].as_str()) {
                    queries.push(PanelQuery {
                        panel: title.clone(),
                        expr: substitute(expr),
                    });
                }
            }
            stack.push(panel);
        }
    }
    queries
}
