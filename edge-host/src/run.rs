//! The listener's life: bound first (so the caller can announce the real
//! address, port 0 included), served until shutdown, then drained, so that
//! an instance still counting after its answer is not cut off mid-write.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::net::TcpListener;

use crate::server::Server;
use crate::stats::Stats;

pub async fn bind(listen: SocketAddr) -> Result<(TcpListener, SocketAddr), String> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|err| format!("listening on {listen}: {err}"))?;
    let bound = listener.local_addr().map_err(|err| err.to_string())?;
    Ok((listener, bound))
}

/// Serves until `shutdown` resolves, then lets running instances finish
/// (up to `drain`) and returns what was done.
pub async fn serve(
    server: Server,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> Arc<Stats> {
    let server = Arc::new(server);
    let stats = server.stats().clone();
    tokio::select! {
        result = server.serve(listener) => {
            if let Err(err) = result { eprintln!("edge-host: accepting connections failed: {err}"); }
        }
        () = shutdown => {}
    }
    let deadline = tokio::time::Instant::now() + drain;
    while stats.running.load(Relaxed) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stats
}
