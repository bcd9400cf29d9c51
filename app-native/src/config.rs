//! Command-line flags, each also settable from the environment so the same
//! binary configures the same way under systemd, Kubernetes or a shell.

use std::net::SocketAddr;
use std::time::Duration;

use clap::{Parser, ValueEnum};

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Clone, Debug, Parser)]
#[command(name = "app-native", version, about = "The service on hyper + tokio")]
pub struct Config {
    /// Address to listen on.
    #[arg(long, env = "APP_LISTEN", default_value = "0.0.0.0:8080")]
    pub listen: SocketAddr,

    /// Log line format; the level comes from RUST_LOG (default: info).
    #[arg(long, env = "APP_LOG_FORMAT", value_enum, default_value_t = LogFormat::Text)]
    pub log_format: LogFormat,

    /// Serve /demo/error and /demo/slow, which exist to trip the alerts.
    #[arg(long, env = "APP_DEMO_FAULTS", default_value_t = false)]
    pub demo_faults: bool,

    /// Seconds in-flight requests get to finish after a shutdown signal.
    #[arg(long, env = "APP_DRAIN_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(0..=3600))]
    pub drain_timeout: u64,

    /// Seconds to keep accepting (with /readyz at 503) after a shutdown
    /// signal, so load balancers see the readiness change before the
    /// listener closes.
    #[arg(long, env = "APP_SHUTDOWN_DELAY", default_value_t = 0, value_parser = clap::value_parser!(u64).range(0..=600))]
    pub shutdown_delay: u64,

    /// Seconds a client may take to send a complete request head.
    #[arg(long, env = "APP_HEADER_READ_TIMEOUT", default_value_t = 5, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub header_read_timeout: u64,

    /// Largest request head (request line + headers) in bytes; larger gets 431.
    #[arg(long, env = "APP_MAX_HEADER_BYTES", default_value_t = 16 * 1024, value_parser = clap::value_parser!(u64).range(8192..=1_048_576))]
    pub max_header_bytes: u64,

    /// Seconds a client may take to send the request body once the head is
    /// in; slower gets 408, so trickled bodies cannot hold connections.
    #[arg(long, env = "APP_BODY_READ_TIMEOUT", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..=300))]
    pub body_read_timeout: u64,

    /// Largest request body in bytes; larger gets 413.
    #[arg(long, env = "APP_MAX_BODY_BYTES", default_value_t = 64 * 1024)]
    pub max_body_bytes: u64,

    /// Connections served at once; further ones wait in the accept queue.
    #[arg(long, env = "APP_MAX_CONNECTIONS", default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub max_connections: u64,
}

impl Config {
    pub fn drain_timeout(&self) -> Duration {
        Duration::from_secs(self.drain_timeout)
    }

    pub fn shutdown_delay(&self) -> Duration {
        Duration::from_secs(self.shutdown_delay)
    }

    pub fn header_read_timeout(&self) -> Duration {
        Duration::from_secs(self.header_read_timeout)
    }

    pub fn body_read_timeout(&self) -> Duration {
        Duration::from_secs(self.body_read_timeout)
    }
}
