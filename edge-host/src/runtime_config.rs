//! The part of Spin's runtime config file (`spin up --runtime-config-file`,
//! or `/runtime-config.toml` under containerd-shim-spin) this host honours:
//! where the `default` key-value store lives.
//!
//! As Spin 3.6.3/4.0.2 resolve it (`crates/runtime-config/src/lib.rs`,
//! `crates/key-value-spin/src/lib.rs`, spinframework/spin):
//! - without the file, or without `[key_value_store.default]`, the store is
//!   `sqlite_key_value.db` in the state directory;
//! - `[key_value_store.default]` with `type = "spin"` and a `path` is that
//!   file, a relative path taken from the runtime config file's directory;
//! - with `type = "spin"` and no `path` it is an in-memory SQLite database:
//!   one connection for the whole process, gone when it exits.
//!
//! Everything else a Spin runtime config can say (other store types or
//! labels, SQLite databases, variables providers, ...) is refused by name:
//! this host does not provide it, and ignoring it would serve something
//! other than what the file asks for.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use serde::Deserialize;

/// Where the `default` key-value store keeps its table.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum StoreLocation {
    /// Spin's default: the file of this name in the state directory.
    StateDir,
    File(PathBuf),
    InMemory,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    key_value_store: BTreeMap<String, Store>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Store {
    #[serde(rename = "type")]
    kind: String,
    path: Option<PathBuf>,
}

/// The `default` store's location the file at `path` configures.
pub fn load(path: &Path) -> Result<StoreLocation, String> {
    let at = |err: String| format!("runtime config {}: {err}", path.display());
    let text = std::fs::read_to_string(path).map_err(|err| at(err.to_string()))?;
    let base = path.parent().unwrap_or(Path::new("."));
    parse(&text, base).map_err(at)
}

/// `base` is the directory relative store paths are taken from.
pub fn parse(text: &str, base: &Path) -> Result<StoreLocation, String> {
    let file: File = toml::from_str(text).map_err(|err| {
        format!("{err}(this host reads only [key_value_store.default] with type = \"spin\")")
    })?;
    let mut location = StoreLocation::StateDir;
    for (label, store) in file.key_value_store {
        if label != crate::DEFAULT_STORE {
            return Err(format!(
                "[key_value_store.{label}]: this host provides only the {:?} store",
                crate::DEFAULT_STORE
            ));
        }
        if store.kind != "spin" {
            return Err(format!(
                "[key_value_store.{label}] type = {:?}: this host provides only type = \"spin\" (SQLite)",
                store.kind
            ));
        }
        location = match store.path {
            None => StoreLocation::InMemory,
            Some(path) if path.is_absolute() => StoreLocation::File(path),
            Some(path) => StoreLocation::File(base.join(path)),
        };
    }
    Ok(location)
}

#[cfg(test)]
mod tests;
