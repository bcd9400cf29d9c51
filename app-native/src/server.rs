//! Accepting connections (HTTP/1.1 and h2c on one port) and draining them.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use hyper::service::service_fn;
use hyper_util::rt::{TokioExecutor, TokioIo, TokioTimer};
use hyper_util::server::conn::auto;
use hyper_util::server::graceful::GracefulShutdown;
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Semaphore;

use crate::config::Config;
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

fn connection_builder(limits: &Limits) -> auto::Builder<TokioExecutor> {
    let mut builder = auto::Builder::new(TokioExecutor::new());
    builder
        .http1()
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_read_timeout)
        .max_buf_size(limits.max_header_bytes);
    builder
        .http2()
        .timer(TokioTimer::new())
        .max_header_list_size(limits.max_header_bytes as u32)
        .max_concurrent_streams(256)
        // hyper has no idle timeout for HTTP/2: pinging drops peers that
        // connected and went silent, so they cannot pile up and hold every
        // connection slot.
        .keep_alive_interval(limits.header_read_timeout * 4)
        .keep_alive_timeout(limits.header_read_timeout);
    builder
}

const H2_PREFACE: &[u8] = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n";

/// Waits, at most `limit`, until the client has sent enough to tell HTTP/1
/// from an HTTP/2 preface. hyper's header read timeout only starts once that
/// is decided, so without this a client that connects and sends nothing (or
/// half a preface) holds its connection slot forever.
async fn protocol_known_within(stream: &TcpStream, limit: Duration) -> bool {
    let decided = async {
        let mut buf = [0u8; H2_PREFACE.len()];
        loop {
            let n = stream.peek(&mut buf).await?;
            if n == 0 || n == buf.len() || buf[..n] != H2_PREFACE[..n] {
                return Ok::<(), std::io::Error>(());
            }
            // The start of a preface; the rest is in flight. peek would
            // return at once with the same bytes, so do not spin.
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    };
    matches!(tokio::time::timeout(limit, decided).await, Ok(Ok(())))
}

/// Serves until `stop` resolves, then stops accepting and waits up to
/// `drain` for open connections to finish their in-flight requests.
/// Returns whether every connection finished in time.
pub async fn serve(
    listener: TcpListener,
    state: Arc<AppState>,
    limits: Limits,
    stop: impl Future<Output = ()>,
    drain: Duration,
) -> bool {
    let builder = Arc::new(connection_builder(&limits));
    let graceful = GracefulShutdown::new();
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
        let builder = builder.clone();
        let watcher = graceful.watcher();
        let header_read_timeout = limits.header_read_timeout;
        tokio::spawn(async move {
            if !protocol_known_within(&stream, header_read_timeout).await {
                tracing::debug!(%peer, "no request started in time, closing");
                return;
            }
            let service = service_fn(move |request| handle(state.clone(), request));
            let connection = builder
                .serve_connection(TokioIo::new(stream), service)
                .into_owned();
            if let Err(err) = watcher.watch(connection).await {
                tracing::debug!(%peer, %err, "connection ended with an error");
            }
            drop(permit);
        });
    }

    drop(listener);
    tokio::select! {
        () = graceful.shutdown() => true,
        () = tokio::time::sleep(drain) => false,
    }
}
