//! The component's metrics table as another writer sees it: `app_metrics`
//! in Spin's default SQLite database, `sqlite_db.db` in the state directory.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub struct StoreFile {
    pub path: PathBuf,
}

impl StoreFile {
    pub fn in_state_dir(dir: &Path) -> StoreFile {
        StoreFile {
            path: dir.join("sqlite_db.db"),
        }
    }

    fn connection(&self) -> Connection {
        Connection::open(&self.path).unwrap_or_else(|err| panic!("{}: {err}", self.path.display()))
    }

    /// Key -> value; none before the component made its table.
    pub fn entries(&self) -> Vec<(String, i64)> {
        if !self.path.exists() {
            return Vec::new();
        }
        let connection = self.connection();
        let tables: u32 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'app_metrics'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        if tables == 0 {
            return Vec::new();
        }
        let mut statement = connection
            .prepare("SELECT key, value FROM app_metrics ORDER BY key")
            .unwrap();
        statement
            .query_map([], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A plain write from outside the component: the row now holds `value`.
    pub fn put(&self, key: &str, value: i64) {
        self.connection()
            .execute(
                "INSERT INTO app_metrics (key, value) VALUES (?1, ?2)
                 ON CONFLICT (key) DO UPDATE SET value = ?2",
                rusqlite::params![key, value],
            )
            .unwrap();
    }

    /// Any statement another writer might run (a trigger, a schema change).
    pub fn execute(&self, statement: &str) {
        self.connection()
            .execute_batch(statement)
            .unwrap_or_else(|err| panic!("{statement}: {err}"));
    }
}
