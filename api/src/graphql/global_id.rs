//! Global ids: `Type:id` in unpadded URL-safe base64, so ids are unique across types (Relay's
//! Global Object Identification). Encoding and decoding only; what a bad id answers is
//! `args`'s to say.

use async_graphql::ID;
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use service::nodes::Kind;

/// Every type with global ids.
pub const KINDS: [Kind; 7] = [
    Kind::User,
    Kind::Post,
    Kind::Product,
    Kind::Order,
    Kind::OrderItem,
    Kind::PointTransaction,
    Kind::Role,
];

/// The GraphQL type a kind of row is.
pub fn name(kind: Kind) -> &'static str {
    match kind {
        Kind::User => "User",
        Kind::Post => "Post",
        Kind::Product => "Product",
        Kind::Order => "Order",
        Kind::OrderItem => "OrderItem",
        Kind::PointTransaction => "PointTransaction",
        Kind::Role => "Role",
    }
}

/// The global id of row `id` of `kind`. Clients treat it as opaque.
pub fn global_id(kind: Kind, id: i32) -> ID {
    // The text is put together on the stack, so the id costs one allocation (its own) rather
    // than three: a list of 50 users' posts and authors makes 1,050 of them per request.
    let mut text = [0u8; 32];
    ID(URL_SAFE_NO_PAD.encode(plain(kind, id, &mut text)))
}

/// Appends [`global_id`]`(kind, id)` as a JSON string, with no allocation; always true (a
/// writer's answer, see `engine::direct::WrittenFields`).
pub fn write(out: &mut Vec<u8>, kind: Kind, id: i32) -> bool {
    let mut text = [0u8; 32];
    let text = plain(kind, id, &mut text);
    // Unpadded base64 of at most 32 bytes, in the URL-safe alphabet: nothing to escape.
    let mut encoded = [0u8; 43];
    let Ok(len) = URL_SAFE_NO_PAD.encode_slice(text, &mut encoded) else {
        return false;
    };
    out.push(b'"');
    out.extend_from_slice(&encoded[..len]);
    out.push(b'"');
    true
}

/// `Type:id`, the text a global id encodes, put together in `text`.
fn plain(kind: Kind, id: i32, text: &mut [u8; 32]) -> &[u8] {
    let name = name(kind).as_bytes();
    let mut digits = itoa::Buffer::new();
    let digits = digits.format(id).as_bytes();
    let colon = name.len();
    let end = colon + 1 + digits.len();
    text[..colon].copy_from_slice(name);
    text[colon] = b':';
    text[colon + 1..end].copy_from_slice(digits);
    &text[..end]
}

/// The kind and row a global id names; `None` for anything that is not one, including a
/// non-canonical spelling of the row (one row, one id).
pub fn decode(id: &str) -> Option<(Kind, i32)> {
    let bytes = URL_SAFE_NO_PAD.decode(id).ok()?;
    let text = std::str::from_utf8(&bytes).ok()?;
    let (type_name, row) = text.split_once(':')?;
    let kind = KINDS
        .iter()
        .copied()
        .find(|kind| name(*kind) == type_name)?;
    let row = row
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0 && n.to_string() == row)?;
    Some((kind, row))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_id_is_its_type_and_row_in_unpadded_url_safe_base64() {
        for kind in KINDS {
            for row in [i32::MIN, -1, 0, 1, 42, 1_000_000, i32::MAX] {
                let text = format!("{}:{row}", name(kind));
                assert_eq!(global_id(kind, row).0, URL_SAFE_NO_PAD.encode(&text));
                if row > 0 {
                    assert_eq!(decode(&global_id(kind, row)), Some((kind, row)));
                }
                let mut written = b"[".to_vec();
                assert!(write(&mut written, kind, row));
                written.push(b']');
                let expected = serde_json::to_vec(&[global_id(kind, row)]).expect("serializes");
                assert_eq!(written, expected, "{text}");
            }
        }
    }
}
