//! HTTP/1.1 on a TCP listener: every request that matches the trigger's
//! route gets a fresh instance on a task of its own, so a guest that sleeps
//! or traps holds up nobody else. A trap before the response is answered
//! 500; either way the log names the request.

use std::convert::Infallible;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::{Request, Response, StatusCode};
use tokio::net::TcpListener;
use wasmtime::component::Component;
use wasmtime_wasi_http::io::TokioIo;
use wasmtime_wasi_http::p2::WasiHttpView;
use wasmtime_wasi_http::p2::bindings::ProxyPre;
use wasmtime_wasi_http::p2::bindings::http::types::Scheme;
use wasmtime_wasi_http::p2::body::HyperOutgoingBody;

use crate::instance::{Instance, Shared, pre_instantiate};
use crate::route::Route;
use crate::stats::Stats;

pub struct Server {
    pre: ProxyPre<Instance>,
    shared: Shared,
    route: Route,
}

impl Server {
    pub fn new(component: &Component, shared: Shared, route: Route) -> wasmtime::Result<Server> {
        let pre = pre_instantiate(component.engine(), component)?;
        Ok(Server { pre, shared, route })
    }

    pub fn stats(&self) -> &Arc<Stats> {
        &self.shared.stats
    }

    /// Accepts connections until the task is dropped.
    pub async fn serve(self: Arc<Self>, listener: TcpListener) -> std::io::Result<()> {
        loop {
            let (stream, _) = listener.accept().await?;
            // Nagle + delayed ACK: the guest streams its body from another
            // task, so hyper often writes the head before the body is ready
            // and the body as a second small segment. Without TCP_NODELAY
            // the kernel holds that segment until the first is ACKed, and a
            // keep-alive client (waiting for the answer before it sends
            // again) delays its ACK by ~40 ms: p50 was 43.9 ms at one
            // connection. Spin's server stalls the same way (issue 16);
            // app-native sets it too. If it fails, the host is only slower.
            let _ = stream.set_nodelay(true);
            let server = self.clone();
            tokio::spawn(async move {
                let service = hyper::service::service_fn(move |request| {
                    let server = server.clone();
                    async move { Ok::<_, Infallible>(server.handle(request).await) }
                });
                // A client that goes away mid-request is no host error.
                let _ = http1::Builder::new()
                    .keep_alive(true)
                    .serve_connection(TokioIo::new(stream), service)
                    .await;
            });
        }
    }

    async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Response<HyperOutgoingBody> {
        let stats = self.stats().clone();
        stats.requests.fetch_add(1, Relaxed);
        let name = format!("{} {}", request.method(), request.uri().path());
        if !self.route.matches(request.uri().path()) {
            return plain(StatusCode::NOT_FOUND);
        }
        let mut store = Instance::store(self.pre.engine(), &self.shared);
        let (sender, receiver) = tokio::sync::oneshot::channel();
        let prepared = store
            .data_mut()
            .http()
            .new_incoming_request(Scheme::Http, request)
            .and_then(|request| {
                Ok((
                    request,
                    store.data_mut().http().new_response_outparam(sender)?,
                ))
            });
        let (request, out) = match prepared {
            Ok(prepared) => prepared,
            Err(err) => {
                eprintln!("edge-host: {name}: {err:#}");
                return plain(StatusCode::BAD_REQUEST);
            }
        };
        let pre = self.pre.clone();
        stats.running.fetch_add(1, Relaxed);
        let task_stats = stats.clone();
        let task_name = name.clone();
        // The guest may go on after answering (this one counts afterwards).
        tokio::spawn(async move {
            let outcome = async {
                let proxy = pre.instantiate_async(&mut store).await?;
                task_stats.instances.fetch_add(1, Relaxed);
                proxy
                    .wasi_http_incoming_handler()
                    .call_handle(&mut store, request, out)
                    .await
            };
            if let Err(err) = outcome.await {
                task_stats.traps.fetch_add(1, Relaxed);
                eprintln!("edge-host: {task_name}: component failed: {err:?}");
            }
            task_stats.running.fetch_sub(1, Relaxed);
        });
        match receiver.await {
            Ok(Ok(response)) => response,
            Ok(Err(code)) => {
                eprintln!("edge-host: {name}: component answered with error {code:?}");
                plain(StatusCode::INTERNAL_SERVER_ERROR)
            }
            // The instance ended without answering; if it failed, the task
            // logs how.
            Err(_) => {
                eprintln!("edge-host: {name}: the component gave no response");
                plain(StatusCode::INTERNAL_SERVER_ERROR)
            }
        }
    }
}

fn plain(status: StatusCode) -> Response<HyperOutgoingBody> {
    let body = Full::new(Bytes::from(status.canonical_reason().unwrap_or("")))
        .map_err(|never| match never {})
        .boxed_unsync();
    let mut response = Response::new(body);
    *response.status_mut() = status;
    response
}
