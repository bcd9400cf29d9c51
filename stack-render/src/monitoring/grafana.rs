//! The Grafana dashboard (its provisioning: [`super::grafana_provisioning`]).
//!
//! Every panel reads a recorded series by the name [`RuleSet`] gives it, so
//! the dashboard shows what the alerts evaluate. Raw series appear only
//! where nothing is computed: `up`, `app_build_info` and `ALERTS`.

use serde_json::{Value, json};

use app_core::metrics::{BUILD_INFO, REQUEST_DURATION};

use crate::monitoring::rules::{
    RuleSet, SLO_AVAILABILITY, SLO_LATENCY, TARGET_LABELS, alert_names,
};
use crate::promql::exposed_name;
use stack_config::config::Config;
use stack_config::duration::PromDuration;

/// The dashboard variable every panel takes its Prometheus from, as every
/// monitoring mixin names it: the dashboard works in any Grafana.
pub const DATASOURCE_VARIABLE: &str = "datasource";

/// Dashboard JSON schema version the panels are written for.
pub const SCHEMA_VERSION: u64 = 39;
pub use crate::monitoring::grafana_provisioning::ALERTMANAGER_DATASOURCE_UID;

/// Builds panels left to right, top to bottom, on Grafana's 24-column grid.
struct Layout {
    datasource: Value,
    panels: Vec<Value>,
    next_id: u64,
    x: u64,
    y: u64,
    row_height: u64,
}

struct Query {
    expr: String,
    legend: &'static str,
    instant: bool,
    /// Also ask Prometheus for the exemplars of the series `expr` selects.
    exemplar: bool,
}

fn series(expr: String, legend: &'static str) -> Query {
    Query {
        expr,
        legend,
        instant: false,
        exemplar: false,
    }
}

fn instant(expr: String) -> Query {
    Query {
        expr,
        legend: "__auto",
        instant: true,
        exemplar: false,
    }
}

/// The exemplars (trace ids) of the series `selector` names, and no line.
/// Grafana has no exemplar-only query and recorded series carry no
/// exemplars, so the target selects the raw series, and `< 0` (a rate never
/// is) empties its range half: what the panel draws still comes from the
/// recording rules alone.
fn exemplars(selector: String, window: PromDuration) -> Query {
    Query {
        expr: format!("rate({selector}[{window}]) < 0"),
        legend: "exemplars",
        instant: false,
        exemplar: true,
    }
}

impl Layout {
    fn id(&mut self) -> u64 {
        self.next_id += 1;
        self.next_id
    }

    fn row(&mut self, title: &str) {
        if self.x > 0 {
            self.y += self.row_height;
        }
        let id = self.id();
        self.panels.push(json!({
            "type": "row",
            "id": id,
            "title": title,
            "collapsed": false,
            "panels": [],
            "gridPos": {"h": 1, "w": 24, "x": 0, "y": self.y},
        }));
        self.x = 0;
        self.y += 1;
        self.row_height = 0;
    }

    fn place(&mut self, width: u64, height: u64) -> Value {
        if self.x + width > 24 {
            self.y += self.row_height;
            self.x = 0;
            self.row_height = 0;
        }
        let pos = json!({"h": height, "w": width, "x": self.x, "y": self.y});
        self.x += width;
        self.row_height = self.row_height.max(height);
        pos
    }

    fn targets(&self, queries: Vec<Query>) -> Value {
        let ref_ids = ["A", "B", "C", "D"];
        Value::Array(
            queries
                .into_iter()
                .zip(ref_ids)
                .map(|(q, ref_id)| {
                    let mut target = json!({
                        "datasource": self.datasource,
                        "refId": ref_id,
                        "expr": q.expr,
                        "legendFormat": q.legend,
                        "range": !q.instant,
                        "instant": q.instant,
                        "format": if q.instant { "table" } else { "time_series" },
                    });
                    if q.exemplar {
                        target["exemplar"] = json!(true);
                    }
                    target
                })
                .collect(),
        )
    }

    #[allow(clippy::too_many_arguments)]
    fn panel(
        &mut self,
        kind: &str,
        title: &str,
        description: &str,
        (width, height): (u64, u64),
        unit: &str,
        queries: Vec<Query>,
        options: Value,
        custom: Value,
    ) -> &mut Value {
        let id = self.id();
        let grid_pos = self.place(width, height);
        let targets = self.targets(queries);
        self.panels.push(json!({
            "type": kind,
            "id": id,
            "title": title,
            "description": description,
            "datasource": self.datasource,
            "gridPos": grid_pos,
            "targets": targets,
            "options": options,
            "fieldConfig": {
                "defaults": {"unit": unit, "custom": custom},
                "overrides": [],
            },
        }));
        self.panels.last_mut().expect("just pushed")
    }

    fn timeseries(
        &mut self,
        title: &str,
        description: &str,
        size: (u64, u64),
        unit: &str,
        queries: Vec<Query>,
    ) -> &mut Value {
        self.panel(
            "timeseries",
            title,
            description,
            size,
            unit,
            queries,
            json!({
                "legend": {"displayMode": "table", "placement": "bottom", "showLegend": true, "calcs": ["lastNotNull", "max"]},
                "tooltip": {"mode": "multi", "sort": "desc"},
            }),
            json!({"drawStyle": "line", "lineWidth": 1, "fillOpacity": 10, "showPoints": "never", "spanNulls": false}),
        )
    }

    fn stat(&mut self, title: &str, description: &str, unit: &str, query: Query) -> &mut Value {
        self.panel(
            "stat",
            title,
            description,
            (4, 4),
            unit,
            vec![query],
            json!({
                "reduceOptions": {"calcs": ["lastNotNull"], "fields": "", "values": false},
                "colorMode": "value",
                "graphMode": "area",
                "justifyMode": "auto",
                "textMode": "auto",
                "orientation": "auto",
            }),
            json!({}),
        )
    }

    fn table(
        &mut self,
        title: &str,
        description: &str,
        size: (u64, u64),
        query: Query,
    ) -> &mut Value {
        self.panel(
            "table",
            title,
            description,
            size,
            "none",
            vec![query],
            json!({"showHeader": true, "cellHeight": "sm"}),
            json!({"align": "auto"}),
        )
    }
}

/// The app's overview dashboard.
pub fn dashboard(config: &Config, rules: &RuleSet) -> Value {
    let datasource = json!({"type": "prometheus", "uid": format!("${{{DATASOURCE_VARIABLE}}}")});
    let n = &rules.names;
    let w = n.rate_window();
    let sel = "namespace=\"$namespace\", variant=~\"$variant\"";
    let app_up = format!("up{{job=\"{}\", {sel}}}", config.app.job);
    let build_info = exposed_name(&BUILD_INFO);
    let mut l = Layout {
        datasource: datasource.clone(),
        panels: Vec::new(),
        next_id: 0,
        x: 0,
        y: 0,
        row_height: 0,
    };

    l.row("Overview");
    l.stat(
        "Instances up",
        "Targets of the app job that answered their last scrape, per variant.",
        "none",
        instant(format!("sum by (variant) ({app_up})")),
    );
    l.stat(
        "Requests",
        &format!("User requests per second over {w} (probes and scrapes excluded)."),
        "reqps",
        instant(format!("sum({}{{{sel}}})", n.job_requests())),
    );
    l.stat(
        "5xx ratio",
        &format!(
            "Share of user requests answered 5xx over {w}; HighErrorRate fires above {}.",
            config.alerts.error_ratio
        ),
        "percentunit",
        instant(format!("max({}{{{sel}}})", n.job_error_ratio(w))),
    );
    l.stat(
        "p95 latency",
        &format!(
            "95th percentile of user request durations over {w}; HighLatency fires above {} s.",
            config.alerts.latency_p95_seconds
        ),
        "s",
        instant(format!(
            "max({}{{{sel}, quantile=\"0.95\"}})",
            n.job_latency()
        )),
    );
    l.table(
        "Build info",
        "Version and variant each instance reports.",
        (8, 4),
        instant(format!(
            "sum by (pod, variant, version) ({build_info}{{{sel}}})"
        )),
    );
    l.table(
        "Active alerts",
        "Alerts of this namespace's app firing now, as Prometheus evaluates them.",
        (24, 6),
        // Alerts of this namespace's app only: a shared Prometheus evaluates
        // other teams' rules too.
        instant(format!(
            "ALERTS{{alertstate=\"firing\", alertname!=\"{}\", namespace=\"$namespace\", job=\"{}\"}}",
            alert_names::WATCHDOG,
            config.app.job
        )),
    );

    l.row("Instances");
    let up = l.panel(
        "state-timeline",
        "Up by instance",
        "1 when the last scrape of the pod succeeded, 0 when it failed; gaps when it is gone.",
        (12, 8),
        "none",
        vec![series(app_up.clone(), "{{variant}} {{pod}}")],
        json!({"showValue": "never", "mergeValues": true, "rowHeight": 0.9}),
        json!({"fillOpacity": 80, "lineWidth": 0}),
    );
    up["fieldConfig"]["defaults"]["mappings"] = json!([{
        "type": "value",
        "options": {
            "0": {"text": "down", "color": "red", "index": 0},
            "1": {"text": "up", "color": "green", "index": 1},
        },
    }]);
    l.timeseries(
        "In-flight requests by route",
        "Requests being served right now.",
        (12, 8),
        "none",
        vec![series(
            format!(
                "sum by (variant, http_route) ({}{{{sel}}})",
                n.route_active()
            ),
            "{{variant}} {{http_route}}",
        )],
    );

    l.row("Traffic by route");
    l.timeseries(
        "Request rate by route",
        &format!("Requests per second over {w}, every route including probes and scrapes."),
        (8, 8),
        "reqps",
        vec![series(
            format!("{}{{{sel}}}", n.route_requests()),
            "{{variant}} {{http_route}}",
        )],
    );
    l.timeseries(
        "5xx ratio by route",
        &format!("Share of requests answered 5xx over {w}."),
        (8, 8),
        "percentunit",
        vec![series(
            format!("{}{{{sel}}}", n.route_error_ratio()),
            "{{variant}} {{http_route}}",
        )],
    );
    let duration_buckets = format!("{}_bucket", exposed_name(&REQUEST_DURATION));
    l.timeseries(
        "Latency p50 / p95 / p99",
        &format!(
            "Quantiles of user request durations over {w}; the dots are exemplars, single requests with the trace id they carried."
        ),
        (8, 8),
        "s",
        vec![
            series(
                format!("{}{{{sel}}}", n.job_latency()),
                "{{variant}} p{{quantile}}",
            ),
            exemplars(
                format!("{duration_buckets}{{{}, {sel}}}", rules.user_matchers),
                w,
            ),
        ],
    );

    l.row("Native vs edge");
    // Each panel repeats once per selected variant, the copies side by side
    // on one row: the same handler on hyper and on Spin, metric by metric.
    for (title, unit, expr, legend) in [
        (
            "Requests by route — $variant",
            "reqps",
            format!("{}{{{sel}}}", n.route_requests()),
            "{{http_route}}",
        ),
        (
            "5xx ratio by route — $variant",
            "percentunit",
            format!("{}{{{sel}}}", n.route_error_ratio()),
            "{{http_route}}",
        ),
        (
            "Latency — $variant",
            "s",
            format!("{}{{{sel}}}", n.job_latency()),
            "p{{quantile}}",
        ),
    ] {
        let panel = l.timeseries(
            title,
            "Repeated per selected variant: native and edge side by side.",
            (24, 8),
            unit,
            vec![series(expr, legend)],
        );
        panel["repeat"] = json!("variant");
        panel["repeatDirection"] = json!("h");
        panel["maxPerRow"] = json!(2);
    }

    l.row("Service level objectives");
    let slo = &config.slo;
    // The fastest paging pair's long window: what the first page looks at.
    let first_window = slo.windows.iter().map(|w| w.long).min().unwrap_or(w);
    let period = slo.period;
    for (name, target, ratio, what) in [
        (
            SLO_AVAILABILITY,
            slo.availability_target,
            n.job_error_ratio(first_window),
            "requests answered 5xx".to_owned(),
        ),
        (
            SLO_LATENCY,
            slo.latency_target,
            n.job_slow_ratio(first_window),
            format!("requests slower than {} s", slo.latency_threshold_seconds),
        ),
    ] {
        let title = format!("{}{}", name[..1].to_uppercase(), &name[1..]);
        let burn_rate = format!("{ratio}{{{sel}}} / (1 - {target})");
        let remaining = format!("{}{{slo=\"{name}\", {sel}}}", n.budget_remaining(period));
        l.timeseries(
            &format!("{title} error budget burn rate"),
            &format!(
                "How many times faster than sustainable the {name} budget (SLO {target}, {what}) burns over {first_window}; 1 spends it exactly over the SLO period {period}."
            ),
            (12, 8),
            "none",
            vec![series(burn_rate.clone(), "{{variant}}")],
        );
        l.timeseries(
            &format!("{title} error budget remaining"),
            &format!(
                "Share of the {name} error budget of the last {period} not yet spent: 100% untouched, 0 exhausted, below 0 overspent."
            ),
            (6, 8),
            "percentunit",
            vec![series(remaining.clone(), "{{variant}}")],
        );
        // Burn rate 1 spends a whole budget in one period, so what is left
        // lasts remaining * period / burn rate; no errors at all is +Inf.
        l.timeseries(
            &format!("{title} budget: time to exhaustion"),
            &format!(
                "How long the {name} budget left lasts at the burn rate of the last {first_window}; 0 when it is spent."
            ),
            (6, 8),
            "s",
            vec![series(
                format!(
                    "clamp_min({remaining}, 0) * {} / on ({TARGET_LABELS}) ({burn_rate})",
                    period.as_millis() / 1000
                ),
                "{{variant}}",
            )],
        );
    }

    let variable = |name: &str, label: &str, query: String, multi: bool| {
        json!({
            "name": name,
            "label": label,
            "type": "query",
            "datasource": datasource,
            "query": query,
            "refresh": 2,
            "sort": 1,
            "multi": multi,
            "includeAll": multi,
            "options": [],
        })
    };

    json!({
        "uid": config.grafana.dashboard_uid,
        "title": "App overview",
        "description": "The app's traffic, errors, latency and SLOs, native and edge side by side. Rendered by `stack render`; edit stack-render/src/monitoring/grafana.rs, not this file.",
        "tags": ["app", "generated"],
        "editable": false,
        "graphTooltip": 1,
        "schemaVersion": SCHEMA_VERSION,
        "version": 1,
        "refresh": "30s",
        "time": {"from": "now-1h", "to": "now"},
        "timezone": "utc",
        "templating": {"list": [
            json!({
                "name": DATASOURCE_VARIABLE,
                "label": "Data source",
                "type": "datasource",
                "query": "prometheus",
                // The provisioned datasource; a Grafana without it falls
                // back to its default Prometheus.
                "current": {"text": "Prometheus", "value": config.grafana.datasource_uid},
                "refresh": 1,
                "regex": "",
                "hide": 0,
                "options": [],
            }),
            variable("namespace", "Namespace", format!("label_values({build_info}, namespace)"), false),
            variable(
                "variant",
                "Variant",
                format!("label_values({build_info}{{namespace=\"$namespace\"}}, variant)"),
                true,
            ),
        ]},
        "annotations": {"list": []},
        "links": [],
        "panels": l.panels,
    })
}

/// Every panel's PromQL query (variables use Grafana's `label_values()`,
/// which is not PromQL).
pub fn queries(dashboard: &Value) -> Vec<String> {
    let mut out = Vec::new();
    for panel in dashboard["panels"].as_array().into_iter().flatten() {
        for target in panel["targets"].as_array().into_iter().flatten() {
            if let Some(expr) = target["expr"].as_str() {
                out.push(expr.to_owned());
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn render() -> Value {
        let config = Config::default();
        dashboard(&config, &RuleSet::new(&config))
    }

    #[test]
    fn panels_do_not_overlap() {
        let dashboard = render();
        let mut cells = std::collections::HashSet::new();
        for panel in dashboard["panels"].as_array().unwrap() {
            let pos = &panel["gridPos"];
            let (x, y, w, h) = (
                pos["x"].as_u64().unwrap(),
                pos["y"].as_u64().unwrap(),
                pos["w"].as_u64().unwrap(),
                pos["h"].as_u64().unwrap(),
            );
            assert!(x + w <= 24, "{} too wide", panel["title"]);
            for cx in x..x + w {
                for cy in y..y + h {
                    assert!(
                        cells.insert((cx, cy)),
                        "{} overlaps at {cx},{cy}",
                        panel["title"]
                    );
                }
            }
        }
    }

    #[test]
    fn panel_ids_are_unique_and_every_query_uses_the_datasource_variable() {
        let dashboard = render();
        let chosen = json!({"type": "prometheus", "uid": "${datasource}"});
        let mut ids = std::collections::HashSet::new();
        for panel in dashboard["panels"].as_array().unwrap() {
            assert!(ids.insert(panel["id"].as_u64().unwrap()));
            if panel["type"] != "row" {
                assert_eq!(panel["datasource"], chosen, "{}", panel["title"]);
                let targets = panel["targets"].as_array().unwrap();
                assert!(!targets.is_empty());
                for target in targets {
                    assert_eq!(target["datasource"], chosen, "{}", panel["title"]);
                }
            }
        }
        let variables = dashboard["templating"]["list"].as_array().unwrap();
        let datasource = &variables[0];
        assert_eq!(datasource["name"], DATASOURCE_VARIABLE);
        assert_eq!(datasource["type"], "datasource");
        assert_eq!(datasource["query"], "prometheus");
        assert_eq!(datasource["current"]["value"], "prometheus");
        for variable in &variables[1..] {
            assert_eq!(variable["datasource"], chosen, "{}", variable["name"]);
        }
    }

    fn panel<'a>(dashboard: &'a Value, title: &str) -> &'a Value {
        dashboard["panels"]
            .as_array()
            .unwrap()
            .iter()
            .find(|p| p["title"] == title)
            .unwrap_or_else(|| panic!("no panel {title}"))
    }

    #[test]
    fn active_alerts_are_this_namespace_and_job_only() {
        let dashboard = render();
        let expr = panel(&dashboard, "Active alerts")["targets"][0]["expr"]
            .as_str()
            .unwrap()
            .to_owned();
        assert!(expr.contains("namespace=\"$namespace\""), "{expr}");
        assert!(expr.contains("job=\"app\""), "{expr}");
    }

    #[test]
    fn the_latency_panel_shows_exemplars_of_the_raw_histogram() {
        let dashboard = render();
        let targets = panel(&dashboard, "Latency p50 / p95 / p99")["targets"]
            .as_array()
            .unwrap()
            .clone();
        let with_exemplars: Vec<&Value> =
            targets.iter().filter(|t| t["exemplar"] == true).collect();
        assert_eq!(with_exemplars.len(), 1, "{targets:?}");
        let expr = with_exemplars[0]["expr"].as_str().unwrap();
        assert!(
            expr.starts_with(
                "rate(http_server_request_duration_seconds_bucket{job=\"app\", http_route!~"
            ),
            "{expr}"
        );
        assert!(expr.ends_with(" < 0"), "{expr}");
        // The lines still come from the recording rule alone.
        assert!(targets.iter().any(|t| {
            t["exemplar"].is_null()
                && t["expr"]
                    .as_str()
                    .unwrap()
                    .starts_with("job:http_server_request_duration_seconds")
        }));
    }

    #[test]
    fn budget_panels_sit_beside_each_burn_rate_panel() {
        let dashboard = render();
        for slo in ["Availability", "Latency"] {
            let burn = &panel(&dashboard, &format!("{slo} error budget burn rate"))["gridPos"];
            let remaining = panel(&dashboard, &format!("{slo} error budget remaining"));
            let exhaustion = panel(&dashboard, &format!("{slo} budget: time to exhaustion"));
            for beside in [remaining, exhaustion] {
                assert_eq!(beside["gridPos"]["y"], burn["y"], "{}", beside["title"]);
            }
            let expr = remaining["targets"][0]["expr"].as_str().unwrap();
            assert!(
                expr.starts_with(&format!(
                    "job:slo_error_budget_remaining:ratio_rate28d{{slo=\"{}\"",
                    slo.to_lowercase()
                )),
                "{expr}"
            );
            // 28 days in seconds, divided by the burn rate.
            let expr = exhaustion["targets"][0]["expr"].as_str().unwrap();
            assert!(
                expr.contains(" * 2419200 / on (namespace, job, variant) ("),
                "{expr}"
            );
        }
    }

    #[test]
    fn the_promised_panels_exist() {
        let dashboard = render();
        let titles: Vec<&str> = dashboard["panels"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["title"].as_str().unwrap())
            .collect();
        for wanted in [
            "Up by instance",
            "Request rate by route",
            "5xx ratio by route",
            "Latency p50 / p95 / p99",
            "Active alerts",
            "In-flight requests by route",
            "Build info",
        ] {
            assert!(titles.contains(&wanted), "{wanted} missing from {titles:?}");
        }
        let repeated = dashboard["panels"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|p| p["repeat"] == "variant")
            .count();
        assert!(
            repeated >= 3,
            "native vs edge needs panels repeated per variant"
        );
    }
}
