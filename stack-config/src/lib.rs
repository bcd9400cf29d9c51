//! The configuration of the monitoring stack: one typed [`Config`] with
//! defaults in code, overridden by `stack.toml` and then by flags.
//!
//! - [`config`] and [`kubernetes`]: every key an operator can set;
//! - [`topology`]: what is fixed in code (Service names, ports, paths,
//!   mount points) and shared by everything that points at it;
//! - [`validate`]: every check, topology included, in one place;
//! - [`endpoint`]: URLs and `HOST:PORT` addresses, parsed once.

pub mod config;
pub mod duration;
pub mod endpoint;
pub mod image;
pub mod kubernetes;
pub mod repo;
pub mod topology;
pub mod validate;

pub use config::{Config, Severity};
pub use duration::PromDuration;
pub use endpoint::Endpoint;
pub use image::Image;
pub use validate::ConfigError;
