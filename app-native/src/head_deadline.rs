//! The HTTP/1 header read timeout, kept at the socket: a connection waiting
//! for a request head (its first, or the next one after an answer) gets
//! `timeout` for the whole head, however the bytes trickle in; then it is
//! closed. Connections that send nothing are closed the same way.
//!
//! hyper has this built in, but priced it at about 1,000 instructions per
//! request (bench/results.md): a boxed timer inserted into tokio's wheel
//! and removed again for every head, and an extra pass of its dispatcher
//! after every head to start the next one. Here each connection keeps one
//! tokio `Sleep` for its life. Deadlines only move later, so a sleep armed
//! for an earlier head goes off at or before the current deadline, and is
//! then re-armed for it: a wheel insert at most once per timeout period,
//! not per request. What a request costs is one clock read and one poll of
//! an armed sleep.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use hyper::rt::{Read, ReadBufCursor, Write};
use tokio::time::{Instant, Sleep};

/// Set by the service when hyper hands it a request: the head is in. A
/// handler may take long (demo delays) while hyper reads on; this keeps
/// that time from counting against the head.
#[derive(Default)]
pub struct HeadArrived(AtomicBool);

impl HeadArrived {
    pub fn mark(&self) {
        self.0.store(true, Ordering::Relaxed);
    }
}

pub struct HeadDeadline<T> {
    io: T,
    timeout: Duration,
    arrived: Arc<HeadArrived>,
    sleep: Pin<Box<Sleep>>,
    deadline: Instant,
    /// A head is awaited and its deadline runs.
    awaiting: bool,
    /// An answer was written since the last head arrived.
    answered: bool,
}

impl<T> HeadDeadline<T> {
    /// Must be created inside the runtime; the first head's time starts now.
    pub fn new(io: T, timeout: Duration, arrived: Arc<HeadArrived>) -> Self {
        let deadline = Instant::now() + timeout;
        HeadDeadline {
            io,
            timeout,
            arrived,
            sleep: Box::pin(tokio::time::sleep_until(deadline)),
            deadline,
            awaiting: true,
            answered: false,
        }
    }

    /// Whether the awaited head's deadline has come; arms the sleep to wake
    /// the connection when it does.
    fn head_overdue(&mut self, cx: &mut Context<'_>) -> bool {
        while self.sleep.as_mut().poll(cx).is_ready() {
            if self.sleep.deadline() >= self.deadline {
                return true;
            }
            // It went off for an earlier head: re-arm it for this one.
            self.sleep.as_mut().reset(self.deadline);
        }
        false
    }
}

impl<T: Read + Unpin> Read for HeadDeadline<T> {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: ReadBufCursor<'_>,
    ) -> Poll<io::Result<()>> {
        let this = self.get_mut();
        if !this.awaiting && this.answered {
            // The answer is out and hyper reads again: the next head's time
            // starts.
            this.awaiting = true;
            this.answered = false;
            this.arrived.0.store(false, Ordering::Relaxed);
            this.deadline = Instant::now() + this.timeout;
        }
        if this.awaiting {
            if this.arrived.0.load(Ordering::Relaxed) {
                this.awaiting = false;
            } else if this.head_overdue(cx) {
                return Poll::Ready(Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    "request head not received in time",
                )));
            }
        }
        Pin::new(&mut this.io).poll_read(cx, buf)
    }
}

impl<T: Write + Unpin> HeadDeadline<T> {
    /// HTTP/1 servers write only in answer to a head (or to refuse one and
    /// close): whatever is written, no head is awaited until it is out.
    fn answering(&mut self) -> Pin<&mut T> {
        self.awaiting = false;
        self.answered = true;
        Pin::new(&mut self.io)
    }
}

impl<T: Write + Unpin> Write for HeadDeadline<T> {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().answering().poll_write(cx, buf)
    }

    fn poll_write_vectored(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        self.get_mut().answering().poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.io.is_write_vectored()
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_flush(cx)
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.get_mut().io).poll_shutdown(cx)
    }
}
