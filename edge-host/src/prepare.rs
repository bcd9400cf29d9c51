//! From the command line's options to a server ready to listen: the
//! manifest read and checked, the variables resolved, the component
//! compiled, the state directory made. Every failure names the file it
//! comes from, and nothing listens until all of it succeeded.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use crate::engine::load_component;
use crate::instance::Shared;
use crate::manifest::Manifest;
use crate::provided;
use crate::runtime_config::{self, StoreLocation};
use crate::server::Server;
use crate::stats::Stats;
use crate::variables::Variables;

pub struct Options {
    pub manifest: PathBuf,
    pub listen: std::net::SocketAddr,
    /// Where the store lives; `.spin` next to the manifest, as Spin's.
    pub state_dir: Option<PathBuf>,
    /// Spin's `--runtime-config-file`: where the key-value store lives.
    pub runtime_config: Option<PathBuf>,
}

/// Everything checked and loaded, nothing listening yet; also the state
/// directory in use. `environment` looks up `SPIN_VARIABLE_*`.
pub fn prepare(
    options: &Options,
    environment: impl Fn(&str) -> Option<String>,
) -> Result<(Server, PathBuf), String> {
    let manifest = Manifest::load(&options.manifest)?;
    let at = |err: String| format!("{}: {err}", options.manifest.display());
    provided::check(&manifest).map_err(at)?;
    let variables = Variables::resolve(
        &manifest.variables,
        &manifest.component_variables,
        environment,
    )
    .map_err(at)?;
    let store = match &options.runtime_config {
        Some(path) => runtime_config::load(path)?,
        None => StoreLocation::StateDir,
    };
    let component = load_component(&manifest.source)?;
    let state_dir = match &options.state_dir {
        Some(dir) => dir.clone(),
        None => options
            .manifest
            .parent()
            .unwrap_or(Path::new("."))
            .join(".spin"),
    };
    std::fs::create_dir_all(&state_dir)
        .map_err(|err| format!("state directory {}: {err}", state_dir.display()))?;
    let stats = Arc::new(Stats::default());
    let (key_value, sqlite) = provided::stores(&manifest, store, &state_dir, &stats)?;
    let shared = Shared {
        key_value,
        sqlite,
        variables: Arc::new(variables),
        stats,
    };
    let server = Server::new(&component, shared, manifest.route)
        .map_err(|err| format!("component {}: {err:#}", manifest.source.display()))?;
    Ok((server, state_dir))
}
