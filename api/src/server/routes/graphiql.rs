//! GraphiQL served by the binary itself, so it works with no network: the page on a bare
//! `GET /graphql` and its four assets under `/graphql/assets/`.
//!
//! The assets are production builds of exact versions, vendored in `api/assets/graphiql/`
//! (where a README names the package each comes from) and embedded at build time. Their names
//! carry their versions, so they are cached as immutable. The page loads each with a
//! Subresource Integrity hash computed from the embedded bytes, and its Content-Security-Policy
//! allows nothing but this origin, the inline fonts and images of GraphiQL's stylesheet, and
//! the one inline bootstrap script by its hash: no request can leave for another host. Both
//! hashes are computed once, at the first request, from the same bytes that are served, so
//! they cannot drift from the files.

use super::AppState;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use sha2::{Digest, Sha256, Sha384};
use std::sync::LazyLock;

/// The route of the assets; `{file}` is the name of one of them.
pub const ASSETS_ROUTE: &str = "/graphql/assets/{file}";

/// Where the page finds the assets.
const ASSETS_PREFIX: &str = "/graphql/assets/";

/// GraphQL over HTTP and subscriptions over WebSocket, as routed in `routes::router`.
const ENDPOINT: &str = "/graphql";
const SUBSCRIPTION_ENDPOINT: &str = "/graphql/ws";

/// What a browser may keep without asking again: the names change with the versions.
const CACHE_IMMUTABLE: &str = "public, max-age=31536000, immutable";

/// One embedded file.
struct Asset {
    name: &'static str,
    content_type: &'static str,
    bytes: &'static [u8],
}

const JS: &str = "text/javascript; charset=utf-8";
const CSS: &str = "text/css; charset=utf-8";

/// An asset of `api/assets/graphiql`, embedded under its file name.
macro_rules! asset {
    ($file:literal, $content_type:expr) => {
        Asset {
            name: $file,
            content_type: $content_type,
            bytes: include_bytes!(concat!("../../../assets/graphiql/", $file)),
        }
    };
}

const REACT: Asset = asset!("react-18.3.1.production.min.js", JS);
const REACT_DOM: Asset = asset!("react-dom-18.3.1.production.min.js", JS);
const GRAPHIQL_JS: Asset = asset!("graphiql-3.9.0.min.js", JS);
const GRAPHIQL_CSS: Asset = asset!("graphiql-3.9.0.min.css", CSS);

const ASSETS: [&Asset; 4] = [&REACT, &REACT_DOM, &GRAPHIQL_JS, &GRAPHIQL_CSS];

/// The query GraphiQL opens with (until the browser has one of its own saved). It runs as is
/// against the demo data, and says how to sign in.
pub const DEFAULT_QUERY: &str = r#"# Welcome to shopgraph. Run the query below with the
# run button (or Ctrl-Enter); the Docs panel (the top
# icon on the left) describes every type and field.
#
# To act as a user, sign in first, e.g. as a demo
# customer:
#
#   mutation {
#     login(email: "ada@example.com",
#           password: "shopgraph-demo") { token }
#   }
#
# then put the token in the Headers tab below:
#
#   {"Authorization": "Bearer <token>"}
#
# Queries, mutations and subscriptions (over
# WebSocket) then run as that user.

query Catalog {
  products(first: 5) {
    totalCount
    nodes { id name priceCents stock }
  }
  posts(first: 3, orderBy: { field: PUBLISHED_AT, direction: DESC }) {
    nodes { title publishedAt author { name tier } }
  }
}
"#;

/// A neutral mark as the favicon, inline, so the browser does not ask for `/favicon.ico`.
const FAVICON: &str = "data:image/svg+xml,%3Csvg xmlns='http://www.w3.org/2000/svg' \
    viewBox='0 0 16 16'%3E%3Ccircle cx='8' cy='8' r='7' fill='%23e10098'/%3E%3C/svg%3E";

/// The page and its Content-Security-Policy, rendered once.
struct Page {
    html: String,
    csp: HeaderValue,
}

static PAGE: LazyLock<Page> = LazyLock::new(Page::render);

impl Page {
    fn render() -> Self {
        // JSON is a JavaScript literal; `<` is escaped so no text can close the script.
        let default_query = serde_json::to_string(DEFAULT_QUERY)
            .unwrap_or_else(|_| "\"\"".to_owned())
            .replace('<', "\\u003c");
        let bootstrap = format!(
            r#"
      (function () {{
        function url(path, socket) {{
          var u = new URL(path, window.location.origin);
          if (socket) u.protocol = u.protocol === "https:" ? "wss:" : "ws:";
          return u.toString();
        }}
        ReactDOM.createRoot(document.getElementById("graphiql")).render(
          React.createElement(GraphiQL, {{
            fetcher: GraphiQL.createFetcher({{
              url: url("{ENDPOINT}"),
              subscriptionUrl: url("{SUBSCRIPTION_ENDPOINT}", true),
            }}),
            defaultQuery: {default_query},
            defaultEditorToolsVisibility: "headers",
          }})
        );
      }})();
    "#
        );
        let script_hash = BASE64.encode(Sha256::digest(bootstrap.as_bytes()));
        let html = format!(
            r#"<!DOCTYPE html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="robots" content="noindex">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>shopgraph · GraphiQL</title>
    <link rel="icon" href="{FAVICON}">
    <style>
      body {{ height: 100%; margin: 0; width: 100%; overflow: hidden; }}
      #graphiql {{ height: 100vh; }}
    </style>
    <link rel="stylesheet" href="{css}" integrity="{css_sri}" crossorigin="anonymous">
    <script src="{react}" integrity="{react_sri}" crossorigin="anonymous"></script>
    <script src="{react_dom}" integrity="{react_dom_sri}" crossorigin="anonymous"></script>
  </head>
  <body>
    <div id="graphiql">Loading…</div>
    <script src="{graphiql}" integrity="{graphiql_sri}" crossorigin="anonymous"></script>
    <script>{bootstrap}</script>
  </body>
</html>
"#,
            css = GRAPHIQL_CSS.url(),
            css_sri = GRAPHIQL_CSS.integrity(),
            react = REACT.url(),
            react_sri = REACT.integrity(),
            react_dom = REACT_DOM.url(),
            react_dom_sri = REACT_DOM.integrity(),
            graphiql = GRAPHIQL_JS.url(),
            graphiql_sri = GRAPHIQL_JS.integrity(),
        );
        // 'self' covers ws: to this host (CSP 3). Styles need 'unsafe-inline': GraphiQL and
        // CodeMirror set style attributes and the page has its one <style>; fonts and icons
        // are data: URLs inside GraphiQL's stylesheet.
        let csp = format!(
            "default-src 'none'; script-src 'self' 'sha256-{script_hash}'; \
             style-src 'self' 'unsafe-inline'; font-src 'self' data:; img-src 'self' data:; \
             connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
        );
        Self {
            html,
            csp: HeaderValue::from_str(&csp).unwrap_or_else(|_| HeaderValue::from_static("")),
        }
    }
}

impl Asset {
    fn url(&self) -> String {
        format!("{ASSETS_PREFIX}{}", self.name)
    }

    /// The Subresource Integrity value of the bytes served.
    fn integrity(&self) -> String {
        format!("sha384-{}", BASE64.encode(Sha384::digest(self.bytes)))
    }
}

/// The GraphiQL page (for `GET /graphql` without a query, when GraphiQL is enabled).
pub fn page() -> Response {
    let page: &'static Page = &PAGE;
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/html; charset=utf-8"),
            ),
            (header::CONTENT_SECURITY_POLICY, page.csp.clone()),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (
                header::REFERRER_POLICY,
                HeaderValue::from_static("no-referrer"),
            ),
            (
                header::X_CONTENT_TYPE_OPTIONS,
                HeaderValue::from_static("nosniff"),
            ),
        ],
        page.html.as_str(),
    )
        .into_response()
}

/// `GET /graphql/assets/{file}`: one of the page's assets, or 404 (also for every file while
/// GraphiQL is off).
pub async fn asset(State(state): State<AppState>, Path(file): Path<String>) -> Response {
    let found = ASSETS.iter().find(|asset| asset.name == file);
    match found {
        Some(asset) if state.graphiql => (
            [
                (header::CONTENT_TYPE, asset.content_type),
                (header::CACHE_CONTROL, CACHE_IMMUTABLE),
                (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
            ],
            asset.bytes,
        )
            .into_response(),
        _ => StatusCode::NOT_FOUND.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_page_names_every_asset_with_its_hash() {
        let page = &*PAGE;
        for asset in ASSETS {
            let tag = format!(r#""{}" integrity="{}""#, asset.url(), asset.integrity());
            assert!(
                page.html.contains(&tag),
                "{} missing: {}",
                asset.name,
                page.html
            );
        }
        assert!(!page.html.contains("//unpkg") && !page.html.contains("https://"));
        assert!(page.csp.to_str().is_ok_and(|csp| csp.contains("'sha256-")));
    }

    #[test]
    fn the_bootstrap_hash_matches_the_inline_script() {
        let page = &*PAGE;
        let start = page.html.find("<script>").map(|i| i + "<script>".len());
        let end = page.html.rfind("</script>");
        let (Some(start), Some(end)) = (start, end) else {
            panic!("no inline script: {}", page.html);
        };
        let hash = BASE64.encode(Sha256::digest(&page.html.as_bytes()[start..end]));
        let csp = page.csp.to_str().unwrap_or_default();
        assert!(csp.contains(&format!("'sha256-{hash}'")), "{csp}");
    }
}
