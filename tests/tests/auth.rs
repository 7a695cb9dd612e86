//! Sign-up, sign-in, tokens.

use serde_json::json;
use tests::{Backend, JWT_SECRET, PASSWORD, TestApp, both_backends, db_id, on_each_backend};

both_backends!(
    signup_login_and_me,
    bad_credentials_are_unauthenticated,
    tokens_must_be_valid_and_current
);
on_each_backend!(production_needs_a_secret_and_hides_introspection);

const SIGNUP: &str = "mutation($e: String!, $n: String!, $p: String!) {
    signup(email: $e, name: $n, password: $p) { token user { id email roles { name } } }
}";
const LOGIN: &str =
    "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token user { name } } }";

async fn signup_login_and_me(app: TestApp) {
    let body = app
        .graphql_as(
            None,
            SIGNUP,
            json!({ "e": "Ada@Example.com", "n": "Ada", "p": PASSWORD }),
        )
        .await;
    let payload = &body["data"]["signup"];
    assert_eq!(payload["user"]["email"], "ada@example.com", "{body}");
    assert_eq!(payload["user"]["roles"], json!([{ "name": "CUSTOMER" }]));
    let token = payload["token"].as_str().unwrap();

    let me = app
        .graphql_as(Some(token), "{ me { name email } }", json!({}))
        .await;
    assert_eq!(
        me["data"]["me"],
        json!({ "name": "Ada", "email": "ada@example.com" })
    );
    let anonymous = app.graphql_as(None, "{ me { name } }", json!({})).await;
    assert!(anonymous["data"]["me"].is_null());

    let login = app
        .graphql_as(
            None,
            LOGIN,
            json!({ "e": "ADA@example.com", "p": PASSWORD }),
        )
        .await;
    assert_eq!(login["data"]["login"]["user"]["name"], "Ada");

    // Duplicate email, short password, bad email.
    let again = app
        .graphql_as(
            None,
            SIGNUP,
            json!({ "e": "ada@example.com", "n": "Ada", "p": PASSWORD }),
        )
        .await;
    assert_eq!(again["errors"][0]["extensions"]["code"], "CONFLICT");
    let short = app
        .graphql_as(
            None,
            SIGNUP,
            json!({ "e": "bob@example.com", "n": "Bob", "p": "short" }),
        )
        .await;
    assert_eq!(short["errors"][0]["extensions"]["field"], "password");
    let bad = app
        .graphql_as(
            None,
            SIGNUP,
            json!({ "e": "bob", "n": "Bob", "p": PASSWORD }),
        )
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["field"], "email");

    // The hash is stored as argon2id and never leaves the server.
    let stored = service::users::by_email(&app.db, "ada@example.com")
        .await
        .unwrap()
        .unwrap();
    assert!(
        stored
            .password_hash
            .as_deref()
            .unwrap()
            .starts_with("$argon2id$")
    );
    assert!(!body.to_string().contains("argon2"));
}

async fn bad_credentials_are_unauthenticated(app: TestApp) {
    let (id, _) = app.signup("ada@example.com", "Ada").await;
    for (email, password) in [
        ("ada@example.com", "wrong password"),
        ("nobody@example.com", PASSWORD),
    ] {
        let body = app
            .graphql_as(None, LOGIN, json!({ "e": email, "p": password }))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
        assert_eq!(
            body["errors"][0]["message"], "invalid email or password",
            "the same answer either way"
        );
    }
    // A deactivated account can neither sign in nor use its tokens.
    let token = app.login("ada@example.com").await;
    app.data(
        "mutation($id: ID!) { updateUser(id: $id, input: { status: INACTIVE }) { id } }",
        json!({ "id": id }),
    )
    .await;
    let body = app
        .graphql_as(
            None,
            LOGIN,
            json!({ "e": "ada@example.com", "p": PASSWORD }),
        )
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // (Credentials are cached for a few seconds; a fresh app would see it at once.)
    let _ = token;
}

async fn tokens_must_be_valid_and_current(app: TestApp) {
    let (id, token) = app.signup("ada@example.com", "Ada").await;
    let keys =
        api::auth::token::TokenKeys::new(JWT_SECRET.as_bytes(), std::time::Duration::from_secs(60));
    let forged = api::auth::token::TokenKeys::new(&[9u8; 32], std::time::Duration::from_secs(60))
        .issue(db_id(&id))
        .unwrap();
    let expired = keys.issue_at(db_id(&id), 1_000, 2_000).unwrap();
    let mut tampered = token.clone();
    tampered.replace_range(tampered.len() - 4.., "AAAA");
    for (bad, what) in [
        (forged.as_str(), "forged"),
        (expired.as_str(), "expired"),
        ("garbage", "malformed"),
        (tampered.as_str(), "tampered"),
    ] {
        let body = app
            .graphql_as(Some(bad), "{ products { totalCount } }", json!({}))
            .await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{what}: {body}"
        );
    }
    let expired_body = app
        .graphql_as(Some(&expired), "{ me { id } }", json!({}))
        .await;
    assert!(
        expired_body["errors"][0]["message"]
            .as_str()
            .unwrap()
            .contains("expired")
    );

    // A header that is not `Bearer <token>`.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("Authorization", "Basic YWRhOnB3")
        .json(&json!({ "query": "{ me { id } }" }))
        .send()
        .await
        .unwrap();
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
    // A token for a user that was deleted.
    let valid = keys.issue(424_242).unwrap();
    let body = app
        .graphql_as(Some(&valid), "{ me { id } }", json!({}))
        .await;
    assert_eq!(body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED");
}

async fn production_needs_a_secret_and_hides_introspection(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().to_str().unwrap();
    use clap::Parser;
    let cli = api::Cli::try_parse_from([
        "shopgraph",
        "--env",
        "production",
        "--data-dir",
        path,
        "--port",
        "0",
    ])
    .unwrap();
    let refused = api::Application::build(&cli.config, &api::ServeArgs::default()).await;
    let message = refused.err().expect("refuses to start").to_string();
    assert!(message.contains("SHOPGRAPH_JWT_SECRET"), "{message}");
    let short = api::Cli::try_parse_from([
        "shopgraph",
        "--env",
        "production",
        "--jwt-secret",
        "short",
        "--data-dir",
        path,
        "--port",
        "0",
    ])
    .unwrap();
    assert!(
        api::Application::build(&short.config, &api::ServeArgs::default())
            .await
            .is_err()
    );

    let app = tests::spawn_app_with(backend, &["--env", "production"]).await;
    let body = app
        .graphql_as(None, "{ __schema { types { name } } }", json!({}))
        .await;
    assert!(
        body["data"]["__schema"].is_null(),
        "introspection is off in production: {body}"
    );
    let page = app.client.get(app.url("/graphql")).send().await.unwrap();
    assert_eq!(page.status(), 400, "no GraphiQL in production");
    let ok = app
        .graphql_as(None, "{ products { totalCount } }", json!({}))
        .await;
    assert_eq!(ok["data"]["products"]["totalCount"], 0);
    // Nor does a typo get the schema spelled out.
    let typo = app.graphql_as(None, "{ product { id } }", json!({})).await;
    let message = typo["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(!message.contains("Did you mean"), "{message}");
    let dev = tests::spawn_app(backend).await;
    let typo = dev.graphql_as(None, "{ produc { id } }", json!({})).await;
    let message = typo["errors"][0]["message"].as_str().unwrap_or_default();
    assert!(
        message.contains("Did you mean"),
        "development suggests: {message}"
    );

    // Metrics can live on an address of their own, away from clients.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let apart = format!("127.0.0.1:{port}");
    let private = tests::spawn_app_with(backend, &["--metrics-address", &apart]).await;
    let public = private
        .client
        .get(private.url("/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(public.status(), 404);
    let metrics = private
        .client
        .get(format!("http://{apart}/metrics"))
        .send()
        .await
        .unwrap();
    assert_eq!(metrics.status(), 200);

    let enabled = tests::spawn_app_with(
        backend,
        &[
            "--env",
            "production",
            "--introspection",
            "true",
            "--graphiql",
            "true",
        ],
    )
    .await;
    let body = enabled
        .graphql_as(None, "{ __schema { queryType { name } } }", json!({}))
        .await;
    assert_eq!(body["data"]["__schema"]["queryType"]["name"], "Query");
    assert_eq!(
        enabled
            .client
            .get(enabled.url("/graphql"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}

on_each_backend!(sign_ins_are_throttled);

async fn sign_ins_are_throttled(backend: Backend) {
    let app = tests::spawn_app_with(
        backend,
        &[
            "--login-attempts-per-account",
            "3",
            "--login-attempts-per-address",
            "8",
        ],
    )
    .await;
    app.signup("ada@example.com", "Ada").await; // one attempt on Ada's account
    let login = "mutation($e: String!, $p: String!) { login(email: $e, password: $p) { token } }";
    let wrong = json!({ "e": "ada@example.com", "p": "wrong password" });
    for _ in 0..2 {
        let body = app.graphql_as(None, login, wrong.clone()).await;
        assert_eq!(
            body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
            "{body}"
        );
    }
    // The account's fourth attempt, the right password included, waits.
    let response = app
        .client
        .post(app.url("/graphql"))
        .header("accept", "application/graphql-response+json")
        .json(&json!({ "query": login, "variables": { "e": "ada@example.com", "p": PASSWORD } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 429);
    assert!(response.headers().get("retry-after").is_some());
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "RATE_LIMITED",
        "{body}"
    );
    assert!(body["errors"][0]["extensions"]["retryAfter"].as_u64() >= Some(1));

    // 300 aliased logins in one request: mutation fields run one after another, and the
    // first that fails (a non-null field) ends the operation, so one password at most is
    // checked and the rest never run.
    let aliased = (0..300)
        .map(|i| {
            format!(
                "a{i}: login(email: \"eve{i}@example.com\", password: \"guess {i}\") {{ token }}"
            )
        })
        .collect::<Vec<_>>()
        .join(" ");
    let body = app
        .graphql_as(None, &format!("mutation {{ {aliased} }}"), json!({}))
        .await;
    let errors = body["errors"].as_array().expect("errors");
    assert_eq!(errors.len(), 1, "{body}");
    assert!(
        matches!(
            errors[0]["extensions"]["code"].as_str(),
            Some("RATE_LIMITED" | "UNAUTHENTICATED")
        ),
        "{body}"
    );
    assert_eq!(errors[0]["path"], json!(["a0"]), "{body}");
    assert_eq!(body["data"], json!(null), "{body}");
}

both_backends!(the_bearer_scheme_is_case_insensitive);

async fn the_bearer_scheme_is_case_insensitive(app: TestApp) {
    for scheme in ["Bearer", "bearer", "BEARER", "bEaReR"] {
        let body: serde_json::Value = app
            .client
            .post(app.url("/graphql"))
            .header("authorization", format!("{scheme} {}", app.admin_token))
            .json(&json!({ "query": "{ me { email } }" }))
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        assert_eq!(
            body["data"]["me"]["email"],
            tests::ADMIN_EMAIL,
            "{scheme}: {body}"
        );
    }
    let body = app
        .client
        .post(app.url("/graphql"))
        .header("authorization", format!("Basic {}", app.admin_token))
        .json(&json!({ "query": "{ me { email } }" }))
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    assert_eq!(
        body["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "another scheme is refused: {body}"
    );
}
