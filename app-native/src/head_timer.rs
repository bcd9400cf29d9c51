//! hyper's HTTP/1 header-read timeout on one tokio timer per connection.
//!
//! hyper asks its `Timer` for a new sleep at the start of every request head
//! and drops it once the head is in. With hyper-util's `TokioTimer` that is a
//! boxed tokio `Sleep` per request, inserted into the timer wheel and removed
//! again (a lock round trip each way): about 800 instructions per request,
//! the largest single cost app-native had over a bare hyper server
//! (bench/results.md). Here a connection keeps one tokio `Sleep`, and
//! hyper's per-head sleep is only a deadline beside it. Deadlines only ever
//! move later, so the connection's sleep, armed for an earlier head, always
//! goes off at or before the current head's deadline; when it does while a
//! head is still awaited, it is re-armed for that head's deadline (a wheel
//! insert once per timeout period at most, not per request) and fires for
//! real only when that deadline has come. The timeout is the same as
//! hyper's own: hyper polls the deadline while it waits for a head and
//! closes the connection when it is due.

use std::future::Future;
use std::pin::Pin;
use std::sync::{Arc, Mutex, MutexGuard};
use std::task::{Context, Poll};
use std::time::{Duration, Instant};

use hyper::rt::{Sleep, Timer};

type Shared = Arc<Mutex<Pin<Box<tokio::time::Sleep>>>>;

/// One connection's timer; hyper's HTTP/1 server uses it for nothing but the
/// header read timeout. Must be created inside the runtime.
pub struct ConnectionTimer {
    sleep: Shared,
}

impl ConnectionTimer {
    pub fn new(first_deadline: Duration) -> Self {
        ConnectionTimer {
            sleep: Arc::new(Mutex::new(Box::pin(tokio::time::sleep(first_deadline)))),
        }
    }
}

fn lock(sleep: &Shared) -> MutexGuard<'_, Pin<Box<tokio::time::Sleep>>> {
    // Only this connection's task ever locks it; a poisoned lock still holds
    // a usable timer.
    sleep
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

impl Timer for ConnectionTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn Sleep>> {
        self.sleep_until(Instant::now() + duration)
    }

    fn sleep_until(&self, deadline: Instant) -> Pin<Box<dyn Sleep>> {
        Box::pin(HeadDeadline {
            sleep: self.sleep.clone(),
            deadline: deadline.into(),
        })
    }
}

/// One head's deadline, timed by the connection's sleep.
struct HeadDeadline {
    sleep: Shared,
    deadline: tokio::time::Instant,
}

impl Future for HeadDeadline {
    type Output = ();

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let mut sleep = lock(&self.sleep);
        loop {
            if sleep.as_mut().poll(cx).is_pending() {
                return Poll::Pending;
            }
            if sleep.deadline() >= self.deadline {
                return Poll::Ready(());
            }
            // It went off for an earlier head: re-arm it for this one.
            sleep.as_mut().reset(self.deadline);
        }
    }
}

impl Sleep for HeadDeadline {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_later_head_gets_its_whole_timeout_from_a_connection_armed_earlier() {
        let timer = ConnectionTimer::new(Duration::from_millis(20));
        // The first head arrived in time: hyper dropped its deadline unpolled.
        drop(timer.sleep_until(Instant::now() + Duration::from_millis(20)));
        tokio::time::sleep(Duration::from_millis(60)).await;

        // The connection's sleep has gone off by now; the next head's
        // deadline must still be its own.
        let started = Instant::now();
        timer
            .sleep_until(started + Duration::from_millis(150))
            .await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(150) && waited < Duration::from_secs(2),
            "the second head's deadline came after {waited:?}"
        );
    }

    #[tokio::test]
    async fn a_head_that_never_comes_times_out_at_its_deadline() {
        let timer = ConnectionTimer::new(Duration::from_millis(50));
        let started = Instant::now();
        timer.sleep_until(started + Duration::from_millis(50)).await;
        let waited = started.elapsed();
        assert!(
            waited >= Duration::from_millis(50) && waited < Duration::from_secs(2),
            "{waited:?}"
        );
    }
}
