//! The local stack runner (moving to its own crate); the renderer is
//! `stack-render`, the configuration `stack-config`.

pub mod local;

pub use stack_config::{Config, ConfigError, PromDuration, config, duration, repo};
pub use stack_render::{Monitoring, RenderedTree, monitoring, render};
