//! Configuration from Spin variables (`spin.toml` `[variables]`), which the
//! operator sets with `SPIN_VARIABLE_DEMO_FAULTS=true` under `spin up` or the
//! SpinApp's `variables` under SpinKube.

use app_core::ServiceConfig;

pub fn service_config() -> ServiceConfig {
    ServiceConfig {
        demo_faults: flag("demo_faults"),
    }
}

/// A boolean variable; unset or unreadable means off, so a misconfiguration
/// never exposes the fault-injection routes.
fn flag(name: &str) -> bool {
    match spin_sdk::variables::get(name) {
        Ok(value) => matches!(value.trim(), "true" | "1" | "yes" | "on"),
        Err(spin_sdk::variables::Error::Undefined(_)) => false,
        Err(err) => {
            eprintln!("variable {name} unreadable, treating as off: {err}");
            false
        }
    }
}
