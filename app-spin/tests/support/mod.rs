//! Runs the built component on the edge host (`edge-host`, wasmtime: a
//! fresh instance per request, Spin's SQLite key-value store, in memory or
//! in a file), which reads
//! `app-spin/spin.toml` itself; tests talk plain HTTP/1.1 to it with
//! `test_support::Client` and look at the store file as another writer.

#![allow(dead_code)]

mod host;
mod store_file;

pub use host::{Host, Store, runtime_config};
pub use store_file::StoreFile;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use app_core::ExpositionFormat;
use app_core::testing::Parsed;
use test_support::{Client, SpawnedNative, spawn_native};

/// What `spin.toml` tells a Spin runtime, read here only to check it.
pub struct Manifest {
    pub toml: toml::Table,
}

impl Manifest {
    pub fn path() -> PathBuf {
        PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("spin.toml")
    }

    pub fn load() -> Manifest {
        let text = std::fs::read_to_string(Manifest::path()).expect("spin.toml");
        Manifest {
            toml: text.parse().expect("spin.toml is TOML"),
        }
    }

    pub fn component(&self) -> &toml::Table {
        let trigger = &self.toml["trigger"]["http"][0];
        let id = trigger["component"].as_str().unwrap();
        self.toml["component"][id].as_table().unwrap()
    }

    pub fn key_value_stores(&self) -> Vec<String> {
        self.component()["key_value_stores"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_str().unwrap().to_owned())
            .collect()
    }
}

/// The native binary, started to compare its exposition with the edge one.
pub struct Native(SpawnedNative);

impl Native {
    pub fn start(binary: &std::path::Path) -> Native {
        Native(spawn_native(binary, &[]))
    }

    pub fn client(&self) -> Client {
        connect(self.0.addr)
    }

    pub fn scrape(&self, format: ExpositionFormat) -> Parsed {
        self.client().scrape(format)
    }
}

impl Drop for Native {
    fn drop(&mut self) {
        let _ = self.0.child.kill();
        let _ = self.0.child.wait();
    }
}

/// A busy machine may be slow to answer: wait long for it.
pub fn connect(addr: SocketAddr) -> Client {
    Client::connect_within(addr, Duration::from_secs(10), Duration::from_secs(60))
}
