//! The service, written once: routing, responses and THE metric definitions.
//!
//! Nothing here touches an operating system or an async runtime, so the same
//! code runs inside the native hyper server and inside the Spin component
//! (`wasm32-wasip2`). Each variant owns only its I/O: accepting requests,
//! sleeping for demo delays, and storing the metric values.
//!
//! The feature `registry` (on by default) adds what renders metrics through
//! `prometheus-client`. Without it only the definitions, routes and handler
//! remain: what the monitoring stack's renderer reads, free of the library's
//! locks and their libc.

pub mod catalogue;
pub mod exposition;
#[cfg(feature = "registry")]
mod family;
mod labels;
pub mod metrics;
#[cfg(feature = "registry")]
mod registry;
pub mod route;
#[cfg(feature = "registry")]
mod series;
pub mod service;
pub mod store_keys;
mod stored;
#[cfg(feature = "registry")]
mod stored_encode;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod traceparent;

#[cfg(all(test, feature = "registry"))]
mod exemplar_tests;
#[cfg(all(test, feature = "registry"))]
mod exposition_tests;

pub use exposition::{Exposition, ExpositionFormat};
pub use metrics::{ActiveLabels, BuildInfo, RequestLabels, VERSION, Variant};
#[cfg(feature = "registry")]
pub use registry::{InFlight, Metrics};
pub use route::{Method, Route};
pub use service::{Reply, Service, ServiceConfig};
pub use stored::{StoredHistogram, StoredMetrics};
