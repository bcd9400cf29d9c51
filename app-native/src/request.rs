//! One request: enforce the body limit, run the shared handler, sleep for
//! demo delays on tokio's clock, and record the outcome.

use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;

use app_core::service::error;
use app_core::{Metrics, Service};
use bytes::Bytes;
use http::header::CONNECTION;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};

pub struct AppState {
    pub service: Service,
    pub metrics: Metrics,
    pub max_body_bytes: u64,
    pub body_read_timeout: Duration,
}

pub async fn handle(
    state: Arc<AppState>,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    #[cfg(feature = "instrumentation")]
    let started = std::time::Instant::now();
    let (head, body) = request.into_parts();
    let accepted = state.service.accept(&head.method, head.uri.path());
    #[cfg(feature = "instrumentation")]
    let in_flight = state.metrics.start(accepted.method, accepted.route);

    // Most requests carry no body: skip the read and its timer entirely.
    let body_read = if body.is_end_stream() {
        Ok(())
    } else {
        let read = read_within_limit(body, state.max_body_bytes);
        match tokio::time::timeout(state.body_read_timeout, read).await {
            Ok(result) => result,
            Err(_) => Err(closing(error(
                StatusCode::REQUEST_TIMEOUT,
                "request body not received in time",
            ))),
        }
    };
    let response = match body_read {
        Ok(()) => {
            let reply = state.service.respond(accepted, &head, &state.metrics);
            if let Some(delay) = reply.delay {
                tokio::time::sleep(delay).await;
            }
            reply.response
        }
        Err(rejection) => rejection,
    };

    let status = response.status().as_u16();
    #[cfg(feature = "instrumentation")]
    let elapsed_us = {
        let elapsed = started.elapsed();
        state.metrics.record(&accepted.labels(status), elapsed);
        drop(in_flight);
        Some(elapsed.as_micros() as u64)
    };
    // Only the metrics need the clock: the bare build logs no duration.
    #[cfg(not(feature = "instrumentation"))]
    let elapsed_us: Option<u64> = None;
    tracing::debug!(
        method = %head.method,
        route = accepted.route.template(),
        status,
        elapsed_us,
        "request"
    );
    Ok(response.map(Full::new))
}

/// No route reads a body, but a client may still send one: read it up to the
/// limit so the connection stays usable, and refuse anything larger.
async fn read_within_limit(body: Incoming, limit: u64) -> Result<(), Response<Bytes>> {
    // hyper has parsed and validated any declared length: refuse before reading.
    if body.size_hint().lower() > limit {
        return Err(too_large(limit));
    }
    match Limited::new(body, limit as usize).collect().await {
        Ok(_) => Ok(()),
        Err(err) if err.downcast_ref::<LengthLimitError>().is_some() => Err(too_large(limit)),
        Err(_) => Err(closing(error(
            StatusCode::BAD_REQUEST,
            "request body could not be read",
        ))),
    }
}

fn too_large(limit: u64) -> Response<Bytes> {
    closing(error(
        StatusCode::PAYLOAD_TOO_LARGE,
        &format!("request body larger than {limit} bytes"),
    ))
}

/// The rest of an oversized body is never read, so the connection cannot be
/// reused: say so instead of leaving the client to find out.
fn closing(mut response: Response<Bytes>) -> Response<Bytes> {
    response
        .headers_mut()
        .insert(CONNECTION, HeaderValue::from_static("close"));
    response
}
