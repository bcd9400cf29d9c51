//! Between WASI HTTP resources and the `http` crate types `app-core` speaks.

use app_core::service::error;
use bytes::Bytes;
use http::header::CONTENT_LENGTH;
use http::{Response, StatusCode};
use spin_sdk::http::{Fields, IncomingRequest, OutgoingResponse, ResponseOutparam};

/// The request head as `app-core` reads it, or why it cannot be. The body is
/// never read: no route needs one, and the host discards what is left when
/// the instance ends.
pub fn head(request: &IncomingRequest) -> Result<http::request::Parts, &'static str> {
    let method = http::Method::from_bytes(request.method().to_string().as_bytes())
        .map_err(|_| "invalid method")?;
    let target = request.path_with_query().unwrap_or_else(|| "/".to_owned());
    let mut builder = http::Request::builder().method(method).uri(target);
    for (name, value) in request.headers().entries() {
        builder = builder.header(name, value);
    }
    builder
        .body(())
        .map(|request| request.into_parts().0)
        .map_err(|_| "invalid request target or header")
}

pub fn bad_request(reason: &str) -> Response<Bytes> {
    error(StatusCode::BAD_REQUEST, reason)
}

/// Hands the response to the host. Returns once the body is written, so the
/// caller can do its bookkeeping after the client already has its answer.
pub async fn send(out: ResponseOutparam, response: Response<Bytes>) {
    let (parts, body) = response.into_parts();
    let headers: Vec<(String, Vec<u8>)> = parts
        .headers
        .iter()
        // A HEAD answer declares the GET body's length but carries no body;
        // WASI HTTP hosts check that the bytes written match the declared
        // length and would fail the response. The host frames it instead.
        .filter(|(name, value)| {
            *name != CONTENT_LENGTH || value.as_bytes() == body.len().to_string().as_bytes()
        })
        .map(|(name, value)| (name.as_str().to_owned(), value.as_bytes().to_vec()))
        .collect();
    let fields = Fields::from_list(&headers).unwrap_or_else(|err| {
        eprintln!("response headers rejected by the host: {err:?}");
        Fields::new()
    });
    let outgoing = OutgoingResponse::new(fields);
    if outgoing.set_status_code(parts.status.as_u16()).is_err() {
        eprintln!("status {} rejected by the host", parts.status);
    }
    if let Err(err) = out.set_with_body(outgoing, body.to_vec()).await {
        // The client went away; nothing left to tell it.
        eprintln!("response body not delivered: {err:?}");
    }
}
