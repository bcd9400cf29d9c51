//! Accepting connections (HTTP/1.1 and h2c on one port) and draining them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::server::conn::{http1, http2};
use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::config::Config;
use crate::drain::Drain;
use crate::head_deadline::{HeadArrived, HeadDeadline};
use crate::request::{AppState, handle};

pub struct Limits {
    pub header_read_timeout: Duration,
    pub max_header_bytes: usize,
    pub max_connections: usize,
}

impl From<&Config> for Limits {
    fn from(config: &Config) -> Self {
        Limits {
            header_read_timeout: config.header_read_timeout(),
            max_header_bytes: config.max_header_bytes as usize,
            max_connections: config.max_connections as usize,
        }
    }
}

/// The two protocols' settings, built once.
struct Protocols {
    http1: http1::Builder,
    http2: http2::Builder<TokioExecutor>,
}

impl Protocols {
    fn new(limits: &Limits) -> Self {
        // The header read timeout is not hyper's: HeadDeadline keeps it at
        // the socket, for a fraction of the price.
        let mut http1 = http1::Builder::new();
        http1
            .header_read_timeout(None)
            .max_buf_size(limits.max_header_bytes);
        let mut http2 = http2::Builder::new(TokioExecutor::new());
        http2
            .timer(TokioTimer::new())
            .max_header_list_size(limits.max_header_bytes as u32)
            .max_concurrent_streams(256)
            // hyper has no idle timeout for HTTP/2: pinging drops peers that
            // connected and went silent, so they cannot pile up and hold every
            // connection slot.
            .keep_alive_interval(limits.header_read_timeout * 4)
            .keep_alive_timeout(limits.header_read_timeout);
        Protocols { http1, http2 }
    }
}

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Protocol {
    Http1,
    /// Prior knowledge (h2c): the client opened with the HTTP/2 preface.
    Http2,
}

/// Tells HTTP/1 from an HTTP/2 preface by peeking, so the bytes stay in the
/// socket for the protocol's own parser: no buffering layer between the
/// socket and hyper on every later read, as a builder that reads the first
/// bytes itself needs. Waits at most `limit` (hyper's header read timeout
/// only starts once the protocol is chosen, so without this a client that
/// connects and sends nothing, or half a preface, holds its connection slot
/// forever); None when the client did not say in time.
async fn protocol_within(stream: &TcpStream, limit: Duration) -> Option<Protocol> {
    let decided = async {
        let mut buf = [0u8; H2_PREFACE.len()];
        loop {
            let n = stream.peek(&mut buf).await?;
            if n == buf.len() && buf == H2_PREFACE {
                return Ok::<Protocol, std::io::Error>(Protocol::Http2);
            }
            // Nothing (the client closed) or not a preface: HTTP/1's parser
            // answers it.
            if n == 0 || buf[..n] != H2_PREFACE[..n] {
                return Ok(Protocol::Http1);
            }
            // The start of a preface; the rest is in flight. peek would
            // return at once with the same bytes, so do not spin.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    match tokio::time::timeout(limit, decided).await {
        Ok(Ok(protocol)) => Some(protocol),
        _ => None,
    }
}

/// Serves until `stop` resolves, then stops accepting and waits up to
/// `drain_timeout` for open connections to finish their in-flight requests.
/// Returns whether every connection finished in time.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    limits: Limits,
    stop: impl Future<Output = ()>,
    drain_timeout: Duration,
) -> bool {
    let protocols = Arc::new(Protocols::new(&limits));
    let drain = Arc::new(Drain::default());
    let permits = Arc::new(Semaphore::new(limits.max_connections));
    tokio::pin!(stop);

    loop {
        let permit = tokio::select! {
            permit = permits.clone().acquire_owned() => permit.expect("semaphore is never closed"),
            () = &mut stop => break,
        };
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(err) => {
                    // Out of file descriptors and the like: back off, do not spin.
                    tracing::warn!(%err, "accept failed");
                    tokio::time::sleep(Duration::from_millis(50)).await;
                    continue;
                }
            },
            () = &mut stop => break,
        };
        let _ = stream.set_nodelay(true);
        let state = state.clone();
        let protocols = protocols.clone();
        let drain = drain.clone();
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            let Some(protocol) = protocol_within(&stream, header_read_timeout).await else {
                tracing::debug!(%peer, "no request started in time, closing");
                return;
            };
            let io = TokioIo::new(stream);
            let ended = match protocol {
                Protocol::Http1 => {
                    let arrived = Arc::new(HeadArrived::default());
                    let io = HeadDeadline::new(io, header_read_timeout, arrived.clone());
                    let service = service_fn(move |request| {
                        arrived.mark();
                        handle(state.clone(), request)
                    });
                    drain
                        .watch(protocols.http1.serve_connection(io, service))
                        .await
                }
                Protocol::Http2 => {
                    let service = service_fn(move |request| handle(state.clone(), request));
                    drain
                        .watch(protocols.http2.serve_connection(io, service))
                        .await
                }
            };
            if let Err(err) = ended {
                tracing::debug!(%peer, %err, "connection ended with an error");
            }
            drop(permit);
        });
    }

    drop(listener);
    drain.begin();
    // Every connection holds a permit until it has closed: all of them back
    // means all closed.
    let all = limits.max_connections as u32;
    tokio::select! {
        _ = permits.acquire_many(all) => true,
        () = tokio::time::sleep(drain_timeout) => false,
    }
}
