//! Parses an exposition back into families and series with a real
//! OpenMetrics/Prometheus parser, so tests of every variant assert on
//! structure instead of matching strings.

use std::collections::BTreeMap;

use openmetrics_parser::{
    HistogramValue, MetricFamily, MetricNumber, OpenMetricsValue, PrometheusType, PrometheusValue,
    RenderableMetricValue, openmetrics::parse_openmetrics, prometheus::parse_prometheus,
};

use crate::exposition::ExpositionFormat;

#[derive(Clone, Debug, PartialEq)]
pub enum Value {
    Scalar(f64),
    Histogram {
        count: u64,
        sum: f64,
        /// Cumulative counts per upper bound, as exposed (`+Inf` last).
        buckets: Vec<(f64, u64)>,
    },
}

#[derive(Clone, Debug, PartialEq)]
pub struct Series {
    pub labels: BTreeMap<String, String>,
    pub value: Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct Family {
    /// `counter`, `gauge`, `histogram`, ...
    pub kind: String,
    /// Declared by `# UNIT` (OpenMetrics only).
    pub unit: Option<String>,
    pub help: String,
    pub label_names: Vec<String>,
    pub series: Vec<Series>,
}

/// What a scrape returned, keyed by family name as OpenMetrics names it
/// (counters without their `_total` suffix, in both formats).
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Parsed {
    pub families: BTreeMap<String, Family>,
    /// Every bucket exemplar (OpenMetrics only), sorted by series and bound.
    pub exemplars: Vec<Exemplar>,
}

/// One histogram bucket's exemplar, as the parser read it.
#[derive(Clone, Debug, PartialEq)]
pub struct Exemplar {
    pub family: String,
    /// The series' labels (without `le`).
    pub series: BTreeMap<String, String>,
    pub upper_bound: f64,
    pub labels: BTreeMap<String, String>,
    pub value: f64,
    pub timestamp: Option<f64>,
}

/// Name, type, label names and bucket bounds of one family: what two
/// variants must agree on.
#[derive(Clone, Debug, PartialEq)]
pub struct FamilySchema {
    pub kind: String,
    pub label_names: Vec<String>,
    pub bucket_bounds: Option<Vec<f64>>,
}

fn number(n: &MetricNumber) -> f64 {
    n.as_f64()
}

fn histogram(h: &HistogramValue) -> Value {
    Value::Histogram {
        count: h.count.unwrap_or_default(),
        sum: h.sum.as_ref().map(number).unwrap_or_default(),
        buckets: h
            .buckets
            .iter()
            .map(|b| (b.upper_bound, number(&b.count) as u64))
            .collect(),
    }
}

/// openmetrics-parser 0.5 rejects `# UNIT` on histograms although the
/// OpenMetrics spec allows it, so UNIT lines are checked here (well formed,
/// name ends with the unit, family declared) and removed before parsing.
fn take_units(text: &str) -> Result<(String, BTreeMap<String, String>), String> {
    let mut units = BTreeMap::new();
    let mut rest = String::with_capacity(text.len());
    for line in text.lines() {
        match line.strip_prefix("# UNIT ") {
            Some(decl) => {
                let (name, unit) = decl
                    .split_once(' ')
                    .ok_or_else(|| format!("malformed UNIT line: {line}"))?;
                if !name.ends_with(&format!("_{unit}")) {
                    return Err(format!("family {name} does not end with its unit {unit}"));
                }
                if !text.contains(&format!("# TYPE {name} ")) {
                    return Err(format!("UNIT for undeclared family {name}"));
                }
                units.insert(name.to_owned(), unit.to_owned());
            }
            None => {
                rest.push_str(line);
                rest.push('\n');
            }
        }
    }
    Ok((rest, units))
}

pub fn parse(text: &str, format: ExpositionFormat) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    match format {
        ExpositionFormat::OpenMetrics => {
            let (text, units) = take_units(text)?;
            let exposition = parse_openmetrics(&text).map_err(|e| e.to_string())?;
            for (name, family) in exposition.families {
                let value = |v: &OpenMetricsValue| match v {
                    OpenMetricsValue::Gauge(n) | OpenMetricsValue::Unknown(n) => {
                        Some(Value::Scalar(number(n)))
                    }
                    OpenMetricsValue::Counter(c) => Some(Value::Scalar(number(&c.value))),
                    OpenMetricsValue::Histogram(h) => Some(histogram(h)),
                    _ => None,
                };
                let unit = units.get(&name).cloned();
                parsed.exemplars.extend(exemplars_of(&name, &family)?);
                let family = family_of(&name, &family, unit, value)?;
                parsed.families.insert(name, family);
            }
        }
        ExpositionFormat::Prometheus => {
            let exposition = parse_prometheus(text).map_err(|e| e.to_string())?;
            for (name, family) in exposition.families {
                let value = |v: &PrometheusValue| match v {
                    PrometheusValue::Gauge(n) | PrometheusValue::Unknown(n) => {
                        Some(Value::Scalar(number(n)))
                    }
                    PrometheusValue::Counter(c) => Some(Value::Scalar(number(&c.value))),
                    PrometheusValue::Histogram(h) => Some(histogram(h)),
                    _ => None,
                };
                let converted = family_of(&name, &family, None, value)?;
                let name = match family.family_type {
                    PrometheusType::Counter => name
                        .strip_suffix("_total")
                        .map(str::to_owned)
                        .unwrap_or(name),
                    _ => name,
                };
                parsed.families.insert(name, converted);
            }
        }
    }
    Ok(parsed)
}

/// One parsed family in the format-neutral model; `value` converts a
/// sample and answers `None` for kinds the service never exposes.
fn family_of<T, V>(
    name: &str,
    family: &MetricFamily<T, V>,
    unit: Option<String>,
    value: impl Fn(&V) -> Option<Value>,
) -> Result<Family, String>
where
    T: Clone + std::fmt::Display,
    V: RenderableMetricValue + Clone + std::fmt::Debug,
{
    let mut series = Vec::new();
    for sample in family.iter_samples() {
        let converted = value(&sample.value)
            .ok_or_else(|| format!("{name}: unexpected value {:?}", sample.value))?;
        series.push(Series {
            labels: labels_of(sample.get_labelset().map_err(|e| e.to_string())?),
            value: converted,
        });
    }
    series.sort_by(|a, b| a.labels.cmp(&b.labels));
    Ok(Family {
        kind: family.family_type.to_string(),
        unit,
        help: family.help.clone(),
        label_names: family.get_label_names().to_vec(),
        series,
    })
}

fn exemplars_of(
    name: &str,
    family: &MetricFamily<openmetrics_parser::OpenMetricsType, OpenMetricsValue>,
) -> Result<Vec<Exemplar>, String> {
    let mut found = Vec::new();
    for sample in family.iter_samples() {
        let OpenMetricsValue::Histogram(histogram) = &sample.value else {
            continue;
        };
        let series = labels_of(sample.get_labelset().map_err(|e| e.to_string())?);
        for bucket in &histogram.buckets {
            if let Some(exemplar) = &bucket.exemplar {
                found.push(Exemplar {
                    family: name.to_owned(),
                    series: series.clone(),
                    upper_bound: bucket.upper_bound,
                    labels: exemplar.labels.clone().into_iter().collect(),
                    value: exemplar.id,
                    timestamp: exemplar.timestamp,
                });
            }
        }
    }
    found.sort_by(|a, b| {
        (&a.series, a.upper_bound)
            .partial_cmp(&(&b.series, b.upper_bound))
            .unwrap()
    });
    Ok(found)
}

fn labels_of(set: openmetrics_parser::LabelSet<'_>) -> BTreeMap<String, String> {
    set.iter().map(|(k, v)| (k.clone(), v.clone())).collect()
}

/// The cumulative count of the bucket whose upper bound is `bound`.
pub fn bucket_at(buckets: &[(f64, u64)], bound: f64) -> u64 {
    buckets
        .iter()
        .find(|(upper, _)| *upper == bound)
        .unwrap_or_else(|| panic!("no bucket le={bound}"))
        .1
}

impl Parsed {
    pub fn family(&self, name: &str) -> Option<&Family> {
        self.families.get(name)
    }

    /// Number of time series Prometheus would store from this scrape: a
    /// histogram series is its buckets plus `_sum` and `_count`.
    pub fn series_count(&self) -> usize {
        self.families
            .values()
            .flat_map(|f| &f.series)
            .map(|s| match &s.value {
                Value::Scalar(_) => 1,
                Value::Histogram { buckets, .. } => buckets.len() + 2,
            })
            .sum()
    }

    /// The series of `family` whose labels include every pair given.
    pub fn find(&self, family: &str, labels: &[(&str, &str)]) -> Vec<&Series> {
        self.family(family)
            .map(|f| {
                f.series
                    .iter()
                    .filter(|s| {
                        labels
                            .iter()
                            .all(|(k, v)| s.labels.get(*k).map(String::as_str) == Some(*v))
                    })
                    .collect()
            })
            .unwrap_or_default()
    }

    /// Sum of `_count` over the histogram series matching `labels`.
    pub fn histogram_count(&self, family: &str, labels: &[(&str, &str)]) -> u64 {
        self.find(family, labels)
            .iter()
            .map(|s| match &s.value {
                Value::Histogram { count, .. } => *count,
                Value::Scalar(_) => 0,
            })
            .sum()
    }

    /// Requests `http_server_request_duration_seconds` counted for one
    /// method, route template and status.
    pub fn request_count(&self, method: &str, route: &str, status: u16) -> u64 {
        self.histogram_count(
            "http_server_request_duration_seconds",
            &[
                ("http_request_method", method),
                ("http_route", route),
                ("http_response_status_code", &status.to_string()),
            ],
        )
    }

    /// The value of the one scalar series of `family` matching `labels`.
    pub fn scalar(&self, family: &str, labels: &[(&str, &str)]) -> f64 {
        match self.find(family, labels).as_slice() {
            [series] => match series.value {
                Value::Scalar(value) => value,
                Value::Histogram { .. } => panic!("{family} is a histogram"),
            },
            other => panic!("{family}{labels:?}: {} series", other.len()),
        }
    }

    /// Count, sum and cumulative buckets of the one histogram series of
    /// `family` matching `labels`.
    pub fn histogram(&self, family: &str, labels: &[(&str, &str)]) -> (u64, f64, &[(f64, u64)]) {
        match self.find(family, labels).as_slice() {
            [series] => match &series.value {
                Value::Histogram {
                    count,
                    sum,
                    buckets,
                } => (*count, *sum, buckets),
                Value::Scalar(_) => panic!("{family} is not a histogram"),
            },
            other => panic!("{family}{labels:?}: {} series", other.len()),
        }
    }

    pub fn schema(&self) -> BTreeMap<String, FamilySchema> {
        self.families
            .iter()
            .map(|(name, family)| {
                let bucket_bounds = family.series.iter().find_map(|s| match &s.value {
                    Value::Histogram { buckets, .. } => {
                        Some(buckets.iter().map(|(bound, _)| *bound).collect())
                    }
                    Value::Scalar(_) => None,
                });
                let mut label_names = family.label_names.clone();
                label_names.sort();
                (
                    name.clone(),
                    FamilySchema {
                        kind: family.kind.clone(),
                        label_names,
                        bucket_bounds,
                    },
                )
            })
            .collect()
    }
}
