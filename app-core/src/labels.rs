//! The typed label sets of the HTTP families. They stand apart from the
//! metric definitions because the per-series handles use them too.

use crate::route::{Method, Route};

/// Labels of `http_server_request_duration_seconds`.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "registry",
    derive(prometheus_client::encoding::EncodeLabelSet)
)]
pub struct RequestLabels {
    pub http_request_method: Method,
    pub http_route: Route,
    pub http_response_status_code: u16,
}

impl RequestLabels {
    pub fn new(method: Method, route: Route, status: u16) -> RequestLabels {
        RequestLabels {
            http_request_method: method,
            http_route: route,
            http_response_status_code: status,
        }
    }

    /// The series of `http_server_active_requests` this request was in.
    pub fn active_labels(&self) -> ActiveLabels {
        ActiveLabels {
            http_request_method: self.http_request_method,
            http_route: self.http_route,
        }
    }
}

/// Labels of `http_server_active_requests`: the status is not known yet.
#[derive(Clone, Debug, Hash, PartialEq, Eq, PartialOrd, Ord)]
#[cfg_attr(
    feature = "registry",
    derive(prometheus_client::encoding::EncodeLabelSet)
)]
pub struct ActiveLabels {
    pub http_request_method: Method,
    pub http_route: Route,
}
