//! GraphiQL in a real browser. Debian's headless Chromium, with no host name resolving but
//! 127.0.0.1, opens the page the server serves; GraphiQL must come up from the server's own
//! assets, run its default query and one typed into the editor, follow a subscription over
//! WebSocket with a token from the Headers tab, and show `Query.products` with its arguments in
//! the docs. Every request the page made is recorded over the DevTools protocol and must have
//! gone to the server. A plain HTTP test checks the assets' headers and that they are gone
//! with GraphiQL.
//!
//! Without `chromium` on the PATH the test says it was skipped and passes, except in CI
//! ([`tests::in_ci`]), where a missing browser is a failure.

use chromiumoxide::Page;
use chromiumoxide::browser::{Browser, BrowserConfig};
use chromiumoxide::cdp::browser_protocol::network::{
    EventRequestWillBeSent, EventWebSocketCreated,
};
use chromiumoxide::cdp::js_protocol::runtime::EventExceptionThrown;
use futures_util::StreamExt;
use serde_json::{Value, json};
use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tests::{Backend, TestApp};

/// How long one step in the page may take (a cold machine is slow to start a browser).
const STEP: Duration = Duration::from_secs(30);

/// `chromium` on the PATH.
fn chromium() -> Option<PathBuf> {
    let path = std::env::var_os("PATH")?;
    std::env::split_paths(&path)
        .map(|dir| dir.join("chromium"))
        .find(|candidate| candidate.is_file())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn graphiql_works_offline_in_chromium() {
    let Some(executable) = chromium() else {
        assert!(
            !tests::in_ci(),
            "CI is set but chromium is not on the PATH: the GraphiQL browser test must run in CI \
             (.ci/run installs it)"
        );
        eprintln!("SKIPPED: graphiql browser test: chromium not found");
        return;
    };
    let app = tests::spawn_app(Backend::Sqlite).await;
    service::ops::seed::demo(&app.db, &app.events, None)
        .await
        .expect("demo data");

    let profile = tempfile::tempdir().expect("profile directory");
    let config = BrowserConfig::builder()
        .chrome_executable(executable)
        .new_headless_mode()
        // As root (CI) Chromium cannot start its sandbox; the page is our own.
        .no_sandbox()
        .user_data_dir(profile.path())
        .window_size(1400, 900)
        .viewport(None)
        // Any other host the page asked for would not resolve (and is caught below).
        .arg(("host-resolver-rules", "MAP * ~NOTFOUND, EXCLUDE 127.0.0.1"))
        .launch_timeout(STEP)
        .request_timeout(STEP)
        .build()
        .expect("browser configuration");
    let (mut browser, mut handler) = Browser::launch(config).await.expect("chromium starts");
    let protocol = tokio::spawn(async move { while handler.next().await.is_some() {} });

    // A panic in here leaves the browser to `Browser`'s drop, which kills it.
    drive(&app, &browser).await;

    let _ = browser.close().await;
    let _ = browser.wait().await;
    protocol.abort();
}

async fn drive(app: &TestApp, browser: &Browser) {
    let page = browser.new_page("about:blank").await.expect("a tab");
    let requests = record(&page).await;
    let exceptions = Arc::new(Mutex::new(Vec::<String>::new()));
    let mut thrown = page
        .event_listener::<EventExceptionThrown>()
        .await
        .expect("exception listener");
    tokio::spawn({
        let exceptions = exceptions.clone();
        async move {
            while let Some(event) = thrown.next().await {
                let details = &event.exception_details;
                let text = details
                    .exception
                    .as_ref()
                    .and_then(|e| e.description.clone())
                    .unwrap_or_else(|| details.text.clone());
                lock(&exceptions).push(text);
            }
        }
    });
    page.evaluate_on_new_document(
        "window.cspViolations = [];
         document.addEventListener('securitypolicyviolation',
           (e) => window.cspViolations.push(e.violatedDirective + ' ' + e.blockedURI));",
    )
    .await
    .expect("CSP recorder");

    page.goto(app.url("/graphql")).await.expect("page loads");

    // The editor comes up with the default query, which says how to sign in.
    let query = wait_for(&page, "the query editor", &editor_value(QUERY_EDITOR, None)).await;
    let query = query.as_str().unwrap_or_default();
    assert!(
        query.contains(r#"{"Authorization": "Bearer <token>"}"#) && query.contains("login("),
        "the default query does not explain signing in: {query}"
    );

    // It runs against the demo data.
    click(&page, ".graphiql-execute-button").await;
    let result = wait_for(
        &page,
        "the default query's result",
        &editor_value(RESPONSE, Some("Enamel mug")),
    )
    .await;
    assert!(
        !result.as_str().unwrap_or_default().contains("\"errors\""),
        "the default query failed: {result}"
    );

    // A query typed into the editor.
    set_editor(
        &page,
        QUERY_EDITOR,
        r#"{ product(by: { slug: "chef-knife" }) { name priceCents } }"#,
    )
    .await;
    click(&page, ".graphiql-execute-button").await;
    let result = wait_for(
        &page,
        "the typed query's result",
        &editor_value(RESPONSE, Some("Chef's knife")),
    )
    .await;
    assert!(
        result.as_str().unwrap_or_default().contains("8900"),
        "{result}"
    );

    // A subscription over WebSocket, signed in through the Headers tab.
    subscribe_to_orders(app, &page).await;

    // The docs: Query, then products, with its arguments.
    click(&page, r#"button[aria-label="Show Documentation Explorer"]"#).await;
    click_xpath(
        &page,
        "//div[contains(@class,'graphiql-doc-explorer')]//a[contains(@class,'graphiql-doc-explorer-type-name') and normalize-space()='Query']",
    )
    .await;
    wait_for(&page, "the docs of Query", &doc_title("Query")).await;
    click_xpath(
        &page,
        "//a[contains(@class,'graphiql-doc-explorer-field-name') and normalize-space()='products']",
    )
    .await;
    wait_for(&page, "the docs of products", &doc_title("products")).await;
    let arguments = wait_for(
        &page,
        "the arguments of products",
        "(() => { const names = Array.from(document.querySelectorAll(
             '.graphiql-doc-explorer-argument .graphiql-doc-explorer-argument-name'),
             (e) => e.textContent.trim());
           return names.length ? names : null; })()",
    )
    .await;
    for argument in ["first", "after", "filter", "orderBy"] {
        assert!(
            arguments
                .as_array()
                .is_some_and(|names| names.iter().any(|n| n == argument)),
            "products' docs lack `{argument}`: {arguments}"
        );
    }

    // Every asset came from the server, with its integrity hash, and nothing else was asked for.
    let assets = evaluate(
        &page,
        "Array.from(document.querySelectorAll('script[src], link[rel=stylesheet]'),
           (e) => ({ url: e.src || e.href, integrity: e.integrity }))",
    )
    .await;
    let assets = assets.as_array().cloned().unwrap_or_default();
    assert_eq!(assets.len(), 4, "{assets:?}");
    let origin = format!("http://{}", app.address);
    let urls = lock(&requests).clone();
    for asset in &assets {
        let url = asset["url"].as_str().unwrap_or_default();
        assert!(
            url.starts_with(&format!("{origin}/graphql/assets/")),
            "asset from elsewhere: {asset}"
        );
        assert!(
            asset["integrity"]
                .as_str()
                .is_some_and(|i| i.starts_with("sha384-")),
            "asset without integrity: {asset}"
        );
        assert!(urls.iter().any(|u| u == url), "{url} not loaded: {urls:?}");
    }
    let socket = format!("ws://{}/", app.address);
    let foreign: Vec<&String> = urls
        .iter()
        .filter(|url| {
            !url.starts_with(&format!("{origin}/"))
                && !url.starts_with(&socket)
                && !url.starts_with("data:")
        })
        .collect();
    assert!(
        foreign.is_empty(),
        "the page asked other hosts: {foreign:?}"
    );
    assert!(
        urls.iter().any(|u| u.starts_with(&socket)),
        "no WebSocket was opened: {urls:?}"
    );
    let violations = evaluate(&page, "window.cspViolations").await;
    assert_eq!(violations, json!([]), "Content-Security-Policy violations");
    assert!(
        lock(&exceptions).is_empty(),
        "the page threw: {:?}",
        lock(&exceptions)
    );
}

/// The page's assets over plain HTTP: their types, an immutable cache lifetime, the page's
/// Content-Security-Policy, and nothing at all while GraphiQL is off.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn assets_are_served_with_graphiql_only() {
    let app = tests::spawn_app(Backend::Sqlite).await;
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains("default-src 'none'") && csp.contains("script-src 'self' 'sha256-"),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    let assets: Vec<&str> = html
        .split("\"/graphql/assets/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .collect();
    assert_eq!(assets.len(), 4, "{html}");
    for asset in &assets {
        let response = app
            .client
            .get(app.url(&format!("/graphql/assets/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{asset}");
        let header = |name: &str| response.headers()[name].to_str().unwrap().to_owned();
        let expected = if asset.ends_with(".css") {
            "text/css"
        } else {
            "text/javascript"
        };
        assert!(header("content-type").starts_with(expected), "{asset}");
        assert!(header("cache-control").contains("immutable"), "{asset}");
    }
    let missing = app
        .client
        .get(app.url("/graphql/assets/nothing.js"))
        .send()
        .await
        .unwrap();
    assert_eq!(missing.status(), 404);

    let off = tests::spawn_app_with(Backend::Sqlite, &["--graphiql", "false"]).await;
    for asset in &assets {
        let response = off
            .client
            .get(off.url(&format!("/graphql/assets/{asset}")))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 404, "{asset} served with GraphiQL off");
    }
}

/// Places orders until one shows in a running `orderCreated` subscription (the first may come
/// before the server has registered it).
async fn subscribe_to_orders(app: &TestApp, page: &Page) {
    let ids = app
        .data(
            r#"{ users(filter: { email: { eq: "ada@example.com" } }) { nodes { id } }
                 product(by: { slug: "enamel-mug" }) { id } }"#,
            json!({}),
        )
        .await;
    let ada = ids["users"]["nodes"][0]["id"].as_str().expect("Ada's id");
    let mug = tests::db_id(ids["product"]["id"].as_str().expect("the mug's id"));

    click_xpath(page, "//button[normalize-space()='Headers']").await;
    let headers = json!({ "Authorization": format!("Bearer {}", app.admin_token) }).to_string();
    set_editor(page, HEADERS_EDITOR, &headers).await;
    set_editor(
        page,
        QUERY_EDITOR,
        "subscription { orderCreated { id customer { name } } }",
    )
    .await;
    click(page, ".graphiql-execute-button").await;
    for _ in 0..10 {
        let order = app.create_order(ada, &[(mug, 1)]).await;
        let needle = format!(r#""id": "{}""#, tests::gid(tests::Kind::Order, order));
        let until = tokio::time::Instant::now() + Duration::from_secs(2);
        while tokio::time::Instant::now() < until {
            let result = evaluate(page, &editor_value(RESPONSE, None)).await;
            let result = result.as_str().unwrap_or_default();
            assert!(
                !result.contains("\"errors\""),
                "the subscription failed: {result}"
            );
            if result.contains("orderCreated") && result.contains(&needle) {
                assert!(result.contains("Ada Lovelace"), "{result}");
                // The same button stops the subscription.
                click(page, ".graphiql-execute-button").await;
                return;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }
    let result = evaluate(page, &editor_value(RESPONSE, None)).await;
    panic!("no order arrived over the subscription: {result}");
}

const QUERY_EDITOR: &str = ".graphiql-query-editor .CodeMirror";
const HEADERS_EDITOR: &str = ".graphiql-editor-tool .graphiql-editor:not(.hidden) .CodeMirror";
const RESPONSE: &str = ".graphiql-response .CodeMirror";

/// JavaScript for the text of the CodeMirror editor at `selector`, or null while there is none
/// (or while it does not contain `needle`).
fn editor_value(selector: &str, needle: Option<&str>) -> String {
    format!(
        "(() => {{ const cm = document.querySelector({selector});
           const text = cm ? cm.CodeMirror.getValue() : null;
           const needle = {needle};
           return text && (needle === null || text.includes(needle)) ? text : null; }})()",
        selector = json!(selector),
        needle = json!(needle),
    )
}

/// JavaScript that is true when the docs show `title`.
fn doc_title(title: &str) -> String {
    format!(
        "(() => {{ const t = document.querySelector('.graphiql-doc-explorer-title');
           return t !== null && t.textContent.trim() === {title}; }})()",
        title = json!(title),
    )
}

/// Replaces the text of the CodeMirror editor at `selector`, as typing would.
async fn set_editor(page: &Page, selector: &str, text: &str) {
    let script = format!(
        "(() => {{ document.querySelector({selector}).CodeMirror.setValue({text}); return true; }})()",
        selector = json!(selector),
        text = json!(text),
    );
    wait_for(
        page,
        selector,
        &format!("document.querySelector({}) !== null", json!(selector)),
    )
    .await;
    evaluate(page, &script).await;
    // GraphiQL reads the edited document (its operation name among others) after a 100 ms
    // debounce; a run before that would send the previous operation's name.
    tokio::time::sleep(Duration::from_millis(400)).await;
}

/// Evaluates `script` in the page and returns its value.
async fn evaluate(page: &Page, script: &str) -> Value {
    page.evaluate(script)
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
        .into_value()
        .unwrap_or(Value::Null)
}

/// Evaluates `script` until it returns something other than null or false, within [`STEP`].
async fn wait_for(page: &Page, what: &str, script: &str) -> Value {
    let until = tokio::time::Instant::now() + STEP;
    loop {
        let value = evaluate(page, script).await;
        if !value.is_null() && value != Value::Bool(false) {
            return value;
        }
        if tokio::time::Instant::now() > until {
            let body = evaluate(page, "document.body ? document.body.innerText : ''").await;
            panic!("timed out waiting for {what}; the page reads: {body}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Clicks (with the mouse, at its centre) the element at `selector` once there is one.
async fn click(page: &Page, selector: &str) {
    wait_for(
        page,
        selector,
        &format!("document.querySelector({}) !== null", json!(selector)),
    )
    .await;
    page.find_element(selector)
        .await
        .unwrap_or_else(|e| panic!("{selector}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {selector}: {e}"));
}

/// Like [`click`], for the first element matching an XPath expression.
async fn click_xpath(page: &Page, xpath: &str) {
    let found = format!(
        "document.evaluate({}, document, null, XPathResult.FIRST_ORDERED_NODE_TYPE, null).singleNodeValue !== null",
        json!(xpath)
    );
    wait_for(page, xpath, &found).await;
    page.find_xpath(xpath)
        .await
        .unwrap_or_else(|e| panic!("{xpath}: {e}"))
        .click()
        .await
        .unwrap_or_else(|e| panic!("clicking {xpath}: {e}"));
}

/// Records the URL of every request and WebSocket the page opens from now on.
async fn record(page: &Page) -> Arc<Mutex<Vec<String>>> {
    let urls = Arc::new(Mutex::new(Vec::new()));
    let mut requests = page
        .event_listener::<EventRequestWillBeSent>()
        .await
        .expect("request listener");
    let mut sockets = page
        .event_listener::<EventWebSocketCreated>()
        .await
        .expect("WebSocket listener");
    tokio::spawn({
        let urls = urls.clone();
        async move {
            while let Some(event) = requests.next().await {
                lock(&urls).push(event.request.url.clone());
            }
        }
    });
    tokio::spawn({
        let urls = urls.clone();
        async move {
            while let Some(event) = sockets.next().await {
                lock(&urls).push(event.url.clone());
            }
        }
    });
    urls
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}
