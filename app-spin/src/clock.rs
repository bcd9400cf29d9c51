//! Time on the WASI monotonic clock: the only clock a component has, and the
//! one Spin's host drives for `subscribe-duration`.

use std::time::Duration;

use wasi::clocks::monotonic_clock;

/// A point on the monotonic clock (nanoseconds from an arbitrary origin).
/// Only the recording times requests.
#[cfg(feature = "instrumentation")]
#[derive(Clone, Copy, Debug)]
pub struct Instant(u64);

#[cfg(feature = "instrumentation")]
impl Instant {
    pub fn now() -> Self {
        Instant(monotonic_clock::now())
    }

    pub fn elapsed(self) -> Duration {
        Duration::from_nanos(monotonic_clock::now().saturating_sub(self.0))
    }
}

/// Blocks this instance for `delay`. The instance serves exactly one request,
/// so there is nothing else it could be doing meanwhile; the host keeps
/// serving other requests in other instances.
pub fn sleep(delay: Duration) {
    let nanos = u64::try_from(delay.as_nanos()).unwrap_or(u64::MAX);
    monotonic_clock::subscribe_duration(nanos).block();
}
