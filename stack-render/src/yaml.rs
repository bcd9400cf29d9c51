//! A small YAML writer for rendered files.
//!
//! Everything rendered is built as `serde_json::Value` (key order kept), then
//! written here as block-style YAML. Writing it ourselves keeps the output
//! stable across crate versions (the drift test compares bytes), lets PromQL
//! read as literal blocks, and quotes every string that YAML 1.1 or 1.2 could
//! read as something else (`on`, `5m`, `0.1.0`, `a: b`).

use serde::Serialize;
use serde_json::Value;

/// One YAML document, with a comment header (each line prefixed by `# `).
pub fn document(header: &str, value: &impl Serialize) -> String {
    let mut out = String::new();
    for line in header.lines() {
        if line.is_empty() {
            out.push_str("#\n");
        } else {
            out.push_str("# ");
            out.push_str(line);
            out.push('\n');
        }
    }
    out.push_str(&to_string(value));
    out
}

/// The value as block-style YAML, ending in a newline.
pub fn to_string(value: &impl Serialize) -> String {
    let value = serde_json::to_value(value).expect("rendered values are plain data");
    let mut out = String::new();
    match &value {
        Value::Object(map) if !map.is_empty() => write_map(&mut out, map, 0),
        Value::Array(items) if !items.is_empty() => write_seq(&mut out, items, 0),
        scalar => {
            write_inline(&mut out, scalar, 0);
            out.push('\n');
        }
    }
    out
}

fn indent(out: &mut String, level: usize) {
    out.extend(std::iter::repeat_n(' ', level));
}

fn write_map(out: &mut String, map: &serde_json::Map<String, Value>, level: usize) {
    for (key, value) in map {
        indent(out, level);
        write_key(out, key);
        write_after_key(out, value, level);
    }
}

/// Writes `: value` for a key at `level`, nesting blocks one level deeper.
fn write_after_key(out: &mut String, value: &Value, level: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str(":\n");
            write_map(out, map, level + 2);
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str(":\n");
            write_seq(out, items, level + 2);
        }
        scalar => {
            out.push_str(": ");
            write_inline(out, scalar, level + 2);
            out.push('\n');
        }
    }
}

fn write_seq(out: &mut String, items: &[Value], level: usize) {
    for item in items {
        indent(out, level);
        out.push('-');
        match item {
            Value::Object(map) if !map.is_empty() => {
                // The first key shares the dash's line; the rest align under it.
                let mut entries = map.iter();
                let (key, value) = entries.next().expect("non-empty");
                out.push(' ');
                write_key(out, key);
                write_after_key(out, value, level + 2);
                for (key, value) in entries {
                    indent(out, level + 2);
                    write_key(out, key);
                    write_after_key(out, value, level + 2);
                }
            }
            Value::Array(inner) if !inner.is_empty() => {
                out.push('\n');
                write_seq(out, inner, level + 2);
            }
            scalar => {
                out.push(' ');
                write_inline(out, scalar, level + 2);
                out.push('\n');
            }
        }
    }
}

fn write_key(out: &mut String, key: &str) {
    if is_plain(key) {
        out.push_str(key);
    } else {
        out.push_str(&quoted(key));
    }
}

/// A scalar (or empty collection) after `key: ` or `- `; multi-line strings
/// become literal blocks indented to `block_level`.
fn write_inline(out: &mut String, value: &Value, block_level: usize) {
    match value {
        Value::Null => out.push_str("null"),
        Value::Bool(b) => out.push_str(if *b { "true" } else { "false" }),
        Value::Number(n) => out.push_str(&n.to_string()),
        Value::String(s) => write_string(out, s, block_level),
        Value::Array(_) => out.push_str("[]"),
        Value::Object(_) => out.push_str("{}"),
    }
}

fn write_string(out: &mut String, s: &str, block_level: usize) {
    if is_plain(s) {
        out.push_str(s);
    } else if fits_literal_block(s) {
        let body = s.strip_suffix('\n');
        out.push_str(if body.is_some() { "|" } else { "|-" });
        for line in body.unwrap_or(s).split('\n') {
            out.push('\n');
            if !line.is_empty() {
                indent(out, block_level);
                out.push_str(line);
            }
        }
    } else {
        out.push_str(&quoted(s));
    }
}

/// Multi-line text that a literal block reproduces exactly: no leading
/// indentation to confuse the block's own, no control characters, no
/// trailing blank lines (which `|` would fold).
fn fits_literal_block(s: &str) -> bool {
    s.contains('\n')
        && !s.starts_with([' ', '\t', '\n'])
        && !s.ends_with("\n\n")
        && !s.chars().any(|c| c.is_control() && c != '\n')
        && s.lines().all(|line| line == line.trim_end())
}

/// Single quotes when the text is printable (only `'` needs doubling, so
/// PromQL stays readable); otherwise JSON's double-quoted form, which is a
/// valid YAML double-quoted scalar.
fn quoted(s: &str) -> String {
    if s.chars().any(char::is_control) {
        serde_json::to_string(s).expect("strings serialize")
    } else {
        format!("'{}'", s.replace('\'', "''"))
    }
}

/// Strings that read back as the same string in YAML 1.1 and 1.2 without
/// quotes. Deliberately narrow: anything doubtful is quoted.
fn is_plain(s: &str) -> bool {
    const RESERVED: [&str; 14] = [
        "true", "false", "yes", "no", "on", "off", "y", "n", "null", "nan", "inf", "~", "=", "<<",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    (first.is_ascii_alphabetic() || first == '_' || first == '/')
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '/' | ' ' | ':'))
        && !s.ends_with([' ', ':'])
        && !s.contains(": ")
        && !s.contains("  ")
        && !RESERVED.contains(&s.to_ascii_lowercase().as_str())
}

#[cfg(test)]
/// Parses what the writer wrote and compares it with the input.
pub(crate) fn assert_round_trip(value: &Value) {
    let text = to_string(value);
    let parsed: Value = serde_yaml::from_str(&text)
        .unwrap_or_else(|e| panic!("the writer wrote YAML that does not parse ({e}):\n{text}"));
    assert_eq!(&parsed, value, "read back differently:\n{text}");
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn writes_nested_blocks() {
        let value = json!({
            "global": {"scrape_interval": "15s"},
            "rule_files": ["rules/app.yml"],
            "scrape_configs": [
                {"job_name": "app", "static_configs": [{"targets": ["a:1", "b:2"]}]},
            ],
            "empty": {},
            "none": [],
        });
        let expected = "\
global:
  scrape_interval: '15s'
rule_files:
  - rules/app.yml
scrape_configs:
  - job_name: app
    static_configs:
      - targets:
          - a:1
          - b:2
empty: {}
none: []
";
        assert_eq!(to_string(&value), expected);
    }

    #[test]
    fn quotes_what_yaml_would_misread() {
        for s in [
            "on", "No", "null", "5m", "0.1.0", "1", "-", "a: b", "#x", "*", "x #y", "", " a", "a ",
            "true", "@x", "a\"b",
        ] {
            assert!(!is_plain(s), "{s:?} left plain");
        }
        for s in [
            "app",
            "app-native",
            "/metrics",
            "HighErrorRate",
            "a b",
            "le",
        ] {
            assert!(is_plain(s), "{s:?} quoted");
        }
    }

    #[test]
    fn quotes_preserve_text() {
        assert_eq!(quoted("it's {job=\"a\"}"), "'it''s {job=\"a\"}'");
        assert_eq!(quoted("tab\there"), "\"tab\\there\"");
    }

    #[test]
    fn multi_line_strings_become_literal_blocks() {
        let value = json!({"expr": "sum(\n  rate(x[5m])\n)", "text": "a\nb\n"});
        assert_eq!(
            to_string(&value),
            "expr: |-\n  sum(\n    rate(x[5m])\n  )\ntext: |\n  a\n  b\n"
        );
    }

    #[test]
    fn what_it_writes_reads_back_as_the_input() {
        let tricky: Vec<Value> = [
            "on",
            "No",
            "null",
            "5m",
            "0.1.0",
            "1",
            "-",
            "a: b",
            "#x",
            "*",
            "x #y",
            "",
            " a",
            "a ",
            "true",
            "@x",
            "a\"b",
            "it's",
            "tab\there",
            "[::1]:9095",
            "{{ $labels.pod }}",
            "sum(\n  rate(x[5m])\n)",
            "a\nb\n",
            "trailing\n\n",
            "\nleading",
        ]
        .into_iter()
        .map(Value::from)
        .collect();
        assert_round_trip(&json!({
            "strings": tricky,
            "numbers": [0, 1, -3, 0.5, 1.5e-3, 65534, 1.0],
            "flags": [true, false, null],
            "nested": {"empty_map": {}, "empty_list": [], "list_of_maps": [{"a": 1}, {"b": [1, 2]}]},
            "lists": [[1, 2], [], [[]]],
        }));
    }
}
