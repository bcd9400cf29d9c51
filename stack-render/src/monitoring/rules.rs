//! Recording and alerting rules, monitoring-mixin style.
//!
//! Recording rules compute every signal once (request rate, 5xx ratio,
//! latency quantiles, SLO error ratios per window); alerts and dashboard
//! panels read those series, so a panel shows exactly what an alert saw.
//! Every threshold, window and `for` comes from [`Config`].

use std::collections::BTreeSet;

use serde::Serialize;
use serde_json::Value;

use app_core::metrics::{ACTIVE_REQUESTS, REQUEST_DURATION};

use crate::monitoring::scrape::{ALERTMANAGER_JOB, PROMETHEUS_JOB};
use crate::promql::{exposed_name, job_matcher, le_matcher, regex_escape};
use crate::yaml;
use stack_config::config::{BurnWindow, Config, Severity};
use stack_config::duration::PromDuration;

/// Labels every app-level series keeps: who is serving.
pub const TARGET_LABELS: &str = "namespace, job, variant";
pub const ROUTE_LABEL: &str = "http_route";
pub const STATUS_LABEL: &str = "http_response_status_code";

/// Quantiles recorded for latency panels; the p95 also drives `HighLatency`.
pub const QUANTILES: [&str; 3] = ["0.5", "0.95", "0.99"];

/// Names of the recorded series, shared with the dashboard.
#[derive(Clone, Debug)]
pub struct Names {
    rate_window: PromDuration,
}

impl Names {
    pub fn new(config: &Config) -> Self {
        Names {
            rate_window: config.alerts.rate_window,
        }
    }

    fn suffix(window: PromDuration) -> String {
        format!("rate{window}")
    }

    /// Requests per second by route (all routes).
    pub fn route_requests(&self) -> String {
        format!(
            "job_route:http_server_requests:{}",
            Self::suffix(self.rate_window)
        )
    }

    /// Share of requests answered 5xx, by route.
    pub fn route_error_ratio(&self) -> String {
        format!(
            "job_route:http_server_request_error_ratio:ratio_{}",
            Self::suffix(self.rate_window)
        )
    }

    /// Latency quantiles by route, label `quantile`.
    pub fn route_latency(&self) -> String {
        "job_route:http_server_request_duration_seconds:histogram_quantile".into()
    }

    /// Requests in flight by route.
    pub fn route_active(&self) -> String {
        "job_route:http_server_active_requests:sum".into()
    }

    /// Requests per second of user traffic (excluded routes left out).
    pub fn job_requests(&self) -> String {
        format!(
            "job:http_server_requests:{}",
            Self::suffix(self.rate_window)
        )
    }

    /// Share of user requests answered 5xx over `window`.
    pub fn job_error_ratio(&self, window: PromDuration) -> String {
        format!(
            "job:http_server_request_error_ratio:ratio_{}",
            Self::suffix(window)
        )
    }

    /// Share of user requests slower than the latency SLO threshold.
    pub fn job_slow_ratio(&self, window: PromDuration) -> String {
        format!(
            "job:http_server_request_slow_ratio:ratio_{}",
            Self::suffix(window)
        )
    }

    /// Share of the error budget of `slo.period` not yet spent, label `slo`
    /// (`availability` or `latency`): 1 untouched, 0 spent, below 0 overspent.
    pub fn budget_remaining(&self, period: PromDuration) -> String {
        format!(
            "job:slo_error_budget_remaining:ratio_{}",
            Self::suffix(period)
        )
    }

    /// Latency quantiles of user traffic, label `quantile`.
    pub fn job_latency(&self) -> String {
        "job:http_server_request_duration_seconds:histogram_quantile".into()
    }

    pub fn rate_window(&self) -> PromDuration {
        self.rate_window
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct Recording {
    pub record: String,
    pub expr: String,
    pub labels: Vec<(String, String)>,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Alert {
    pub alert: String,
    pub expr: String,
    pub for_: PromDuration,
    pub severity: &'static str,
    /// Extra labels besides `severity`.
    pub labels: Vec<(String, String)>,
    pub summary: String,
    pub description: String,
    /// Section of docs/runbook.md, e.g. `appdown`; rendered as an absolute
    /// `runbook_url` under `alerts.runbook_base_url`.
    pub runbook_anchor: String,
}

#[derive(Clone, Debug, PartialEq)]
pub enum Rule {
    Record(Recording),
    Alert(Alert),
}

#[derive(Clone, Debug, PartialEq)]
pub struct Group {
    pub name: String,
    pub rules: Vec<Rule>,
}

/// The two SLOs, as the `slo` label of the budget series and alerts names them.
pub const SLO_AVAILABILITY: &str = "availability";
pub const SLO_LATENCY: &str = "latency";

/// All rule groups, plus the names of what they record.
#[derive(Clone, Debug)]
pub struct RuleSet {
    pub groups: Vec<Group>,
    pub names: Names,
    /// Selector of user traffic (the job, probe and scrape routes left
    /// out), for the dashboard's exemplar query on the raw histogram.
    pub user_matchers: String,
    alerts: stack_config::config::Alerts,
}

/// Names of the alerts, used by the Alertmanager inhibition rules.
pub mod alert_names {
    pub const APP_DOWN: &str = "AppDown";
    pub const APP_ALL_INSTANCES_DOWN: &str = "AppAllInstancesDown";
    pub const HIGH_ERROR_RATE: &str = "HighErrorRate";
    pub const HIGH_LATENCY: &str = "HighLatency";
    pub const AVAILABILITY_BUDGET_BURN: &str = "AppAvailabilityBudgetBurn";
    pub const LATENCY_BUDGET_BURN: &str = "AppLatencyBudgetBurn";
    pub const WATCHDOG: &str = "Watchdog";
    pub const RULE_FAILURES: &str = "PrometheusRuleEvaluationFailures";
    pub const NOTIFICATIONS_FAILING: &str = "PrometheusNotificationsFailing";
    pub const NO_ALERTMANAGER: &str = "PrometheusAlertmanagerMissing";
    pub const ALERTMANAGER_DOWN: &str = "AlertmanagerDown";
    pub const ALERTMANAGER_NOTIFICATIONS_FAILING: &str = "AlertmanagerNotificationsFailing";
    pub const TARGET_MISSING: &str = "MonitoringTargetMissing";
}

/// Severity of the always-firing dead man's switch: routed apart, never paged.
pub const WATCHDOG_SEVERITY: &str = "none";

struct Exprs<'a> {
    config: &'a Config,
    count: String,
    bucket: String,
}

impl<'a> Exprs<'a> {
    fn new(config: &'a Config) -> Self {
        let duration = exposed_name(&REQUEST_DURATION);
        Exprs {
            config,
            count: format!("{duration}_count"),
            bucket: format!("{duration}_bucket"),
        }
    }

    fn job_matcher(&self) -> String {
        job_matcher(&self.config.app.job)
    }

    /// Selector of user traffic: the app's job without probe and scrape routes.
    fn user_matchers(&self) -> String {
        let excluded = &self.config.alerts.excluded_routes;
        if excluded.is_empty() {
            self.job_matcher()
        } else {
            let routes: Vec<String> = excluded.iter().map(|r| regex_escape(r)).collect();
            format!(
                "{}, {ROUTE_LABEL}!~\"{}\"",
                self.job_matcher(),
                routes.join("|")
            )
        }
    }

    fn rate(&self, series: &str, matchers: &str, window: PromDuration) -> String {
        format!("rate({series}{{{matchers}}}[{window}])")
    }

    /// Share of 5xx among `matchers`, 0 (not absent) when nothing failed.
    fn error_ratio(&self, by: &str, matchers: &str, window: PromDuration) -> String {
        let errors = format!("{matchers}, {STATUS_LABEL}=~\"5..\"");
        format!(
            "(\n  sum by ({by}) ({errors})\n  or\n  0 * sum by ({by}) ({all})\n)\n/\nsum by ({by}) ({all})",
            errors = self.rate(&self.count, &errors, window),
            all = self.rate(&self.count, matchers, window),
        )
    }

    fn slow_ratio(&self, window: PromDuration) -> String {
        let matchers = self.user_matchers();
        let le = le_matcher(self.config.slo.latency_threshold_seconds);
        format!(
            "1 - (\n  sum by ({TARGET_LABELS}) ({fast})\n  /\n  sum by ({TARGET_LABELS}) ({all})\n)",
            fast = self.rate(&self.bucket, &format!("{matchers}, {le}"), window),
            all = self.rate(&self.count, &matchers, window),
        )
    }

    fn quantile(&self, q: &str, by: &str, matchers: &str) -> String {
        format!(
            "histogram_quantile({q}, sum by ({by}, le) ({}))",
            self.rate(&self.bucket, matchers, self.config.alerts.rate_window)
        )
    }
}

fn record(record: String, expr: String) -> Rule {
    Rule::Record(Recording {
        record,
        expr,
        labels: Vec::new(),
    })
}

fn record_quantile(record: String, q: &str, expr: String) -> Rule {
    Rule::Record(Recording {
        record,
        expr,
        labels: vec![("quantile".into(), q.into())],
    })
}

fn percent(fraction: f64) -> String {
    let value = fraction * 100.0;
    // Thresholds are written by people: 5, 0.1, 99.9; trim float noise.
    let text = format!("{value:.6}");
    text.trim_end_matches('0').trim_end_matches('.').to_owned() + "%"
}

impl RuleSet {
    pub fn new(config: &Config) -> Self {
        let names = Names::new(config);
        let exprs = Exprs::new(config);
        let mut set = RuleSet {
            groups: Vec::new(),
            names,
            user_matchers: exprs.user_matchers(),
            alerts: config.alerts.clone(),
        };
        set.groups.push(set.recording_group(config, &exprs));
        set.groups.push(set.slo_recording_group(config, &exprs));
        set.groups.push(set.app_alerts(config));
        set.groups.push(set.slo_alerts(config));
        set.groups.push(set.monitoring_alerts(config));
        set
    }

    fn recording_group(&self, config: &Config, exprs: &Exprs) -> Group {
        let n = &self.names;
        let w = config.alerts.rate_window;
        let by_route = format!("{TARGET_LABELS}, {ROUTE_LABEL}");
        let job = exprs.job_matcher();
        let user = exprs.user_matchers();
        let mut rules = vec![
            record(
                n.route_requests(),
                format!(
                    "sum by ({by_route}) ({})",
                    exprs.rate(&exprs.count, &job, w)
                ),
            ),
            record(n.route_error_ratio(), exprs.error_ratio(&by_route, &job, w)),
        ];
        rules.extend(
            QUANTILES
                .iter()
                .map(|q| record_quantile(n.route_latency(), q, exprs.quantile(q, &by_route, &job))),
        );
        rules.push(record(
            n.route_active(),
            format!(
                "sum by ({by_route}) ({}{{{job}}})",
                exposed_name(&ACTIVE_REQUESTS)
            ),
        ));
        rules.push(record(
            n.job_requests(),
            format!(
                "sum by ({TARGET_LABELS}) ({})",
                exprs.rate(&exprs.count, &user, w)
            ),
        ));
        rules.extend(
            QUANTILES.iter().map(|q| {
                record_quantile(n.job_latency(), q, exprs.quantile(q, TARGET_LABELS, &user))
            }),
        );
        Group {
            name: "app.rules".into(),
            rules,
        }
    }

    /// Error ratios of user traffic over every window an alert reads and
    /// over the SLO period, then the error budget left of that period.
    fn slo_recording_group(&self, config: &Config, exprs: &Exprs) -> Group {
        let mut windows: BTreeSet<PromDuration> = BTreeSet::new();
        windows.insert(config.alerts.rate_window);
        windows.insert(config.slo.period);
        for w in &config.slo.windows {
            windows.insert(w.long);
            windows.insert(w.short);
        }
        let user = exprs.user_matchers();
        let mut rules = Vec::new();
        for &window in &windows {
            rules.push(record(
                self.names.job_error_ratio(window),
                exprs.error_ratio(TARGET_LABELS, &user, window),
            ));
        }
        for &window in &windows {
            rules.push(record(
                self.names.job_slow_ratio(window),
                exprs.slow_ratio(window),
            ));
        }
        // Rules of a group run in order: these read the period's ratios
        // recorded just above, in the same evaluation.
        let period = config.slo.period;
        for (slo, ratio, target) in [
            (
                SLO_AVAILABILITY,
                self.names.job_error_ratio(period),
                config.slo.availability_target,
            ),
            (
                SLO_LATENCY,
                self.names.job_slow_ratio(period),
                config.slo.latency_target,
            ),
        ] {
            rules.push(Rule::Record(Recording {
                record: self.names.budget_remaining(period),
                expr: format!("1 - {ratio} / (1 - {target})"),
                labels: vec![("slo".into(), slo.into())],
            }));
        }
        Group {
            name: "app.slo.rules".into(),
            rules,
        }
    }

    fn alert(
        &self,
        name: &str,
        expr: String,
        for_: PromDuration,
        severity: &'static str,
        summary: &str,
        description: String,
    ) -> Alert {
        Alert {
            alert: name.into(),
            expr,
            for_,
            severity,
            labels: Vec::new(),
            summary: summary.into(),
            description,
            runbook_anchor: name.to_ascii_lowercase(),
        }
    }

    fn app_alerts(&self, config: &Config) -> Group {
        use alert_names::*;
        let n = &self.names;
        let a = &config.alerts;
        let job = job_matcher(&config.app.job);
        let up = format!("up{{{job}, namespace=\"{}\"}}", config.namespace);
        let enough_traffic = format!(
            "and on ({TARGET_LABELS})\n{} >= {}",
            n.job_requests(),
            a.min_request_rate
        );
        let rules = vec![
            self.alert(
                APP_DOWN,
                format!("up{{{job}}} == 0"),
                a.app_down_for,
                Severity::Warning.as_str(),
                "An app instance cannot be scraped.",
                "Prometheus has failed to scrape {{ $labels.pod }} ({{ $labels.variant }}) in \
                 {{ $labels.namespace }} for more than "
                    .to_owned()
                    + &a.app_down_for.to_string()
                    + ".",
            ),
            self.alert(
                APP_ALL_INSTANCES_DOWN,
                // Down targets report up == 0; deleted pods leave no series at
                // all, which only absent() notices.
                format!("sum by ({TARGET_LABELS}) ({up}) == 0\nor\nabsent({up})"),
                a.no_instance_for,
                Severity::Critical.as_str(),
                "No instance of the app is up.",
                format!(
                    "No instance of job {{{{ $labels.job }}}} in {{{{ $labels.namespace }}}} has been \
                     up for more than {}: the service is unavailable.",
                    a.no_instance_for
                ),
            ),
            self.alert(
                HIGH_ERROR_RATE,
                format!(
                    "{} > {}\n{enough_traffic}",
                    n.job_error_ratio(a.rate_window),
                    a.error_ratio
                ),
                a.error_for,
                Severity::Critical.as_str(),
                "The app answers too many requests with 5xx.",
                format!(
                    "{{{{ $value | humanizePercentage }}}} of requests to {{{{ $labels.job }}}} \
                     ({{{{ $labels.variant }}}}) in {{{{ $labels.namespace }}}} failed with 5xx over \
                     the last {}; the threshold is {}.",
                    a.rate_window,
                    percent(a.error_ratio)
                ),
            ),
            self.alert(
                HIGH_LATENCY,
                format!(
                    "{}{{quantile=\"0.95\"}} > {}\n{enough_traffic}",
                    n.job_latency(),
                    a.latency_p95_seconds
                ),
                a.latency_for,
                Severity::Warning.as_str(),
                "The app's p95 latency is too high.",
                format!(
                    "p95 latency of {{{{ $labels.job }}}} ({{{{ $labels.variant }}}}) in \
                     {{{{ $labels.namespace }}}} is {{{{ $value | humanizeDuration }}}} over the last \
                     {}; the threshold is {}s.",
                    a.rate_window, a.latency_p95_seconds
                ),
            ),
        ];
        Group {
            name: "app.alerts".into(),
            rules: rules.into_iter().map(Rule::Alert).collect(),
        }
    }

    fn burn_alert(
        &self,
        name: &str,
        slo: &str,
        target: f64,
        ratio: impl Fn(PromDuration) -> String,
        w: &BurnWindow,
    ) -> Alert {
        let budget = format!("({} * (1 - {target}))", w.burn_rate);
        let mut alert = self.alert(
            name,
            format!(
                "{long} > {budget}\nand on ({TARGET_LABELS})\n{short} > {budget}",
                long = ratio(w.long),
                short = ratio(w.short),
            ),
            w.for_,
            w.severity.as_str(),
            &format!("The app burns its {slo} error budget too fast."),
            format!(
                "{{{{ $labels.job }}}} ({{{{ $labels.variant }}}}) in {{{{ $labels.namespace }}}} is \
                 burning its {slo} error budget (SLO {}) at {}x or more over both the last {} and \
                 the last {}.",
                percent(target),
                w.burn_rate,
                w.long,
                w.short
            ),
        );
        alert.labels = vec![
            ("slo".into(), slo.into()),
            ("long_window".into(), w.long.to_string()),
            ("short_window".into(), w.short.to_string()),
        ];
        alert
    }

    fn slo_alerts(&self, config: &Config) -> Group {
        let s = &config.slo;
        let mut rules = Vec::new();
        for w in &s.windows {
            rules.push(self.burn_alert(
                alert_names::AVAILABILITY_BUDGET_BURN,
                SLO_AVAILABILITY,
                s.availability_target,
                |window| self.names.job_error_ratio(window),
                w,
            ));
        }
        for w in &s.windows {
            rules.push(self.burn_alert(
                alert_names::LATENCY_BUDGET_BURN,
                SLO_LATENCY,
                s.latency_target,
                |window| self.names.job_slow_ratio(window),
                w,
            ));
        }
        Group {
            name: "app.slo.alerts".into(),
            rules: rules.into_iter().map(Rule::Alert).collect(),
        }
    }

    fn monitoring_alerts(&self, config: &Config) -> Group {
        use alert_names::*;
        let a = &config.alerts;
        let (window, for_) = (a.meta_window, a.meta_for);
        let warning = Severity::Warning.as_str();
        let prometheus = job_matcher(PROMETHEUS_JOB);
        let alertmanager = job_matcher(ALERTMANAGER_JOB);
        let rules = vec![
            self.alert(
                WATCHDOG,
                "vector(1)".into(),
                PromDuration::default(),
                WATCHDOG_SEVERITY,
                "Always firing: proves the alerting pipeline works end to end.",
                "This alert always fires. If a dead man's switch stops receiving it, Prometheus, \
                 Alertmanager or the path between them is broken."
                    .into(),
            ),
            self.alert(
                RULE_FAILURES,
                format!("increase(prometheus_rule_evaluation_failures_total{{{prometheus}}}[{window}]) > 0"),
                for_,
                warning,
                "Prometheus fails to evaluate rules.",
                format!(
                    "{{{{ $labels.instance }}}} failed to evaluate rules of group {{{{ $labels.rule_group }}}} \
                     in the last {window}: alerts of that group may not fire."
                ),
            ),
            self.alert(
                NOTIFICATIONS_FAILING,
                format!("increase(prometheus_notifications_errors_total{{{prometheus}}}[{window}]) > 0"),
                for_,
                warning,
                "Prometheus fails to send alerts to Alertmanager.",
                format!(
                    "{{{{ $labels.instance }}}} failed to send alerts to Alertmanager \
                     {{{{ $labels.alertmanager }}}} in the last {window}."
                ),
            ),
            self.alert(
                NO_ALERTMANAGER,
                format!("prometheus_notifications_alertmanagers_discovered{{{prometheus}}} < 1"),
                for_,
                warning,
                "Prometheus knows no Alertmanager to send alerts to.",
                "{{ $labels.instance }} has discovered no Alertmanager: alerts fire but notify nobody."
                    .into(),
            ),
            self.alert(
                ALERTMANAGER_DOWN,
                format!("up{{{alertmanager}}} == 0"),
                a.app_down_for,
                warning,
                "Alertmanager is unreachable.",
                format!(
                    "Prometheus has failed to reach Alertmanager at {{{{ $labels.instance }}}} for more \
                     than {}: notifications are delayed until it returns.",
                    a.app_down_for
                ),
            ),
            self.alert(
                ALERTMANAGER_NOTIFICATIONS_FAILING,
                format!(
                    "increase(alertmanager_notifications_failed_total{{{alertmanager}}}[{window}]) > 0"
                ),
                for_,
                warning,
                "Alertmanager fails to deliver notifications.",
                format!(
                    "Alertmanager {{{{ $labels.instance }}}} failed to deliver notifications through \
                     {{{{ $labels.integration }}}} in the last {window}; it retries, but receivers may \
                     be down."
                ),
            ),
            self.alert(
                TARGET_MISSING,
                format!(
                    "absent(up{{{prometheus}}})\nor\nabsent(up{{{alertmanager}}})"
                ),
                for_,
                warning,
                "A monitoring component is no longer scraped.",
                "The scrape target of job {{ $labels.job }} has disappeared from Prometheus: its \
                 configuration or discovery is broken."
                    .into(),
            ),
        ];
        Group {
            name: "monitoring.alerts".into(),
            rules: rules.into_iter().map(Rule::Alert).collect(),
        }
    }

    fn runbook(&self, anchor: &str) -> String {
        self.alerts.runbook_url(anchor)
    }

    fn rule_out<'a>(&self, rule: &'a Rule) -> RuleOut<'a> {
        match rule {
            Rule::Record(r) => RuleOut::Record(RecordingRuleOut {
                record: &r.record,
                expr: &r.expr,
                labels: Labels(
                    r.labels
                        .iter()
                        .map(|(k, v)| (k.as_str(), v.as_str()))
                        .collect(),
                ),
            }),
            Rule::Alert(a) => {
                let severity = std::iter::once(("severity", a.severity));
                let extra = a.labels.iter().map(|(k, v)| (k.as_str(), v.as_str()));
                RuleOut::Alert(AlertingRuleOut {
                    alert: &a.alert,
                    expr: &a.expr,
                    for_: (!a.for_.is_zero()).then_some(a.for_),
                    labels: Labels(severity.chain(extra).collect()),
                    annotations: Annotations {
                        summary: &a.summary,
                        description: &a.description,
                        runbook_url: self.runbook(&a.runbook_anchor),
                    },
                })
            }
        }
    }

    /// The groups as a rules file or a PrometheusRule spec holds them.
    fn groups_out(&self) -> Vec<GroupOut<'_>> {
        self.groups
            .iter()
            .map(|g| GroupOut {
                name: &g.name,
                rules: g.rules.iter().map(|r| self.rule_out(r)).collect(),
            })
            .collect()
    }

    /// The `groups` list, as a rules file or a PrometheusRule spec holds it.
    pub fn groups_value(&self) -> Value {
        serde_json::to_value(self.groups_out()).expect("plain data")
    }

    pub fn to_yaml(&self) -> String {
        yaml::document(
            &format!(
                "{}\nRecording rules first: alerts and the dashboard read the series they record.",
                crate::tree::GENERATED_HEADER
            ),
            &RuleFile {
                groups: self.groups_out(),
            },
        )
    }

    pub fn alerts(&self) -> impl Iterator<Item = &Alert> {
        self.groups
            .iter()
            .flat_map(|g| &g.rules)
            .filter_map(|r| match r {
                Rule::Alert(a) => Some(a),
                Rule::Record(_) => None,
            })
    }

    pub fn recordings(&self) -> impl Iterator<Item = &Recording> {
        self.groups
            .iter()
            .flat_map(|g| &g.rules)
            .filter_map(|r| match r {
                Rule::Record(r) => Some(r),
                Rule::Alert(_) => None,
            })
    }
}

/// A Prometheus rules file (`rulefmt.RuleGroups`), field for field.
#[derive(Serialize)]
struct RuleFile<'a> {
    groups: Vec<GroupOut<'a>>,
}

#[derive(Serialize)]
struct GroupOut<'a> {
    name: &'a str,
    rules: Vec<RuleOut<'a>>,
}

#[derive(Serialize)]
#[serde(untagged)]
enum RuleOut<'a> {
    Record(RecordingRuleOut<'a>),
    Alert(AlertingRuleOut<'a>),
}

#[derive(Serialize)]
struct RecordingRuleOut<'a> {
    record: &'a str,
    expr: &'a str,
    #[serde(skip_serializing_if = "Labels::is_empty")]
    labels: Labels<'a>,
}

#[derive(Serialize)]
struct AlertingRuleOut<'a> {
    alert: &'a str,
    expr: &'a str,
    #[serde(rename = "for", skip_serializing_if = "Option::is_none")]
    for_: Option<PromDuration>,
    labels: Labels<'a>,
    annotations: Annotations<'a>,
}

#[derive(Serialize)]
struct Annotations<'a> {
    summary: &'a str,
    description: &'a str,
    runbook_url: String,
}

/// Labels in the order the rule lists them, written as a map.
struct Labels<'a>(Vec<(&'a str, &'a str)>);

impl Labels<'_> {
    fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
}

impl Serialize for Labels<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_map(self.0.iter().copied())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentages_read_like_the_config() {
        assert_eq!(percent(0.05), "5%");
        assert_eq!(percent(0.999), "99.9%");
        assert_eq!(percent(0.0001), "0.01%");
    }

    #[test]
    fn every_alert_has_severity_summary_description_and_runbook() {
        let set = RuleSet::new(&Config::default());
        let groups = set.groups_value();
        let mut alerts = 0;
        for group in groups.as_array().unwrap() {
            for rule in group["rules"].as_array().unwrap() {
                if rule.get("alert").is_none() {
                    continue;
                }
                alerts += 1;
                assert!(rule["labels"]["severity"].is_string(), "{rule}");
                for key in ["summary", "description", "runbook_url"] {
                    assert!(
                        rule["annotations"][key]
                            .as_str()
                            .is_some_and(|s| !s.is_empty()),
                        "{key} missing in {rule}"
                    );
                }
            }
        }
        assert!(alerts >= 10, "only {alerts} alerts");
    }

    #[test]
    fn thresholds_and_windows_come_from_the_config() {
        let mut config = Config::default();
        config.alerts.error_ratio = 0.2;
        config.alerts.error_for = PromDuration::from_secs(7);
        config.alerts.rate_window = PromDuration::from_secs(30);
        let set = RuleSet::new(&config);
        let high = set
            .alerts()
            .find(|a| a.alert == alert_names::HIGH_ERROR_RATE)
            .unwrap();
        assert!(high.expr.contains("ratio_rate30s > 0.2"), "{}", high.expr);
        assert_eq!(high.for_, PromDuration::from_secs(7));
    }
}
