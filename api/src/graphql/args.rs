//! Argument shapes shared by many fields: global ids and Relay paging.

use super::error::bad_input;
pub use super::global_id::{Kind, global_id, name, write as write_global_id};
use async_graphql::{Enum, ID};
use service::list::PageArgs;

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
    super::global_id::decode(id.as_str())
        .ok_or_else(|| bad_input(field, format!("{field} is not a shopgraph id")))
}

/// Reads a list of global ids of any types.
pub fn parse_ids_any(field: &str, ids: &[ID]) -> async_graphql::Result<Vec<(Kind, i32)>> {
    ids.iter().map(|id| parse_global(field, id)).collect()
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
    use crate::graphql::global_id::KINDS;

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
