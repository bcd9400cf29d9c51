//! Serves a Spin HTTP application's one component on wasmtime, the way
//! `spin up` serves it, from the manifest alone: the trigger's route, the
//! component's file, its key-value stores and its variables.
//!
//! Spin's pieces this needs, and no others: WASI 0.2 and WASI HTTP
//! (wasmtime-wasi, wasmtime-wasi-http), a fresh instance per request from a
//! pre-instantiated component on the pooling allocator (`engine`,
//! `instance`, `server`), `wasi:keyvalue` at `0.2.0-draft2` over Spin's
//! SQLite file (`key_value`, `key_value_file`, `key_value_sql`), `fermyon:spin/sqlite`
//! (`sqlite`, `sqlite_connection`) and `fermyon:spin/variables`
//! (`variables`). The bindings for the last three come from `wit/`:
//! wasmtime-wasi-keyvalue implements an earlier draft (`0.2.0-draft`) and
//! keeps values in memory only, and the other two are Spin's own.
//!
//! The host's own parts: what it provides to a manifest (`provided`), from
//! the options to a server ready to listen (`prepare`), and the listener's
//! life from bind to drain (`run`).

mod bindings;
mod engine;
mod instance;
mod key_value;
mod key_value_file;
mod key_value_sql;
pub mod manifest;
mod prepare;
mod provided;
mod resources;
pub mod route;
mod run;
pub mod runtime_config;
mod server;
mod sqlite;
mod sqlite_connection;
mod stats;
pub mod variables;

pub use crate::engine::memory_reset;
pub use crate::prepare::{Options, prepare};
pub use crate::provided::{DATABASE_FILE, DEFAULT_STORE, STORE_FILE};
pub use crate::run::{bind, serve};
