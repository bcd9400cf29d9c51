//! A store for the tests: counters by key name, the increments made in
//! order, and keys whose increments fail while they are in `failing`.

use std::collections::{BTreeMap, BTreeSet};

use super::key::StoreKey;
use super::read_back;
use crate::metrics::BuildInfo;
use crate::{StoredMetrics, Variant};

#[derive(Default)]
pub struct FakeStore {
    pub counters: BTreeMap<String, i64>,
    /// Every increment tried, failed ones included.
    pub calls: Vec<(StoreKey, i64)>,
    pub failing: BTreeSet<String>,
}

impl FakeStore {
    /// Spin's `increment`: adds, or fails for a key in `failing`.
    pub fn add(&mut self, key: &StoreKey, delta: i64) -> bool {
        self.calls.push((key.clone(), delta));
        let name = key.encode();
        if self.failing.contains(&name) {
            return false;
        }
        *self.counters.entry(name).or_default() += delta;
        true
    }

    pub fn read_back(&self) -> StoredMetrics {
        let (metrics, problems) = read_back(
            BuildInfo::new(Variant::Spin),
            self.counters.iter().map(|(k, v)| (k.as_str(), Some(*v))),
        );
        assert!(problems.is_empty(), "{problems:?}");
        metrics
    }
}
