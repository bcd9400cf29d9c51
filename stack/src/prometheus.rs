//! Prometheus configuration.
use crate::config::Config;
pub fn kubernetes_config(_config: &Config) -> String {
    String::new()
}
pub fn local_config(_config: &Config) -> String {
    String::new()
}
