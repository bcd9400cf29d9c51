//! What the host did, for its log line at shutdown: requests, instances,
//! traps, and calls to the key-value store and SQLite by function. The tests read that line to see
//! a fresh instance per request and which store calls the component makes.

use std::fmt;
use std::sync::atomic::{AtomicU64, Ordering::Relaxed};

#[derive(Debug, Clone, Copy)]
pub enum Call {
    Open,
    Get,
    Set,
    Delete,
    Exists,
    ListKeys,
    Increment,
    GetMany,
    SetMany,
    DeleteMany,
    SqliteOpen,
    SqliteExecute,
}

impl Call {
    const ALL: [Call; 12] = [
        Call::Open,
        Call::Get,
        Call::Set,
        Call::Delete,
        Call::Exists,
        Call::ListKeys,
        Call::Increment,
        Call::GetMany,
        Call::SetMany,
        Call::DeleteMany,
        Call::SqliteOpen,
        Call::SqliteExecute,
    ];

    /// The WIT function's name (`sqlite-` for `fermyon:spin/sqlite`'s).
    fn name(self) -> &'static str {
        match self {
            Call::Open => "open",
            Call::Get => "get",
            Call::Set => "set",
            Call::Delete => "delete",
            Call::Exists => "exists",
            Call::ListKeys => "list-keys",
            Call::Increment => "increment",
            Call::GetMany => "get-many",
            Call::SetMany => "set-many",
            Call::DeleteMany => "delete-many",
            Call::SqliteOpen => "sqlite-open",
            Call::SqliteExecute => "sqlite-execute",
        }
    }
}

#[derive(Default)]
pub struct Stats {
    pub requests: AtomicU64,
    pub instances: AtomicU64,
    pub traps: AtomicU64,
    /// Instances still running, answered or not: shutdown waits for them.
    pub running: AtomicU64,
    calls: [AtomicU64; Call::ALL.len()],
}

impl Stats {
    pub fn count(&self, call: Call) {
        self.calls[call as usize].fetch_add(1, Relaxed);
    }
}

/// `requests=N instances=N traps=N calls: open=N increment=N ...`
/// (operations never called are left out).
impl fmt::Display for Stats {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "requests={} instances={} traps={} calls:",
            self.requests.load(Relaxed),
            self.instances.load(Relaxed),
            self.traps.load(Relaxed)
        )?;
        for call in Call::ALL {
            let n = self.calls[call as usize].load(Relaxed);
            if n > 0 {
                write!(f, " {}={n}", call.name())?;
            }
        }
        Ok(())
    }
}
