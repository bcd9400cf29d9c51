//! Every check of the configuration, in one place: ranges, names, images,
//! URLs and the topology they must fit (a URL naming the in-cluster
//! receiver must be the one it serves). First failure wins, and the error
//! names the key.

use std::fmt;

use crate::config::Config;
use crate::duration::PromDuration;
use crate::endpoint::{Address, Endpoint};
use crate::image::Image;
use crate::kubernetes::{Autoscaling, Resources, Settings};
use crate::topology::{
    RECEIVER_PATH, RECEIVER_PORT, RECEIVER_SERVICE, names_receiver, receiver_url,
};

/// A configuration that cannot be rendered, naming the key at fault.
#[derive(Debug, Clone, PartialEq)]
pub struct ConfigError {
    pub key: String,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "invalid configuration: `{}`: {}", self.key, self.message)
    }
}

impl std::error::Error for ConfigError {}

fn fail(key: &str, message: impl Into<String>) -> Result<(), ConfigError> {
    Err(ConfigError {
        key: key.into(),
        message: message.into(),
    })
}

fn check_fraction(key: &str, value: f64) -> Result<(), ConfigError> {
    if value > 0.0 && value < 1.0 {
        Ok(())
    } else {
        fail(
            key,
            format!("{value} is out of range: must be above 0 and below 1"),
        )
    }
}

fn check_port(key: &str, port: u16) -> Result<(), ConfigError> {
    if port == 0 {
        fail(key, "must be a port number from 1 to 65535")
    } else {
        Ok(())
    }
}

fn check_positive(key: &str, value: PromDuration) -> Result<(), ConfigError> {
    if value.is_zero() {
        fail(key, "must be longer than 0s")
    } else {
        Ok(())
    }
}

fn check_name(key: &str, value: &str) -> Result<(), ConfigError> {
    // An RFC 1123 label: what Kubernetes accepts as a namespace or object name.
    let valid = !value.is_empty()
        && value.len() <= 63
        && value
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        && !value.starts_with('-')
        && !value.ends_with('-');
    if valid {
        Ok(())
    } else if value.is_empty() {
        fail(key, "must not be empty")
    } else {
        fail(
            key,
            format!("{value:?} is not a valid name: lowercase letters, digits and '-', at most 63"),
        )
    }
}

fn check_url(key: &str, value: &str) -> Result<Endpoint, ConfigError> {
    Endpoint::parse(value).map_err(|message| ConfigError {
        key: key.into(),
        message,
    })
}

fn check_address(key: &str, value: &str) -> Result<(), ConfigError> {
    match Address::parse(value) {
        Ok(_) => Ok(()),
        Err(message) => fail(key, message),
    }
}

/// A URL naming the in-cluster receiver must be the one it serves: anything
/// else would render a configuration whose notifications are refused.
pub fn check_receiver_url(key: &str, url: &Endpoint, namespace: &str) -> Result<(), ConfigError> {
    if !names_receiver(url, namespace) {
        return Ok(());
    }
    if url.scheme() == "http" && url.port() == RECEIVER_PORT && url.path() == RECEIVER_PATH {
        return Ok(());
    }
    fail(
        key,
        format!(
            "{:?} names the in-cluster receiver (`alert-receiver`, Service {RECEIVER_SERVICE}), \
             which serves {} only",
            url.to_string(),
            receiver_url()
        ),
    )
}

/// The base every `runbook_url` starts with: absolute, because a pager
/// opens links outside the repository, and without a query or fragment,
/// which the appended path and `#alertname` would land inside.
fn check_runbook_base(key: &str, value: &str) -> Result<(), ConfigError> {
    if value.contains(['?', '#']) || value.contains(char::is_whitespace) {
        fail(
            key,
            format!("{value:?} must be a plain base URL: no query, fragment or whitespace"),
        )?;
    }
    check_url(key, value).map(drop)
}

/// A usable, pinned image reference; `key` names it in the error (e.g.
/// `images.native`).
fn check_image(key: &str, image: &Image) -> Result<(), ConfigError> {
    if image.repository.is_empty() || image.repository.contains(char::is_whitespace) {
        fail(
            &format!("{key}.repository"),
            "must be a non-empty image repository",
        )?;
    }
    if image.tag.is_empty() || image.tag == "latest" || image.tag.contains(char::is_whitespace) {
        fail(
            &format!("{key}.tag"),
            format!("{:?} is not a pinned tag", image.tag),
        )?;
    }
    Ok(())
}

impl Config {
    /// Every range check, first failure wins.
    pub fn validate(&self) -> Result<(), ConfigError> {
        check_name("namespace", &self.namespace)?;
        for (key, image) in [
            ("images.native", &self.images.native),
            ("images.spin", &self.images.spin),
            ("images.receiver", &self.images.receiver),
        ] {
            check_image(key, image)?;
        }
        // The overlays swap the app's image by repository name: a receiver
        // image of the same name would be swapped with it.
        let receiver = &self.images.receiver.repository;
        if receiver == &self.images.native.repository || receiver == &self.images.spin.repository {
            fail(
                "images.receiver.repository",
                format!("{receiver:?} must differ from the app images' repositories"),
            )?;
        }

        check_name("app.name", &self.app.name)?;
        if self.app.job.is_empty() {
            fail("app.job", "must not be empty")?;
        }
        check_port("app.port", self.app.port)?;
        check_name("app.port_name", &self.app.port_name)?;
        if self.app.port_name.len() > 15 {
            fail(
                "app.port_name",
                "Kubernetes port names are at most 15 characters",
            )?;
        }
        if !(1..=100).contains(&self.app.replicas) {
            fail(
                "app.replicas",
                format!("{} is out of range: 1 to 100", self.app.replicas),
            )?;
        }
        if self.app.drain_seconds > 300 {
            fail("app.drain_seconds", "must be at most 300")?;
        }

        let p = &self.prometheus;
        check_port("prometheus.port", p.port)?;
        check_positive("prometheus.scrape_interval", p.scrape_interval)?;
        check_positive("prometheus.evaluation_interval", p.evaluation_interval)?;
        check_positive("prometheus.scrape_timeout", p.scrape_timeout)?;
        if p.scrape_timeout > p.scrape_interval {
            fail(
                "prometheus.scrape_timeout",
                format!(
                    "{} exceeds scrape_interval {}",
                    p.scrape_timeout, p.scrape_interval
                ),
            )?;
        }
        check_positive("prometheus.retention", p.retention)?;
        if p.storage_size.is_empty() {
            fail("prometheus.storage_size", "must not be empty")?;
        }
        for (i, remote) in p.remote_write.iter().enumerate() {
            check_url(&format!("prometheus.remote_write[{i}].url"), &remote.url)?;
        }

        let am = &self.alertmanager;
        check_port("alertmanager.port", am.port)?;
        for (key, url) in am.notification_urls() {
            let url = check_url(key, url)?;
            check_receiver_url(key, &url, &self.namespace)?;
        }
        check_positive("alertmanager.group_interval", am.group_interval)?;
        check_positive("alertmanager.repeat_interval", am.repeat_interval)?;
        check_positive("alertmanager.resolve_timeout", am.resolve_timeout)?;

        let g = &self.grafana;
        check_port("grafana.port", g.port)?;
        if !(30000..=32767).contains(&g.node_port) {
            fail(
                "grafana.node_port",
                format!("{} is outside the NodePort range 30000-32767", g.node_port),
            )?;
        }
        check_name("grafana.admin_secret", &g.admin_secret)?;
        if g.datasource_uid.is_empty() {
            fail("grafana.datasource_uid", "must not be empty")?;
        }
        if g.dashboard_uid.is_empty() || g.dashboard_uid.len() > 40 {
            fail("grafana.dashboard_uid", "must be 1 to 40 characters")?;
        }

        self.validate_alerts()?;
        self.validate_slo()?;

        let l = &self.local;
        check_address("local.prometheus_address", &l.prometheus_address)?;
        check_address("local.alertmanager_address", &l.alertmanager_address)?;
        check_address("local.grafana_address", &l.grafana_address)?;
        let webhook = check_url("local.webhook_url", &l.webhook_url)?;
        if webhook.scheme() != "http" {
            fail(
                "local.webhook_url",
                format!(
                    "{:?}: the local receiver speaks plain http://",
                    l.webhook_url
                ),
            )?;
        }
        if l.app_ports.is_empty() || l.app_ports.contains(&0) {
            fail("local.app_ports", "must list at least one port, none 0")?;
        }
        validate_kubernetes(&self.kubernetes, self.app.drain_seconds)?;
        Ok(())
    }

    fn validate_alerts(&self) -> Result<(), ConfigError> {
        let a = &self.alerts;
        check_positive("alerts.rate_window", a.rate_window)?;
        // rate() needs two samples inside its window.
        if a.rate_window.as_millis() < 2 * self.prometheus.scrape_interval.as_millis() {
            fail(
                "alerts.rate_window",
                format!(
                    "{} is shorter than two scrape intervals ({}): rate() would see one sample",
                    a.rate_window, self.prometheus.scrape_interval
                ),
            )?;
        }
        if !(a.min_request_rate >= 0.0 && a.min_request_rate.is_finite()) {
            fail(
                "alerts.min_request_rate",
                format!("{} must be 0 or more", a.min_request_rate),
            )?;
        }
        for route in &a.excluded_routes {
            if app_core::Route::from_template(route).is_none() {
                let known: Vec<_> = app_core::Route::ALL.iter().map(|r| r.template()).collect();
                fail(
                    "alerts.excluded_routes",
                    format!(
                        "{route:?} is not a route app-core defines ({})",
                        known.join(", ")
                    ),
                )?;
            }
        }
        check_fraction("alerts.error_ratio", a.error_ratio)?;
        let top = largest_bucket();
        if !(a.latency_p95_seconds > 0.0 && a.latency_p95_seconds < top) {
            fail(
                "alerts.latency_p95_seconds",
                format!(
                    "{} is out of range: must be above 0 and below the largest bucket bound {top} \
                     (histogram_quantile never reports more)",
                    a.latency_p95_seconds
                ),
            )?;
        }
        check_positive("alerts.meta_window", a.meta_window)?;
        check_runbook_base("alerts.runbook_base_url", &a.runbook_base_url)?;
        Ok(())
    }

    fn validate_slo(&self) -> Result<(), ConfigError> {
        let s = &self.slo;
        check_fraction("slo.availability_target", s.availability_target)?;
        check_fraction("slo.latency_target", s.latency_target)?;
        if !app_core::metrics::DURATION_BUCKETS.contains(&s.latency_threshold_seconds) {
            fail(
                "slo.latency_threshold_seconds",
                format!(
                    "{} is not a bucket bound of the duration histogram {:?}: the SLI would be estimated, not counted",
                    s.latency_threshold_seconds,
                    app_core::metrics::DURATION_BUCKETS
                ),
            )?;
        }
        check_positive("slo.period", s.period)?;
        // rate() over the period reads only what the TSDB still holds: a
        // shorter retention would count the budget over less, silently.
        if s.period > self.prometheus.retention {
            fail(
                "slo.period",
                format!(
                    "{} is longer than prometheus.retention {}: the budget would be counted over the retained days only",
                    s.period, self.prometheus.retention
                ),
            )?;
        }
        if s.windows.is_empty() {
            fail("slo.windows", "must list at least one burn-rate window")?;
        }
        for (i, w) in s.windows.iter().enumerate() {
            let key = |field: &str| format!("slo.windows[{i}].{field}");
            check_positive(&key("short"), w.short)?;
            if w.short >= w.long {
                fail(
                    &key("short"),
                    format!("{} must be shorter than long {}", w.short, w.long),
                )?;
            }
            if w.long > s.period {
                fail(
                    &key("long"),
                    format!("{} must not exceed slo.period {}", w.long, s.period),
                )?;
            }
            if w.short.as_millis() < 2 * self.prometheus.scrape_interval.as_millis() {
                fail(&key("short"), "must span at least two scrape intervals")?;
            }
            if !(w.burn_rate > 0.0 && w.burn_rate.is_finite()) {
                fail(
                    &key("burn_rate"),
                    format!("{} must be above 0", w.burn_rate),
                )?;
            }
            // An error ratio cannot exceed 1: such an alert could never fire.
            for (target_key, target) in [
                ("slo.availability_target", s.availability_target),
                ("slo.latency_target", s.latency_target),
            ] {
                if w.burn_rate * (1.0 - target) >= 1.0 {
                    fail(
                        &key("burn_rate"),
                        format!(
                            "{} times the error budget of {target_key} = {target} is 100% errors or more: the alert could never fire",
                            w.burn_rate
                        ),
                    )?;
                }
            }
        }
        Ok(())
    }
}

fn largest_bucket() -> f64 {
    *app_core::metrics::DURATION_BUCKETS
        .last()
        .expect("the histogram has buckets")
}

/// [`fail`] for a key of the `[kubernetes]` section.
fn fail_kubernetes(key: &str, message: impl Into<String>) -> Result<(), ConfigError> {
    fail(&format!("kubernetes.{key}"), message)
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
        fail_kubernetes(
            key,
            format!(
                "{value:?} is not a valid label value: 1 to 63 of [A-Za-z0-9-_.], alphanumeric at both ends"
            ),
        )
    }
}

/// The `[kubernetes]` section; keys in errors are full paths
/// (`kubernetes.app.uid`).
fn validate_kubernetes(settings: &Settings, drain_seconds: u32) -> Result<(), ConfigError> {
    check_label_value("part_of", &settings.part_of)?;
    check_label_value("instance", &settings.instance)?;
    check_label_value("operator.release", &settings.operator.release)?;
    if settings.pre_stop_seconds > 120 {
        fail_kubernetes("pre_stop_seconds", "must be at most 120")?;
    }
    if drain_seconds == 0 && settings.pre_stop_seconds == 0 {
        // Nothing would hold the pod while endpoints update: requests in
        // flight at that moment fail, which the rolling-restart test forbids.
        fail_kubernetes(
            "pre_stop_seconds",
            "must be above 0 when app.drain_seconds is 0",
        )?;
    }
    if let Some(class) = &settings.storage_class
        && class.is_empty()
    {
        fail_kubernetes(
            "storage_class",
            "must not be empty; leave it out for the cluster default",
        )?;
    }
    if !is_quantity(&settings.alertmanager_storage_size) {
        fail_kubernetes(
            "alertmanager_storage_size",
            format!(
                "{:?} is not a Kubernetes quantity",
                settings.alertmanager_storage_size
            ),
        )?;
    }
    if settings.api_server_ports.is_empty() || settings.api_server_ports.contains(&0) {
        fail_kubernetes("api_server_ports", "must list at least one port, none 0")?;
    }
    for (key, image) in [
        ("images.prometheus", &settings.images.prometheus),
        ("images.alertmanager", &settings.images.alertmanager),
        ("images.grafana", &settings.images.grafana),
    ] {
        check_image(&format!("kubernetes.{key}"), image)?;
    }
    for (key, workload) in [
        ("app", &settings.app),
        ("prometheus", &settings.prometheus),
        ("alertmanager", &settings.alertmanager),
        ("grafana", &settings.grafana),
        ("receiver", &settings.receiver),
    ] {
        if workload.uid == 0 {
            fail_kubernetes(
                &format!("{key}.uid"),
                "must not be 0: every pod runs as non-root",
            )?;
        }
        check_resources(key, &workload.requests, &workload.limits)?;
    }
    check_resources(
        "spin_app",
        &settings.spin_app.requests,
        &settings.spin_app.limits,
    )?;
    check_autoscaling(&settings.autoscaling)?;
    Ok(())
}

fn check_autoscaling(autoscaling: &Autoscaling) -> Result<(), ConfigError> {
    if autoscaling.min_replicas == 0 {
        // KEDA would scale to zero, and a request arriving then finds no pod.
        fail_kubernetes(
            "autoscaling.min_replicas",
            "must be at least 1: scaling to zero drops the requests that would wake the app",
        )?;
    }
    if autoscaling.max_replicas < autoscaling.min_replicas {
        fail_kubernetes(
            "autoscaling.max_replicas",
            format!(
                "{} is below min_replicas ({})",
                autoscaling.max_replicas, autoscaling.min_replicas
            ),
        )?;
    }
    let rate = autoscaling.requests_per_second;
    if !(rate.is_finite() && rate > 0.0) {
        fail_kubernetes(
            "autoscaling.requests_per_second",
            format!("{rate} is not a positive number of requests per second"),
        )?;
    }
    let activation = autoscaling.activation_requests_per_second;
    if !(activation.is_finite() && activation >= 0.0) {
        fail_kubernetes(
            "autoscaling.activation_requests_per_second",
            format!("{activation} is not zero or a positive number of requests per second"),
        )?;
    }
    check_name(
        "kubernetes.autoscaling.keda_namespace",
        &autoscaling.keda_namespace,
    )
}

fn check_resources(key: &str, requests: &Resources, limits: &Resources) -> Result<(), ConfigError> {
    for (part, resources) in [("requests", requests), ("limits", limits)] {
        for (field, value) in [("cpu", &resources.cpu), ("memory", &resources.memory)] {
            if !is_quantity(value) {
                fail_kubernetes(
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
        let error = validate_kubernetes(&settings, 10).unwrap_err();
        assert_eq!(error.key, "kubernetes.grafana.uid");

        let mut settings = Settings::default();
        settings.prometheus.limits.memory = "2 GB".into();
        assert_eq!(
            validate_kubernetes(&settings, 10).unwrap_err().key,
            "kubernetes.prometheus.limits.memory"
        );

        let mut settings = Settings::default();
        settings.spin_app.limits.cpu = "one".into();
        assert_eq!(
            validate_kubernetes(&settings, 10).unwrap_err().key,
            "kubernetes.spin_app.limits.cpu"
        );

        for (change, key) in [
            (
                (|a: &mut Autoscaling| a.min_replicas = 0) as fn(&mut Autoscaling),
                "kubernetes.autoscaling.min_replicas",
            ),
            (
                |a| a.max_replicas = 1,
                "kubernetes.autoscaling.max_replicas",
            ),
            (
                |a| a.requests_per_second = 0.0,
                "kubernetes.autoscaling.requests_per_second",
            ),
            (
                |a| a.requests_per_second = f64::NAN,
                "kubernetes.autoscaling.requests_per_second",
            ),
            (
                |a| a.activation_requests_per_second = -1.0,
                "kubernetes.autoscaling.activation_requests_per_second",
            ),
            (
                |a| a.keda_namespace = "KEDA".into(),
                "kubernetes.autoscaling.keda_namespace",
            ),
        ] {
            let mut settings = Settings::default();
            change(&mut settings.autoscaling);
            assert_eq!(validate_kubernetes(&settings, 10).unwrap_err().key, key);
        }

        let mut settings = Settings::default();
        settings.images.grafana.tag = "latest".into();
        assert_eq!(
            validate_kubernetes(&settings, 10).unwrap_err().key,
            "kubernetes.images.grafana.tag"
        );

        let settings = Settings {
            pre_stop_seconds: 0,
            ..Settings::default()
        };
        assert_eq!(
            validate_kubernetes(&settings, 0).unwrap_err().key,
            "kubernetes.pre_stop_seconds"
        );
        assert!(validate_kubernetes(&Settings::default(), 10).is_ok());
    }

    fn error_key(edit: impl FnOnce(&mut Config)) -> Option<String> {
        let mut config = Config::default();
        edit(&mut config);
        config.validate().err().map(|error| error.key)
    }

    #[test]
    fn runbook_base_must_be_an_absolute_plain_url() {
        let key = Some("alerts.runbook_base_url".to_owned());
        for bad in [
            "docs/",
            "/docs/runbook",
            "",
            "github.com/org/repo",
            "ftp://example.com/",
            "https://",
            "https://example.com/repo#main",
            "https://example.com/repo?ref=main",
            "https://example.com/my repo/",
        ] {
            let base = bad.to_owned();
            assert_eq!(
                error_key(|c| c.alerts.runbook_base_url = base),
                key,
                "{bad:?} accepted"
            );
        }
        for good in [
            "https://github.com/org/repo/blob/main/",
            "https://github.com/org/repo/blob/main",
            "http://wiki.internal:8080/runbooks/",
        ] {
            let base = good.to_owned();
            assert_eq!(error_key(|c| c.alerts.runbook_base_url = base), None);
        }
        let mut alerts = Config::default().alerts;
        alerts.runbook_base_url = "https://github.com/org/repo/blob/main".into();
        assert_eq!(
            alerts.runbook_url("appdown"),
            "https://github.com/org/repo/blob/main/docs/runbook.md#appdown"
        );
        alerts.runbook_base_url.push('/');
        assert_eq!(
            alerts.runbook_url("appdown"),
            "https://github.com/org/repo/blob/main/docs/runbook.md#appdown"
        );
    }

    #[test]
    fn slo_period_is_checked_against_retention_and_windows() {
        assert_eq!(
            Config::default().slo.period,
            PromDuration::from_days(28),
            "Sloth's and Pyrra's default"
        );
        let period = Some("slo.period".to_owned());
        assert_eq!(
            error_key(|c| c.slo.period = PromDuration::default()),
            period
        );
        // Longer than the TSDB keeps.
        assert_eq!(
            error_key(|c| c.prometheus.retention = PromDuration::from_days(15)),
            period
        );
        assert_eq!(
            error_key(|c| c.slo.period = PromDuration::from_days(31)),
            period
        );
        // Shorter than the slowest burn-rate window (3d).
        assert_eq!(
            error_key(|c| c.slo.period = PromDuration::from_days(2)),
            Some("slo.windows[3].long".to_owned())
        );
        assert_eq!(
            error_key(|c| c.slo.period = PromDuration::from_days(7)),
            None
        );
    }

    #[test]
    fn names_of_the_receiver_service() {
        let url = |text| Endpoint::parse(text).unwrap();
        for text in [
            "http://alert-receiver:9095/alerts",
            "http://alert-receiver.mon:9095/alerts",
            "http://alert-receiver.mon.svc:9095/alerts",
            "http://alert-receiver.mon.svc.cluster.local:9095/alerts",
        ] {
            assert!(names_receiver(&url(text), "mon"), "{text}");
            assert!(check_receiver_url("k", &url(text), "mon").is_ok(), "{text}");
        }
        for text in [
            "http://alert-receiver.other:9095/alerts",
            "http://alert-receiver-2:9095/alerts",
            "https://hooks.example/alert-receiver",
            "http://127.0.0.1:9095/alerts",
        ] {
            assert!(!names_receiver(&url(text), "mon"), "{text}");
        }
        for wrong in [
            "http://alert-receiver:9096/alerts",
            "http://alert-receiver:9095/",
            "http://alert-receiver:9095",
            "https://alert-receiver:9095/alerts",
        ] {
            let error =
                check_receiver_url("alertmanager.webhook_url", &url(wrong), "mon").unwrap_err();
            assert_eq!(error.key, "alertmanager.webhook_url");
            assert!(error.message.contains(&receiver_url()), "{error}");
        }
    }
}
