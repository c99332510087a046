//! The canonical JSON text of a snapshot file.
//!
//! Keys keep the model's field order. Objects are spread over lines; a list of objects (columns,
//! constraints, policies, grants, …) puts each element on one line of its own, so that one changed
//! part is a one-line diff; a list of strings (definition lines, enum labels) puts each string on a
//! line. Every file ends with a newline.

use std::fmt::Write;

use serde_json::Value;

const INDENT: &str = "  ";

/// Renders `value` canonically.
pub fn to_canonical(value: &Value) -> String {
    let mut out = String::new();
    write_spread(&mut out, value, 0);
    out.push('\n');
    out
}

fn write_spread(out: &mut String, value: &Value, depth: usize) {
    match value {
        Value::Object(map) if !map.is_empty() => {
            out.push_str("{\n");
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                push_indent(out, depth + 1);
                push_string(out, key);
                out.push_str(": ");
                write_spread(out, value, depth + 1);
            }
            out.push('\n');
            push_indent(out, depth);
            out.push('}');
        }
        Value::Array(items) if !items.is_empty() => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(",\n");
                }
                push_indent(out, depth + 1);
                write_compact(out, item);
            }
            out.push('\n');
            push_indent(out, depth);
            out.push(']');
        }
        other => write_compact(out, other),
    }
}

/// One line: `{"name": "id", "type": "bigint"}`.
fn write_compact(out: &mut String, value: &Value) {
    match value {
        Value::Object(map) => {
            out.push('{');
            for (i, (key, value)) in map.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                push_string(out, key);
                out.push_str(": ");
                write_compact(out, value);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push_str(", ");
                }
                write_compact(out, item);
            }
            out.push(']');
        }
        Value::String(text) => push_string(out, text),
        scalar => out.push_str(&scalar.to_string()),
    }
}

/// `text` as a JSON string, escaped as serde_json escapes it: `"`, `\` and the control
/// characters below U+0020, the common ones by their short escapes.
fn push_string(out: &mut String, text: &str) {
    out.reserve(text.len() + 2);
    out.push('"');
    let mut plain = 0;
    for (at, byte) in text.bytes().enumerate() {
        let short = match byte {
            b'"' => Some("\\\""),
            b'\\' => Some("\\\\"),
            b'\n' => Some("\\n"),
            b'\t' => Some("\\t"),
            b'\r' => Some("\\r"),
            0x08 => Some("\\b"),
            0x0c => Some("\\f"),
            0x00..=0x1f => None,
            _ => continue,
        };
        out.push_str(&text[plain..at]);
        plain = at + 1;
        match short {
            Some(escape) => out.push_str(escape),
            None => {
                let _ = write!(out, "\\u{byte:04x}");
            }
        }
    }
    out.push_str(&text[plain..]);
    out.push('"');
}

fn push_indent(out: &mut String, depth: usize) {
    for _ in 0..depth {
        out.push_str(INDENT);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn lists_of_objects_are_one_line_per_element() {
        let value = json!({
            "name": "users",
            "rls": {"enabled": true, "forced": false},
            "columns": [{"name": "id", "type": "bigint"}, {"name": "e\"mail", "tags": ["a", "b"]}],
            "definition": ["SELECT 1", "  FROM x"],
            "empty": [],
            "none": {}
        });
        assert_eq!(
            to_canonical(&value),
            r#"{
  "name": "users",
  "rls": {
    "enabled": true,
    "forced": false
  },
  "columns": [
    {"name": "id", "type": "bigint"},
    {"name": "e\"mail", "tags": ["a", "b"]}
  ],
  "definition": [
    "SELECT 1",
    "  FROM x"
  ],
  "empty": [],
  "none": {}
}
"#
        );
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let every_ascii: String = (0u8..0x80).map(char::from).collect();
        for text in [
            every_ascii.as_str(),
            "",
            "plain",
            "ü → \u{2028} 😀",
            "a\"b\\c\u{7f}",
        ] {
            let mut out = String::new();
            push_string(&mut out, text);
            assert_eq!(out, serde_json::to_string(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn output_parses_back_to_the_same_value() {
        let value = json!({"a": ["x\ny", "ü", "\u{1}"], "b": [{"c": null, "d": -5}]});
        let text = to_canonical(&value);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }
}
