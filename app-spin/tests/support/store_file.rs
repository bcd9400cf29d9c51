//! The host's SQLite store as another writer sees it: Spin's table,
//! `spin_key_value (store, key, value)`, in the state directory.

use std::path::{Path, PathBuf};

use rusqlite::Connection;

pub struct StoreFile {
    pub path: PathBuf,
}

/// The label `spin.toml` grants and the component opens.
const LABEL: &str = "default";

impl StoreFile {
    pub fn in_state_dir(dir: &Path) -> StoreFile {
        StoreFile {
            path: dir.join("sqlite_key_value.db"),
        }
    }

    fn connection(&self) -> Connection {
        Connection::open(&self.path).unwrap_or_else(|err| panic!("{}: {err}", self.path.display()))
    }

    /// Key -> raw value bytes; none before the host made its table.
    pub fn entries(&self) -> Vec<(String, Vec<u8>)> {
        if !self.path.exists() {
            return Vec::new();
        }
        let connection = self.connection();
        let tables: u32 = connection
            .query_row(
                "SELECT count(*) FROM sqlite_master WHERE name = 'spin_key_value'",
                [],
                |row| row.get(0),
            )
            .unwrap();
        if tables == 0 {
            return Vec::new();
        }
        let mut statement = connection
            .prepare("SELECT key, value FROM spin_key_value WHERE store = ?1 ORDER BY key")
            .unwrap();
        statement
            .query_map([LABEL], |row| Ok((row.get(0)?, row.get(1)?)))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    }

    /// A plain `set` from outside the component.
    pub fn put(&self, key: &str, value: &[u8]) {
        self.connection()
            .execute(
                "INSERT INTO spin_key_value (store, key, value) VALUES (?1, ?2, ?3)
                 ON CONFLICT(store, key) DO UPDATE SET value = ?3",
                rusqlite::params![LABEL, key, value],
            )
            .unwrap();
    }
}
