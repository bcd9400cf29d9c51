//! How the edge variant keys its metric values: one counter per key in
//! Spin's key-value store, each an 8-byte little-endian i64 changed only by
//! Spin's atomic `increment` (no read-modify-write in the component, which
//! would lose updates under concurrent requests).
//!
//! Keys are readable (in a store file, `sqlite3 .spin/sqlite_key_value.db
//! "SELECT key FROM spin_key_value"` shows what they count) and carry their
//! label values verbatim. All label values come from closed sets
//! ([`Method`], [`Route`], a status code), so `|` can never appear inside
//! one and the set of keys is as bounded as the set of series.
//!
//! ```text
//! metrics/v3/duration|GET|/api/items/{id}|200|le=0.005   one bucket slot (non-cumulative)
//! metrics/v3/duration|GET|/api/items/{id}|200|le=+Inf    the overflow slot
//! metrics/v3/duration|GET|/api/items/{id}|200|sum_ns     sum of durations, integer nanoseconds
//! metrics/v3/started|GET|/api/items/{id}                 requests started (finished or not)
//! metrics/v3/store_errors                                failed store operations
//! ```
//!
//! A histogram observation is two increments (its slot and the sum); the
//! count is the sum of the slots and is never stored, so it cannot disagree
//! with them. Nor is the in-flight gauge stored: a request adds one to
//! `started` as it starts, and `http_server_active_requests` is `started`
//! less the count of every status of that method and route, derived when
//! read back ([`read_back`]). That makes three increments per request
//! ([`record`]) instead of a gauge's up and down around the other two.
//!
//! Buckets are keyed by their bound, not by position, and the layout's
//! version is in every key (`v1` were the position-keyed counters of the
//! first builds, `v2` the builds with a stored `active` gauge; builds in
//! between kept rows in a SQLite table, `app_metrics` of Spin's SQLite
//! database, which this version does not read): a key under [`NAMESPACE`]
//! this version did not write, from a retired bucket bound or another
//! layout, is reported instead of being counted.

#[cfg(test)]
mod fake_store;
mod key;
mod read_back;
#[cfg(test)]
mod read_back_tests;
#[cfg(test)]
mod read_order_tests;
mod record;
#[cfg(test)]
mod record_tests;
#[cfg(test)]
mod tests;

pub use key::{NAMESPACE, PREFIX, StoreKey};
// The test modules take the layout's names through `super::*`.
#[cfg(test)]
use crate::metrics::{ActiveLabels, DURATION_BUCKETS, RequestLabels};
#[cfg(test)]
use crate::route::{Method, Route};
pub use read_back::{ReadBackProblem, counter, in_read_order, read_back};
pub use record::{Start, finish, start};
