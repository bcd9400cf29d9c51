//! The service, written once: routing, responses and THE metric definitions.
//!
//! Nothing here touches an operating system or an async runtime, so the same
//! code runs inside the native hyper server and inside the Spin component
//! (`wasm32-wasip2`). Each variant owns only its I/O: accepting requests,
//! sleeping for demo delays, and storing the metric values.

pub mod catalogue;
pub mod exposition;
mod labels;
pub mod metrics;
pub mod route;
mod series;
pub mod service;
pub mod store_keys;
#[cfg(any(test, feature = "test-support"))]
pub mod testing;
pub mod traceparent;

#[cfg(test)]
mod exemplar_tests;
#[cfg(test)]
mod exposition_tests;

pub use exposition::{Exposition, ExpositionFormat};
pub use metrics::{
    ActiveLabels, BuildInfo, Metrics, RequestLabels, StoredHistogram, StoredMetrics, VERSION,
    Variant,
};
pub use route::{Method, Route};
pub use service::{Reply, Service, ServiceConfig};
