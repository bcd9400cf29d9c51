//! PromQL and Prometheus-regex text: the few string rules every query
//! builder shares (exposed family names, `le` matchers, escaping), in one
//! leaf module with no knowledge of the configuration.

use app_core::metrics::FamilyDef;

/// A family's exposed name: `name_unit`, as prometheus-client writes it.
pub fn exposed_name(family: &FamilyDef) -> String {
    match &family.unit {
        Some(unit) => format!("{}_{}", family.name, unit.as_str()),
        None => family.name.to_owned(),
    }
}

/// The `le` label value of a bucket bound as OpenMetrics writes it (`1.0`),
/// which is also how Prometheus 3 stores every classic histogram bucket.
pub fn le_label(bound: f64) -> String {
    let mut text = format!("{bound}");
    if !text.contains(['.', 'e']) {
        text.push_str(".0");
    }
    text
}

/// Selector of one bucket, whichever format was scraped: the Prometheus text
/// format writes `le="1"` (as Go does), OpenMetrics `le="1.0"`, and
/// Prometheus 2 stores the string as scraped.
pub fn le_matcher(bound: f64) -> String {
    let openmetrics = le_label(bound);
    let text_format = format!("{bound}");
    if openmetrics == text_format {
        format!("le=\"{openmetrics}\"")
    } else {
        // Whole numbers only differ by the `.0`. No alternation and no
        // backslash: the pattern means the same however a tool anchors it or
        // unescapes strings.
        format!("le=~\"{text_format}([.]0)?\"")
    }
}

/// The matcher selecting one job's series.
pub fn job_matcher(job: &str) -> String {
    format!("job=\"{job}\"")
}

/// `text` as a regular expression matching exactly itself (for a YAML
/// `regex` field; inside a PromQL string see [`regex_escape`]).
pub fn regex_literal(text: &str) -> String {
    text.chars()
        .flat_map(|c| {
            let escape = "\\.+*?()|[]{}^$".contains(c);
            escape.then_some('\\').into_iter().chain([c])
        })
        .collect()
}

/// [`regex_literal`] inside a PromQL string, where the
/// backslash itself needs escaping.
pub fn regex_escape(text: &str) -> String {
    regex_literal(text).replace('\\', "\\\\")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn le_labels_match_the_exposition_format() {
        assert_eq!(le_label(1.0), "1.0");
        assert_eq!(le_label(0.25), "0.25");
        assert_eq!(le_label(10.0), "10.0");
        assert_eq!(le_matcher(0.25), "le=\"0.25\"");
        assert_eq!(le_matcher(1.0), "le=~\"1([.]0)?\"");
    }

    #[test]
    fn regexes_escape_route_templates() {
        assert_eq!(regex_escape("/api/items/{id}"), "/api/items/\\\\{id\\\\}");
        assert_eq!(regex_escape("/metrics"), "/metrics");
    }

    #[test]
    fn regex_literals_are_escaped() {
        assert_eq!(regex_literal("a.b+c"), "a\\.b\\+c");
        assert_eq!(regex_literal("app"), "app");
    }
}
