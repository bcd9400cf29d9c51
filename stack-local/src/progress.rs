//! Progress lines on stderr, stamped with the time since start, so a slow
//! step shows where the time goes.

use std::time::Instant;

#[derive(Clone, Debug)]
pub struct Progress {
    start: Instant,
    enabled: bool,
}

impl Progress {
    pub fn new(enabled: bool) -> Self {
        Progress {
            start: Instant::now(),
            enabled,
        }
    }

    pub fn quiet() -> Self {
        Progress::new(false)
    }

    pub fn step(&self, message: impl AsRef<str>) {
        if self.enabled {
            eprintln!(
                "\x1b[2m[{:6.1}s]\x1b[0m {}",
                self.start.elapsed().as_secs_f64(),
                message.as_ref()
            );
        }
    }
}
