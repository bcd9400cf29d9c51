//! `alert-receiver`: the webhook receiver alone, as the cluster runs it.
//! Each notification is one JSON line on stdout; SIGTERM or Ctrl-C stops it.

use std::net::SocketAddr;
use std::process::ExitCode;
use std::sync::Arc;

use anyhow::Context as _;
use clap::Parser;
use tokio::signal::unix::{SignalKind, signal};

use alert_receiver::{Receiver, Server};
use stack_config::topology::{RECEIVER_PATH, RECEIVER_PORT};

#[derive(Parser, Debug)]
#[command(name = "alert-receiver", version, about)]
struct Args {
    /// Address to listen on.
    #[arg(long, default_value_t = SocketAddr::from(([0, 0, 0, 0], RECEIVER_PORT)))]
    listen: SocketAddr,
    /// Path Alertmanager POSTs notifications to.
    #[arg(long, default_value = RECEIVER_PATH)]
    path: String,
}

fn run(args: Args) -> anyhow::Result<()> {
    anyhow::ensure!(
        args.path.starts_with('/'),
        "--path {:?} must start with /",
        args.path
    );
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async move {
        let mut interrupt = signal(SignalKind::interrupt())?;
        let mut terminate = signal(SignalKind::terminate())?;
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .with_context(|| format!("listening on {}", args.listen))?;
        let address = listener.local_addr()?;
        let _server = Server::start(listener, args.path.clone(), Arc::new(Receiver::stdout()), None);
        // stdout carries only notifications; this goes to stderr.
        eprintln!(
            "alert-receiver: POST http://{address}{} (GET /healthz); one JSON line per notification on stdout",
            args.path
        );
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
        eprintln!("alert-receiver: stopping");
        Ok(())
    })
}

fn main() -> ExitCode {
    match run(Args::parse()) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
