//! Every metric name and label a rule or a dashboard panel refers to must be
//! one the app really exposes. The allowed set is derived from app-core's
//! own exposition (recorded, rendered and parsed back here), never from a
//! list kept by hand, so a renamed metric or label fails this test instead
//! of silently breaking an alert.

use std::collections::{BTreeMap, BTreeSet};

use app_core::exposition::ExpositionFormat;
use app_core::testing::parse;
use app_core::{BuildInfo, Exposition, Method, Metrics, RequestLabels, Route, Variant};
use promql_parser::label::Matchers;
use promql_parser::parser::{self, Expr, LabelModifier};

use stack_config::Config;
use stack_render::monitoring::grafana;
use stack_render::monitoring::rules::RuleSet;

/// Series names and the labels each may carry.
type Schema = BTreeMap<String, BTreeSet<String>>;

/// Labels Prometheus itself attaches to every target, plus those the app
/// job's relabelling adds (read from the rendered relabel rules).
fn target_labels(config: &Config) -> BTreeSet<String> {
    let mut labels: BTreeSet<String> = ["job", "instance"].map(String::from).into();
    for rule in stack_render::monitoring::scrape::app_relabel_configs(config)
        .as_array()
        .unwrap()
    {
        if let Some(target) = rule.get("target_label").and_then(|t| t.as_str()) {
            labels.insert(target.to_owned());
        }
    }
    labels
}

/// What app-core exposes once it has served a request.
fn app_schema(config: &Config) -> Schema {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    let _in_flight = metrics.start(Method::Get, Route::Items);
    metrics.record(
        &RequestLabels {
            http_request_method: Method::Get,
            http_route: Route::Items,
            http_response_status_code: 200,
        },
        std::time::Duration::from_millis(3),
    );
    let mut text = String::new();
    metrics
        .encode(ExpositionFormat::Prometheus, &mut text)
        .unwrap();
    let parsed = parse(&text, ExpositionFormat::Prometheus).unwrap();
    let targets = target_labels(config);

    let mut schema = Schema::new();
    for (name, family) in parsed.families {
        let mut labels: BTreeSet<String> = targets.clone();
        for series in &family.series {
            labels.extend(series.labels.keys().cloned());
        }
        labels.extend(family.label_names.iter().cloned());
        match family.kind.as_str() {
            "histogram" => {
                let mut bucket_labels = labels.clone();
                bucket_labels.insert("le".into());
                schema.insert(format!("{name}_bucket"), bucket_labels);
                schema.insert(format!("{name}_count"), labels.clone());
                schema.insert(format!("{name}_sum"), labels);
            }
            "counter" => {
                schema.insert(format!("{name}_total"), labels);
            }
            _ => {
                schema.insert(name, labels);
            }
        }
    }
    schema
}

/// Series produced by Prometheus and Alertmanager themselves, allowed only
/// in the alerts about the monitoring (and `up`/`ALERTS` anywhere).
fn self_metrics() -> Schema {
    let entry = |name: &str, labels: &[&str]| {
        let mut all: BTreeSet<String> = ["job", "instance"].map(String::from).into();
        all.extend(labels.iter().map(|l| l.to_string()));
        (name.to_owned(), all)
    };
    [
        entry("prometheus_rule_evaluation_failures_total", &["rule_group"]),
        entry("prometheus_notifications_errors_total", &["alertmanager"]),
        entry("prometheus_notifications_alertmanagers_discovered", &[]),
        entry("alertmanager_notifications_failed_total", &["integration"]),
    ]
    .into()
}

fn builtin_series(config: &Config) -> Schema {
    let mut up = target_labels(config);
    up.insert("job".into());
    // ALERTS carries each alert's labels; the app's alerts all keep the
    // job and namespace they are about.
    let alerts: BTreeSet<String> = ["alertname", "alertstate", "severity", "namespace", "job"]
        .map(String::from)
        .into();
    [("up".to_owned(), up), ("ALERTS".to_owned(), alerts)].into()
}

#[derive(Default, Debug)]
struct References {
    /// (series name, labels used in its selector)
    selectors: Vec<(String, Vec<String>)>,
    /// Labels in `by`, `without`, `on`, `ignoring`.
    grouping: Vec<String>,
}

fn matcher_labels(matchers: &Matchers) -> Vec<String> {
    matchers
        .matchers
        .iter()
        .chain(matchers.or_matchers.iter().flatten())
        .map(|m| m.name.clone())
        .filter(|name| name != "__name__")
        .collect()
}

fn modifier_labels(modifier: &LabelModifier) -> Vec<String> {
    match modifier {
        LabelModifier::Include(labels) | LabelModifier::Exclude(labels) => labels.labels.clone(),
    }
}

fn walk(expr: &Expr, out: &mut References) {
    match expr {
        Expr::Aggregate(a) => {
            if let Some(m) = &a.modifier {
                out.grouping.extend(modifier_labels(m));
            }
            walk(&a.expr, out);
            if let Some(p) = &a.param {
                walk(p, out);
            }
        }
        Expr::Unary(u) => walk(&u.expr, out),
        Expr::Binary(b) => {
            if let Some(m) = b.modifier.as_ref().and_then(|m| m.matching.as_ref()) {
                out.grouping.extend(modifier_labels(m));
            }
            walk(&b.lhs, out);
            walk(&b.rhs, out);
        }
        Expr::Paren(p) => walk(&p.expr, out),
        Expr::Subquery(s) => walk(&s.expr, out),
        Expr::VectorSelector(vs) => out.selectors.push((
            vs.name.clone().expect("every selector names its series"),
            matcher_labels(&vs.matchers),
        )),
        Expr::MatrixSelector(ms) => out.selectors.push((
            ms.vs.name.clone().expect("every selector names its series"),
            matcher_labels(&ms.vs.matchers),
        )),
        Expr::Call(call) => {
            for arg in &call.args.args {
                walk(arg, out);
            }
        }
        Expr::NumberLiteral(_) | Expr::StringLiteral(_) | Expr::Extension(_) => {}
    }
}

fn references(query: &str) -> References {
    let expr = parser::parse(query).unwrap_or_else(|e| panic!("{query}\ndoes not parse: {e}"));
    let mut refs = References::default();
    walk(&expr, &mut refs);
    refs
}

/// Checks every query against the schema; returns the problems found.
fn check(queries: &[(String, String)], schema: &Schema) -> Vec<String> {
    let all_labels: BTreeSet<&String> = schema.values().flatten().collect();
    let mut problems = Vec::new();
    for (origin, query) in queries {
        let refs = references(query);
        for (name, labels) in &refs.selectors {
            match schema.get(name) {
                None => problems.push(format!("{origin}: unknown series {name}")),
                Some(allowed) => {
                    for label in labels {
                        if !allowed.contains(label) {
                            problems.push(format!("{origin}: {name} has no label {label}"));
                        }
                    }
                }
            }
        }
        for label in &refs.grouping {
            if !all_labels.contains(label) {
                problems.push(format!("{origin}: groups by unknown label {label}"));
            }
        }
    }
    problems
}

/// The schema rules may use: app-core's series, what the rules record, and
/// Prometheus' built-ins.
fn rule_schema(config: &Config, rules: &RuleSet) -> Schema {
    let mut schema = app_schema(config);
    schema.extend(builtin_series(config));
    // Recorded series keep the labels they aggregate by (checked when their
    // expression is) plus their own static labels.
    for recording in rules.recordings() {
        let refs = references(&recording.expr);
        // Without aggregation a rule keeps the labels of what it reads
        // (recorded above it, so already in the schema).
        let inherited: BTreeSet<String> = if refs.grouping.is_empty() {
            refs.selectors
                .iter()
                .flat_map(|(name, _)| schema.get(name).cloned().unwrap_or_default())
                .collect()
        } else {
            BTreeSet::new()
        };
        let mut labels: BTreeSet<String> = refs.grouping.into_iter().collect();
        labels.extend(inherited);
        labels.extend(recording.labels.iter().map(|(k, _)| k.clone()));
        schema
            .entry(recording.record.clone())
            .or_default()
            .extend(labels);
    }
    schema
}

fn rule_queries(rules: &RuleSet, monitoring_group: bool) -> Vec<(String, String)> {
    rules
        .groups
        .iter()
        .filter(|g| (g.name == "monitoring.alerts") == monitoring_group)
        .flat_map(|g| {
            g.rules.iter().map(move |r| {
                let (name, expr) = match r {
                    stack_render::monitoring::rules::Rule::Record(r) => (&r.record, &r.expr),
                    stack_render::monitoring::rules::Rule::Alert(a) => (&a.alert, &a.expr),
                };
                (format!("group {} rule {name}", g.name), expr.clone())
            })
        })
        .collect()
}

#[test]
fn app_rules_reference_only_what_app_core_exposes() {
    let config = Config::default();
    let rules = RuleSet::new(&config);
    let schema = rule_schema(&config, &rules);
    let problems = check(&rule_queries(&rules, false), &schema);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn monitoring_alerts_reference_only_known_self_metrics() {
    let config = Config::default();
    let rules = RuleSet::new(&config);
    let mut schema = builtin_series(&config);
    schema.extend(self_metrics());
    let problems = check(&rule_queries(&rules, true), &schema);
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

#[test]
fn dashboard_panels_reference_only_recorded_or_exposed_series() {
    let config = Config::default();
    let rules = RuleSet::new(&config);
    let schema = rule_schema(&config, &rules);
    let dashboard = grafana::dashboard(&config, &rules);
    let queries: Vec<(String, String)> = grafana::queries(&dashboard)
        .into_iter()
        .map(|q| ("dashboard".to_owned(), q))
        .collect();
    assert!(queries.len() >= 10, "only {} panel queries", queries.len());
    let problems = check(&queries, &schema);
    assert!(problems.is_empty(), "{}", problems.join("\n"));

    // Panels that compute from raw histograms would disagree with alerts.
    // Only exemplar targets select raw series (recorded ones carry no
    // exemplars), and their range half is empty by construction.
    let targets = dashboard["panels"]
        .as_array()
        .unwrap()
        .iter()
        .flat_map(|panel| panel["targets"].as_array().into_iter().flatten());
    let mut exemplar_targets = 0;
    for target in targets {
        let query = target["expr"].as_str().unwrap();
        if target["exemplar"] == true {
            exemplar_targets += 1;
            let Expr::Binary(comparison) = parser::parse(query).unwrap() else {
                panic!("exemplar target is not a comparison: {query}");
            };
            assert_eq!(comparison.op.to_string(), "<", "{query}");
            assert!(
                matches!(*comparison.rhs, Expr::NumberLiteral(ref n) if n.val == 0.0),
                "exemplar target can draw a line: {query}"
            );
            continue;
        }
        for (name, _) in references(query).selectors {
            assert!(
                !name.starts_with("http_server_request_duration_seconds"),
                "panel reads raw {name} instead of a recording rule: {query}"
            );
        }
    }
    assert_eq!(exemplar_targets, 1, "the latency panel's exemplars");
}

#[test]
fn dashboard_variables_use_exposed_labels() {
    let config = Config::default();
    let rules = RuleSet::new(&config);
    let schema = rule_schema(&config, &rules);
    let dashboard = grafana::dashboard(&config, &rules);
    for variable in dashboard["templating"]["list"].as_array().unwrap() {
        if variable["type"] == "datasource" {
            continue;
        }
        let query = variable["query"].as_str().unwrap();
        // label_values(SELECTOR, LABEL)
        let inner = query
            .strip_prefix("label_values(")
            .and_then(|q| q.strip_suffix(')'))
            .unwrap_or_else(|| panic!("unexpected variable query {query}"));
        let (selector, label) = inner.rsplit_once(',').unwrap();
        let problems = check(&[("variable".into(), selector.trim().into())], &schema);
        assert!(problems.is_empty(), "{}", problems.join("\n"));
        let series = references(selector.trim()).selectors[0].0.clone();
        assert!(
            schema[&series].contains(label.trim()),
            "{series} has no label {label}"
        );
    }
}

/// The check itself must be able to fail: a misspelt metric and label are caught.
#[test]
fn misspelt_references_are_caught() {
    let config = Config::default();
    let rules = RuleSet::new(&config);
    let schema = rule_schema(&config, &rules);
    let bad = [
        (
            "typo".to_owned(),
            "rate(http_server_requests_duration_seconds_count[5m])".to_owned(),
        ),
        (
            "label".to_owned(),
            "sum by (route) (rate(http_server_request_duration_seconds_count{status=\"500\"}[5m]))"
                .to_owned(),
        ),
        (
            "self".to_owned(),
            "prometheus_rule_evaluation_failures_total".to_owned(),
        ),
    ];
    let problems = check(&bad, &schema);
    assert_eq!(problems.len(), 4, "{problems:#?}");
}

/// The `le` strings the app writes for each bucket, in one exposition format.
fn exposed_le_values(format: ExpositionFormat) -> Vec<String> {
    let metrics = Metrics::new(BuildInfo::new(Variant::Native));
    metrics.record(
        &RequestLabels {
            http_request_method: Method::Get,
            http_route: Route::Root,
            http_response_status_code: 200,
        },
        std::time::Duration::from_millis(1),
    );
    let mut text = String::new();
    metrics.encode(format, &mut text).unwrap();
    text.lines()
        .filter(|line| line.starts_with("http_server_request_duration_seconds_bucket{"))
        .filter_map(|line| {
            line.split("le=\"")
                .nth(1)?
                .split('"')
                .next()
                .map(String::from)
        })
        .collect()
}

/// The latency SLO counts requests in the bucket at its threshold. Prometheus
/// 2 stores `le` as scraped, and the app writes `1` in the Prometheus text
/// format but `1.0` in OpenMetrics: the rule's selector must match the
/// threshold's bucket in both, and no other bucket.
#[test]
fn latency_slo_selects_its_bucket_in_every_exposition_format() {
    let config = Config::default();
    let threshold = config.slo.latency_threshold_seconds;
    let rules = RuleSet::new(&config);
    let slow_ratio = rules
        .recordings()
        .find(|r| r.record.starts_with("job:http_server_request_slow_ratio:"))
        .expect("a slow-ratio recording rule");
    let expr = parser::parse(&slow_ratio.expr).unwrap();
    let mut matchers = Vec::new();
    fn collect(expr: &Expr, out: &mut Vec<promql_parser::label::Matcher>) {
        match expr {
            Expr::MatrixSelector(ms) => out.extend(ms.vs.matchers.matchers.iter().cloned()),
            Expr::Aggregate(a) => collect(&a.expr, out),
            Expr::Binary(b) => {
                collect(&b.lhs, out);
                collect(&b.rhs, out);
            }
            Expr::Paren(p) => collect(&p.expr, out),
            Expr::Call(c) => c.args.args.iter().for_each(|a| collect(a, out)),
            _ => {}
        }
    }
    collect(&expr, &mut matchers);
    let le = matchers
        .iter()
        .find(|m| m.name == "le")
        .expect("the slow ratio selects a bucket");

    for format in [ExpositionFormat::Prometheus, ExpositionFormat::OpenMetrics] {
        let values = exposed_le_values(format);
        assert_eq!(
            values.len(),
            app_core::metrics::BUCKET_SLOTS,
            "{format:?}: {values:?}"
        );
        let matched: Vec<&String> = values.iter().filter(|v| le.is_match(v)).collect();
        assert_eq!(
            matched.len(),
            1,
            "{format:?}: {le} matches {matched:?} of {values:?}"
        );
        assert_eq!(matched[0].parse::<f64>().unwrap(), threshold, "{format:?}");
    }
}
