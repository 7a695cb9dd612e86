//! Resolving an object's fields without a boxed future per field.
//!
//! async-graphql resolves every selected field of an object as a boxed future in a
//! `FuturesUnordered` (a heap task with its own waker each), even a field that is a plain
//! struct member and is ready on its first poll. Lists of objects multiply that: the
//! benchmark's `users → posts → author` page is about 2,700 fields, and the boxes, task nodes
//! and wake-ups were the largest share of the request after SQLite itself. All the fields of
//! one object are resolved by the same `ContainerType::resolve_field` future type, so they can
//! be joined side by side in one allocation instead ([`resolve_fields`]).
//!
//! [`Direct`] puts an object type on that path without changing the schema: it has its
//! object's name and type information, so the exported SDL is the same. In a flat document
//! ([`super::json::is_flat`]) its object also writes the fields it can answer as JSON
//! straight away ([`WrittenFields`]), and only the others are resolved.

use super::json::{Flat, flat, write_str, write_value, written_len};
use super::reference::Stock;
use async_graphql::futures_util::future::try_join_all;
use async_graphql::indexmap::IndexMap;
use async_graphql::indexmap::map::Entry;
use async_graphql::parser::types::{Field, Selection, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::resolver_utils::resolve_container;
use async_graphql::{
    ContainerType, Context, ContextSelectionSet, Name, OutputType, Positioned, ServerResult, Value,
};
use std::borrow::Cow;
use std::future::Future;

/// The `OutputType` methods of a wrapper `W(inner)` that is its inner type in the schema: its
/// name and type information, so the exported SDL is the same.
macro_rules! same_type_as_inner {
    ($inner:ty) => {
        fn type_name() -> Cow<'static, str> {
            <$inner as OutputType>::type_name()
        }

        fn qualified_type_name() -> String {
            <$inner as OutputType>::qualified_type_name()
        }

        fn introspection_type_name(&self) -> Cow<'static, str> {
            self.0.introspection_type_name()
        }

        fn create_type_info(registry: &mut Registry) -> String {
            <$inner as OutputType>::create_type_info(registry)
        }
    };
}
pub(super) use same_type_as_inner;

/// `T` as an output, its fields resolved by [`resolve_fields`].
pub struct Direct<T>(pub T);

impl<T: ContainerType + WrittenFields> OutputType for Direct<T> {
    same_type_as_inner!(T);

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        _field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        resolve_fields(ctx, &self.0).await
    }
}

/// The fields an object answers in a flat document by writing their JSON itself, without a
/// resolver: no context, no future and no `Value` for each. The benchmark's page of 50 users'
/// posts has about 2,100 such fields among its 2,650.
pub trait WrittenFields {
    /// Appends the JSON value of `field` (selected without arguments) and returns true, or
    /// returns false with `out` untouched, and the field's resolver answers it. Only a field
    /// whose resolver needs no context for this object and cannot fail belongs here (an id, a
    /// column that was read, an object at hand written by [`write_object`]), and it must write
    /// exactly what its resolver answers: held byte for byte to the stock executor by
    /// `tests/tests/differential.rs`.
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        let _ = (field, out);
        false
    }
}

/// `T`'s fields, flattened into another object (`#[graphql(flatten)]`), each resolved in a
/// box of its own.
///
/// All the fields of an object are resolved by one future type, as large as its largest
/// field's, and [`resolve_fields`] moves each field's future once. A group of large fields
/// (a user's lists, with their arguments held across the page's lookup) made every `User`
/// field 2.6 KB, `id` and `name` included; flattened through `Boxed`, they cost a box each
/// and the object's other fields stay small.
pub struct Boxed<T>(pub T);

impl<T: OutputType> OutputType for Boxed<T> {
    same_type_as_inner!(T);

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        Box::pin(self.0.resolve(ctx, field)).await
    }
}

impl<T: ContainerType> ContainerType for Boxed<T> {
    async fn resolve_field(&self, ctx: &Context<'_>) -> ServerResult<Option<Value>> {
        Box::pin(self.0.resolve_field(ctx)).await
    }
}

/// Resolves the selection set `ctx` on `root` as async-graphql's `resolve_container` does
/// (fields polled in selection order, keys in selection order, the first error failing the
/// object), with one allocation for all of them instead of a box per field.
///
/// Selection sets with fragments or directives take async-graphql's own path, so their
/// semantics stay exactly its own; so does everything under the [`Stock`] reference.
/// Extensions' per-field hooks are not called here: the schema can register none (see
/// [`super::plain`]).
pub async fn resolve_fields<T: ContainerType + WrittenFields + ?Sized>(
    ctx: &ContextSelectionSet<'_>,
    root: &T,
) -> ServerResult<Value> {
    let Some(plain_fields) = plain_fields(ctx) else {
        return resolve_container(ctx, root).await;
    };
    if ctx.data_opt::<Flat>().is_some() {
        return resolve_flat(root, &plain_fields, |field| async move {
            let value = root.resolve_field(&ctx.with_field(field)).await?;
            Ok(value.unwrap_or_default())
        })
        .await;
    }
    if ctx.data_opt::<Stock>().is_some() {
        return resolve_container(ctx, root).await;
    }
    // From a slice, the join knows its length and moves each field's future once; through a
    // filter it grew its buffer a future at a time, copying them (Q2: 0.58 M instructions).
    let fields = plain_fields.iter().map(|field| async move {
        let name = field.node.response_key().node.clone();
        if field.node.name.node == "__typename" {
            let typename = root.introspection_type_name().into_owned();
            return ServerResult::Ok((name, Value::String(typename)));
        }
        let ctx_field = ctx.with_field(field);
        let value = root.resolve_field(&ctx_field).await?;
        Ok((name, value.unwrap_or_default()))
    });
    // The first error ends the object, as in async-graphql's own `resolve_container`: the
    // nearest nullable field above takes it and becomes null (GraphQL's "Handling Field
    // Errors"), and no key of this object is left out of a result that is sent.
    let values = try_join_all(fields).await?;
    let mut object = IndexMap::with_capacity(values.len());
    for (name, value) in values {
        merge(&mut object, name, value);
    }
    Ok(Value::Object(object))
}

/// The selection set of `ctx` when each of its selections is a field without directives.
pub(super) fn plain_fields<'a>(
    ctx: &ContextSelectionSet<'a>,
) -> Option<Vec<&'a Positioned<Field>>> {
    ctx.item.node.items.iter().map(plain).collect()
}

/// [`resolve_fields`] in a flat document ([`super::json::is_flat`]: every selection a field
/// without directives, no response key twice): the fields `root` writes itself
/// ([`WrittenFields`]) are written at once, the others resolved side by side by `resolve`
/// and written into their places once all of them are.
pub(super) async fn resolve_flat<'a, T, R, F>(
    root: &T,
    fields: &[&'a Positioned<Field>],
    resolve: R,
) -> ServerResult<Value>
where
    T: OutputType + WrittenFields + ?Sized,
    R: Fn(&'a Positioned<Field>) -> F,
    F: Future<Output = ServerResult<Value>>,
{
    let mut out = Vec::with_capacity(32 * fields.len() + 2);
    // Where each resolved field's value goes in `out`, after its key.
    let mut holes = Vec::new();
    out.push(b'{');
    for (i, &field) in fields.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        write_key(&mut out, field);
        if !write_written(root, &field.node, &mut out) {
            holes.push((out.len(), field));
        }
    }
    out.push(b'}');
    if holes.is_empty() {
        return Ok(flat(out));
    }
    let resolved = holes.iter().map(|&(_, field)| resolve(field));
    // The first error ends the object, as in `resolve_fields`; a written field has none.
    let values = try_join_all(resolved).await?;
    let len = out.len() + values.iter().map(written_len).sum::<usize>();
    let mut whole = Vec::with_capacity(len);
    let mut from = 0;
    for (&(at, _), value) in holes.iter().zip(&values) {
        whole.extend_from_slice(&out[from..at]);
        write_value(&mut whole, value);
        from = at;
    }
    whole.extend_from_slice(&out[from..]);
    Ok(flat(whole))
}

/// Appends `object`'s JSON for `selection` (a flat document's, under a field of `object`'s
/// parent) when the object writes every field of it itself, and returns true; otherwise
/// returns false with `out` untouched, and the parent's field is resolved. For an object a
/// parent holds at hand (a post's author under a user's posts).
pub fn write_object<T: OutputType + WrittenFields + ?Sized>(
    object: &T,
    selection: &SelectionSet,
    out: &mut Vec<u8>,
) -> bool {
    write_fields(selection, out, |field, out| {
        write_written(object, field, out)
    })
}

/// [`write_object`] for each of `objects`, as a JSON list.
pub fn write_list<'a, T: OutputType + WrittenFields + 'a>(
    objects: impl IntoIterator<Item = &'a T>,
    selection: &SelectionSet,
    out: &mut Vec<u8>,
) -> bool {
    let start = out.len();
    let mut objects = objects.into_iter();
    out.push(b'[');
    let mut first = true;
    while let Some(object) = objects.next() {
        if !first {
            out.push(b',');
        }
        if !write_object(object, selection, out) {
            out.truncate(start);
            return false;
        }
        if first {
            // Room for the others at the first one's size: the buffer grew about five
            // times for each page of ten posts.
            out.reserve((out.len() - start) * objects.size_hint().0 + 1);
            first = false;
        }
    }
    out.push(b']');
    true
}

/// Appends an object's JSON for `selection`, each field's value by `write`, and returns
/// true; false, with `out` untouched, when a selection is not a field without directives or
/// `write` returns false for one (having left `out` as it found it).
pub(super) fn write_fields(
    selection: &SelectionSet,
    out: &mut Vec<u8>,
    mut write: impl FnMut(&Field, &mut Vec<u8>) -> bool,
) -> bool {
    let start = out.len();
    out.push(b'{');
    for (i, selection) in selection.items.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        let written = plain(selection).is_some_and(|field| {
            write_key(out, field);
            write(&field.node, out)
        });
        if !written {
            out.truncate(start);
            return false;
        }
    }
    out.push(b'}');
    true
}

/// Appends a field's response key and its colon. A response key is a GraphQL name
/// (`[_A-Za-z][_0-9A-Za-z]*`): nothing to escape.
fn write_key(out: &mut Vec<u8>, field: &Positioned<Field>) {
    out.push(b'"');
    out.extend_from_slice(field.node.response_key().node.as_bytes());
    out.extend_from_slice(b"\":");
}

/// Appends the value of `field` when `object` writes it itself (`__typename`, or a field
/// selected without arguments that [`WrittenFields`] writes); false, with `out` untouched,
/// when it must be resolved.
fn write_written<T: OutputType + WrittenFields + ?Sized>(
    object: &T,
    field: &Field,
    out: &mut Vec<u8>,
) -> bool {
    if field.name.node == "__typename" {
        write_str(out, &object.introspection_type_name());
        return true;
    }
    field.arguments.is_empty() && object.write_field(field, out)
}

/// A selection that is a field without custom directives.
fn plain(selection: &Positioned<Selection>) -> Option<&Positioned<Field>> {
    match &selection.node {
        Selection::Field(field) => field.node.directives.is_empty().then_some(field),
        _ => None,
    }
}

/// Adds a field's value under its response key; a key selected twice merges its selections,
/// as the GraphQL spec's field collection does (and async-graphql's own resolver).
fn merge(target: &mut IndexMap<Name, Value>, name: Name, value: Value) {
    // One hash of the key, whether it is new (nearly always) or not.
    let existing = match target.entry(name) {
        Entry::Vacant(slot) => {
            slot.insert(value);
            return;
        }
        Entry::Occupied(slot) => slot.into_mut(),
    };
    match (existing, value) {
        (Value::Object(into), Value::Object(from)) => {
            for (key, value) in from {
                merge(into, key, value);
            }
        }
        (Value::List(into), Value::List(from)) => {
            for (slot, value) in into.iter_mut().zip(from) {
                if let (Value::Object(into), Value::Object(from)) = (slot, value) {
                    for (key, value) in from {
                        merge(into, key, value);
                    }
                }
            }
        }
        _ => {}
    }
}
