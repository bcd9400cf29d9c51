//! Serves a Spin HTTP application's one component on wasmtime, the way
//! `spin up` serves it, from the manifest alone: the trigger's route, the
//! component's file, its key-value stores and its variables.
//!
//! Spin's pieces this needs, and no others: WASI 0.2 and WASI HTTP
//! (wasmtime-wasi, wasmtime-wasi-http), a fresh instance per request from a
//! pre-instantiated component on the pooling allocator (`engine`,
//! `instance`, `server`), `wasi:keyvalue` at `0.2.0-draft2` over Spin's
//! SQLite file (`key_value`, `key_value_file`, `key_value_sql`), `fermyon:spin/sqlite`
//! (`sqlite`, `sqlite_connection`) and `fermyon:spin/variables`
//! (`variables`). The bindings for the last three come from `wit/`:
//! wasmtime-wasi-keyvalue implements an earlier draft (`0.2.0-draft`) and
//! keeps values in memory only, and the other two are Spin's own.

mod bindings;
mod engine;
mod instance;
mod key_value;
mod key_value_file;
mod key_value_sql;
pub mod manifest;
mod resources;
pub mod route;
pub mod runtime_config;
mod server;
mod sqlite;
mod sqlite_connection;
mod stats;
pub mod variables;

use std::collections::BTreeSet;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::Ordering::Relaxed;
use std::time::Duration;

use tokio::net::TcpListener;
use wasmtime::component::Component;

use crate::instance::Shared;
use crate::key_value::KeyValue;
use crate::key_value_file::SqliteFile;
use crate::manifest::Manifest;
use crate::server::Server;
use crate::sqlite::{DEFAULT_DATABASE, Sqlite};
use crate::stats::Stats;
use crate::variables::Variables;

/// The one store label this host provides, as `spin up` does without a
/// runtime config.
pub const DEFAULT_STORE: &str = "default";
/// Spin's names for the default store's and database's files in the state
/// directory.
pub const STORE_FILE: &str = "sqlite_key_value.db";
pub const DATABASE_FILE: &str = "sqlite_db.db";

pub struct Options {
    pub manifest: PathBuf,
    pub listen: SocketAddr,
    /// Where the store lives; `.spin` next to the manifest, as Spin's.
    pub state_dir: Option<PathBuf>,
    /// Spin's `--runtime-config-file`: where the key-value store lives.
    pub runtime_config: Option<PathBuf>,
}

/// Everything checked and loaded, nothing listening yet; also the state
/// directory in use.
pub fn prepare(
    options: &Options,
    environment: impl Fn(&str) -> Option<String>,
) -> Result<(Server, PathBuf), String> {
    let manifest = Manifest::load(&options.manifest)?;
    let at = |err: String| format!("{}: {err}", options.manifest.display());
    if let Some(label) = manifest
        .key_value_stores
        .iter()
        .find(|label| *label != DEFAULT_STORE)
    {
        return Err(at(format!(
            "component {:?} uses key-value store {label:?}, which this host does not provide (only {DEFAULT_STORE:?})",
            manifest.component_id
        )));
    }
    if let Some(label) = manifest
        .sqlite_databases
        .iter()
        .find(|label| *label != DEFAULT_DATABASE)
    {
        return Err(at(format!(
            "component {:?} uses SQLite database {label:?}, which this host does not provide (only {DEFAULT_DATABASE:?})",
            manifest.component_id
        )));
    }
    let variables = Variables::resolve(
        &manifest.variables,
        &manifest.component_variables,
        environment,
    )
    .map_err(at)?;
    let store = match &options.runtime_config {
        Some(path) => runtime_config::load(path)?,
        None => runtime_config::StoreLocation::StateDir,
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
    let shared = Shared {
        key_value: KeyValue {
            file: Arc::new(store_file(store, &state_dir)?),
            allowed: Arc::new(
                manifest
                    .key_value_stores
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>(),
            ),
            stats: stats.clone(),
        },
        sqlite: Sqlite {
            path: Arc::new(state_dir.join(DATABASE_FILE)),
            allowed: Arc::new(
                manifest
                    .sqlite_databases
                    .iter()
                    .cloned()
                    .collect::<BTreeSet<_>>(),
            ),
            stats: stats.clone(),
        },
        variables: Arc::new(variables),
        stats,
    };
    let server = Server::new(&component, shared, manifest.route)
        .map_err(|err| format!("component {}: {err:#}", manifest.source.display()))?;
    Ok((server, state_dir))
}

fn store_file(
    location: runtime_config::StoreLocation,
    state_dir: &Path,
) -> Result<SqliteFile, String> {
    use runtime_config::StoreLocation;
    Ok(match location {
        StoreLocation::StateDir => SqliteFile::new(state_dir.join(STORE_FILE)),
        StoreLocation::InMemory => SqliteFile::in_memory(),
        // Spin creates the file's directory when it configures the store.
        StoreLocation::File(path) => {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|err| {
                    format!("key-value store directory {}: {err}", parent.display())
                })?;
            }
            SqliteFile::new(path)
        }
    })
}

fn load_component(path: &Path) -> Result<Component, String> {
    let engine = engine::engine().map_err(|err| format!("wasmtime engine: {err:#}"))?;
    if !path.is_file() {
        return Err(format!("component {}: no such file", path.display()));
    }
    Component::from_file(&engine, path)
        .map_err(|err| format!("component {}: {err:#}", path.display()))
}

/// Serves until `shutdown` resolves, then lets running instances finish
/// (up to `drain`) and returns what was done.
pub async fn serve(
    server: Server,
    listener: TcpListener,
    shutdown: impl Future<Output = ()>,
    drain: Duration,
) -> Arc<Stats> {
    let server = Arc::new(server);
    let stats = server.stats().clone();
    tokio::select! {
        result = server.serve(listener) => {
            if let Err(err) = result { eprintln!("edge-host: accepting connections failed: {err}"); }
        }
        () = shutdown => {}
    }
    let deadline = tokio::time::Instant::now() + drain;
    while stats.running.load(Relaxed) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    stats
}

pub async fn bind(listen: SocketAddr) -> Result<(TcpListener, SocketAddr), String> {
    let listener = TcpListener::bind(listen)
        .await
        .map_err(|err| format!("listening on {listen}: {err}"))?;
    let bound = listener.local_addr().map_err(|err| err.to_string())?;
    Ok((listener, bound))
}
