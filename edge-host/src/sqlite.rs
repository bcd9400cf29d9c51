//! `fermyon:spin/sqlite@2.0.0` as Spin 4.0.2 provides it
//! (`crates/factor-sqlite/src/host.rs`, `crates/sqlite-inproc/src/lib.rs`,
//! spinframework/spin; 3.6.3 alike): only labels the manifest's
//! `sqlite_databases` lists may be opened (`access-denied`, checked first),
//! and only `default` exists (`no-such-database`), a file in the state
//! directory. Every `open` is a connection of its own, made on its first
//! `execute`, with SQLite's defaults: Spin sets no pragma (rollback journal,
//! `synchronous = FULL`) unless the guest does. Each `execute` prepares one
//! statement (cached per connection), binds the parameters and returns all
//! rows; outside an explicit transaction the statement commits by itself.
//! Attaching other database files is denied, as under Spin.
//!
//! Spin runs `execute` with `spawn_blocking`; `block_in_place` here has the
//! same effect on the runtime's other tasks without another thread hop.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use wasmtime::component::{HasData, Resource, ResourceTable};

use crate::bindings::fermyon::spin::sqlite::{Error, Host, HostConnection, QueryResult, Value};
use crate::sqlite_connection::open;
use crate::stats::{Call, Stats};

/// The one database this host provides, as Spin without a runtime config.
pub const DEFAULT_DATABASE: &str = "default";

/// An opened database: its connection, made on first use.
pub struct Connection {
    connection: OnceLock<rusqlite::Connection>,
}

/// What every instance shares: the file, the labels it may open, the tally.
#[derive(Clone)]
pub struct Sqlite {
    pub path: Arc<PathBuf>,
    pub allowed: Arc<BTreeSet<String>>,
    pub stats: Arc<Stats>,
}

pub struct SqliteView<'a> {
    pub table: &'a mut ResourceTable,
    pub shared: &'a Sqlite,
}

pub struct SqliteData;

impl HasData for SqliteData {
    type Data<'a> = SqliteView<'a>;
}

impl Host for SqliteView<'_> {}

impl HostConnection for SqliteView<'_> {
    fn open(&mut self, database: String) -> Result<Resource<Connection>, Error> {
        self.shared.stats.count(Call::SqliteOpen);
        if !self.shared.allowed.contains(&database) {
            return Err(Error::AccessDenied);
        }
        if database != DEFAULT_DATABASE {
            return Err(Error::NoSuchDatabase);
        }
        self.table
            .push(Connection {
                connection: OnceLock::new(),
            })
            .map_err(|err| Error::Io(err.to_string()))
    }

    fn execute(
        &mut self,
        connection: Resource<Connection>,
        statement: String,
        parameters: Vec<Value>,
    ) -> Result<QueryResult, Error> {
        self.shared.stats.count(Call::SqliteExecute);
        let path = &self.shared.path;
        let connection = self
            .table
            .get(&connection)
            .map_err(|_| Error::InvalidConnection)?;
        let connection = match connection.connection.get() {
            Some(connection) => connection,
            None => {
                let opened =
                    tokio::task::block_in_place(|| open(path)).map_err(|err| logged(path, err))?;
                connection.connection.get_or_init(|| opened)
            }
        };
        tokio::task::block_in_place(|| {
            crate::sqlite_connection::execute(connection, &statement, parameters)
        })
        .map_err(|err| logged(path, err))
    }

    fn drop(&mut self, connection: Resource<Connection>) -> wasmtime::Result<()> {
        self.table.delete(connection)?;
        Ok(())
    }
}

/// The guest sees SQLite's message, the host log also which file.
fn logged(path: &std::path::Path, err: rusqlite::Error) -> Error {
    eprintln!("edge-host: sqlite database {}: {err}", path.display());
    Error::Io(err.to_string())
}
