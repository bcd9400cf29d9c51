//! The handler: a request's head in, a response (and maybe a delay) out.
//!
//! No route reads a body, so the handler only sees `http::request::Parts`;
//! each variant enforces its own body limits before calling it.

use std::sync::LazyLock;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use bytes::Bytes;
use http::header::{ALLOW, CONTENT_LENGTH, CONTENT_TYPE};
use http::{HeaderMap, HeaderValue, Response, StatusCode};
use serde::Serialize;

use crate::catalogue;
use crate::exposition::{Exposition, ExpositionFormat};
use crate::metrics::{ActiveLabels, RequestLabels};
use crate::route::{self, Method, Route};

/// Longest delay `/demo/slow` will ever ask for.
pub const MAX_DEMO_DELAY: Duration = Duration::from_secs(10);
/// What `/demo/slow` sleeps when no `ms` is given.
pub const DEFAULT_DEMO_DELAY: Duration = Duration::from_millis(1_500);

const TEXT: &str = "text/plain; charset=utf-8";
const JSON: &str = "application/json";

#[derive(Clone, Debug, Default)]
pub struct ServiceConfig {
    /// Serve `/demo/error` and `/demo/slow`, which exist to trip the alerts.
    pub demo_faults: bool,
}

/// What a variant must do with a request once the handler has decided.
#[derive(Debug)]
pub struct Reply {
    /// Wait this long before answering (the variant sleeps with its own clock).
    pub delay: Option<Duration>,
    pub response: Response<Bytes>,
}

/// The request classified into its metric labels, before any work is done.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Accepted {
    pub method: Method,
    pub route: Route,
}

impl Accepted {
    /// Its series of `http_server_active_requests`.
    pub fn active_labels(self) -> ActiveLabels {
        ActiveLabels {
            http_request_method: self.method,
            http_route: self.route,
        }
    }

    /// Its series of `http_server_request_duration_seconds`, once answered.
    pub fn labels(self, status: u16) -> RequestLabels {
        RequestLabels::new(self.method, self.route, status)
    }
}

#[derive(Debug, Default)]
pub struct Service {
    config: ServiceConfig,
    draining: AtomicBool,
}

impl Service {
    pub fn new(config: ServiceConfig) -> Self {
        Service {
            config,
            draining: AtomicBool::new(false),
        }
    }

    pub fn config(&self) -> &ServiceConfig {
        &self.config
    }

    /// From now on `/readyz` answers 503 so load balancers stop sending
    /// traffic while in-flight requests finish.
    pub fn begin_drain(&self) {
        self.draining.store(true, Ordering::SeqCst);
    }

    pub fn is_draining(&self) -> bool {
        self.draining.load(Ordering::SeqCst)
    }

    pub fn accept(&self, method: &http::Method, path: &str) -> Accepted {
        Accepted {
            method: Method::from(method),
            route: Route::recognize(path, self.config.demo_faults),
        }
    }

    pub fn respond(
        &self,
        accepted: Accepted,
        head: &http::request::Parts,
        metrics: &dyn Exposition,
    ) -> Reply {
        let reply = match (accepted.route, accepted.method) {
            // Unknown paths are 404 whatever the method.
            (Route::Unmatched, _) | (_, Method::Get | Method::Head) => {
                self.serve(accepted.route, head, metrics)
            }
            _ => immediate(method_not_allowed()),
        };
        if accepted.method == Method::Head {
            return Reply {
                delay: reply.delay,
                response: without_body(reply.response),
            };
        }
        reply
    }

    fn serve(&self, route: Route, head: &http::request::Parts, metrics: &dyn Exposition) -> Reply {
        let response = match route {
            Route::Root => text(
                StatusCode::OK,
                "app: one Rust handler, native and edge. Try /api/items, /healthz, /metrics.\n",
            ),
            Route::Items => build(StatusCode::OK, JSON, CATALOGUE_JSON.list.clone()),
            Route::Item => match route::item_id(head.uri.path()).and_then(catalogue::position) {
                Some(at) => build(StatusCode::OK, JSON, CATALOGUE_JSON.items[at].clone()),
                None => error(StatusCode::NOT_FOUND, "item not found"),
            },
            Route::Healthz => text(StatusCode::OK, "ok\n"),
            Route::Readyz if self.is_draining() => {
                text(StatusCode::SERVICE_UNAVAILABLE, "draining\n")
            }
            Route::Readyz => text(StatusCode::OK, "ready\n"),
            Route::Metrics => render_metrics(head, metrics),
            Route::DemoError => error(StatusCode::INTERNAL_SERVER_ERROR, "demo fault"),
            Route::DemoSlow => return demo_slow(head.uri.query()),
            Route::Unmatched => error(StatusCode::NOT_FOUND, "not found"),
        };
        immediate(response)
    }
}

fn demo_slow(query: Option<&str>) -> Reply {
    let requested = query
        .unwrap_or_default()
        .split('&')
        .find_map(|pair| pair.strip_prefix("ms="));
    let requested = match requested.map(str::parse::<u64>) {
        None => DEFAULT_DEMO_DELAY,
        Some(Ok(ms)) => Duration::from_millis(ms),
        Some(Err(_)) => {
            return immediate(error(
                StatusCode::BAD_REQUEST,
                "ms must be a whole number of milliseconds",
            ));
        }
    };
    let delay = requested.min(MAX_DEMO_DELAY);
    #[derive(Serialize)]
    struct Slept {
        delay_ms: u128,
        capped: bool,
    }
    Reply {
        delay: Some(delay),
        response: json(
            StatusCode::OK,
            &Slept {
                delay_ms: delay.as_millis(),
                capped: delay < requested,
            },
        ),
    }
}

fn render_metrics(head: &http::request::Parts, metrics: &dyn Exposition) -> Response<Bytes> {
    let format = ExpositionFormat::negotiate(head.headers.get(http::header::ACCEPT));
    let mut body = String::with_capacity(8 * 1024);
    match metrics.encode(format, &mut body) {
        Ok(()) => build(StatusCode::OK, format.content_type(), Bytes::from(body)),
        Err(err) => error(StatusCode::INTERNAL_SERVER_ERROR, &err.0),
    }
}

/// The catalogue never changes, so its JSON is serialized once.
struct CatalogueJson {
    list: Bytes,
    items: [Bytes; catalogue::ITEMS.len()],
}

static CATALOGUE_JSON: LazyLock<CatalogueJson> = LazyLock::new(|| CatalogueJson {
    list: to_json(&catalogue::ITEMS),
    items: catalogue::ITEMS.map(|item| to_json(&item)),
});

fn to_json<T: Serialize + ?Sized>(value: &T) -> Bytes {
    // Serializing our own fixed types cannot fail.
    Bytes::from(serde_json::to_vec(value).unwrap_or_default())
}

fn immediate(response: Response<Bytes>) -> Reply {
    Reply {
        delay: None,
        response,
    }
}

fn build(status: StatusCode, content_type: &'static str, body: Bytes) -> Response<Bytes> {
    let mut response = Response::new(body);
    *response.status_mut() = status;
    *response.headers_mut() = head_with(content_type);
    response
}

/// The response head for `content_type`. The two types nearly every
/// response has are built once and cloned, which costs less than hashing the
/// header into a new map per response.
fn head_with(content_type: &'static str) -> HeaderMap {
    static TEXT_HEAD: LazyLock<HeaderMap> = LazyLock::new(|| new_head(TEXT));
    static JSON_HEAD: LazyLock<HeaderMap> = LazyLock::new(|| new_head(JSON));
    match content_type {
        TEXT => TEXT_HEAD.clone(),
        JSON => JSON_HEAD.clone(),
        other => new_head(other),
    }
}

fn new_head(content_type: &'static str) -> HeaderMap {
    let mut head = HeaderMap::with_capacity(2);
    head.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    head
}

fn text(status: StatusCode, body: &'static str) -> Response<Bytes> {
    build(status, TEXT, Bytes::from_static(body.as_bytes()))
}

fn json<T: Serialize + ?Sized>(status: StatusCode, value: &T) -> Response<Bytes> {
    build(status, JSON, to_json(value))
}

/// The one JSON error shape every route uses.
pub fn error(status: StatusCode, message: &str) -> Response<Bytes> {
    #[derive(Serialize)]
    struct ErrorBody<'a> {
        error: &'a str,
        status: u16,
    }
    json(
        status,
        &ErrorBody {
            error: message,
            status: status.as_u16(),
        },
    )
}

fn method_not_allowed() -> Response<Bytes> {
    let mut response = error(StatusCode::METHOD_NOT_ALLOWED, "method not allowed");
    response
        .headers_mut()
        .insert(ALLOW, HeaderValue::from_static("GET, HEAD"));
    response
}

fn without_body(response: Response<Bytes>) -> Response<Bytes> {
    let (mut parts, body) = response.into_parts();
    parts
        .headers
        .insert(CONTENT_LENGTH, HeaderValue::from(body.len()));
    Response::from_parts(parts, Bytes::new())
}

#[cfg(all(test, feature = "registry"))]
mod tests {
    use super::*;
    use crate::{BuildInfo, Metrics, Variant};

    fn call(service: &Service, method: http::Method, uri: &str) -> Reply {
        let (head, ()) = http::Request::builder()
            .method(method)
            .uri(uri)
            .body(())
            .unwrap()
            .into_parts();
        let metrics = Metrics::new(BuildInfo::new(Variant::Native));
        let accepted = service.accept(&head.method, head.uri.path());
        service.respond(accepted, &head, &metrics)
    }

    fn demo_service() -> Service {
        Service::new(ServiceConfig { demo_faults: true })
    }

    #[test]
    fn slow_demo_is_capped_and_says_so() {
        let reply = call(&demo_service(), http::Method::GET, "/demo/slow?ms=60000");
        assert_eq!(reply.delay, Some(MAX_DEMO_DELAY));
        assert_eq!(
            &reply.response.body()[..],
            br#"{"delay_ms":10000,"capped":true}"#
        );
        let reply = call(&demo_service(), http::Method::GET, "/demo/slow");
        assert_eq!(reply.delay, Some(DEFAULT_DEMO_DELAY));
    }

    #[test]
    fn demo_routes_are_not_found_when_disabled() {
        let service = Service::new(ServiceConfig::default());
        for uri in ["/demo/error", "/demo/slow?ms=5000"] {
            let reply = call(&service, http::Method::GET, uri);
            assert_eq!(reply.response.status(), StatusCode::NOT_FOUND);
            assert_eq!(
                reply.delay, None,
                "no sleeping for a route that does not exist"
            );
        }
    }

    #[test]
    fn readiness_turns_503_when_draining() {
        let service = demo_service();
        assert_eq!(
            call(&service, http::Method::GET, "/readyz")
                .response
                .status(),
            200
        );
        service.begin_drain();
        assert_eq!(
            call(&service, http::Method::GET, "/readyz")
                .response
                .status(),
            503
        );
        assert_eq!(
            call(&service, http::Method::GET, "/healthz")
                .response
                .status(),
            200
        );
    }

    #[test]
    fn head_keeps_length_but_drops_body() {
        let get = call(&demo_service(), http::Method::GET, "/api/items");
        let head = call(&demo_service(), http::Method::HEAD, "/api/items");
        assert!(head.response.body().is_empty());
        assert_eq!(
            head.response.headers()[CONTENT_LENGTH],
            get.response.body().len().to_string().as_str()
        );
    }

    #[test]
    fn unknown_method_on_known_route_is_405_with_allow() {
        let brew = http::Method::from_bytes(b"BREW").unwrap();
        let reply = call(&demo_service(), brew, "/");
        assert_eq!(reply.response.status(), StatusCode::METHOD_NOT_ALLOWED);
        assert_eq!(reply.response.headers()[ALLOW], "GET, HEAD");
    }
}
