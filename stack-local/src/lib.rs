//! The local stack: the app's instances, Prometheus and Alertmanager with the
//! RENDERED local configuration, Grafana when it is installed, a webhook
//! receiver and a traffic generator, all on this machine, all stopped
//! together.
//!
//! `stack up` runs it in the foreground; the end-to-end test drives the same
//! [`Stack`] to break things on purpose and watch the alerts arrive.

mod child;
mod cli;
mod edge;
mod grafana;
mod grafana_plan;
pub mod http;
mod options;
mod plan;
pub mod poll;
mod ports;
mod progress;
mod server;
mod service;
mod stack;
mod state;
mod tools;
pub mod traffic;

pub use alert_receiver::{Delivery, Receiver};
pub use child::process_exists;
pub use cli::{LoadArgs, UpArgs, load, up};
pub use edge::{EDGE_HOST_ENV, EdgeHost, edge_host};
pub use grafana::{GRAFANA_HOME_ENV, GrafanaBinary};
pub use options::{Options, std_duration};
pub use ports::free_port;
pub use progress::Progress;
pub use stack::{Instance, Stack, Urls};
pub use state::{Descriptor, StateDir};
pub use tools::APP_BINARY_ENV;
pub use traffic::{Scenario, Stats, Traffic, TrafficOptions};
