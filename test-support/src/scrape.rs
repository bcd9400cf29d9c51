use app_core::ExpositionFormat;
use app_core::testing::{Parsed, parse};

use crate::Client;

impl Client {
    /// `GET /metrics`, asking for `format`, parsed; anything but a 200 that
    /// parses fails the test with the body in the message.
    pub fn scrape(&mut self, format: ExpositionFormat) -> Parsed {
        let accept = match format {
            ExpositionFormat::OpenMetrics => "application/openmetrics-text; version=1.0.0",
            ExpositionFormat::Prometheus => "text/plain",
        };
        let response = self.send("GET", "/metrics", &[("accept", accept)], b"");
        assert_eq!(response.status, 200, "{}", response.text());
        parse(&response.text(), format).unwrap_or_else(|e| panic!("{e}\n{}", response.text()))
    }
}
