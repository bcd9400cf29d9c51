//! One `fermyon:spin/sqlite` connection's SQLite work, as Spin's
//! `crates/sqlite-inproc/src/lib.rs` (v4.0.2) does it: open with rusqlite's
//! defaults plus an authorizer that denies attaching files, then per
//! `execute` one cached prepared statement, positional parameters, every
//! row collected.

use std::path::Path;

use rusqlite::hooks::{AuthAction, AuthContext, Authorization};
use rusqlite::types::{Value as Sql, ValueRef};

use crate::bindings::fermyon::spin::sqlite::{QueryResult, RowResult, Value};

pub fn open(path: &Path) -> rusqlite::Result<rusqlite::Connection> {
    let connection = rusqlite::Connection::open(path)?;
    connection.authorizer(Some(|context: AuthContext<'_>| match context.action {
        // A temporary ("") or in-memory database may be attached, no file.
        AuthAction::Attach { filename } if !matches!(filename, "" | ":memory:") => {
            Authorization::Deny
        }
        _ => Authorization::Allow,
    }));
    Ok(connection)
}

pub fn execute(
    connection: &rusqlite::Connection,
    statement: &str,
    parameters: Vec<Value>,
) -> rusqlite::Result<QueryResult> {
    let mut statement = connection.prepare_cached(statement)?;
    let columns: Vec<String> = statement
        .column_names()
        .into_iter()
        .map(str::to_owned)
        .collect();
    let width = columns.len();
    let parameters = parameters.into_iter().map(|value| match value {
        Value::Integer(i) => Sql::Integer(i),
        Value::Real(r) => Sql::Real(r),
        Value::Text(t) => Sql::Text(t),
        Value::Blob(b) => Sql::Blob(b),
        Value::Null => Sql::Null,
    });
    let rows = statement
        .query_map(rusqlite::params_from_iter(parameters), |row| {
            let values = (0..width)
                .map(|column| row.get_ref(column).map(value))
                .collect::<Result<_, _>>()?;
            Ok(RowResult { values })
        })?
        .collect::<rusqlite::Result<_>>()?;
    Ok(QueryResult { columns, rows })
}

fn value(value: ValueRef<'_>) -> Value {
    match value {
        ValueRef::Null => Value::Null,
        ValueRef::Integer(i) => Value::Integer(i),
        ValueRef::Real(r) => Value::Real(r),
        // Spin unwraps here (a panic on invalid UTF-8); lossy never panics.
        ValueRef::Text(t) => Value::Text(String::from_utf8_lossy(t).into_owned()),
        ValueRef::Blob(b) => Value::Blob(b.to_vec()),
    }
}

#[cfg(test)]
mod tests;
