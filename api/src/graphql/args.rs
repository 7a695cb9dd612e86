//! Argument shapes shared by many fields: global ids and Relay paging.

use super::error::bad_input;
use async_graphql::{Enum, ID};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
pub use service::nodes::Kind;
use service::pagination::PageArgs;

/// Reads the global id of a `kind` row (see [`global_id`]); anything else, a malformed id or
/// one of another type, is BAD_USER_INPUT naming `field`.
pub fn parse_id(field: &str, kind: Kind, id: &ID) -> async_graphql::Result<i32> {
    match parse_global(field, id)? {
        (found, row) if found == kind => Ok(row),
        (found, _) => Err(bad_input(
            field,
            format!(
                "{field} is the id of a {}, not of a {}",
                name(found),
                name(kind)
            ),
        )),
    }
}

/// Reads a list of global ids of `kind` rows.
pub fn parse_ids(field: &str, kind: Kind, ids: &[ID]) -> async_graphql::Result<Vec<i32>> {
    ids.iter().map(|id| parse_id(field, kind, id)).collect()
}

/// Reads a global id of any type.
pub fn parse_global(field: &str, id: &ID) -> async_graphql::Result<(Kind, i32)> {
    let malformed = || bad_input(field, format!("{field} is not a shopgraph id"));
    let bytes = URL_SAFE_NO_PAD
        .decode(id.as_str())
        .map_err(|_| malformed())?;
    let text = std::str::from_utf8(&bytes).map_err(|_| malformed())?;
    let (type_name, row) = text.split_once(':').ok_or_else(malformed)?;
    let kind = KINDS
        .iter()
        .copied()
        .find(|kind| name(*kind) == type_name)
        .ok_or_else(malformed)?;
    // Only the canonical spelling: one row, one id.
    let row = row
        .parse::<i32>()
        .ok()
        .filter(|n| *n > 0 && n.to_string() == row)
        .ok_or_else(malformed)?;
    Ok((kind, row))
}

/// Reads a list of global ids of any types.
pub fn parse_ids_any(field: &str, ids: &[ID]) -> async_graphql::Result<Vec<(Kind, i32)>> {
    ids.iter().map(|id| parse_global(field, id)).collect()
}

/// Every type with global ids.
const KINDS: [Kind; 7] = [
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

/// The global id of row `id` of `kind`: `Type:id` in unpadded URL-safe base64, so ids are
/// unique across types (Relay's Global Object Identification). Clients treat it as opaque.
pub fn global_id(kind: Kind, id: i32) -> ID {
    ID(URL_SAFE_NO_PAD.encode(format!("{}:{id}", name(kind))))
}

/// Which way a list is sorted.
#[derive(Enum, Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum SortDirection {
    /// Ascending: smallest, earliest or alphabetically first first.
    #[default]
    Asc,
    /// Descending: largest, latest or alphabetically last first.
    Desc,
}

impl SortDirection {
    pub fn is_desc(self) -> bool {
        self == Self::Desc
    }
}

/// Relay paging arguments (`first`/`after` forwards, `last`/`before` backwards), at most 100.
pub fn page_args(
    first: Option<i32>,
    after: Option<String>,
    last: Option<i32>,
    before: Option<String>,
) -> PageArgs {
    PageArgs {
        first: first.map(i64::from),
        after,
        last: last.map(i64::from),
        before,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn global_ids_round_trip_and_name_their_type() {
        for kind in KINDS {
            let id = global_id(kind, 42);
            assert_eq!(parse_global("id", &id).expect("parses"), (kind, 42));
            assert_eq!(parse_id("id", kind, &id).expect("parses"), 42);
        }
        assert_eq!(global_id(Kind::User, 2).as_str(), "VXNlcjoy");
        assert_ne!(global_id(Kind::User, 2), global_id(Kind::Product, 2));
        // Another type's id, a bare number, non-canonical numbers and junk are refused.
        assert!(parse_id("id", Kind::Product, &global_id(Kind::User, 2)).is_err());
        for bad in [
            "2",
            "",
            "VXNlcjow",
            "VXNlcjowMg",
            "VXNlcjotMQ",
            "!!!",
            "Tm9wZTox",
        ] {
            assert!(parse_global("id", &ID(bad.into())).is_err(), "{bad}");
        }
    }
}
