//! Argument shapes shared by many fields: ids and Relay paging.

use super::error::bad_input;
use async_graphql::{Enum, ID};
use service::pagination::PageArgs;

/// Reads a numeric id; anything else is BAD_USER_INPUT naming `field`.
pub fn parse_id(field: &str, id: &ID) -> async_graphql::Result<i32> {
    id.parse::<i32>()
        .ok()
        .filter(|n| *n > 0)
        .ok_or_else(|| bad_input(field, format!("{field} must be a positive integer id")))
}

/// Reads a list of ids.
pub fn parse_ids(field: &str, ids: &[ID]) -> async_graphql::Result<Vec<i32>> {
    ids.iter().map(|id| parse_id(field, id)).collect()
}

/// The id of a row as GraphQL shows it.
pub fn to_id(id: i32) -> ID {
    ID(id.to_string())
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
