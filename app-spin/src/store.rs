//! The metrics store: Spin's SQLite database `default`, one table of
//! counters changed only by upserts that add (`app_core::store_sql`), read
//! back only to render `/metrics`. The key layout lives in
//! `app_core::store_keys`.
//!
//! A request writes at most two statements: the in-flight gauge up as it
//! starts, then every other change of that request in one statement after
//! the answer. Each is one SQLite transaction on this instance's own
//! connection (Spin opens one per `open`).
//!
//! No failure here ever reaches the user: it is logged to stderr (Spin's
//! component log) and, when the database still takes writes, counted under
//! `app_metrics_store_errors_total`, itself a row of the same table. When the
//! database as a whole is gone there is nowhere a per-request instance could
//! keep the count, so the log line is the record and `/metrics` answers 500,
//! which Prometheus turns into `up == 0` instead of a fake counter reset.

use app_core::store_keys::{self, StoreKey};
use app_core::store_sql;
#[cfg(feature = "instrumentation")]
use app_core::{ActiveLabels, RequestLabels};
use app_core::{BuildInfo, StoredMetrics};
use spin_sdk::sqlite::{Connection, Error, QueryResult, Value};
#[cfg(feature = "instrumentation")]
use std::time::Duration;

/// The database label `spin.toml` grants (`sqlite_databases = ["default"]`).
pub const DATABASE: &str = "default";

pub struct MetricsStore {
    connection: Option<Connection>,
}

#[cfg(feature = "instrumentation")]
/// A request counted in `http_server_active_requests`: [`MetricsStore::finish`]
/// takes it down again, in the same statement as the rest.
#[must_use]
pub struct InFlight(Option<ActiveLabels>);

impl MetricsStore {
    pub fn open() -> Self {
        let connection = Connection::open(DATABASE)
            .map_err(|err| {
                log(format_args!(
                    "opening SQLite database {DATABASE:?} failed, request not counted: {err:?}"
                ))
            })
            .ok();
        // This connection's commits skip the fsyncs (see store_sql). If
        // the pragma fails the writes still happen, only slower.
        if let Some(connection) = &connection
            && let Err(err) = connection.execute(store_sql::SYNCHRONOUS_OFF, &[])
        {
            log(format_args!(
                "{} failed: {err:?}",
                store_sql::SYNCHRONOUS_OFF
            ));
        }
        MetricsStore { connection }
    }

    #[cfg(feature = "instrumentation")]
    pub fn enter(&self, labels: ActiveLabels) -> InFlight {
        // Only a gauge that went up may come down: lowering one whose raise
        // failed would leave it at -1 for good.
        let raised = self.add([(StoreKey::Active(labels.clone()), 1)]);
        InFlight(raised.then_some(labels))
    }

    #[cfg(feature = "instrumentation")]
    /// The request's observation (bucket slot, duration sum) and its gauge
    /// back down, in one statement.
    pub fn finish(&self, labels: &RequestLabels, elapsed: Duration, in_flight: InFlight) {
        let gauge = in_flight.0.clone();
        // The statement is all or nothing: when it fails, the gauge still
        // comes down on its own, as the request is over either way.
        if !self.add(store_keys::finished(labels, elapsed, in_flight.0))
            && let Some(active) = gauge
        {
            self.add([(StoreKey::Active(active), -1)]);
        }
    }

    /// Reads every counter back into the shared metric definitions.
    pub fn snapshot(&self, build: BuildInfo) -> Result<StoredMetrics, String> {
        let connection = self
            .connection
            .as_ref()
            .ok_or_else(|| "metrics store unavailable".to_owned())?;
        let rows = match connection.execute(store_sql::SELECT_ALL, &[]) {
            Ok(result) => result,
            // Nothing was ever written (the bare build's first scrape).
            Err(Error::Io(message)) if store_sql::is_missing_table(&message) => QueryResult {
                columns: Vec::new(),
                rows: Vec::new(),
            },
            Err(err) => {
                log(format_args!("reading the metrics table failed: {err:?}"));
                self.count_errors(connection, 1);
                return Err("metrics store could not be read".to_owned());
            }
        };
        let (mut metrics, problems) = store_keys::read_back(
            build,
            rows.rows.iter().map(|row| match row.values.as_slice() {
                [Value::Text(key), value] => (key.as_str(), integer(value)),
                // Not this table's shape: reported as a key of no layout.
                _ => ("", None),
            }),
        );
        if !problems.is_empty() {
            for (key, problem) in &problems {
                log(format_args!("row {key:?} skipped: {problem}"));
            }
            // The upsert returns the new total, so this very scrape
            // already shows the problems it found.
            let found = i64::try_from(problems.len()).unwrap_or(i64::MAX);
            if let Some(total) = self.count_errors(connection, found) {
                metrics.store_errors = total.unsigned_abs();
            }
        }
        Ok(metrics)
    }

    #[cfg(feature = "instrumentation")]
    /// Runs one upsert; false when it did not happen (and was logged and,
    /// where possible, counted).
    fn add(&self, deltas: impl IntoIterator<Item = (StoreKey, i64)>) -> bool {
        let (Some(connection), Some(upsert)) = (&self.connection, store_sql::Upsert::new(deltas))
        else {
            return false;
        };
        let parameters: Vec<Value> = upsert
            .rows
            .iter()
            .flat_map(|(key, delta)| [Value::Text(key.clone()), Value::Integer(*delta)])
            .collect();
        match execute_creating_table(connection, &upsert.statement, &parameters) {
            Ok(_) => true,
            Err(err) => {
                log(format_args!(
                    "writing {} row(s) failed: {err:?}",
                    upsert.rows.len()
                ));
                self.count_errors(connection, 1);
                false
            }
        }
    }

    /// Adds to the error counter; its new total, when the write went in.
    fn count_errors(&self, connection: &Connection, errors: i64) -> Option<i64> {
        let parameters = [
            Value::Text(StoreKey::StoreErrors.encode()),
            Value::Integer(errors),
        ];
        match execute_creating_table(connection, store_sql::ADD_RETURNING, &parameters) {
            Ok(result) => result
                .rows
                .first()
                .and_then(|row| row.values.first())
                .and_then(integer),
            Err(err) => {
                log(format_args!(
                    "{errors} store error(s) could not be counted either: {err:?}"
                ));
                None
            }
        }
    }
}

/// Runs a write, creating the table first when the database has none yet,
/// and again while SQLite says the database is locked: every request has a
/// connection of its own, and under many concurrent writers one can wait
/// past the busy timeout (rusqlite's 5 s, which Spin keeps) without ever
/// getting the lock. Giving up would lose the count.
fn execute_creating_table(
    connection: &Connection,
    statement: &str,
    parameters: &[Value],
) -> Result<QueryResult, Error> {
    let mut attempts = 0;
    loop {
        attempts += 1;
        match connection.execute(statement, parameters) {
            Err(Error::Io(message))
                if store_sql::is_missing_table(&message)
                    && attempts < store_sql::LOCKED_ATTEMPTS =>
            {
                connection.execute(store_sql::CREATE_TABLE, &[])?;
            }
            Err(Error::Io(message))
                if store_sql::is_locked(&message) && attempts < store_sql::LOCKED_ATTEMPTS =>
            {
                log(format_args!(
                    "database locked, write attempt {attempts} retried"
                ));
            }
            outcome => return outcome,
        }
    }
}

fn integer(value: &Value) -> Option<i64> {
    match value {
        Value::Integer(value) => Some(*value),
        _ => None,
    }
}

fn log(message: std::fmt::Arguments<'_>) {
    eprintln!("app-spin: metrics store: {message}");
}
