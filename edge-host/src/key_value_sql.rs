//! The key-value store's SQL, statement for statement Spin 4.0.2's
//! (`crates/key-value-spin/src/store.rs`, spinframework/spin), each on a
//! connection or transaction the caller holds.

use std::rc::Rc;

use rusqlite::{Connection, named_params};

pub type Entry = (String, Option<Vec<u8>>);

pub fn select_value(
    connection: &Connection,
    store: &str,
    key: &str,
) -> rusqlite::Result<Option<Vec<u8>>> {
    let mut statement =
        connection.prepare_cached("SELECT value FROM spin_key_value WHERE store=$1 AND key=$2")?;
    let mut rows = statement.query_map([store, key], |row| row.get(0))?;
    rows.next().transpose()
}

pub fn upsert(
    connection: &Connection,
    store: &str,
    key: &str,
    value: &[u8],
) -> rusqlite::Result<()> {
    connection
        .prepare_cached(
            "INSERT INTO spin_key_value (store, key, value) VALUES ($1, $2, $3)
                     ON CONFLICT(store, key) DO UPDATE SET value=$3",
        )?
        .execute(rusqlite::params![store, key, value])
        .map(drop)
}

pub fn delete(connection: &Connection, store: &str, key: &str) -> rusqlite::Result<()> {
    connection
        .prepare_cached("DELETE FROM spin_key_value WHERE store=$1 AND key=$2")?
        .execute([store, key])
        .map(drop)
}

pub fn keys(connection: &Connection, store: &str) -> rusqlite::Result<Vec<String>> {
    connection
        .prepare_cached("SELECT key FROM spin_key_value WHERE store=$1")?
        .query_map([store], |row| row.get(0))?
        .collect()
}

pub fn get_many(
    connection: &Connection,
    store: &str,
    keys: Vec<String>,
) -> rusqlite::Result<Vec<Entry>> {
    connection
        .prepare_cached(
            "SELECT key, value FROM spin_key_value WHERE store=:name AND key IN rarray(:keys)",
        )?
        .query_map(
            named_params! {":name": store, ":keys": key_array(keys)},
            |row| <(String, Option<Vec<u8>>)>::try_from(row),
        )?
        .collect()
}

pub fn delete_many(
    connection: &Connection,
    store: &str,
    keys: Vec<String>,
) -> rusqlite::Result<()> {
    connection
        .prepare_cached("DELETE FROM spin_key_value WHERE store=:name AND key IN rarray(:keys)")?
        .execute(named_params! {":name": store, ":keys": key_array(keys)})
        .map(drop)
}

/// A key list for `rarray(...)`.
fn key_array(keys: Vec<String>) -> Rc<Vec<rusqlite::types::Value>> {
    Rc::new(keys.into_iter().map(rusqlite::types::Value::from).collect())
}
