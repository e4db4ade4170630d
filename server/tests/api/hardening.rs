//! What an attacker tries first, each refused: slow or idle connections holding the server
//! (request-head and body timeouts, a connection limit), cross-site server-function calls,
//! malformed or oversized server-function input answered 500, a trailing slash past the page
//! guard, and anonymous requests growing the journal. Each scenario runs on SQLite and MariaDB;
//! the connection ones need no database and run once.

use std::time::Duration;

use crate::helpers::{spawn_again, spawn_app, Backend, TestApp};
use reqwest::StatusCode;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

both_backends!(
    cross_site_server_function_calls_are_refused,
    bad_server_function_input_is_a_4xx,
    a_trailing_slash_does_not_pass_the_page_guard,
    anonymous_requests_cannot_grow_the_journal,
    every_response_carries_the_security_headers,
);

/// The server's answer to what was written, or `None` when it closed the connection without one.
/// Waits at most `wait`; `Err` when nothing happened in that time.
async fn read_answer(s: &mut TcpStream, wait: Duration) -> Result<Option<String>, ()> {
    let mut buf = vec![0u8; 4096];
    match tokio::time::timeout(wait, s.read(&mut buf)).await {
        Err(_) => Err(()),
        Ok(Ok(0)) | Ok(Err(_)) => Ok(None),
        Ok(Ok(n)) => Ok(Some(String::from_utf8_lossy(&buf[..n]).into_owned())),
    }
}

async fn with_limits(extra: &[(&str, &str)]) -> TestApp {
    let first = spawn_app(Backend::Sqlite).await.unwrap();
    first.stop().await;
    let extra: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
    spawn_again(&first, &extra).await
}

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_half_sent_request_head_is_dropped() {
    let app = with_limits(&[("CCGATE_HTTP_HEADER_TIMEOUT_SECONDS", "1")]).await;
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")
        .await
        .unwrap();
    // Closed (or answered 408) soon after the second the head may take, not kept for ever.
    let r = read_answer(&mut s, Duration::from_secs(10)).await;
    assert!(
        matches!(&r, Ok(None)) || matches!(&r, Ok(Some(t)) if t.starts_with("HTTP/1.1 408")),
        "{r:?}"
    );
    // A whole request on a new connection is served, and an idle keep-alive connection is closed
    // when it sends nothing more.
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    let r = read_answer(&mut s, Duration::from_secs(5)).await.unwrap();
    assert!(r.unwrap().starts_with("HTTP/1.1 200"));
    let r = read_answer(&mut s, Duration::from_secs(10)).await;
    assert!(matches!(r, Ok(None)), "{r:?}");
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_stalled_request_body_ends_the_request() {
    let app = with_limits(&[("CCGATE_HTTP_BODY_TIMEOUT_SECONDS", "1")]).await;
    let (_, key) = app.api_user("crm-slow", &["sms.send"]).await;
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    let head = format!(
        "POST /api/v1/sms/send HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer {key}\r\n\
         Content-Type: application/json\r\nContent-Length: 100\r\n\r\n{{\"phone\":"
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let r = read_answer(&mut s, Duration::from_secs(10)).await;
    match r {
        Ok(Some(t)) => {
            let status: u16 = t[9..12].parse().unwrap();
            assert!((400..500).contains(&status), "{t}");
        }
        Ok(None) => {}
        Err(()) => panic!("a body that stopped arriving kept its request open"),
    }
    app.stop().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_over_the_limit_wait_their_turn() {
    let app = with_limits(&[
        ("CCGATE_HTTP_MAX_CONNECTIONS", "16"),
        ("CCGATE_HTTP_HEADER_TIMEOUT_SECONDS", "30"),
    ])
    .await;
    // Sixteen connections that send nothing take every slot…
    let mut idle = Vec::new();
    for _ in 0..16 {
        idle.push(TcpStream::connect(addr(&app)).await.unwrap());
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    // …so a seventeenth is not served while they are open…
    let mut s = TcpStream::connect(addr(&app)).await.unwrap();
    s.write_all(b"GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n")
        .await
        .unwrap();
    assert_eq!(
        read_answer(&mut s, Duration::from_secs(1)).await,
        Err(()),
        "served beyond the connection limit"
    );
    // …and is, as soon as one of them closes.
    drop(idle.pop());
    let r = read_answer(&mut s, Duration::from_secs(10)).await.unwrap();
    assert!(r.unwrap().starts_with("HTTP/1.1 200"));
    drop(idle);
    app.stop().await;
}

async fn cross_site_server_function_calls_are_refused(app: &TestApp) {
    app.login().await;
    let create = |origin: Option<&'static str>, site: Option<&'static str>, login: &'static str| {
        let mut rb = app
            .client
            .post(app.url("/rpc/users/create"))
            .header("Content-Type", "text/plain")
            .body(format!("login={login}&note=csrf"));
        if let Some(o) = origin {
            rb = rb.header("Origin", o);
        }
        if let Some(s) = site {
            rb = rb.header("Sec-Fetch-Site", s);
        }
        rb.send()
    };
    let own = app.base.clone();
    let other_port = {
        let port: u16 = own.rsplit(':').next().unwrap().parse().unwrap();
        format!("http://127.0.0.1:{}", port.wrapping_add(1))
    };
    let other_port: &'static str = Box::leak(other_port.into_boxed_str());
    for (origin, site, login) in [
        (Some("http://evil.example"), None, "csrf-1"),
        (Some(other_port), None, "csrf-2"),
        (None, Some("cross-site"), "csrf-3"),
        (None, Some("same-site"), "csrf-4"),
        (Some("null"), None, "csrf-5"),
    ] {
        let r = create(origin, site, login).await.unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "{origin:?} {site:?}");
    }
    let made: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_users WHERE login LIKE 'csrf-%'")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(made, 0, "a cross-site call created a user");
    // The panel's own calls pass.
    let own: &'static str = Box::leak(own.into_boxed_str());
    let r = app
        .client
        .post(app.url("/rpc/users/create"))
        .header("Origin", own)
        .header("Sec-Fetch-Site", "same-origin")
        .form(&[("login", "same-origin-ok"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn bad_server_function_input_is_a_4xx(app: &TestApp) {
    app.login().await;
    // Arguments that do not decode: 400, not 500.
    for body in ["id=not-a-number", "", "%%%"] {
        let r = app
            .client
            .post(app.url("/rpc/users/get"))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{body:?}");
    }
    let r = app
        .client
        .post(app.url("/rpc/perms/save"))
        .header("Content-Type", "application/json")
        .body("{\"user_id\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Also before signing in.
    let r = crate::helpers::client()
        .post(app.url("/rpc/users/create"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body("nothing=here")
        .send()
        .await
        .unwrap();
    assert!(r.status().is_client_error(), "{}", r.status());
    // A body over 2 MiB: 413, answered from its Content-Length before any of it is read. (Only
    // the head is sent: a client still writing the body when the server answers and closes may
    // see the connection reset before it reads the answer.)
    let mut s = TcpStream::connect(addr(app)).await.unwrap();
    let head = format!(
        "POST /rpc/users/create HTTP/1.1\r\nHost: {}\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\r\n",
        addr(app),
        3 << 20
    );
    s.write_all(head.as_bytes()).await.unwrap();
    let answer = read_answer(&mut s, Duration::from_secs(10))
        .await
        .expect("an answer before the body")
        .expect("an answer, not a closed connection");
    assert!(answer.starts_with("HTTP/1.1 413"), "{answer}");
}

async fn a_trailing_slash_does_not_pass_the_page_guard(app: &TestApp) {
    let anon = crate::helpers::client();
    for (path, to) in [
        ("/docs/key/", "/docs/key"),
        ("/settings/", "/settings"),
        ("/journal/", "/journal"),
        ("//settings", "/settings"),
        ("/users/1/", "/users/1"),
        ("/st%61ts", "/stats"),
        ("/journal/?page=2", "/journal?page=2"),
    ] {
        let r = anon.get(app.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::PERMANENT_REDIRECT, "{path}");
        assert_eq!(r.headers()["location"], to, "{path}");
        let r = anon.get(app.url(to)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{to}");
        assert_eq!(r.headers()["location"], "/login", "{to}");
    }
    // HEAD is guarded like GET.
    let r = anon.head(app.url("/settings")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn anonymous_requests_cannot_grow_the_journal(app: &TestApp) {
    let before = app.journal_count().await;
    let budget = ccgate_core::journal::anonymous::PER_IP_PER_MINUTE as i64;
    let long = format!("/api/v1/{}", "x".repeat(60_000));
    let r = app.client.get(app.url(&long)).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // Past the per-address budget of the minute: answered, not journaled.
    for i in 0..budget + 30 {
        let r = app.api("GET", &format!("/api/v1/nope/{i}"), None).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    app.journal.flush().await;
    let added = app.journal_count().await - before;
    // A minute boundary may fall inside the loop: then a second minute's share is used too.
    assert!(
        added == budget || (added > budget && added <= 2 * budget),
        "{added} rows for {} anonymous requests",
        budget + 31
    );
    let longest: i64 =
        sqlx::query_scalar("SELECT COALESCE(MAX(LENGTH(path)), 0) FROM request_journal")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(
        longest <= ccgate_core::journal::MAX_PATH as i64 * 3,
        "a path of {longest} bytes stored"
    );
    // A known API user is never held back.
    let (_, key) = app.api_user("crm-many", &[]).await;
    let before = app.journal_count().await;
    for _ in 0..budget + 10 {
        app.api("GET", "/api/v1/me", Some(&key)).await;
    }
    app.journal.flush().await;
    assert_eq!(app.journal_count().await - before, budget + 10);
}

async fn every_response_carries_the_security_headers(app: &TestApp) {
    for path in ["/login", "/api/v1/me", "/healthz", "/settings"] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        let h = r.headers();
        assert_eq!(h["x-content-type-options"], "nosniff", "{path}");
        assert_eq!(h["x-frame-options"], "DENY", "{path}");
        assert!(
            h["content-security-policy"]
                .to_str()
                .unwrap()
                .contains("frame-ancestors 'none'"),
            "{path}"
        );
        assert!(h.contains_key("referrer-policy"), "{path}");
    }
}
