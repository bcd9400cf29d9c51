//! Durations in Prometheus' own notation (`90s`, `5m`, `1h30m`), so the
//! configuration reads like the files it renders and every value survives a
//! round trip unchanged.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A non-negative duration with millisecond resolution, as Prometheus has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PromDuration {
    millis: u64,
}

const UNITS: [(&str, u64); 7] = [
    ("y", 365 * 24 * 3_600_000),
    ("w", 7 * 24 * 3_600_000),
    ("d", 24 * 3_600_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1_000),
    ("ms", 1),
];

impl PromDuration {
    pub const fn from_millis(millis: u64) -> Self {
        PromDuration { millis }
    }

    pub const fn from_secs(secs: u64) -> Self {
        PromDuration {
            millis: secs * 1_000,
        }
    }

    pub const fn from_mins(mins: u64) -> Self {
        Self::from_secs(mins * 60)
    }

    pub const fn from_hours(hours: u64) -> Self {
        Self::from_mins(hours * 60)
    }

    pub const fn from_days(days: u64) -> Self {
        Self::from_hours(days * 24)
    }

    pub fn as_millis(self) -> u64 {
        self.millis
    }

    pub fn as_secs_f64(self) -> f64 {
        self.millis as f64 / 1000.0
    }

    pub fn is_zero(self) -> bool {
        self.millis == 0
    }
}

impl fmt::Display for PromDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.millis == 0 {
            return f.write_str("0s");
        }
        // Weeks and years are skipped when writing: `14d` reads better than `2w`.
        let mut rest = self.millis;
        for (unit, size) in UNITS.iter().filter(|(u, _)| !matches!(*u, "y" | "w")) {
            if rest >= *size {
                write!(f, "{}{unit}", rest / size)?;
                rest %= size;
            }
        }
        Ok(())
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseDurationError(String);

impl fmt::Display for ParseDurationError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "invalid duration {:?}: expected e.g. \"30s\", \"5m\", \"1h30m\" (units ms, s, m, h, d, w, y)",
            self.0
        )
    }
}

impl std::error::Error for ParseDurationError {}

impl FromStr for PromDuration {
    type Err = ParseDurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let error = || ParseDurationError(text.to_owned());
        if text.is_empty() {
            return Err(error());
        }
        let mut millis: u64 = 0;
        let mut rest = text;
        // Units must appear from largest to smallest, each at most once, as
        // Prometheus requires.
        let mut next_unit = 0;
        while !rest.is_empty() {
            let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
            if digits == 0 {
                return Err(error());
            }
            let number: u64 = rest[..digits].parse().map_err(|_| error())?;
            rest = &rest[digits..];
            let position = UNITS[next_unit..]
                .iter()
                .position(|(unit, _)| {
                    rest.starts_with(unit) && !(*unit == "m" && rest.starts_with("ms"))
                })
                .ok_or_else(error)?;
            let (unit, size) = UNITS[next_unit + position];
            rest = &rest[unit.len()..];
            next_unit += position + 1;
            millis = number
                .checked_mul(size)
                .and_then(|v| millis.checked_add(v))
                .ok_or_else(error)?;
        }
        Ok(PromDuration { millis })
    }
}

impl Serialize for PromDuration {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for PromDuration {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let text = String::deserialize(deserializer)?;
        text.parse().map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_prometheus_notation() {
        let cases = [
            ("0s", 0),
            ("500ms", 500),
            ("30s", 30_000),
            ("5m", 300_000),
            ("1h30m", 5_400_000),
            ("2d", 172_800_000),
            ("1w", 604_800_000),
            ("1m30s500ms", 90_500),
        ];
        for (text, millis) in cases {
            assert_eq!(
                text.parse::<PromDuration>().unwrap().as_millis(),
                millis,
                "{text}"
            );
        }
    }

    #[test]
    fn rejects_what_prometheus_rejects() {
        for text in [
            "", "5", "m", "5x", "1.5m", "30s1m", "5m5m", "-1s", " 5m", "5m ",
        ] {
            assert!(text.parse::<PromDuration>().is_err(), "{text:?} accepted");
        }
    }

    #[test]
    fn displays_round_trip() {
        for text in [
            "0s",
            "500ms",
            "30s",
            "5m",
            "1h30m",
            "3d",
            "1d6h",
            "1m30s500ms",
        ] {
            let parsed: PromDuration = text.parse().unwrap();
            assert_eq!(parsed.to_string(), text);
        }
        assert_eq!(PromDuration::from_days(14).to_string(), "14d");
    }
}
