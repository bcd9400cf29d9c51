//! What this host provides to a component, as `spin up` does: one key-value
//! store and one SQLite database, both labelled `default`, each a file of
//! Spin's name in the state directory unless a runtime config puts the store
//! elsewhere or in memory. A manifest that asks for any other label is
//! refused before anything is served, naming the label, rather than failing
//! its requests one by one.

use std::collections::BTreeSet;
use std::path::Path;
use std::sync::Arc;

use crate::key_value::KeyValue;
use crate::key_value_file::SqliteFile;
use crate::manifest::Manifest;
use crate::runtime_config::StoreLocation;
use crate::sqlite::{DEFAULT_DATABASE, Sqlite};
use crate::stats::Stats;

/// The one store label this host provides.
pub const DEFAULT_STORE: &str = "default";
/// Spin's names for the default store's and database's files.
pub const STORE_FILE: &str = "sqlite_key_value.db";
pub const DATABASE_FILE: &str = "sqlite_db.db";

/// The first label the manifest uses that this host does not provide.
pub fn check(manifest: &Manifest) -> Result<(), String> {
    let missing = |labels: &[String], provided: &str| {
        labels
            .iter()
            .find(|label| *label != provided)
            .map(|label| format!("{label:?}, which this host does not provide (only {provided:?})"))
    };
    if let Some(what) = missing(&manifest.key_value_stores, DEFAULT_STORE) {
        return Err(format!(
            "component {:?} uses key-value store {what}",
            manifest.component_id
        ));
    }
    if let Some(what) = missing(&manifest.sqlite_databases, DEFAULT_DATABASE) {
        return Err(format!(
            "component {:?} uses SQLite database {what}",
            manifest.component_id
        ));
    }
    Ok(())
}

/// The store where the runtime config puts it and the database over its
/// file in `state_dir`, open to the labels the manifest lists.
pub fn stores(
    manifest: &Manifest,
    store: StoreLocation,
    state_dir: &Path,
    stats: &Arc<Stats>,
) -> Result<(KeyValue, Sqlite), String> {
    let labels = |list: &[String]| Arc::new(list.iter().cloned().collect::<BTreeSet<_>>());
    let key_value = KeyValue {
        file: Arc::new(store_file(store, state_dir)?),
        allowed: labels(&manifest.key_value_stores),
        stats: stats.clone(),
    };
    let sqlite = Sqlite {
        path: Arc::new(state_dir.join(DATABASE_FILE)),
        allowed: labels(&manifest.sqlite_databases),
        stats: stats.clone(),
    };
    Ok((key_value, sqlite))
}

fn store_file(location: StoreLocation, state_dir: &Path) -> Result<SqliteFile, String> {
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
