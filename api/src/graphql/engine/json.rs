//! Writing a response's data as JSON, flat objects included.
//!
//! On the HTTP path, a document with no fragment, no directive on a field and no response key
//! selected twice in one selection set is *flat* ([`is_flat`]): no object of its result is
//! ever merged with another. Its [`super::direct::Direct`] objects are then written as JSON
//! the moment their fields are resolved, and travel up as that JSON ([`flat`]) instead of as a
//! map of values that is hashed into, walked once more to be written, and dropped.
//!
//! [`write_value`] writes every other value exactly as async-graphql's `Serialize` writes it
//! through serde_json (numbers through serde_json itself, strings escaped as it escapes
//! them), and a flat object as the JSON it holds. A flat object is carried as a [`Value::Binary`]: shopgraph's schema
//! answers no binary value (`graphql::tests::the_schema_answers_no_binary_value`), so in a response's
//! data a `Binary` is always a flat object. Held byte for byte to the stock executor by
//! `tests/tests/differential.rs`.

use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql::{Positioned, Value};
use std::collections::HashSet;

/// Put in a request's data, it has [`super::direct::Direct`] objects written as they are
/// resolved ([`flat`]); the response's data must then be written by [`write_value`].
pub struct Flat;

/// A flat object: its JSON, `{` to `}`; or a list of them, `[` to `]` (a connection's
/// `nodes`, see [`super::connection`]).
pub fn flat(json: Vec<u8>) -> Value {
    Value::Binary(json.into())
}

/// Whether no object of `document`'s results can be merged with another: no fragment, no
/// directive on a field, and no response key twice in one selection set.
pub fn is_flat(document: &ExecutableDocument) -> bool {
    document.fragments.is_empty()
        && document
            .operations
            .iter()
            .all(|(_, operation)| flat_set(&operation.node.selection_set))
}

fn flat_set(set: &Positioned<SelectionSet>) -> bool {
    let mut keys = HashSet::with_capacity(set.node.items.len());
    set.node
        .items
        .iter()
        .all(|selection| match &selection.node {
            Selection::Field(field) => {
                field.node.directives.is_empty()
                    && keys.insert(field.node.response_key().node.as_str())
                    && flat_set(&field.node.selection_set)
            }
            Selection::FragmentSpread(_) | Selection::InlineFragment(_) => false,
        })
}

/// Appends `value` as JSON: as serde_json writes async-graphql's values, flat objects as the
/// JSON they hold.
pub fn write_value(out: &mut Vec<u8>, value: &Value) {
    match value {
        Value::Null => out.extend_from_slice(b"null"),
        Value::Number(number) => write_serde(out, number),
        Value::String(text) => write_str(out, text),
        Value::Boolean(true) => out.extend_from_slice(b"true"),
        Value::Boolean(false) => out.extend_from_slice(b"false"),
        Value::Binary(json) => out.extend_from_slice(json),
        Value::Enum(name) => write_str(out, name),
        Value::List(items) => {
            out.push(b'[');
            for (i, item) in items.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_value(out, item);
            }
            out.push(b']');
        }
        Value::Object(entries) => {
            out.push(b'{');
            for (i, (key, value)) in entries.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                write_str(out, key);
                out.push(b':');
                write_value(out, value);
            }
            out.push(b'}');
        }
    }
}

/// About how many bytes [`write_value`] writes for `value`: exact for flat objects, and for
/// strings that need no escaping; a buffer made this large rarely grows.
pub fn written_len(value: &Value) -> usize {
    match value {
        Value::Null => 4,
        Value::Number(_) => 24,
        Value::String(text) => text.len() + 2,
        Value::Boolean(_) => 5,
        Value::Binary(json) => json.len(),
        Value::Enum(name) => name.len() + 2,
        // Each item and its comma, the last one's comma standing for the brackets' second.
        Value::List(items) => {
            items
                .iter()
                .map(|item| written_len(item) + 1)
                .sum::<usize>()
                .max(1)
                + 1
        }
        Value::Object(entries) => {
            entries
                .iter()
                .map(|(key, value)| key.len() + 4 + written_len(value))
                .sum::<usize>()
                .max(1)
                + 1
        }
    }
}

/// Appends `text` as a JSON string, escaped exactly as serde_json escapes it (`"`, `\\`, and
/// the control characters below U+0020, five of them by their short forms). Hand-written
/// because serde_json checks each byte against a table and writes each unescaped run through
/// `io::Write`; this finds the runs eight bytes at a time (`plain_len`). See
/// docs/PERFORMANCE.md for what it saves.
pub fn write_str(out: &mut Vec<u8>, text: &str) {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let bytes = text.as_bytes();
    out.reserve(bytes.len() + 2);
    out.push(b'"');
    let mut rest = bytes;
    loop {
        let plain = plain_len(rest);
        out.extend_from_slice(&rest[..plain]);
        let Some((&byte, after)) = rest[plain..].split_first() else {
            break;
        };
        rest = after;
        let short = match byte {
            b'"' => b'"',
            b'\\' => b'\\',
            0x08 => b'b',
            0x0c => b'f',
            b'\n' => b'n',
            b'\r' => b'r',
            b'\t' => b't',
            _ => {
                let hex = [HEX[usize::from(byte >> 4)], HEX[usize::from(byte & 0xf)]];
                out.extend_from_slice(b"\\u00");
                out.extend_from_slice(&hex);
                continue;
            }
        };
        out.extend_from_slice(&[b'\\', short]);
    }
    out.push(b'"');
}

/// How many bytes `bytes` starts with that JSON writes as they are (none below 0x20, no `"`,
/// no `\`).
fn plain_len(bytes: &[u8]) -> usize {
    const ONES: u64 = u64::from_ne_bytes([0x01; 8]);
    const HIGH: u64 = u64::from_ne_bytes([0x80; 8]);
    // Whether any byte of `word` is below `n` (n <= 0x80): the classic word-at-a-time test,
    // exact as to whether such a byte exists. A byte equal to `c` is a zero byte of `word ^ c`.
    let below = |word: u64, n: u8| word.wrapping_sub(ONES * u64::from(n)) & !word & HIGH != 0;
    let has = |word: u64, c: u8| below(word ^ (ONES * u64::from(c)), 1);
    let mut plain = 0;
    for chunk in bytes.chunks_exact(8) {
        let mut word = [0; 8];
        word.copy_from_slice(chunk);
        let word = u64::from_ne_bytes(word);
        if below(word, 0x20) || has(word, b'"') || has(word, b'\\') {
            break;
        }
        plain += 8;
    }
    plain
        + bytes[plain..]
            .iter()
            .position(|&b| b < 0x20 || b == b'"' || b == b'\\')
            .unwrap_or(bytes.len() - plain)
}

/// Appends `n` as a JSON number, as serde_json writes an integer.
pub fn write_int(out: &mut Vec<u8>, n: i64) {
    out.extend_from_slice(itoa::Buffer::new().format(n).as_bytes());
}

fn write_serde<T: serde::Serialize + ?Sized>(out: &mut Vec<u8>, value: &T) {
    // A number cannot fail to serialize, and a `Vec` cannot fail to be written to.
    let _ = serde_json::to_writer(out, value);
}

#[cfg(test)]
mod tests {
    use super::{is_flat, write_value};
    use async_graphql::Value;
    use serde_json::json;

    #[test]
    fn values_are_written_as_serde_json_writes_them() {
        let value = Value::from_json(json!({
            "id": "VXNlcjox",
            "quoted \"\\ \n\u{1}é": [1, -2, 3.5, 1e300, null, true, false, {}, []],
            "nested": { "b": { "a": "x" }, "a": 9_007_199_254_740_993_u64 },
        }))
        .unwrap();
        let mut out = Vec::new();
        write_value(&mut out, &value);
        assert_eq!(out, serde_json::to_vec(&value).unwrap());
        let mut out = Vec::new();
        write_value(&mut out, &Value::Enum(async_graphql::Name::new("PAID")));
        assert_eq!(out, br#""PAID""#);
    }

    #[test]
    fn integers_are_written_as_serde_json_writes_them() {
        for n in [i64::MIN, -9_007_199_254_740_991, -1, 0, 7, 1_500, i64::MAX] {
            let mut out = Vec::new();
            super::write_int(&mut out, n);
            assert_eq!(out, serde_json::to_vec(&n).expect("serializes"));
        }
    }

    #[test]
    fn strings_are_escaped_as_serde_json_escapes_them() {
        let mut every: String = (0..0x80u8).map(char::from).collect();
        every.push_str("é€😀\u{7f}\u{80}\u{2028}");
        let mut texts = vec![every, String::new(), "plain".into()];
        // Each character that is escaped, and some that are not, at every place in and
        // around an eight-byte word, after plain ASCII and after multi-byte characters.
        for special in [
            '"', '\\', '\n', '\u{0}', '\u{1f}', ' ', '!', '#', ']', '\u{7f}', 'é',
        ] {
            for at in 0..20 {
                texts.push(format!(
                    "{}{special}{}",
                    "a".repeat(at),
                    "b".repeat(20 - at)
                ));
                texts.push(format!("{}{special}ü", "é".repeat(at)));
            }
        }
        for text in &texts {
            let mut out = Vec::new();
            super::write_str(&mut out, text);
            assert_eq!(out, serde_json::to_vec(text).unwrap(), "{text:?}");
        }
    }

    #[test]
    fn the_written_length_is_exact_for_flat_objects_and_plain_strings() {
        let value = Value::List(vec![
            super::flat(br#"{"a":1}"#.to_vec()),
            Value::String("Ada".into()),
            Value::Null,
            Value::Boolean(false),
        ]);
        let mut out = Vec::new();
        write_value(&mut out, &value);
        assert_eq!(super::written_len(&value), out.len());
    }

    #[test]
    fn a_flat_object_is_written_as_it_was_made() {
        let list = Value::List(vec![super::flat(br#"{"a":1}"#.to_vec()), Value::Null]);
        let mut out = Vec::new();
        write_value(&mut out, &list);
        assert_eq!(out, br#"[{"a":1},null]"#);
    }

    #[test]
    fn documents_whose_objects_could_merge_are_not_flat() {
        let flat = |query: &str| is_flat(&async_graphql::parser::parse_query(query).unwrap());
        assert!(flat(
            "{ users { nodes { id name posts { nodes { id } } } } }"
        ));
        assert!(flat("{ a: user(id: 1) { id } b: user(id: 2) { id } }"));
        assert!(flat("query A { a { id } } query B { a { id } }"));
        assert!(!flat("{ user(id: 1) { id } user(id: 1) { name } }"));
        assert!(!flat("{ users { nodes { id id } } }"));
        assert!(!flat("{ user(id: 1) { id name: email name } }"));
        assert!(!flat("{ user(id: 1) { ... on User { id } } }"));
        assert!(!flat("{ user(id: 1) { ...F } } fragment F on User { id }"));
        assert!(!flat("{ user(id: 1) { id @include(if: true) } }"));
    }
}
