//! Alertmanager configuration.
use crate::config::Config;
pub fn config(_config: &Config, _webhook_url: &str) -> String {
    String::new()
}
