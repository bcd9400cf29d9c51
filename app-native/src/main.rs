//! The native variant: `app-core`'s handler on hyper + tokio.

mod config;
mod drain;
mod head_deadline;
#[cfg(target_os = "linux")]
mod process;
mod request;
mod server;
mod shutdown;
mod telemetry;

use std::process::ExitCode;
use std::sync::Arc;

use app_core::{BuildInfo, Metrics, Service, ServiceConfig, Variant};
use clap::Parser;
use tokio::net::TcpListener;

use crate::config::Config;
use crate::request::AppState;

fn main() -> ExitCode {
    let config = Config::parse();
    telemetry::init_logging(config.log_format);
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(%err, "cannot start the async runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(run(config))
}

async fn run(config: Config) -> ExitCode {
    let listener = match TcpListener::bind(config.listen).await {
        Ok(listener) => listener,
        Err(err) => {
            tracing::error!(listen = %config.listen, %err, "cannot listen");
            return ExitCode::FAILURE;
        }
    };
    let local = listener
        .local_addr()
        .map(|a| a.to_string())
        .unwrap_or_default();

    #[allow(unused_mut)]
    let mut metrics = Metrics::new(BuildInfo::new(Variant::Native));
    #[cfg(target_os = "linux")]
    metrics
        .registry_mut()
        .register_collector(Box::new(process::ProcessCollector::new()));
    let state = Arc::new(AppState {
        service: Service::new(ServiceConfig {
            demo_faults: config.demo_faults,
        }),
        metrics,
        max_body_bytes: config.max_body_bytes,
        body_read_timeout: config.body_read_timeout(),
    });

    tracing::info!(
        listen = %local,
        version = app_core::VERSION,
        instrumentation = cfg!(feature = "instrumentation"),
        demo_faults = config.demo_faults,
        drain_timeout_s = config.drain_timeout,
        "serving"
    );

    let stop = shutdown::on_signal(state.clone(), config.shutdown_delay());
    let drained = server::serve(
        listener,
        state,
        server::Limits::from(&config),
        stop,
        config.drain_timeout(),
    )
    .await;
    if drained {
        tracing::info!("drained, exiting");
    } else {
        tracing::warn!(
            drain_timeout_s = config.drain_timeout,
            "drain deadline passed with requests still in flight, exiting"
        );
    }
    ExitCode::SUCCESS
}
