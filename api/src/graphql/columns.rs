//! Nested lookups read only the columns behind the fields a query selects under them, into the
//! service's partial rows (see `service::rows`): a column not read is `None` there, not
//! a placeholder, so a field can only answer a value that was read.

use super::error::internal;
use async_graphql::Lookahead;
use service::rows::{Columns, OptionalColumn};

/// The columns behind the fields of `sources` (a GraphQL field name with the column that
/// answers it) that are selected under `field`, fragments included.
pub fn selected<C: OptionalColumn>(field: &Lookahead<'_>, sources: &[(&str, C)]) -> Columns<C> {
    Columns::of(
        sources
            .iter()
            .filter(|(name, _)| field.field(name).exists())
            .map(|(_, column)| *column),
    )
}

/// What is selected on a connection's items, under `nodes` and `edges.node` alike (`list` is
/// the connection field), as one look-ahead; `None` when neither is selected.
pub fn nodes<'a>(list: &Lookahead<'a>) -> Option<Lookahead<'a>> {
    let mut fields = list.field("nodes").selection_fields();
    fields.extend(list.field("edges").field("node").selection_fields());
    Lookahead::try_from(&fields[..]).ok()
}

/// A column's value from a partial row. The look-ahead that chose the columns read every
/// column a selected field needs, so `None` means the two disagree: an internal error, never
/// an answer made up.
pub fn read<T>(value: Option<T>) -> async_graphql::Result<T> {
    value.ok_or_else(internal)
}
