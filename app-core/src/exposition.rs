//! Text exposition: Prometheus 0.0.4 by default, OpenMetrics 1.0 on request.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ExpositionFormat {
    /// `text/plain; version=0.0.4`, what every Prometheus understands.
    Prometheus,
    /// `application/openmetrics-text; version=1.0.0`.
    OpenMetrics,
}

impl ExpositionFormat {
    /// Picks the format from an `Accept` header the way Prometheus' own
    /// scrape negotiation expects: OpenMetrics only when the client names it.
    pub fn negotiate(accept: Option<&http::HeaderValue>) -> Self {
        let wants_openmetrics = accept
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| {
                value
                    .split(',')
                    .any(|part| part.trim().starts_with("application/openmetrics-text"))
            });
        if wants_openmetrics {
            ExpositionFormat::OpenMetrics
        } else {
            ExpositionFormat::Prometheus
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            ExpositionFormat::Prometheus => "text/plain; version=0.0.4; charset=utf-8",
            ExpositionFormat::OpenMetrics => {
                "application/openmetrics-text; version=1.0.0; charset=utf-8"
            }
        }
    }
}

/// Anything that can render the service's metrics: the native in-memory set,
/// or the edge variant's snapshot read from its key-value store.
pub trait Exposition {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError>;
}

/// Rendering failed; the message is safe to show to the scraper.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExpositionError(pub String);

impl std::fmt::Display for ExpositionError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for ExpositionError {}

#[cfg(feature = "registry")]
impl Exposition for prometheus_client::registry::Registry {
    fn encode(&self, format: ExpositionFormat, out: &mut String) -> Result<(), ExpositionError> {
        use prometheus_client::encoding::{prometheus_text, text};
        let result = match format {
            ExpositionFormat::Prometheus => prometheus_text::encode(out, self),
            ExpositionFormat::OpenMetrics => text::encode(out, self),
        };
        result.map_err(|_| ExpositionError("metrics could not be encoded".into()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negotiates_openmetrics_only_when_asked() {
        let prom = http::HeaderValue::from_static(
            "application/openmetrics-text;version=1.0.0,application/openmetrics-text;version=0.0.1;q=0.75,text/plain;version=0.0.4;q=0.5,*/*;q=0.1",
        );
        assert_eq!(
            ExpositionFormat::negotiate(Some(&prom)),
            ExpositionFormat::OpenMetrics
        );
        let plain = http::HeaderValue::from_static("text/plain");
        assert_eq!(
            ExpositionFormat::negotiate(Some(&plain)),
            ExpositionFormat::Prometheus
        );
        assert_eq!(
            ExpositionFormat::negotiate(None),
            ExpositionFormat::Prometheus
        );
    }
}
