//! Seconds from fault to notification, per alert, against its bound.

use std::time::{Duration, Instant};

#[derive(Clone, Debug)]
pub struct Measure {
    pub alert: String,
    pub event: String,
    pub elapsed: Duration,
    /// `None`: printed, not bounded.
    pub bound: Option<Duration>,
}

#[derive(Debug, Default)]
pub struct Timeline {
    measures: Vec<Measure>,
}

impl Timeline {
    pub fn record(
        &mut self,
        alert: &str,
        event: &str,
        fault: Instant,
        arrived: Instant,
        bound: Option<Duration>,
    ) {
        let measure = Measure {
            alert: alert.to_owned(),
            event: event.to_owned(),
            elapsed: arrived.saturating_duration_since(fault),
            bound,
        };
        eprintln!("    {}", Self::line(&measure));
        self.measures.push(measure);
    }

    fn line(m: &Measure) -> String {
        let (bound, verdict) = match m.bound {
            Some(bound) if m.elapsed <= bound => (format!("{:5.1} s", bound.as_secs_f64()), "ok"),
            Some(bound) => (format!("{:5.1} s", bound.as_secs_f64()), "TOO SLOW"),
            None => ("    -  ".to_owned(), ""),
        };
        format!(
            "{:<28} {:<44} {:6.1} s   bound {bound} {verdict}",
            m.alert,
            m.event,
            m.elapsed.as_secs_f64()
        )
    }

    pub fn report(&self) -> String {
        let mut out = format!(
            "{:<28} {:<44} {:>8}   {}\n",
            "alert", "event", "fault→notification", ""
        );
        for m in &self.measures {
            out.push_str(&Self::line(m));
            out.push('\n');
        }
        out
    }

    pub fn too_slow(&self) -> Vec<&Measure> {
        self.measures
            .iter()
            .filter(|m| m.bound.is_some_and(|b| m.elapsed > b))
            .collect()
    }
}
