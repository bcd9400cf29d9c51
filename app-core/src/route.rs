//! The closed sets of label values a request can map to.
//!
//! Every request, whatever its path or method, lands on one variant of
//! [`Route`] and one of [`Method`]: that is what keeps the number of series
//! bounded no matter what clients send.

#[cfg(feature = "registry")]
use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};
#[cfg(feature = "registry")]
use std::fmt::Write as _;

/// HTTP request methods as OpenTelemetry's `http.request.method` names them.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Method {
    Connect,
    Delete,
    Get,
    Head,
    Options,
    Patch,
    Post,
    Put,
    Trace,
    /// Any method outside the standard set.
    Other,
}

impl Method {
    pub const ALL: [Method; 10] = [
        Method::Connect,
        Method::Delete,
        Method::Get,
        Method::Head,
        Method::Options,
        Method::Patch,
        Method::Post,
        Method::Put,
        Method::Trace,
        Method::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Method::Connect => "CONNECT",
            Method::Delete => "DELETE",
            Method::Get => "GET",
            Method::Head => "HEAD",
            Method::Options => "OPTIONS",
            Method::Patch => "PATCH",
            Method::Post => "POST",
            Method::Put => "PUT",
            Method::Trace => "TRACE",
            Method::Other => "_OTHER",
        }
    }

    /// Inverse of [`Method::as_str`], for label values read back from a store.
    pub fn from_label(label: &str) -> Option<Method> {
        Method::ALL.into_iter().find(|m| m.as_str() == label)
    }
}

impl From<&http::Method> for Method {
    fn from(method: &http::Method) -> Self {
        match *method {
            http::Method::CONNECT => Method::Connect,
            http::Method::DELETE => Method::Delete,
            http::Method::GET => Method::Get,
            http::Method::HEAD => Method::Head,
            http::Method::OPTIONS => Method::Options,
            http::Method::PATCH => Method::Patch,
            http::Method::POST => Method::Post,
            http::Method::PUT => Method::Put,
            http::Method::TRACE => Method::Trace,
            _ => Method::Other,
        }
    }
}

#[cfg(feature = "registry")]
impl EncodeLabelValue for Method {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.as_str())
    }
}

/// Route templates, as OpenTelemetry's `http.route` wants them: the template,
/// never the concrete path.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Route {
    Root,
    Items,
    Item,
    Healthz,
    Readyz,
    Metrics,
    DemoError,
    DemoSlow,
    /// Any path the service does not serve.
    Unmatched,
}

impl Route {
    pub const ALL: [Route; 9] = [
        Route::Root,
        Route::Items,
        Route::Item,
        Route::Healthz,
        Route::Readyz,
        Route::Metrics,
        Route::DemoError,
        Route::DemoSlow,
        Route::Unmatched,
    ];

    pub fn template(self) -> &'static str {
        match self {
            Route::Root => "/",
            Route::Items => "/api/items",
            Route::Item => "/api/items/{id}",
            Route::Healthz => "/healthz",
            Route::Readyz => "/readyz",
            Route::Metrics => "/metrics",
            Route::DemoError => "/demo/error",
            Route::DemoSlow => "/demo/slow",
            Route::Unmatched => "unmatched",
        }
    }

    /// Inverse of [`Route::template`], for label values read back from a store.
    pub fn from_template(template: &str) -> Option<Route> {
        Route::ALL.into_iter().find(|r| r.template() == template)
    }

    /// Maps a request path onto its route. Demo routes only exist when
    /// `demo_faults` is on; otherwise they are as unknown as any other path.
    pub fn recognize(path: &str, demo_faults: bool) -> Route {
        match path {
            "/" => Route::Root,
            "/api/items" => Route::Items,
            "/healthz" => Route::Healthz,
            "/readyz" => Route::Readyz,
            "/metrics" => Route::Metrics,
            "/demo/error" if demo_faults => Route::DemoError,
            "/demo/slow" if demo_faults => Route::DemoSlow,
            _ if item_id(path).is_some() => Route::Item,
            _ => Route::Unmatched,
        }
    }

    pub fn is_demo(self) -> bool {
        matches!(self, Route::DemoError | Route::DemoSlow)
    }
}

/// The `{id}` of `/api/items/{id}`: one non-empty segment.
pub fn item_id(path: &str) -> Option<&str> {
    path.strip_prefix("/api/items/")
        .filter(|id| !id.is_empty() && !id.contains('/'))
}

#[cfg(feature = "registry")]
impl EncodeLabelValue for Route {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        encoder.write_str(self.template())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_map_to_their_templates() {
        assert_eq!(Route::recognize("/", false), Route::Root);
        assert_eq!(Route::recognize("/api/items", false), Route::Items);
        assert_eq!(Route::recognize("/api/items/2", false), Route::Item);
        assert_eq!(Route::recognize("/api/items/abc", false), Route::Item);
        assert_eq!(Route::recognize("/healthz", false), Route::Healthz);
        assert_eq!(Route::recognize("/readyz", false), Route::Readyz);
        assert_eq!(Route::recognize("/metrics", false), Route::Metrics);
    }

    #[test]
    fn anything_else_is_unmatched() {
        for path in [
            "",
            "/api",
            "/api/items/",
            "/api/items/1/2",
            "/API/items",
            "/metrics/",
            "//",
            "/%00",
            "/api/items//",
        ] {
            assert_eq!(Route::recognize(path, true), Route::Unmatched, "{path:?}");
        }
    }

    #[test]
    fn demo_routes_exist_only_when_enabled() {
        assert_eq!(Route::recognize("/demo/error", false), Route::Unmatched);
        assert_eq!(Route::recognize("/demo/slow", false), Route::Unmatched);
        assert_eq!(Route::recognize("/demo/error", true), Route::DemoError);
        assert_eq!(Route::recognize("/demo/slow", true), Route::DemoSlow);
    }

    #[test]
    fn label_values_round_trip() {
        for route in Route::ALL {
            assert_eq!(Route::from_template(route.template()), Some(route));
        }
        for method in Method::ALL {
            assert_eq!(Method::from_label(method.as_str()), Some(method));
        }
    }

    #[test]
    fn nonstandard_methods_collapse_to_other() {
        let custom = http::Method::from_bytes(b"BREW").unwrap();
        assert_eq!(Method::from(&custom), Method::Other);
        assert_eq!(Method::from(&http::Method::GET), Method::Get);
    }
}
