//! The caller of the current request, as resolvers see it.

use async_graphql::Context;
use service::access::Viewer;

/// The request's caller; anonymous when no credentials came with it.
pub fn viewer(ctx: &Context<'_>) -> Viewer {
    ctx.data_opt::<Viewer>()
        .copied()
        .unwrap_or(Viewer::ANONYMOUS)
}
