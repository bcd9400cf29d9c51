//! SIGTERM/SIGINT handling: readiness goes first, the listener after.

use std::sync::Arc;
use std::time::Duration;

use tokio::signal::unix::{SignalKind, signal};

use crate::request::AppState;

/// Resolves when the server should stop accepting: after the first SIGTERM or
/// SIGINT has turned `/readyz` to 503 and `delay` has passed. A second signal
/// during the drain ends the process at once.
pub async fn on_signal(state: Arc<AppState>, delay: Duration) {
    let (Ok(mut term), Ok(mut int)) = (
        signal(SignalKind::terminate()),
        signal(SignalKind::interrupt()),
    ) else {
        tracing::error!("cannot install signal handlers; shutdown will not be graceful");
        std::future::pending::<()>().await;
        return;
    };
    let name = tokio::select! {
        _ = term.recv() => "SIGTERM",
        _ = int.recv() => "SIGINT",
    };
    state.service.begin_drain();
    tracing::info!(
        signal = name,
        delay_s = delay.as_secs(),
        "draining: readiness is now 503"
    );
    tokio::spawn(async move {
        tokio::select! {
            _ = term.recv() => {},
            _ = int.recv() => {},
        }
        tracing::warn!("second signal, exiting without waiting");
        std::process::exit(130);
    });
    tokio::time::sleep(delay).await;
}
