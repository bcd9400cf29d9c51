//! `wasi:keyvalue/{store,atomics,batch}@0.2.0-draft2` as Spin provides them
//! (Spin 4.0.2, `crates/factor-key-value/src/host.rs`): only the labels the
//! manifest's `key_value_stores` lists may be opened (`access-denied`
//! otherwise), `list-keys` returns every key at once and refuses a cursor,
//! and every label is a partition of the one SQLite file.
//!
//! SQLite blocks, so each call runs in `block_in_place`, as Spin's do: the
//! runtime moves its other tasks off this worker meanwhile.

use std::collections::BTreeSet;
use std::sync::Arc;

use wasmtime::component::{HasData, Resource, ResourceTable};

use crate::bindings::wasi::keyvalue::store::{Error, HostBucket, KeyResponse};
use crate::bindings::wasi::keyvalue::{atomics, batch, store};
use crate::key_value_file::{Entry, SqliteFile, StoreError};
use crate::stats::{Call, Stats};

/// An open store: the label the component opened.
pub struct Bucket {
    label: String,
}

/// What every instance shares: the file, the labels it may open, the tally.
#[derive(Clone)]
pub struct KeyValue {
    pub file: Arc<SqliteFile>,
    pub allowed: Arc<BTreeSet<String>>,
    pub stats: Arc<Stats>,
}

/// One instance's view: its resource table and the shared store.
pub struct KeyValueView<'a> {
    pub table: &'a mut ResourceTable,
    pub shared: &'a KeyValue,
}

pub struct KeyValueData;

impl HasData for KeyValueData {
    type Data<'a> = KeyValueView<'a>;
}

impl KeyValueView<'_> {
    /// Counts the call, finds the bucket's label and runs `op` on the file.
    fn run<T>(
        &mut self,
        call: Call,
        bucket: &Resource<Bucket>,
        op: impl FnOnce(&SqliteFile, &str) -> Result<T, StoreError>,
    ) -> Result<T, Error> {
        self.shared.stats.count(call);
        let label = &self
            .table
            .get(bucket)
            .map_err(|err| Error::Other(err.to_string()))?
            .label;
        let file = &self.shared.file;
        tokio::task::block_in_place(|| op(file, label)).map_err(|StoreError(message)| {
            eprintln!("edge-host: {message}");
            Error::Other(message)
        })
    }
}

impl store::Host for KeyValueView<'_> {
    fn open(&mut self, label: String) -> Result<Resource<Bucket>, Error> {
        self.shared.stats.count(Call::Open);
        if !self.shared.allowed.contains(&label) {
            return Err(Error::AccessDenied);
        }
        // Spin connects (creating the table) when a store is opened.
        tokio::task::block_in_place(|| self.shared.file.connect().map(drop)).map_err(
            |StoreError(message)| {
                eprintln!("edge-host: {message}");
                Error::Other(message)
            },
        )?;
        self.table
            .push(Bucket { label })
            .map_err(|err| Error::Other(err.to_string()))
    }
}

impl HostBucket for KeyValueView<'_> {
    fn get(&mut self, bucket: Resource<Bucket>, key: String) -> Result<Option<Vec<u8>>, Error> {
        self.run(Call::Get, &bucket, |file, label| file.get(label, &key))
    }

    fn set(&mut self, bucket: Resource<Bucket>, key: String, value: Vec<u8>) -> Result<(), Error> {
        self.run(Call::Set, &bucket, |file, label| {
            file.set(label, &key, &value)
        })
    }

    fn delete(&mut self, bucket: Resource<Bucket>, key: String) -> Result<(), Error> {
        self.run(Call::Delete, &bucket, |file, label| {
            file.delete(label, &key)
        })
    }

    fn exists(&mut self, bucket: Resource<Bucket>, key: String) -> Result<bool, Error> {
        self.run(Call::Exists, &bucket, |file, label| {
            file.get(label, &key).map(|value| value.is_some())
        })
    }

    fn list_keys(
        &mut self,
        bucket: Resource<Bucket>,
        cursor: Option<String>,
    ) -> Result<KeyResponse, Error> {
        if cursor.is_some() {
            return Err(Error::Other("list_keys: cursor not supported".to_owned()));
        }
        let keys = self.run(Call::ListKeys, &bucket, |file, label| file.keys(label))?;
        Ok(KeyResponse { keys, cursor: None })
    }

    fn drop(&mut self, bucket: Resource<Bucket>) -> wasmtime::Result<()> {
        self.table.delete(bucket)?;
        Ok(())
    }
}

impl atomics::Host for KeyValueView<'_> {
    fn increment(
        &mut self,
        bucket: Resource<Bucket>,
        key: String,
        delta: i64,
    ) -> Result<i64, Error> {
        self.run(Call::Increment, &bucket, |file, label| {
            file.increment(label, &key, delta)
        })
    }
}

impl batch::Host for KeyValueView<'_> {
    fn get_many(
        &mut self,
        bucket: Resource<Bucket>,
        keys: Vec<String>,
    ) -> Result<Vec<Entry>, Error> {
        self.run(Call::GetMany, &bucket, |file, label| {
            file.get_many(label, keys)
        })
    }

    fn set_many(
        &mut self,
        bucket: Resource<Bucket>,
        entries: Vec<(String, Vec<u8>)>,
    ) -> Result<(), Error> {
        self.run(Call::SetMany, &bucket, |file, label| {
            file.set_many(label, entries)
        })
    }

    fn delete_many(&mut self, bucket: Resource<Bucket>, keys: Vec<String>) -> Result<(), Error> {
        self.run(Call::DeleteMany, &bucket, |file, label| {
            file.delete_many(label, keys)
        })
    }
}
