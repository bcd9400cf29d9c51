//! The host-side values behind the guest's resource handles. They stand
//! apart from the interfaces that use them because the generated bindings
//! name them, and those interfaces implement the bindings' traits.

use std::sync::OnceLock;

/// An open key-value store: the label the component opened.
pub struct Bucket {
    pub label: String,
}

/// An opened SQLite database: its connection, made on first use.
pub struct Connection {
    pub connection: OnceLock<rusqlite::Connection>,
}
