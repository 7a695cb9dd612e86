//! Relay connections whose nodes are [`Direct`] objects, written straight as JSON in flat
//! documents.
//!
//! async-graphql's `Connection` resolves its fields through boxed futures, and its `nodes`
//! through a `Vec` of references and a context and a future per node, even when each node
//! then writes itself whole; the benchmark's page of 50 users resolves 51 connections and
//! 550 nodes that way. [`DirectConnection`] is that connection in the schema (its name and
//! type information, so the exported SDL is the same), and in a flat document
//! ([`super::json::is_flat`]) it writes `nodes`, `edges` and `pageInfo` itself when their
//! nodes write every selected field themselves ([`write_object`]); a list of nodes that
//! cannot be written is resolved node by node as async-graphql's list resolver does, and any
//! other field (`totalCount`) by the connection's own resolver. Outside flat documents the
//! connection is async-graphql's, untouched.

use super::direct::{
    Direct, WrittenFields, plain_fields, resolve_flat, same_type_as_inner, write_fields,
    write_list, write_object,
};
use super::json::{Flat, flat, write_str, write_value, written_len};
use async_graphql::connection::{Connection, CursorType, Edge, EmptyFields};
use async_graphql::futures_util::FutureExt;
use async_graphql::futures_util::future::try_join_all;
use async_graphql::parser::types::{Field, SelectionSet};
use async_graphql::registry::Registry;
use async_graphql::{
    ContainerType, ContextSelectionSet, ObjectType, OutputType, Positioned, ServerResult, Value,
};
use std::borrow::Cow;

/// A connection of `N` with cursors `C` and the extra fields `F` (`totalCount`).
pub struct DirectConnection<C, N, F>(pub Connection<C, Direct<N>, F>)
where
    C: CursorType + Send + Sync,
    N: ContainerType + WrittenFields,
    F: ObjectType;

type Inner<C, N, F> = Connection<C, Direct<N>, F>;

impl<C, N, F> OutputType for DirectConnection<C, N, F>
where
    C: CursorType + Send + Sync,
    N: ContainerType + WrittenFields,
    F: ObjectType,
{
    same_type_as_inner!(Inner<C, N, F>);

    async fn resolve(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        if ctx.data_opt::<Flat>().is_some()
            && let Some(fields) = plain_fields(ctx)
        {
            // Boxed: a node's future holds its fields' futures, and those hold connections'
            // (a post's author's posts), so an unboxed hole's type would contain itself.
            return resolve_flat(self, &fields, |field| {
                if field.node.name.node == "nodes" && field.node.arguments.is_empty() {
                    self.resolve_nodes(ctx, field).boxed()
                } else {
                    async move {
                        let value = self.0.resolve_field(&ctx.with_field(field)).await?;
                        Ok(value.unwrap_or_default())
                    }
                    .boxed()
                }
            })
            .await;
        }
        self.0.resolve(ctx, field).await
    }
}

impl<C, N, F> DirectConnection<C, N, F>
where
    C: CursorType + Send + Sync,
    N: ContainerType + WrittenFields,
    F: ObjectType,
{
    /// `nodes` (selected as `field`) resolved as async-graphql resolves a list: each node
    /// under its index, side by side, the first error failing the list; written as JSON.
    async fn resolve_nodes(
        &self,
        ctx: &ContextSelectionSet<'_>,
        field: &Positioned<Field>,
    ) -> ServerResult<Value> {
        let ctx_field = ctx.with_field(field);
        let ctx_list = ctx_field.with_selection_set(&field.node.selection_set);
        let nodes = self.0.edges.iter().enumerate().map(|(i, edge)| {
            let ctx_node = ctx_list.with_index(i);
            async move {
                edge.node
                    .resolve(&ctx_node, field)
                    .await
                    .map_err(|err| ctx_node.set_error_path(err))
            }
        });
        let values = try_join_all(nodes).await?;
        let mut out =
            Vec::with_capacity(values.iter().map(|v| written_len(v) + 1).sum::<usize>() + 2);
        out.push(b'[');
        for (i, value) in values.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            write_value(&mut out, value);
        }
        out.push(b']');
        Ok(flat(out))
    }

    /// Appends the edges' JSON for `selection` when each edge's node writes every field
    /// selected under `node` itself; otherwise returns false with `out` untouched.
    fn write_edges(&self, selection: &SelectionSet, out: &mut Vec<u8>) -> bool {
        let start = out.len();
        let edge_type = <Edge<C, Direct<N>, EmptyFields> as OutputType>::type_name();
        out.push(b'[');
        for (i, edge) in self.0.edges.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            let written = write_fields(selection, out, |field, out| {
                match field.name.node.as_str() {
                    "__typename" => write_str(out, &edge_type),
                    _ if !field.arguments.is_empty() => return false,
                    "cursor" => write_str(out, &edge.cursor.encode_cursor()),
                    "node" => return write_object(&edge.node.0, &field.selection_set.node, out),
                    _ => return false,
                }
                true
            });
            if !written {
                out.truncate(start);
                return false;
            }
        }
        out.push(b']');
        true
    }

    /// Appends `pageInfo`'s JSON for `selection`, as async-graphql's `PageInfo` answers it.
    fn write_page_info(&self, selection: &SelectionSet, out: &mut Vec<u8>) -> bool {
        let edges = &self.0.edges;
        let cursor = |edge: Option<&Edge<C, Direct<N>, EmptyFields>>, out: &mut Vec<u8>| match edge
        {
            Some(edge) => write_str(out, &edge.cursor.encode_cursor()),
            None => out.extend_from_slice(b"null"),
        };
        write_fields(selection, out, |field, out| {
            match field.name.node.as_str() {
                "__typename" => write_str(out, "PageInfo"),
                _ if !field.arguments.is_empty() => return false,
                "hasPreviousPage" => write_value(out, &Value::Boolean(self.0.has_previous_page)),
                "hasNextPage" => write_value(out, &Value::Boolean(self.0.has_next_page)),
                "startCursor" => cursor(edges.first(), out),
                "endCursor" => cursor(edges.last(), out),
                _ => return false,
            }
            true
        })
    }
}

impl<C, N, F> WrittenFields for DirectConnection<C, N, F>
where
    C: CursorType + Send + Sync,
    N: ContainerType + WrittenFields,
    F: ObjectType,
{
    fn write_field(&self, field: &Field, out: &mut Vec<u8>) -> bool {
        let selection = &field.selection_set.node;
        match field.name.node.as_str() {
            "nodes" => write_list(self.0.edges.iter().map(|e| &e.node.0), selection, out),
            "edges" => self.write_edges(selection, out),
            "pageInfo" => self.write_page_info(selection, out),
            _ => false,
        }
    }
}
