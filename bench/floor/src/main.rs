//! The floor of app-native's own stack, for bench/run.sh only: hyper 1.x
//! HTTP/1 on tokio as its examples run it, with no routing work, no metrics,
//! no limits, no timeouts, no drain.
//!
//!     bench-floor hello ADDR   every request: 200, the 6 bytes "hello\n"
//!     bench-floor same ADDR    the bytes app-native sends for the benchmarked
//!                              routes, computed once at start by app-core
//!
//! `same` prices the server without the handler: what app-native spends
//! beyond it is plumbing, not output.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderMap, Request, Response, StatusCode};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::TokioIo;
use tokio::net::TcpListener;

/// The routes bench.py loads, plus its readiness probe.
const ROUTES: [&str; 3] = ["/", "/api/items/1", "/healthz"];

/// One canned answer: what app-core's handler returned for its path.
struct Canned {
    path: &'static str,
    status: StatusCode,
    headers: HeaderMap,
    body: Bytes,
}

fn canned() -> Vec<Canned> {
    let service = app_core::Service::new(app_core::ServiceConfig::default());
    let metrics = app_core::Metrics::new(app_core::BuildInfo::new(app_core::Variant::Native));
    ROUTES
        .iter()
        .map(|&path| {
            let (head, ()) = Request::get(path)
                .body(())
                .expect("static URI")
                .into_parts();
            let accepted = service.accept(&head.method, head.uri.path());
            let (parts, body) = service
                .respond(accepted, &head, &metrics)
                .response
                .into_parts();
            Canned {
                path,
                status: parts.status,
                headers: parts.headers,
                body,
            }
        })
        .collect()
}

fn answer(table: &[Canned], path: &str) -> Response<Full<Bytes>> {
    let Some(canned) = table.iter().find(|c| c.path == path) else {
        let mut response = Response::new(Full::new(Bytes::new()));
        *response.status_mut() = StatusCode::NOT_FOUND;
        return response;
    };
    let mut response = Response::new(Full::new(canned.body.clone()));
    *response.status_mut() = canned.status;
    *response.headers_mut() = canned.headers.clone();
    response
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let (mode, addr) = match (args.next(), args.next().map(|a| a.parse::<SocketAddr>())) {
        (Some(mode), Some(Ok(addr))) if mode == "hello" || mode == "same" => (mode, addr),
        _ => {
            eprintln!("usage: bench-floor hello|same ADDR (ADDR like 127.0.0.1:8080)");
            std::process::exit(2);
        }
    };
    let table = Arc::new(if mode == "same" { canned() } else { Vec::new() });
    let listener = TcpListener::bind(addr).await.unwrap_or_else(|err| {
        eprintln!("bench-floor: cannot listen on {addr}: {err}");
        std::process::exit(1);
    });
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let table = table.clone();
        tokio::spawn(async move {
            let service = service_fn(move |request: Request<Incoming>| {
                let response = if table.is_empty() {
                    Response::new(Full::new(Bytes::from_static(b"hello\n")))
                } else {
                    answer(&table, request.uri().path())
                };
                async move { Ok::<_, Infallible>(response) }
            });
            let _ = http1::Builder::new()
                .serve_connection(TokioIo::new(stream), service)
                .await;
        });
    }
}
