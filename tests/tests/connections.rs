//! Connections nobody may hold: idle and slow clients are cut off, and the number open at once
//! is bounded.

use std::time::Duration;
use tests::{Backend, spawn_app_with};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Reads until the server closes the connection or `limit` passes; returns what was read and
/// whether it closed.
async fn read_until_closed(stream: &mut TcpStream, limit: Duration) -> (String, bool) {
    let mut out = Vec::new();
    let mut buf = [0u8; 4096];
    let until = tokio::time::Instant::now() + limit;
    loop {
        match tokio::time::timeout_at(until, stream.read(&mut buf)).await {
            Err(_) => return (String::from_utf8_lossy(&out).into_owned(), false),
            Ok(Ok(0)) | Ok(Err(_)) => return (String::from_utf8_lossy(&out).into_owned(), true),
            Ok(Ok(n)) => out.extend_from_slice(&buf[..n]),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn idle_and_slow_clients_are_cut_off() {
    let app = spawn_app_with(
        Backend::Sqlite,
        &["--header-timeout-secs", "1", "--body-timeout-secs", "1"],
    )
    .await;
    // Connected, and nothing sent.
    let mut idle = TcpStream::connect(app.address).await.unwrap();
    let (_, closed) = read_until_closed(&mut idle, Duration::from_secs(4)).await;
    assert!(closed, "an idle connection is closed");

    // Headers a byte at a time (slowloris).
    let mut slow = TcpStream::connect(app.address).await.unwrap();
    let started = tokio::time::Instant::now();
    let mut closed = false;
    for byte in b"POST /graphql HTTP/1.1\r\nHost: x\r\nX-Slow: "
        .iter()
        .cycle()
        .take(200)
    {
        if slow.write_all(&[*byte]).await.is_err() {
            closed = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(closed || read_until_closed(&mut slow, Duration::from_secs(1)).await.1);
    assert!(
        started.elapsed() < Duration::from_secs(8),
        "cut off by the header timeout"
    );

    // A body that never arrives: 408.
    let mut body = TcpStream::connect(app.address).await.unwrap();
    body.write_all(b"POST /graphql HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{")
        .await
        .unwrap();
    let (answer, _) = read_until_closed(&mut body, Duration::from_secs(4)).await;
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");

    // A kept-alive connection that goes quiet after its request is closed too.
    let mut kept = TcpStream::connect(app.address).await.unwrap();
    kept.write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let (answer, closed) = read_until_closed(&mut kept, Duration::from_secs(4)).await;
    assert!(answer.starts_with("HTTP/1.1 200"), "{answer}");
    assert!(closed, "an idle keep-alive connection is closed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn open_connections_are_bounded() {
    let app = spawn_app_with(Backend::Sqlite, &["--max-connections", "3"]).await;
    let mut held = Vec::new();
    for _ in 0..3 {
        let mut stream = TcpStream::connect(app.address).await.unwrap();
        stream
            .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
            .await
            .unwrap();
        let mut buf = [0u8; 64];
        let n = stream.read(&mut buf).await.unwrap();
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
        held.push(stream);
    }
    // A fourth is closed at once.
    let mut fourth = TcpStream::connect(app.address).await.unwrap();
    let _ = fourth
        .write_all(b"GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n")
        .await;
    let (answer, closed) = read_until_closed(&mut fourth, Duration::from_secs(2)).await;
    assert!(closed && answer.is_empty(), "{answer}");
    // Once one closes, there is room again.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let response = app
        .client
        .get(app.url("/health/live"))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_rate_limit_per_address_can_be_set() {
    let app = spawn_app_with(Backend::Sqlite, &["--rate-limit-per-address", "5"]).await;
    let mut statuses = Vec::new();
    for _ in 0..12 {
        let response = app
            .client
            .post(app.url("/graphql"))
            .json(&serde_json::json!({ "query": "{ products { totalCount } }" }))
            .send()
            .await
            .unwrap();
        let status = response.status().as_u16();
        if status == 429 {
            assert!(response.headers().get("retry-after").is_some());
            let body: serde_json::Value = response.json().await.unwrap();
            assert_eq!(body["errors"][0]["extensions"]["code"], "RATE_LIMITED");
        }
        statuses.push(status);
    }
    assert!(
        statuses.iter().filter(|s| **s == 200).count() >= 5,
        "{statuses:?}"
    );
    assert!(statuses.contains(&429), "{statuses:?}");
    // Off by default: the health probes are never limited.
    assert_eq!(
        app.client
            .get(app.url("/health/live"))
            .send()
            .await
            .unwrap()
            .status(),
        200
    );
}
