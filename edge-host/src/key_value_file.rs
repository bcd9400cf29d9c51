//! The key-value store's SQLite file, kept the way Spin's default store
//! keeps it, so a file written here reads the same under `spin up` and back:
//! Spin 4.0.2, `crates/key-value-spin/src/store.rs` (spinframework/spin).
//! - One table, `spin_key_value (store, key, value)`, keyed by store label
//!   and key; the SQL statements (`key_value_sql`) are that file's.
//! - SQLite's defaults: Spin sets no pragma, so the journal is the rollback
//!   journal (`DELETE`) and `synchronous` is `FULL`; rusqlite's 5 s busy
//!   timeout applies when another process holds the lock.
//! - One connection for every instance, behind a mutex, opened on first use
//!   and kept from then on. An open that fails is retried by the next one.
//! - A runtime config can put the store in memory instead of a file
//!   (`runtime_config`): the same SQL on one in-memory connection, so every
//!   instance still shares one table, which lives as long as the process.
//! - `increment` reads and writes in one transaction; a counter is an
//!   8-byte little-endian i64 and an absent key counts from 0.
//!
//! One deliberate difference: where Spin's `increment` meets a value that is
//! not 8 bytes it panics (`expect("incorrect length")`, which also poisons
//! its connection mutex); here it is an error for that call only.
//!
//! Every error names the file, so the host log says which store failed.

use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, OnceLock};

use rusqlite::Connection;

use crate::key_value_sql as sql;
pub use crate::key_value_sql::Entry;

pub struct SqliteFile {
    /// `None`: in memory.
    path: Option<PathBuf>,
    connection: OnceLock<Mutex<Connection>>,
}

/// What went wrong, already saying in which file.
#[derive(Debug)]
pub struct StoreError(pub String);

impl SqliteFile {
    /// Nothing is opened yet: the first [`SqliteFile::connect`] does it.
    pub fn new(path: PathBuf) -> SqliteFile {
        SqliteFile {
            path: Some(path),
            connection: OnceLock::new(),
        }
    }

    /// Spin's store without a `path`: `Connection::open_in_memory`.
    pub fn in_memory() -> SqliteFile {
        SqliteFile {
            path: None,
            connection: OnceLock::new(),
        }
    }

    pub fn path(&self) -> Option<&Path> {
        self.path.as_deref()
    }

    /// The shared connection, opening the file (and its table) if no earlier
    /// call managed to.
    pub fn connect(&self) -> Result<MutexGuard<'_, Connection>, StoreError> {
        let connection = match self.connection.get() {
            Some(connection) => connection,
            // A race opens the file twice; the loser's connection is dropped.
            None => {
                let opened = self.open().map_err(|err| self.error(err))?;
                self.connection.get_or_init(|| Mutex::new(opened))
            }
        };
        // Nothing panics while holding the lock, so a poisoned one is sound.
        Ok(connection
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner()))
    }

    fn open(&self) -> rusqlite::Result<Connection> {
        let connection = match &self.path {
            Some(path) => Connection::open(path)?,
            None => Connection::open_in_memory()?,
        };
        connection.execute(
            "CREATE TABLE IF NOT EXISTS spin_key_value (
                           store TEXT NOT NULL,
                           key   TEXT NOT NULL,
                           value BLOB NOT NULL,

                           PRIMARY KEY (store, key)
                        )",
            [],
        )?;
        // `rarray` for the batch statements' key lists.
        rusqlite::vtab::array::load_module(&connection)?;
        Ok(connection)
    }

    fn error(&self, err: impl std::fmt::Display) -> StoreError {
        match &self.path {
            Some(path) => StoreError(format!("key-value store {}: {err}", path.display())),
            None => StoreError(format!("key-value store (in memory): {err}")),
        }
    }

    /// Runs `op` on the shared connection; its errors name the file.
    fn with<T>(
        &self,
        op: impl FnOnce(&mut Connection) -> rusqlite::Result<T>,
    ) -> Result<T, StoreError> {
        op(&mut *self.connect()?).map_err(|err| self.error(err))
    }

    pub fn get(&self, store: &str, key: &str) -> Result<Option<Vec<u8>>, StoreError> {
        self.with(|connection| sql::select_value(connection, store, key))
    }

    pub fn set(&self, store: &str, key: &str, value: &[u8]) -> Result<(), StoreError> {
        self.with(|connection| sql::upsert(connection, store, key, value))
    }

    pub fn delete(&self, store: &str, key: &str) -> Result<(), StoreError> {
        self.with(|connection| sql::delete(connection, store, key))
    }

    pub fn keys(&self, store: &str) -> Result<Vec<String>, StoreError> {
        self.with(|connection| sql::keys(connection, store))
    }

    /// The keys that exist, with their values; absent keys are left out.
    pub fn get_many(&self, store: &str, keys: Vec<String>) -> Result<Vec<Entry>, StoreError> {
        self.with(|connection| sql::get_many(connection, store, keys))
    }

    pub fn set_many(&self, store: &str, entries: Vec<(String, Vec<u8>)>) -> Result<(), StoreError> {
        self.with(|connection| {
            let transaction = connection.transaction()?;
            for (key, value) in entries {
                sql::upsert(&transaction, store, &key, &value)?;
            }
            transaction.commit()
        })
    }

    pub fn delete_many(&self, store: &str, keys: Vec<String>) -> Result<(), StoreError> {
        self.with(|connection| sql::delete_many(connection, store, keys))
    }

    /// Adds `delta` to the counter at `key` and returns the new value.
    pub fn increment(&self, store: &str, key: &str, delta: i64) -> Result<i64, StoreError> {
        let mut connection = self.connect()?;
        let transaction = connection.transaction().map_err(|err| self.error(err))?;
        let counted =
            match sql::select_value(&transaction, store, key).map_err(|err| self.error(err))? {
                None => 0,
                Some(bytes) => i64::from_le_bytes(bytes.try_into().map_err(|bytes: Vec<u8>| {
                    self.error(format_args!(
                        "{key:?} holds {} bytes, not an 8-byte counter",
                        bytes.len()
                    ))
                })?),
            };
        // Spin's `numeric + delta` would wrap; say so instead.
        let next = counted
            .checked_add(delta)
            .ok_or_else(|| self.error(format_args!("{key:?} would overflow")))?;
        sql::upsert(&transaction, store, key, &next.to_le_bytes())
            .map_err(|err| self.error(err))?;
        transaction.commit().map_err(|err| self.error(err))?;
        Ok(next)
    }
}

#[cfg(test)]
mod tests;
