//! The rules: every permission check (behind [`access::Viewer`]), every write with its
//! transaction, and the lookups and lists the API serves.

pub mod access;
pub mod auth;
pub mod clock;
pub mod events;
pub mod idempotency;
pub mod loyalty;
pub mod nodes;
pub mod orders;
pub mod points;
pub mod posts;
pub mod products;
pub mod roles;
pub mod users;
pub mod validate;

/// What a list is asked for and what it answers: page arguments, cursors, orderings and
/// the comparisons its filters are made of.
pub mod list {
    pub use crate::store::filter::{Cmp, Logic, TextCmp};
    pub use crate::store::pagination::{
        Cursor, DEFAULT_PAGE_SIZE, MAX_PAGE_SIZE, ModelOf, Page, PageArgs, Positioned, Sort,
        SortKey,
    };
}

/// Rows read with only some of their columns, and the sets of columns to read.
pub mod rows {
    pub use crate::store::projection::{
        Columns, OptionalColumn, PostColumn, PostRow, ProductColumn, ProductRow, UserColumn,
        UserRow,
    };
}
