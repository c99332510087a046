//! The canonical JSON text of a snapshot file.
//!
//! Keys keep the model's field order. Objects are spread over lines; a list of objects (columns,
//! constraints, policies, grants, …) puts each element on one line of its own, so that one changed
//! part is a one-line diff; a list of strings (definition lines, enum labels) puts each string on a
//! line. Every file ends with a newline.

use std::fmt::{self, Write};

use serde::ser::{self, Serialize};

const INDENT: &str = "  ";

/// Renders `value` canonically, written straight from its `Serialize` (a model object or a
/// parsed `serde_json::Value` alike), with no JSON tree in between.
pub fn to_canonical<T: Serialize + ?Sized>(value: &T) -> String {
    let mut out = String::new();
    value
        .serialize(Canonical {
            out: &mut out,
            depth: 0,
            spread: true,
        })
        .expect("snapshot values have string keys");
    out.push('\n');
    out
}

/// What the model cannot be written as: a map key that is not a string.
#[derive(Debug)]
pub struct Error(String);

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Error {}

impl ser::Error for Error {
    fn custom<T: fmt::Display>(message: T) -> Self {
        Error(message.to_string())
    }
}

/// Writes one value at `depth`: spread over lines (an object's fields each on a line, its
/// lists one element per line) or, inside a list, compact on one line.
struct Canonical<'a> {
    out: &'a mut String,
    depth: usize,
    spread: bool,
}

impl<'a> Canonical<'a> {
    fn scalar(self, text: impl fmt::Display) -> Result<(), Error> {
        let _ = write!(self.out, "{text}");
        Ok(())
    }

    fn open(self, brackets: [char; 2], fields: bool) -> Compound<'a> {
        Compound {
            out: self.out,
            depth: self.depth,
            spread: self.spread,
            brackets,
            fields,
            count: 0,
            variant: false,
        }
    }

    /// `{"variant": <what follows>}`, the following container closing it too.
    fn variant(self, variant: &str, brackets: [char; 2], fields: bool) -> Compound<'a> {
        let mut outer = self.open(['{', '}'], true);
        outer.key_str(variant);
        let mut inner = Canonical {
            out: outer.out,
            depth: outer.depth + 1,
            spread: outer.spread,
        }
        .open(brackets, fields);
        inner.variant = true;
        inner
    }
}

/// An object or a list being written.
struct Compound<'a> {
    out: &'a mut String,
    depth: usize,
    spread: bool,
    brackets: [char; 2],
    /// Whether it is an object, whose values are spread when it is.
    fields: bool,
    count: usize,
    /// Whether it is the value of a one-field `{"variant": …}` object that closes with it.
    variant: bool,
}

impl Compound<'_> {
    /// Starts the next element: the opening bracket or a separator, then its indentation.
    fn next(&mut self) {
        match (self.count, self.spread) {
            (0, true) => {
                self.out.push(self.brackets[0]);
                self.out.push('\n');
            }
            (0, false) => self.out.push(self.brackets[0]),
            (_, true) => self.out.push_str(",\n"),
            (_, false) => self.out.push_str(", "),
        }
        if self.spread {
            push_indent(self.out, self.depth + 1);
        }
        self.count += 1;
    }

    fn key_str(&mut self, key: &str) {
        self.next();
        push_string(self.out, key);
        self.out.push_str(": ");
    }

    /// Where the next element is written: an object's values spread as the object is, a
    /// list's elements on one line each.
    fn element(&mut self) -> Canonical<'_> {
        Canonical {
            out: self.out,
            depth: self.depth + 1,
            spread: self.spread && self.fields,
        }
    }

    fn close(self) {
        match (self.count, self.spread) {
            (0, _) => {
                self.out.push(self.brackets[0]);
                self.out.push(self.brackets[1]);
            }
            (_, true) => {
                self.out.push('\n');
                push_indent(self.out, self.depth);
                self.out.push(self.brackets[1]);
            }
            (_, false) => self.out.push(self.brackets[1]),
        }
        if self.variant {
            if self.spread {
                self.out.push('\n');
                push_indent(self.out, self.depth - 1);
            }
            self.out.push('}');
        }
    }
}

/// Methods that write a number or a bool as Rust displays it, which is as JSON writes it.
macro_rules! scalars {
    ($($method:ident: $type:ty),*) => {$(
        fn $method(self, v: $type) -> Result<(), Error> {
            self.scalar(v)
        }
    )*};
}

/// The serde traits of tuples, written as lists.
macro_rules! as_list {
    ($($trait:ident::$method:ident),*) => {$(
        impl ser::$trait for Compound<'_> {
            type Ok = ();
            type Error = Error;
            fn $method<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
                ser::SerializeSeq::serialize_element(self, value)
            }
            fn end(self) -> Result<(), Error> {
                ser::SerializeSeq::end(self)
            }
        }
    )*};
}

impl<'a> ser::Serializer for Canonical<'a> {
    type Ok = ();
    type Error = Error;
    type SerializeSeq = Compound<'a>;
    type SerializeTuple = Compound<'a>;
    type SerializeTupleStruct = Compound<'a>;
    type SerializeTupleVariant = Compound<'a>;
    type SerializeMap = Compound<'a>;
    type SerializeStruct = Compound<'a>;
    type SerializeStructVariant = Compound<'a>;

    scalars!(
        serialize_bool: bool,
        serialize_i8: i8,
        serialize_i16: i16,
        serialize_i32: i32,
        serialize_i64: i64,
        serialize_i128: i128,
        serialize_u8: u8,
        serialize_u16: u16,
        serialize_u32: u32,
        serialize_u64: u64,
        serialize_u128: u128
    );
    fn serialize_f32(self, v: f32) -> Result<(), Error> {
        self.serialize_f64(f64::from(v))
    }
    fn serialize_f64(self, v: f64) -> Result<(), Error> {
        // As serde_json writes it: the shortest form that reads back, and null when not finite.
        let text = serde_json::to_string(&v).map_err(|e| Error(e.to_string()))?;
        self.scalar(text)
    }
    fn serialize_char(self, v: char) -> Result<(), Error> {
        self.serialize_str(v.encode_utf8(&mut [0; 4]))
    }
    fn serialize_str(self, v: &str) -> Result<(), Error> {
        push_string(self.out, v);
        Ok(())
    }
    fn serialize_bytes(self, v: &[u8]) -> Result<(), Error> {
        let mut list = self.open(['[', ']'], false);
        for byte in v {
            list.next();
            let _ = write!(list.out, "{byte}");
        }
        list.close();
        Ok(())
    }
    fn serialize_none(self) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_some<T: Serialize + ?Sized>(self, value: &T) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_unit(self) -> Result<(), Error> {
        self.out.push_str("null");
        Ok(())
    }
    fn serialize_unit_struct(self, _: &'static str) -> Result<(), Error> {
        self.serialize_unit()
    }
    fn serialize_unit_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
    ) -> Result<(), Error> {
        self.serialize_str(variant)
    }
    fn serialize_newtype_struct<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        value.serialize(self)
    }
    fn serialize_newtype_variant<T: Serialize + ?Sized>(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        let mut outer = self.open(['{', '}'], true);
        outer.key_str(variant);
        value.serialize(outer.element())?;
        outer.close();
        Ok(())
    }
    fn serialize_seq(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.open(['[', ']'], false))
    }
    fn serialize_tuple(self, _: usize) -> Result<Compound<'a>, Error> {
        Ok(self.open(['[', ']'], false))
    }
    fn serialize_tuple_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(self.open(['[', ']'], false))
    }
    fn serialize_tuple_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.variant(variant, ['[', ']'], false))
    }
    fn serialize_map(self, _: Option<usize>) -> Result<Compound<'a>, Error> {
        Ok(self.open(['{', '}'], true))
    }
    fn serialize_struct(self, _: &'static str, _: usize) -> Result<Compound<'a>, Error> {
        Ok(self.open(['{', '}'], true))
    }
    fn serialize_struct_variant(
        self,
        _: &'static str,
        _: u32,
        variant: &'static str,
        _: usize,
    ) -> Result<Compound<'a>, Error> {
        Ok(self.variant(variant, ['{', '}'], true))
    }
}

impl ser::SerializeSeq for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_element<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        self.next();
        value.serialize(self.element())
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

as_list!(
    SerializeTuple::serialize_element,
    SerializeTupleStruct::serialize_field,
    SerializeTupleVariant::serialize_field
);

impl ser::SerializeMap for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_key<T: Serialize + ?Sized>(&mut self, key: &T) -> Result<(), Error> {
        // A key is written as serde_json writes one: a string as it is, a number or a bool
        // in quotes; anything else has no JSON key.
        let mut text = String::new();
        key.serialize(Canonical {
            out: &mut text,
            depth: 0,
            spread: false,
        })?;
        let key = if text.starts_with('"') {
            text
        } else if text == "true" || text == "false" || text.parse::<f64>().is_ok() {
            format!("\"{text}\"")
        } else {
            return Err(Error(format!("a map key must be a string, not {text}")));
        };
        self.next();
        self.out.push_str(&key);
        self.out.push_str(": ");
        Ok(())
    }
    fn serialize_value<T: Serialize + ?Sized>(&mut self, value: &T) -> Result<(), Error> {
        value.serialize(self.element())
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeStruct for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        self.key_str(key);
        value.serialize(self.element())
    }
    fn end(self) -> Result<(), Error> {
        self.close();
        Ok(())
    }
}

impl ser::SerializeStructVariant for Compound<'_> {
    type Ok = ();
    type Error = Error;
    fn serialize_field<T: Serialize + ?Sized>(
        &mut self,
        key: &'static str,
        value: &T,
    ) -> Result<(), Error> {
        ser::SerializeStruct::serialize_field(self, key, value)
    }
    fn end(self) -> Result<(), Error> {
        ser::SerializeStruct::end(self)
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
    use serde_json::{json, Value};

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
    fn a_value_is_written_as_its_json_tree_would_be() {
        #[derive(serde::Serialize)]
        enum Shape {
            Unit,
            Newtype(u8),
            Tuple(i32, String),
            Struct { a: bool, b: Vec<u8> },
        }
        #[derive(serde::Serialize)]
        struct Inner {
            name: &'static str,
            #[serde(skip_serializing_if = "Option::is_none")]
            skipped: Option<u8>,
            shapes: Vec<Shape>,
        }
        #[derive(serde::Serialize)]
        struct Outer {
            inner: Inner,
            list: Vec<Inner>,
            shape: Shape,
            tuple: Shape,
            fields: Shape,
            unit: Shape,
            by_number: std::collections::BTreeMap<u32, f64>,
            letter: char,
            nothing: Option<String>,
            empty: Vec<u8>,
            none: std::collections::BTreeMap<String, u8>,
            unit_value: (),
        }
        let inner = |name| Inner {
            name,
            skipped: None,
            shapes: vec![
                Shape::Unit,
                Shape::Newtype(7),
                Shape::Tuple(-1, "x\ty".into()),
            ],
        };
        let value = Outer {
            inner: inner("a"),
            list: vec![inner("b"), inner("c")],
            shape: Shape::Newtype(1),
            tuple: Shape::Tuple(2, "two".into()),
            fields: Shape::Struct {
                a: true,
                b: vec![0, 255],
            },
            unit: Shape::Unit,
            by_number: [(1, 0.5), (20, f64::NAN), (3, 1e300)].into(),
            letter: '\u{e9}',
            nothing: None,
            empty: Vec::new(),
            none: Default::default(),
            unit_value: (),
        };
        let tree = serde_json::to_value(&value).unwrap();
        assert_eq!(to_canonical(&value), to_canonical(&tree));
    }

    #[test]
    fn output_parses_back_to_the_same_value() {
        let value = json!({"a": ["x\ny", "ü", "\u{1}"], "b": [{"c": null, "d": -5}]});
        let text = to_canonical(&value);
        assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value);
    }
}
