//! The receiver's HTTP server: the webhook Alertmanager notifies and the
//! receiver log. The local stack serves its control routes from the same
//! server, through [`MoreRoutes`]; the `alert-receiver` binary has none.
//!
//! | route | |
//! |---|---|
//! | `POST <webhook path>` | a notification |
//! | `GET <webhook path>` | the receiver log, JSON lines (when it has a file) |
//! | `GET /healthz` | 200 while the server accepts connections |

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{Method, Request, Response, StatusCode, header};
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;
use tokio::task::JoinHandle;

use crate::receiver::{Receiver, Verdict};

/// Alertmanager batches, but a payload beyond this is not one of ours.
const MAX_BODY: usize = 8 * 1024 * 1024;

struct Routes {
    webhook_path: String,
    receiver: Arc<Receiver>,
    /// Every other route; `None` answers them 404.
    more: Option<Arc<dyn MoreRoutes>>,
}

/// Routes served beside the webhook (the local stack's control routes).
pub trait MoreRoutes: Send + Sync {
    fn handle(&self, method: &Method, path: &str, body: &[u8]) -> Response<Full<Bytes>>;
}

/// Serves until dropped.
#[derive(Debug)]
pub struct Server {
    task: JoinHandle<()>,
}

impl Drop for Server {
    fn drop(&mut self) {
        self.task.abort();
    }
}

impl Server {
    pub fn start(
        listener: TcpListener,
        webhook_path: String,
        receiver: Arc<Receiver>,
        more: Option<Arc<dyn MoreRoutes>>,
    ) -> Server {
        let routes = Arc::new(Routes {
            webhook_path,
            receiver,
            more,
        });
        let task = tokio::spawn(async move {
            loop {
                let Ok((stream, _)) = listener.accept().await else {
                    tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                    continue;
                };
                let routes = routes.clone();
                tokio::spawn(async move {
                    let service = service_fn(move |request| {
                        let routes = routes.clone();
                        async move { Ok::<_, Infallible>(routes.handle(request).await) }
                    });
                    let _ = http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service)
                        .await;
                });
            }
        });
        Server { task }
    }
}

pub fn reply(
    status: StatusCode,
    content_type: &str,
    body: impl Into<Bytes>,
) -> Response<Full<Bytes>> {
    Response::builder()
        .status(status)
        .header(header::CONTENT_TYPE, content_type)
        .body(Full::new(body.into()))
        .expect("static response parts are valid")
}

pub fn text(status: StatusCode, body: impl Into<String>) -> Response<Full<Bytes>> {
    let mut body = body.into();
    body.push('\n');
    reply(status, "text/plain; charset=utf-8", body)
}

impl Routes {
    async fn handle(&self, request: Request<Incoming>) -> Response<Full<Bytes>> {
        let (parts, body) = request.into_parts();
        let body = match Limited::new(body, MAX_BODY).collect().await {
            Ok(collected) => collected.to_bytes(),
            Err(err) => return text(StatusCode::PAYLOAD_TOO_LARGE, format!("body: {err}")),
        };
        let path = parts.uri.path();
        match (&parts.method, path) {
            (&Method::POST, p) if p == self.webhook_path => match self.receiver.receive(&body) {
                Verdict::Accepted => text(StatusCode::OK, "received"),
                Verdict::Refused => text(StatusCode::INTERNAL_SERVER_ERROR, "failing on purpose"),
                Verdict::Invalid(why) => text(StatusCode::BAD_REQUEST, why),
            },
            (&Method::GET, p) if p == self.webhook_path => match self.receiver.log_path() {
                Some(log_path) => match tokio::fs::read(log_path).await {
                    Ok(log) => reply(StatusCode::OK, "application/x-ndjson", log),
                    Err(err) => text(
                        StatusCode::INTERNAL_SERVER_ERROR,
                        format!("reading the log: {err}"),
                    ),
                },
                None => text(
                    StatusCode::NOT_FOUND,
                    "this receiver logs to stdout only: see its container log",
                ),
            },
            (&Method::GET, "/healthz") => text(StatusCode::OK, "ok"),
            (method, path) => match &self.more {
                Some(more) => more.handle(method, path, &body),
                None => text(StatusCode::NOT_FOUND, "not found"),
            },
        }
    }
}
