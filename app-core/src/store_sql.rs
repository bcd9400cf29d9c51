//! The SQL the edge variant runs on Spin's SQLite database
//! (`fermyon:spin/sqlite@2.0.0`, label `default`): one table of counters,
//! keyed as [`crate::store_keys`] lays them out, changed only by upserts that
//! add to the stored value.
//!
//! Why these statements (Spin 3.6/4.0 source, `crates/sqlite-inproc`):
//! - Spin runs every `execute` as its own autocommit transaction on a
//!   connection that belongs to that one `open`, so a single statement is
//!   atomic and one statement per request is one commit per request.
//!   `value = value + excluded.value` adds inside SQLite: nothing is read
//!   and written back, so concurrent requests never lose an update.
//! - Spin sets no pragma: a connection starts in SQLite's rollback journal
//!   with `synchronous = FULL`, two fsyncs per commit, which cost far more
//!   CPU than the request itself. [`SYNCHRONOUS_OFF`] drops them for this
//!   connection only (it is ours: Spin opens one per `open`); SQLite stays
//!   crash-safe when the process dies, and only an operating-system crash
//!   can lose the last writes, which for counters reads as a reset.

use crate::store_keys::StoreKey;

/// The table every counter lives in. `STRICT` makes SQLite refuse a value
/// that is not an integer, so no other writer can plant text in a counter.
pub const CREATE_TABLE: &str = "CREATE TABLE IF NOT EXISTS app_metrics \
     (key TEXT PRIMARY KEY NOT NULL, value INTEGER NOT NULL) STRICT, WITHOUT ROWID";

/// Issued once per connection, before its first write.
pub const SYNCHRONOUS_OFF: &str = "PRAGMA synchronous = OFF";

/// Every stored counter, for `/metrics`.
pub const SELECT_ALL: &str = "SELECT key, value FROM app_metrics";

/// How SQLite words the error of a statement on a table not created yet:
/// the caller then runs [`CREATE_TABLE`] and retries once. Creating it
/// lazily spares every request a statement.
pub fn is_missing_table(message: &str) -> bool {
    message.contains("no such table: app_metrics")
}

/// How SQLite words SQLITE_BUSY: another connection held the lock for as
/// long as the busy timeout let this one wait.
pub fn is_locked(message: &str) -> bool {
    message.contains("database is locked")
}

/// Attempts of one write (each locked one with its own busy timeout, the
/// one that found no table yet) before it counts as a store error.
pub const LOCKED_ATTEMPTS: u32 = 4;

/// One row's delta, returning the row's new value: how a store error is
/// counted, so the scrape that found problems already shows them.
pub const ADD_RETURNING: &str = "INSERT INTO app_metrics (key, value) VALUES (?1, ?2) \
     ON CONFLICT (key) DO UPDATE SET value = value + excluded.value RETURNING value";

/// One statement that adds every delta to its row, creating missing rows:
/// `(?1, ?2), (?3, ?4), ...` binds the key and delta of each of [`Upsert::rows`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Upsert {
    pub statement: String,
    /// Key and delta of each row, in statement order.
    pub rows: Vec<(String, i64)>,
}

impl Upsert {
    /// `None` for no rows: there is nothing to run.
    pub fn new(deltas: impl IntoIterator<Item = (StoreKey, i64)>) -> Option<Upsert> {
        let rows: Vec<(String, i64)> = deltas
            .into_iter()
            .map(|(key, delta)| (key.encode(), delta))
            .collect();
        if rows.is_empty() {
            return None;
        }
        let values = (0..rows.len())
            .map(|row| format!("(?{}, ?{})", 2 * row + 1, 2 * row + 2))
            .collect::<Vec<_>>()
            .join(", ");
        let statement = format!(
            "INSERT INTO app_metrics (key, value) VALUES {values} \
             ON CONFLICT (key) DO UPDATE SET value = value + excluded.value"
        );
        Some(Upsert { statement, rows })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::route::{Method, Route};
    use crate::{ActiveLabels, RequestLabels};

    #[test]
    fn one_statement_binds_every_row_in_order() {
        let labels = RequestLabels::new(Method::Get, Route::Item, 200);
        let active = ActiveLabels {
            http_request_method: Method::Get,
            http_route: Route::Item,
        };
        let upsert = Upsert::new([
            (StoreKey::SumNanos(labels), 1_500),
            (StoreKey::Active(active), -1),
        ])
        .unwrap();
        assert_eq!(
            upsert.statement,
            "INSERT INTO app_metrics (key, value) VALUES (?1, ?2), (?3, ?4) \
             ON CONFLICT (key) DO UPDATE SET value = value + excluded.value"
        );
        assert_eq!(
            upsert.rows,
            [
                (
                    "metrics/v2/duration|GET|/api/items/{id}|200|sum_ns".to_owned(),
                    1_500
                ),
                ("metrics/v2/active|GET|/api/items/{id}".to_owned(), -1),
            ]
        );
        assert_eq!(Upsert::new([]), None);
    }

    #[test]
    fn the_missing_table_error_is_recognised_and_nothing_else() {
        assert!(is_missing_table("no such table: app_metrics"));
        assert!(!is_missing_table("database is locked"));
        assert!(!is_missing_table("no such table: other"));
        assert!(is_locked("database is locked"));
        assert!(!is_locked("no such table: app_metrics"));
    }
}
