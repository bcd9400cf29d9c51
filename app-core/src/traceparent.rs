//! The trace id of a W3C Trace Context `traceparent` header, for the
//! exemplar on the request duration histogram.
//!
//! A header that is not valid by the spec (W3C Trace Context, "traceparent
//! Header" and "Versioning of traceparent") yields nothing: the request is
//! recorded as if it had carried no header. Only the 128-bit number is kept,
//! never the header's text, so nothing a client sends is echoed.

use http::HeaderMap;
use http::header::HeaderName;
#[cfg(feature = "registry")]
use prometheus_client::encoding::{EncodeLabelValue, LabelValueEncoder};

/// The header's name as a constant: the lookup parses no name per request,
/// and the compiler sees which kind of name it is (measured: cheaper than
/// a `static` borrowed at run time).
pub const TRACEPARENT: HeaderName = HeaderName::from_static("traceparent");

/// `version-trace_id-parent_id-flags`: 2 + 1 + 32 + 1 + 16 + 1 + 2.
const VERSION_00_LEN: usize = 55;

/// A trace id: 16 bytes, not all zero.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TraceId(u128);

impl TraceId {
    pub fn new(id: u128) -> Option<TraceId> {
        (id != 0).then_some(TraceId(id))
    }

    pub fn get(self) -> u128 {
        self.0
    }
}

/// Written back as the spec spells it: 32 lowercase hex digits.
impl std::fmt::Display for TraceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:032x}", self.0)
    }
}

#[cfg(feature = "registry")]
impl EncodeLabelValue for TraceId {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        std::fmt::Write::write_fmt(encoder, format_args!("{self}"))
    }
}

/// The exemplar's label set: the trace id alone (40 characters, well inside
/// OpenMetrics' 128-character limit for an exemplar's labels).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
#[cfg_attr(
    feature = "registry",
    derive(prometheus_client::encoding::EncodeLabelSet)
)]
pub struct TraceExemplar {
    pub trace_id: TraceId,
}

/// The trace id of the request's `traceparent`, if it carries exactly one
/// valid one. The spec's test suite treats a repeated header as invalid.
pub fn from_headers(headers: &HeaderMap) -> Option<TraceId> {
    // The one lookup a request without the header pays.
    let mut values = headers.get_all(TRACEPARENT).iter();
    let value = values.next()?;
    if values.next().is_some() {
        return None;
    }
    parse(value.as_bytes())
}

/// Parses one header value. Version `00` must be exactly 55 characters;
/// a later version may append fields after a dash, which are not read.
pub fn parse(value: &[u8]) -> Option<TraceId> {
    // Optional whitespace around a field value is not part of it (RFC 9110).
    let value = value.trim_ascii();
    if value.len() < VERSION_00_LEN {
        return None;
    }
    let version = hex_field(&value[0..2])?;
    if version == 0xff || value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
        return None;
    }
    let rest = &value[VERSION_00_LEN..];
    let tail_ok = match version {
        0 => rest.is_empty(),
        _ => rest.is_empty() || rest[0] == b'-',
    };
    if !tail_ok {
        return None;
    }
    let trace_id = TraceId::new(hex_field(&value[3..35])?)?;
    if hex_field(&value[36..52])? == 0 {
        return None;
    }
    hex_field(&value[53..55])?;
    Some(trace_id)
}

/// Lowercase hex digits only (the spec's HEXDIGLC), at most 32 of them.
fn hex_field(digits: &[u8]) -> Option<u128> {
    digits.iter().try_fold(0u128, |acc, &digit| {
        let nibble = match digit {
            b'0'..=b'9' => digit - b'0',
            b'a'..=b'f' => digit - b'a' + 10,
            _ => return None,
        };
        Some(acc << 4 | u128::from(nibble))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    const VALID: &str = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";

    fn id(text: &str) -> Option<String> {
        parse(text.as_bytes()).map(|id| id.to_string())
    }

    #[test]
    fn valid_headers_yield_their_trace_id() {
        assert_eq!(id(VALID).as_deref(), Some(TRACE));
        // Not sampled is still a trace; surrounding whitespace is not the value.
        assert_eq!(id(&VALID.replace("-01", "-00")).as_deref(), Some(TRACE));
        assert_eq!(id(&format!(" \t{VALID} ")).as_deref(), Some(TRACE));
        // Leading zeros survive the round trip through the number.
        let small = "00-00000000000000000000000000000001-0000000000000001-01";
        assert_eq!(id(small).unwrap(), "00000000000000000000000000000001");
        // A later version may carry more fields after a dash.
        assert_eq!(
            id(&format!("cc{}-what-the-future-holds", &VALID[2..])).as_deref(),
            Some(TRACE)
        );
        assert_eq!(id(&format!("01{}", &VALID[2..])).as_deref(), Some(TRACE));
    }

    #[test]
    fn invalid_headers_yield_nothing() {
        let hostile = [
            String::new(),
            "junk".to_owned(),
            VALID[..54].to_owned(),
            format!("{VALID}0"),
            format!("{VALID}-"),
            format!("{VALID}-extra"),
            format!("{VALID}{}", "a".repeat(8192)),
            VALID.to_uppercase(),
            VALID.replace("4bf92f", "4BF92F"),
            VALID.replace("00f067", "00F067"),
            VALID.replace("-01", "-0A"),
            format!("ff{}", &VALID[2..]),
            format!("0g{}", &VALID[2..]),
            format!("cc{}.what-the-future-holds", &VALID[2..]),
            VALID.replace(TRACE, &"0".repeat(32)),
            VALID.replace("00f067aa0ba902b7", &"0".repeat(16)),
            VALID.replace('-', "_"),
            VALID.replacen("-", "--", 1)[..55].to_owned(),
            VALID.replace("4bf92f", "4bf92\u{e9}"),
            VALID.replace(TRACE, &format!("{}\"}}", &TRACE[..30])),
            VALID.replace(TRACE, &format!("{} ", &TRACE[..31])),
            VALID.replace("-01", "-1"),
        ];
        for value in &hostile {
            assert_eq!(id(value), None, "{value:?} was accepted");
        }
    }

    #[test]
    fn a_repeated_header_is_ignored() {
        let mut headers = HeaderMap::new();
        assert_eq!(from_headers(&headers), None);
        headers.append(TRACEPARENT, VALID.parse().unwrap());
        assert_eq!(from_headers(&headers).unwrap().to_string(), TRACE);
        headers.append(TRACEPARENT, VALID.parse().unwrap());
        assert_eq!(from_headers(&headers), None);
    }

    #[test]
    fn header_names_match_in_any_case() {
        let mut headers = HeaderMap::new();
        let name = HeaderName::from_bytes(b"TraceParent").unwrap();
        headers.insert(name, VALID.parse().unwrap());
        assert_eq!(from_headers(&headers).unwrap().to_string(), TRACE);
    }
}
