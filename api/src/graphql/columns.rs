//! Nested lookups read only the columns behind the fields a query selects under them (see
//! `service::projection`); the types they fill answer only from the columns that were read.

use super::error::internal;
use async_graphql::Lookahead;

/// Whether `name` is selected under `field`, fragments included.
pub fn selected<'a>(field: &'a Lookahead<'a>) -> impl Fn(&str) -> bool + 'a {
    move |name| field.field(name).exists()
}

/// What is selected on a connection's items, under `nodes` and `edges.node` alike (`list` is
/// the connection field), as one look-ahead; `None` when neither is selected.
pub fn nodes<'a>(list: &Lookahead<'a>) -> Option<Lookahead<'a>> {
    let mut fields = list.field("nodes").selection_fields();
    fields.extend(list.field("edges").field("node").selection_fields());
    Lookahead::try_from(&fields[..]).ok()
}

/// `value`, if its column was read; a placeholder must never reach a client, so a miss is an
/// internal error (it would mean the look-ahead and the resolvers disagree).
pub fn was_read<T>(read: bool, value: T) -> async_graphql::Result<T> {
    if read { Ok(value) } else { Err(internal()) }
}
