//! One request: enforce the body limit, run the shared handler, sleep for
//! demo delays on tokio's clock, and record the outcome.

use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};
use std::time::Duration;

use app_core::service::{Accepted, error};
use app_core::{Metrics, Reply, Service};
use bytes::Bytes;
use http::header::CONNECTION;
use http::request::Parts;
use http::{HeaderValue, Request, Response, StatusCode};
use http_body_util::{BodyExt, Full, LengthLimitError, Limited};
use hyper::body::{Body as _, Incoming};

pub struct AppState {
    pub service: Service,
    pub metrics: Metrics,
    pub max_body_bytes: u64,
    pub body_read_timeout: Duration,
}

/// One request's answer: ready at once in the common case (no body, no
/// delay), so hyper keeps no state machine for it and nothing is boxed;
/// otherwise a boxed future that reads the body or sleeps.
pub enum Handled {
    Now(Option<Response<Full<Bytes>>>),
    Later(Pin<Box<dyn Future<Output = Response<Full<Bytes>>> + Send>>),
}

impl Future for Handled {
    type Output = Result<Response<Full<Bytes>>, Infallible>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        match self.get_mut() {
            Handled::Now(response) => Poll::Ready(Ok(response
                .take()
                .expect("a handled request is polled once"))),
            Handled::Later(answer) => answer.as_mut().poll(cx).map(Ok),
        }
    }
}

/// When the request began, for its duration; nothing in the bare build.
#[derive(Clone, Copy)]
struct Began {
    #[cfg(feature = "instrumentation")]
    at: std::time::Instant,
}

impl Began {
    fn now() -> Self {
        Began {
            #[cfg(feature = "instrumentation")]
            at: std::time::Instant::now(),
        }
    }
}

pub fn handle(state: Arc<AppState>, request: Request<Incoming>) -> Handled {
    let began = Began::now();
    let (head, body) = request.into_parts();
    let accepted = state.service.accept(&head.method, head.uri.path());
    // Most requests carry no body: skip the read and its timer entirely.
    if body.is_end_stream() {
        #[cfg(feature = "instrumentation")]
        let in_flight = state.metrics.start(accepted.method, accepted.route);
        let reply = state.service.respond(accepted, &head, &state.metrics);
        if reply.delay.is_none() {
            let answer = finish(&state, accepted, began, &head, reply.response);
            #[cfg(feature = "instrumentation")]
            drop(in_flight);
            return Handled::Now(Some(answer));
        }
        // A demo delay: the future below counts the request as active again
        // for as long as it sleeps.
        #[cfg(feature = "instrumentation")]
        drop(in_flight);
        return Handled::Later(Box::pin(later(
            state,
            head,
            accepted,
            began,
            Wait::Delay(reply),
        )));
    }
    Handled::Later(Box::pin(later(
        state,
        head,
        accepted,
        began,
        Wait::Body(body),
    )))
}

/// What a request that cannot be answered at once waits for.
enum Wait {
    Body(Incoming),
    Delay(Reply),
}

async fn later(
    state: Arc<AppState>,
    head: Parts,
    accepted: Accepted,
    began: Began,
    wait: Wait,
) -> Response<Full<Bytes>> {
    #[cfg(feature = "instrumentation")]
    let in_flight = state.metrics.start(accepted.method, accepted.route);
    let reply = match wait {
        Wait::Delay(reply) => Ok(reply),
        Wait::Body(body) => {
            let read = read_within_limit(body, state.max_body_bytes);
            match tokio::time::timeout(state.body_read_timeout, read).await {
                Ok(Ok(())) => Ok(state.service.respond(accepted, &head, &state.metrics)),
                Ok(Err(rejection)) => Err(rejection),
                Err(_) => Err(closing(error(
                    StatusCode::REQUEST_TIMEOUT,
                    "request body not received in time",
                ))),
            }
        }
    };
    let response = match reply {
        Ok(reply) => {
            if let Some(delay) = reply.delay {
                tokio::time::sleep(delay).await;
            }
            reply.response
        }
        Err(rejection) => rejection,
    };
    let answer = finish(&state, accepted, began, &head, response);
    #[cfg(feature = "instrumentation")]
    drop(in_flight);
    answer
}

/// Records the answered request and logs it. A valid `traceparent` in
/// `head` gives the duration its exemplar; a request without one pays the
/// header lookup that finds nothing (bench/results.md, "Exemplars").
fn finish(
    state: &AppState,
    accepted: Accepted,
    began: Began,
    head: &Parts,
    response: Response<Bytes>,
) -> Response<Full<Bytes>> {
    let status = response.status().as_u16();
    #[cfg(feature = "instrumentation")]
    let elapsed_us = {
        let elapsed = began.at.elapsed();
        let trace = app_core::traceparent::from_headers(&head.headers);
        state
            .metrics
            .record_traced(&accepted.labels(status), elapsed, trace);
        Some(elapsed.as_micros() as u64)
    };
    // Only the metrics need the clock: the bare build logs no duration.
    #[cfg(not(feature = "instrumentation"))]
    let elapsed_us: Option<u64> = {
        let _ = (state, began);
        None
    };
    tracing::debug!(
        method = %head.method,
        route = accepted.route.template(),
        status,
        elapsed_us,
        "request"
    );
    response.map(Full::new)
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
