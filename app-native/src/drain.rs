//! Graceful drain: when the server stops accepting, every open connection is
//! told to finish the request it is answering and close.
//!
//! hyper-util's `GracefulShutdown` does this by polling a watch channel's
//! `changed()` on every poll of every connection: a lock on the channel's
//! waiter list and a round of tokio's cooperative budget per request, about
//! 250 instructions (bench/results.md). Here a connection hands its task's
//! waker over once, on its first poll, and from then on checks one atomic
//! flag per poll; `begin` wakes every connection so each sees the flag even
//! when idle.

use std::collections::HashMap;
use std::future::Future;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll, Waker};

use hyper_util::server::graceful::GracefulConnection;

#[derive(Default)]
pub struct Drain {
    draining: AtomicBool,
    waiting: Mutex<Waiting>,
}

/// The tasks of the connections that have not been told yet, by id.
#[derive(Default)]
struct Waiting {
    next_id: u64,
    wakers: HashMap<u64, Waker>,
}

impl Drain {
    fn waiting(&self) -> MutexGuard<'_, Waiting> {
        // Nothing can panic while the lock is held; a poisoned one is intact.
        self.waiting
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Tells every connection, open or yet to be polled, to finish and close.
    pub fn begin(&self) {
        self.draining.store(true, Ordering::SeqCst);
        let wakers = std::mem::take(&mut self.waiting().wakers);
        for waker in wakers.into_values() {
            waker.wake();
        }
    }

    /// `connection`, closed gracefully once `begin` is called.
    pub fn watch<C: GracefulConnection + Unpin>(self: &Arc<Self>, connection: C) -> Watched<C> {
        Watched {
            connection,
            drain: self.clone(),
            registered: None,
            told: false,
        }
    }
}

pub struct Watched<C> {
    connection: C,
    drain: Arc<Drain>,
    /// This connection's entry among the waiting wakers, and the waker in it.
    registered: Option<(u64, Waker)>,
    told: bool,
}

impl<C> Watched<C> {
    fn unregister(&mut self) {
        if let Some((id, _)) = self.registered.take() {
            self.drain.waiting().wakers.remove(&id);
        }
    }
}

impl<C: GracefulConnection + Unpin> Future for Watched<C> {
    type Output = C::Output;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<C::Output> {
        let this = self.get_mut();
        if !this.told {
            match &this.registered {
                // A task's waker stays the same: this is one comparison.
                Some((_, waker)) if waker.will_wake(cx.waker()) => {}
                Some((id, _)) => {
                    let id = *id;
                    this.drain.waiting().wakers.insert(id, cx.waker().clone());
                    this.registered = Some((id, cx.waker().clone()));
                }
                None => {
                    let mut waiting = this.drain.waiting();
                    let id = waiting.next_id;
                    waiting.next_id += 1;
                    waiting.wakers.insert(id, cx.waker().clone());
                    drop(waiting);
                    this.registered = Some((id, cx.waker().clone()));
                }
            }
            // Checked after registering, so a `begin` in between is seen
            // here or wakes this task.
            if this.drain.draining.load(Ordering::SeqCst) {
                this.told = true;
                this.unregister();
                Pin::new(&mut this.connection).graceful_shutdown();
            }
        }
        Pin::new(&mut this.connection).poll(cx)
    }
}

impl<C> Drop for Watched<C> {
    fn drop(&mut self) {
        self.unregister();
    }
}
