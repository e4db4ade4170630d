//! What an attacker sends to the public API and to the panel, each answered with a clean 4xx (or
//! treated as plain data) and never a 500, a hang, a reflected header, a file outside its root or
//! a secret: oversized and deeply nested bodies, text that is not UTF-8, numbers no field holds,
//! SQL-looking filters, control characters in echoed or stored headers, path traversal against
//! recordings and static files, a session id fixed before sign-in or kept after sign-out, and
//! configured secrets looked for in every page, answer and log line. Each scenario that touches
//! the database runs on SQLite and MariaDB; the static-file one runs once.

use std::time::Duration;

use ccgate_core::access::audit::Actor;
use reqwest::StatusCode;
use serde_json::{json, Value};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::helpers::{spawn_again, spawn_app, Backend, TestApp, ADMIN, ADMIN_PASSWORD};

both_backends!(
    oversized_and_deeply_nested_bodies_are_4xx,
    text_that_is_not_utf8_is_a_400,
    numbers_no_field_holds_name_the_field,
    sql_looking_filters_are_plain_data,
    control_characters_in_headers_are_never_reflected,
    recordings_never_leave_their_root,
    sign_in_issues_a_new_session_and_sign_out_ends_it,
    secrets_never_appear_in_pages_answers_or_logs,
);

// ---------------------------------------------------------------------------------------------
// Raw HTTP: what a browser or reqwest would refuse to send.

fn addr(app: &TestApp) -> String {
    app.base.trim_start_matches("http://").to_string()
}

/// A raw answer: status, the head's lines (without the status line) and the body.
#[derive(Debug)]
struct Raw {
    status: u16,
    head: Vec<String>,
    body: Vec<u8>,
}

impl Raw {
    fn header(&self, name: &str) -> Option<&str> {
        self.head.iter().find_map(|l| {
            let (k, v) = l.split_once(':')?;
            k.eq_ignore_ascii_case(name).then_some(v.trim())
        })
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }

    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Write `request` as it is and read one answer (its head, and the body its `Content-Length`
/// names, or up to the close). Panics when nothing comes within 10 s: the server must not hang.
async fn raw_at(to: &str, request: &[u8]) -> Raw {
    let mut s = TcpStream::connect(to).await.unwrap();
    s.write_all(request).await.unwrap();
    let mut buf = Vec::new();
    let mut chunk = vec![0u8; 64 * 1024];
    loop {
        let n = tokio::time::timeout(Duration::from_secs(10), s.read(&mut chunk))
            .await
            .unwrap_or_else(|_| {
                panic!(
                    "no answer to {:?}: {:?}",
                    String::from_utf8_lossy(&request[..request.len().min(200)]),
                    String::from_utf8_lossy(&buf)
                )
            })
            .unwrap_or(0);
        buf.extend_from_slice(&chunk[..n]);
        if let Some(end) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            let head = String::from_utf8_lossy(&buf[..end]).into_owned();
            let len = head.lines().find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("content-length")
                    .then(|| v.trim().parse::<usize>().ok())?
            });
            if n == 0 || len.is_some_and(|len| buf.len() >= end + 4 + len) {
                let mut lines = head.split("\r\n").map(String::from);
                let status_line = lines.next().unwrap_or_default();
                let status = status_line
                    .get(9..12)
                    .and_then(|s| s.parse().ok())
                    .unwrap_or(0);
                let body_end = len.map_or(buf.len(), |l| (end + 4 + l).min(buf.len()));
                return Raw {
                    status,
                    head: lines.collect(),
                    body: buf[end + 4..body_end].to_vec(),
                };
            }
        }
        if n == 0 {
            panic!(
                "connection closed without a whole answer: {:?}",
                String::from_utf8_lossy(&buf)
            );
        }
    }
}

async fn raw(app: &TestApp, request: &[u8]) -> Raw {
    raw_at(&addr(app), request).await
}

/// `GET target` with the given extra header lines, as raw bytes.
async fn raw_get(app: &TestApp, target: &[u8], extra: &[u8]) -> Raw {
    let mut req = b"GET ".to_vec();
    req.extend_from_slice(target);
    req.extend_from_slice(b" HTTP/1.1\r\nHost: ");
    req.extend_from_slice(addr(app).as_bytes());
    req.extend_from_slice(b"\r\nConnection: close\r\n");
    req.extend_from_slice(extra);
    req.extend_from_slice(b"\r\n");
    raw(app, &req).await
}

/// The API's error answer: status, code and `details.field`.
fn error_of(status: StatusCode, v: &Value) -> (u16, String, String) {
    (
        status.as_u16(),
        v["error"]["code"].as_str().unwrap_or("").to_string(),
        v["error"]["details"]["field"]
            .as_str()
            .unwrap_or("")
            .to_string(),
    )
}

async fn get_json(app: &TestApp, key: &str, path: &str) -> (StatusCode, Value) {
    let r = app.api("GET", path, Some(key)).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn post_body(
    app: &TestApp,
    key: &str,
    path: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url(path))
        .bearer_auth(key)
        .header("Content-Type", content_type)
        .body(body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn still_serving(app: &TestApp) {
    let r = app.client.get(app.url("/healthz")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

// ---------------------------------------------------------------------------------------------

async fn oversized_and_deeply_nested_bodies_are_4xx(app: &TestApp) {
    let (_, key) = app.api_user("crm-big", &["cc.add", "sms.send"]).await;
    // Over the limit by its Content-Length: 413 with the JSON error body, from the head alone
    // (no body follows; a server waiting for it would hang here).
    for (path, limit) in [
        ("/api/v1/cc/add", server::rest::BODY_LIMIT),
        ("/api/v1/sms/send", server::rest::sms::SEND_BODY_LIMIT),
    ] {
        let head = format!(
            "POST {path} HTTP/1.1\r\nHost: {}\r\nAuthorization: Bearer {key}\r\n\
             Content-Type: application/json\r\nContent-Length: {}\r\n\r\n",
            addr(app),
            limit + 1
        );
        let r = raw(app, head.as_bytes()).await;
        assert_eq!(r.status, 413, "{path}: {r:?}");
        assert_eq!(r.json()["error"]["code"], "payload_too_large", "{path}");
        assert!(r.json()["error"]["request_id"].is_string(), "{path}");
    }
    // Also before authentication is known to matter: an anonymous one is not read either.
    let head = format!(
        "POST /api/v1/cc/add HTTP/1.1\r\nHost: {}\r\nContent-Type: application/json\r\n\
         Content-Length: {}\r\n\r\n",
        addr(app),
        64 << 20
    );
    let r = raw(app, head.as_bytes()).await;
    assert!((400..500).contains(&r.status), "{r:?}");

    // Ten thousand levels of nesting: 400 invalid_json, no stack overflow.
    let deep: Vec<(&str, String)> = vec![
        ("arrays", "[".repeat(10_000)),
        ("closed arrays", "[".repeat(10_000) + &"]".repeat(10_000)),
        ("objects", "{\"a\":".repeat(10_000)),
        (
            "inside a field",
            format!(
                "{{\"phone\":\"+79161234567\",\"queue\":\"q\",\"variables\":{}1{}}}",
                "{\"a\":".repeat(10_000),
                "}".repeat(10_000)
            ),
        ),
    ];
    for (what, body) in &deep {
        for path in ["/api/v1/cc/add", "/api/v1/sms/send"] {
            let (s, v) = post_body(
                app,
                &key,
                path,
                "application/json",
                body.clone().into_bytes(),
            )
            .await;
            // cc/add reads any JSON value first, so the depth is what stops it. sms/send reads
            // its fields as it goes and may stop earlier: at a field it does not know, or at a
            // body that is valid JSON but not an object.
            let codes: &[&str] = if path.ends_with("send") {
                &["invalid_json", "invalid_parameter", "unknown_field"]
            } else {
                &["invalid_json"]
            };
            assert_eq!(s, StatusCode::BAD_REQUEST, "{what} to {path}: {v}");
            assert!(
                codes.contains(&v["error"]["code"].as_str().unwrap_or("")),
                "{what} to {path}: {v}"
            );
        }
    }
    still_serving(app).await;

    // The same to the panel's server functions that take JSON, and a form nested as deep.
    app.login().await;
    for endpoint in [
        "perms/save",
        "settings/save",
        "sms/gateways/save",
        "settings/modules/save",
    ] {
        for (what, body) in &deep {
            let r = app
                .client
                .post(app.url(&format!("/rpc/{endpoint}")))
                .header("Content-Type", "application/json")
                .body(body.clone())
                .send()
                .await
                .unwrap();
            assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{what} to {endpoint}");
        }
    }
    let nested_form = format!("login{}=x&note=", "[a]".repeat(10_000));
    let r = app
        .client
        .post(app.url("/rpc/users/create"))
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(nested_form)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    still_serving(app).await;
    let r = app
        .rpc(
            &app.client,
            "users/list",
            &[
                ("login", ""),
                ("note", ""),
                ("status", ""),
                ("limit", "10"),
                ("offset", "0"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
}

async fn text_that_is_not_utf8_is_a_400(app: &TestApp) {
    let (_, key) = app
        .api_user(
            "crm-bytes",
            &[
                "cc.add",
                "cc.cdr",
                "sms.send",
                "sms.getStatus",
                "reports.request",
            ],
        )
        .await;
    // In a JSON string.
    for path in ["/api/v1/cc/add", "/api/v1/sms/send"] {
        let (s, v) = post_body(
            app,
            &key,
            path,
            "application/json",
            b"{\"phone\":\"\xff\xfe\",\"queue\":\"q\",\"text\":\"x\"}".to_vec(),
        )
        .await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_json")),
            "{path}: {v}"
        );
    }
    // In a form body, escaped or not.
    for body in [&b"phone=%FF%FE&text=hi"[..], b"phone=79161234567&text=\xd0"] {
        let (s, v) = post_body(
            app,
            &key,
            "/api/v1/sms/send",
            "application/x-www-form-urlencoded",
            body.to_vec(),
        )
        .await;
        assert_eq!(
            (s.as_u16(), v["error"]["code"].as_str()),
            (400, Some("invalid_parameter")),
            "{body:?}: {v}"
        );
        assert_eq!(v["error"]["details"]["reason"], "not UTF-8", "{v}");
    }
    // In a query string: the parameter is named.
    for (path, field) in [
        ("/api/v1/cc/cdr?queue=%FF%FE", "queue"),
        ("/api/v1/cc/cdr?number=%C3%28", "number"),
        ("/api/v1/cc/cdr?limit=1&hangup_cause=%80", "hangup_cause"),
        ("/api/v1/sms/getStatus?id=%C3", "id"),
        ("/api/v1/reports/request?user=%ED%A0%80", "user"),
    ] {
        let (s, v) = get_json(app, &key, path).await;
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), field.into()),
            "{path}: {v}"
        );
    }
    let (s, v) = get_json(app, &key, "/api/v1/cc/cdr?%FF=1").await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{v}");
    // In a path parameter.
    for path in [
        "/api/v1/cc/cdr/%FF%FE",
        "/api/v1/cc/add/%C3%28",
        "/api/v1/cc/add/abc%80",
    ] {
        let (s, v) = get_json(app, &key, path).await;
        let field = if path.contains("cdr") { "uuid" } else { "id" };
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), field.into()),
            "{path}: {v}"
        );
    }
    let r = app.api("DELETE", "/api/v1/cc/add/%FF", Some(&key)).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let (s, v) = get_json(app, &key, "/api/v1/%FF/%FE").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("not_found"))
    );
    // Raw bytes that are not UTF-8 never get past the HTTP parser: a bare 400.
    let auth = format!("Authorization: Bearer {key}\r\n");
    for target in [
        &b"/api/v1/cc/cdr?queue=\xff"[..],
        b"/api/v1/cc/cdr/\xff\xfe",
        b"/settings\xc3",
    ] {
        let r = raw_get(app, target, auth.as_bytes()).await;
        assert_eq!(r.status, 400, "{target:?}");
    }
    still_serving(app).await;

    // The panel: a path of UTF-8 is answered (not found), not redirected to another spelling of
    // itself without end; escapes that are not UTF-8 are no 500.
    let r = raw_get(app, "/журнал".as_bytes(), b"").await;
    assert!(
        !(300..400).contains(&r.status),
        "redirected to {:?}",
        r.header("location")
    );
    assert!(r.status < 500, "{r:?}");
    let r = raw_get(app, "/journal/отчёт/".as_bytes(), b"").await;
    if (300..400).contains(&r.status) {
        let to = r.header("location").unwrap().to_string();
        assert_eq!(to, "/journal/отчёт");
        let again = raw_get(app, to.as_bytes(), b"").await;
        assert!(!(300..400).contains(&again.status) || again.status == 303);
    }
    app.login().await;
    for path in [
        "/users/%FF",
        "/journal?user=%FF%FE",
        "/%C3",
        "/audit?target=%80",
    ] {
        let r = app.client.get(app.url(path)).send().await.unwrap();
        assert!(r.status().as_u16() < 500, "{path}: {}", r.status());
    }
    for (endpoint, form) in [
        ("users/get", "id=%FF"),
        (
            "journal/list",
            "user=%FF%FE&module=&method=&outcome=&from=&until=&request_id=&offset=0",
        ),
        (
            "audit/list",
            "actor=&action=&target=%C3&from=&until=&offset=0",
        ),
    ] {
        let r = app
            .client
            .post(app.url(&format!("/rpc/{endpoint}")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert!(r.status().as_u16() < 500, "{endpoint}: {}", r.status());
    }
}

async fn numbers_no_field_holds_name_the_field(app: &TestApp) {
    let (_, key) = app
        .api_user(
            "crm-numbers",
            &[
                "cc.add",
                "cc.cdr",
                "sms.send",
                "sms.getStatus",
                "reports.request",
                "reports.sms",
            ],
        )
        .await;
    // Query parameters.
    for (path, field) in [
        ("/api/v1/cc/cdr?limit=99999999999999999999", "limit"),
        ("/api/v1/cc/cdr?limit=-1", "limit"),
        ("/api/v1/cc/cdr?limit=1.5", "limit"),
        ("/api/v1/cc/cdr?limit=1e3", "limit"),
        ("/api/v1/cc/cdr?limit=1e400", "limit"),
        ("/api/v1/cc/cdr?limit=0x10", "limit"),
        ("/api/v1/cc/cdr?limit=%2B5%00", "limit"),
        ("/api/v1/cc/cdr?offset=99999999999999999999", "offset"),
        ("/api/v1/cc/cdr?offset=-5", "offset"),
        ("/api/v1/cc/cdr?offset=NaN", "offset"),
        ("/api/v1/cc/cdr?from=99999999999999999999", "from"),
        ("/api/v1/cc/cdr?until=-1", "until"),
        (
            "/api/v1/sms/getStatus?id=m1&history=99999999999999999999",
            "history",
        ),
        ("/api/v1/sms/getStatus?id=m1&history=-1", "history"),
        ("/api/v1/reports/request?from=1e400", "from"),
        (
            "/api/v1/reports/request?until=-99999999999999999999",
            "until",
        ),
        ("/api/v1/reports/sms?bom=2&format=csv", "bom"),
    ] {
        let (s, v) = get_json(app, &key, path).await;
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), field.into()),
            "{path}: {v}"
        );
    }
    // The largest offset there is: a valid, empty page.
    let (s, v) = get_json(app, &key, "/api/v1/cc/cdr?offset=9223372036854775807").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"], json!([]));

    // JSON bodies: a number too large for its field, too large for any, negative or fractional.
    let contact = |priority: &str| {
        format!("{{\"phone\":\"+79161234567\",\"queue\":\"support\",\"priority\":{priority}}}")
    };
    for p in [
        "99999999999999999999",
        "-99999999999999999999",
        "1e400",
        "-1",
        "1.5",
        "101",
        "\"7\"",
    ] {
        let (s, v) = post_body(
            app,
            &key,
            "/api/v1/cc/add",
            "application/json",
            contact(p).into_bytes(),
        )
        .await;
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), "priority".into()),
            "priority {p}: {v}"
        );
    }
    // In a batch, the contact's own error names the field.
    let batch = format!(
        "{{\"contacts\":[{},{}]}}",
        contact("1"),
        contact("99999999999999999999")
    );
    let (s, v) = post_body(
        app,
        &key,
        "/api/v1/cc/add",
        "application/json",
        batch.into_bytes(),
    )
    .await;
    assert!(s.is_client_error() || s.is_success(), "{s}: {v}");
    let text = v.to_string();
    assert!(text.contains("priority"), "{v}");
    let batch = format!("{{\"contacts\":[{},{}]}}", contact("1"), contact("1e999"));
    let (s, v) = post_body(
        app,
        &key,
        "/api/v1/cc/add",
        "application/json",
        batch.into_bytes(),
    )
    .await;
    assert_eq!(
        error_of(s, &v),
        (
            400,
            "invalid_parameter".into(),
            "contacts[1].priority".into()
        ),
        "{v}"
    );
    for (body, field) in [
        (r#"{"phone": 99999999999999999999, "text": "x"}"#, "phone"),
        (r#"{"phone": "79161234567", "text": 1e400}"#, "text"),
        (
            r#"{"phones": ["79161234567", -1], "text": "x"}"#,
            "phones[1]",
        ),
        (
            r#"{"messages": [{"phone": "79161234567", "text": 1.5}]}"#,
            "messages[0].text",
        ),
    ] {
        let (s, v) = post_body(
            app,
            &key,
            "/api/v1/sms/send",
            "application/json",
            body.as_bytes().to_vec(),
        )
        .await;
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), field.into()),
            "{body}: {v}"
        );
    }

    // Server functions: numbers their arguments cannot hold are a 400, not a 500.
    app.login().await;
    for (endpoint, form) in [
        ("users/get", "id=99999999999999999999"),
        ("users/get", "id=1e400"),
        ("users/get", "id=-1.5"),
        (
            "journal/list",
            "user=&module=&method=&outcome=&from=&until=&request_id=&offset=99999999999999999999",
        ),
        (
            "audit/list",
            "actor=&action=&target=&from=&until=&offset=1e400",
        ),
        (
            "users/list",
            "login=&note=&status=&limit=99999999999999999999&offset=0",
        ),
    ] {
        let r = app
            .client
            .post(app.url(&format!("/rpc/{endpoint}")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{endpoint} {form}");
    }
    // In range but extreme: answered, clamped.
    for (endpoint, form) in [
        (
            "journal/list",
            "user=&module=&method=&outcome=&from=&until=&request_id=&offset=9223372036854775807",
        ),
        (
            "audit/list",
            "actor=&action=&target=&from=&until=&offset=-9223372036854775808",
        ),
        (
            "users/list",
            "login=&note=&status=&limit=-9223372036854775808&offset=9223372036854775807",
        ),
    ] {
        let r = app
            .client
            .post(app.url(&format!("/rpc/{endpoint}")))
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(form)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{endpoint} {form}");
    }
}

/// Filter values that would change a query if they reached its text, or widen a LIKE if not
/// escaped.
const SQLISH: &[&str] = &[
    "' OR 1=1 --",
    "' OR '1'='1",
    "\" OR \"\"=\"",
    "%",
    "_",
    "\\",
    "\\%",
    "!",
    "%' OR '%'='",
    "'; DROP TABLE cdr; --",
    "1; DROP TABLE request_journal",
    "*/ OR 1=1 /*",
    "crm-sql' --",
];

/// Percent-encode every byte but the unreserved ones.
fn enc(s: &str) -> String {
    s.bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect()
}

async fn sql_looking_filters_are_plain_data(app: &TestApp) {
    let (_, key) = app
        .api_user(
            "crm-sql",
            &[
                "cc.cdr",
                "sms.getStatus",
                "reports.request",
                "reports.badRequest",
                "reports.users",
                "reports.sms",
            ],
        )
        .await;
    // Some rows to be matched, or not: calls, journal rows of this user, audit rows.
    let root = app.dir.path().join("cdr");
    crate::contact_center::copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/freeswitch/cdr"),
        &root,
    );
    let totals = ccgate_core::cc::cdr::query::Totals::default();
    ccgate_core::cc::cdr::index::scan(&app.db, &totals, &root, 180)
        .await
        .unwrap();
    let (s, all) = get_json(app, &key, "/api/v1/cc/cdr?limit=1000").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let calls = all["total"].as_i64().unwrap();
    assert!(calls >= 5, "{all}");

    for bad in SQLISH {
        let q = enc(bad);
        for param in ["number", "direction", "hangup_cause", "queue", "uuid"] {
            let (s, v) = get_json(app, &key, &format!("/api/v1/cc/cdr?{param}={q}")).await;
            assert_eq!(s, StatusCode::OK, "{param}={bad}: {v}");
            assert_eq!(v["total"], 0, "{param}={bad}: {v}");
            assert_eq!(v["items"], json!([]), "{param}={bad}");
        }
        for param in [
            "from", "until", "order", "sort", "format", "limit", "offset",
        ] {
            let (s, v) = get_json(app, &key, &format!("/api/v1/cc/cdr?{param}={q}")).await;
            assert_eq!(
                error_of(s, &v),
                (400, "invalid_parameter".into(), param.into()),
                "{param}={bad}: {v}"
            );
        }
        let (s, v) = get_json(app, &key, &format!("/api/v1/cc/cdr/{q}")).await;
        assert!(s == StatusCode::BAD_REQUEST, "cdr/{bad}: {v}");
        // Message ids are letters and digits: anything else is refused, by name.
        let (s, v) = get_json(app, &key, &format!("/api/v1/sms/getStatus?id={q}")).await;
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), "id".into()),
            "id={bad}: {v}"
        );
        let (s, v) = get_json(
            app,
            &key,
            &format!("/api/v1/sms/getStatus?id=m1,{q}&history=true"),
        )
        .await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "id=m1,{bad}: {v}");
        let (s, v) = get_json(
            app,
            &key,
            &format!("/api/v1/sms/getStatus?id=m1&history={q}"),
        )
        .await;
        assert_eq!(
            error_of(s, &v),
            (400, "invalid_parameter".into(), "history".into()),
            "history={bad}: {v}"
        );
        // Reports: no user has that login, so nobody's rows are counted.
        for report in ["request", "badRequest", "users", "sms"] {
            let path = format!("/api/v1/reports/{report}?user={q}&group_by=user");
            let (s, v) = get_json(app, &key, &path).await;
            assert!(
                s == StatusCode::OK || s == StatusCode::BAD_REQUEST,
                "{path}: {v}"
            );
            assert!(!v.to_string().contains("\"crm-sql\""), "{path}: {v}");
            for param in ["group_by", "format", "from", "until"] {
                let (s, v) =
                    get_json(app, &key, &format!("/api/v1/reports/{report}?{param}={q}")).await;
                assert_eq!(
                    error_of(s, &v),
                    (400, "invalid_parameter".into(), param.into()),
                    "{report} {param}={bad}: {v}"
                );
            }
        }
    }
    // The same report for the real user does list it (so the check above could fail).
    let (s, v) = get_json(
        app,
        &key,
        "/api/v1/reports/request?user=crm-sql&group_by=user",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    app.journal.flush().await;

    // The panel's listings.
    app.login().await;
    let list = |endpoint: &'static str, form: Vec<(&'static str, String)>| async move {
        let form: Vec<(&str, &str)> = form.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let r = app.rpc(&app.client, endpoint, &form).await;
        let s = r.status();
        (s, r.json::<Value>().await.unwrap_or(Value::Null))
    };
    let journal = |field: &'static str, value: &str| {
        filter_form(
            &[
                "user",
                "module",
                "method",
                "outcome",
                "from",
                "until",
                "request_id",
            ],
            &[("offset", "0")],
            field,
            value,
        )
    };
    let audit = |field: &'static str, value: &str| {
        filter_form(
            &["actor", "action", "target", "from", "until"],
            &[("offset", "0")],
            field,
            value,
        )
    };
    let signins = |field: &'static str, value: &str| {
        filter_form(
            &["username", "result", "ip", "from", "until"],
            &[("offset", "0")],
            field,
            value,
        )
    };
    let users = |field: &'static str, value: &str| {
        filter_form(
            &["login", "note", "status"],
            &[("limit", "100"), ("offset", "0")],
            field,
            value,
        )
    };
    // Each listing finds its rows with a plain filter (so none of the checks below is vacuous).
    let (s, v) = list("journal/list", journal("user", "crm-sql")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["total"].as_i64().unwrap() > 0, "{v}");
    let (_, v) = list("audit/list", audit("target", "crm-sql")).await;
    assert!(v["total"].as_i64().unwrap() > 0, "{v}");
    let (_, v) = list("signins/list", signins("username", ADMIN)).await;
    assert!(v["total"].as_i64().unwrap() > 0, "{v}");
    let (_, v) = list("users/list", users("login", "crm-sql")).await;
    assert_eq!(v["total"], 1, "{v}");

    for bad in SQLISH {
        for field in ["user", "module", "method", "request_id"] {
            let (s, v) = list("journal/list", journal(field, bad)).await;
            assert_eq!(s, StatusCode::OK, "journal {field}={bad}: {v}");
            assert_eq!(v["total"], 0, "journal {field}={bad}: {v}");
        }
        let (s, _) = list("journal/list", journal("outcome", bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "journal outcome={bad}");
        for field in ["actor", "action", "target"] {
            for value in [bad.to_string(), format!("{bad}.")] {
                let (s, v) = list("audit/list", audit(field, &value)).await;
                assert_eq!(s, StatusCode::OK, "audit {field}={value}: {v}");
                assert_eq!(v["total"], 0, "audit {field}={value}: {v}");
            }
        }
        for field in ["username", "ip"] {
            for value in [bad.to_string(), format!("{bad}."), format!("{bad}:")] {
                let (s, v) = list("signins/list", signins(field, &value)).await;
                assert!(
                    s == StatusCode::OK || s == StatusCode::BAD_REQUEST,
                    "signins {field}={value}: {v}"
                );
                if s == StatusCode::OK {
                    assert_eq!(v["total"], 0, "signins {field}={value}: {v}");
                }
            }
        }
        let (s, _) = list("signins/list", signins("result", bad)).await;
        assert!(s.is_client_error() || s == StatusCode::OK, "result={bad}");
        for field in ["login", "note"] {
            let (s, v) = list("users/list", users(field, bad)).await;
            assert_eq!(s, StatusCode::OK, "users {field}={bad}: {v}");
            assert_eq!(v["total"], 0, "users {field}={bad}: {v}");
        }
        // Dates: refused by name.
        let (s, _) = list("journal/list", journal("from", bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
        let (s, _) = list("audit/list", audit("until", bad)).await;
        assert_eq!(s, StatusCode::BAD_REQUEST);
    }
    // The pages themselves, with the filters in their address.
    for bad in SQLISH {
        for page in [
            format!("/journal?user={}", enc(bad)),
            format!("/audit?target={}&action={}", enc(bad), enc(bad)),
            format!("/signins?username={}&ip={}", enc(bad), enc(bad)),
            format!("/users?login={}", enc(bad)),
        ] {
            let r = app.client.get(app.url(&page)).send().await.unwrap();
            assert_eq!(r.status(), StatusCode::OK, "{page}");
        }
    }
    // Every table is still there, with its rows.
    let (_, v) = get_json(app, &key, "/api/v1/cc/cdr?limit=1").await;
    assert_eq!(v["total"].as_i64(), Some(calls), "{v}");
    for table in [
        "cdr",
        "request_journal",
        "audit_log",
        "admin_login_log",
        "api_users",
        "sms_messages",
        "settings",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.db.pool)
            .await
            .unwrap_or_else(|e| panic!("{table}: {e}"));
        assert!(n >= 0);
    }
}

async fn control_characters_in_headers_are_never_reflected(app: &TestApp) {
    let (_, key) = app.api_user("crm-crlf", &["cc.add"]).await;
    let auth = format!("Authorization: Bearer {key}\r\n");
    // A header line broken by a bare CR or LF: refused (400), or read as two header lines, of
    // which neither reaches the answer's head.
    for bad in [
        &b"X-Request-Id: abc\nSet-Cookie: injected=1\r\n"[..],
        b"X-Request-Id: abc\rSet-Cookie: injected=1\r\n",
        b"X-Request-Id: abc\r\n Set-Cookie: injected=1\r\n",
        b"X-Request-Id: abc\x00def\r\n",
        b"X-Request-Id: abc\x0bdef\r\n",
        b"X-Request-Id: caf\xc3\xa9\r\n",
        b"X-Request-Id: abc%0d%0aSet-Cookie:%20injected=1\r\n",
        b"X-Request-Id: abc\\r\\nSet-Cookie: injected=1\r\n",
        b"User-Agent: evil\nSet-Cookie: injected=1\r\n",
        b"Idempotency-Key: k\nSet-Cookie: injected=1\r\n",
    ] {
        let mut extra = auth.as_bytes().to_vec();
        extra.extend_from_slice(bad);
        let r = raw_get(app, b"/api/v1/me", &extra).await;
        assert!(r.status == 200 || r.status == 400, "{bad:?}: {r:?}");
        for line in &r.head {
            let lower = line.to_ascii_lowercase();
            assert!(
                !lower.contains("injected") && !lower.contains('\r'),
                "{bad:?} reached the answer: {line:?}"
            );
        }
        if let Some(id) = r.header("x-request-id") {
            assert!(
                id.bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b".:_-".contains(&b)),
                "{id:?}"
            );
        }
    }
    // Only a well-formed request id is echoed; any other is replaced.
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&key)
        .header("X-Request-Id", "abc%0d%0aSet-Cookie:%20x")
        .send()
        .await
        .unwrap();
    let id = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_eq!(id.len(), 32, "{id}");
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert!(!v.to_string().contains("Set-Cookie"), "{v}");

    // Idempotency-Key: never echoed; one that is not printable ASCII is refused by name.
    let contact = json!({"phone": "+79161234567", "queue": "support"});
    for k in [
        "k%0d%0aSet-Cookie: injected=1",
        "key with spaces and \\r\\n",
    ] {
        for _ in 0..2 {
            let r = app
                .client
                .post(app.url("/api/v1/cc/add"))
                .bearer_auth(&key)
                .header("Idempotency-Key", k)
                .json(&contact)
                .send()
                .await
                .unwrap();
            assert!(r.status().as_u16() < 500, "{k}: {}", r.status());
            for (name, value) in r.headers() {
                let v = String::from_utf8_lossy(value.as_bytes());
                assert!(
                    !v.contains("injected") && !v.contains("spaces"),
                    "{k} echoed in {name}"
                );
            }
        }
    }
    let mut extra = auth.as_bytes().to_vec();
    extra.extend_from_slice(b"Content-Type: application/json\r\nIdempotency-Key: caf\xc3\xa9\r\n");
    let body = contact.to_string();
    extra.extend_from_slice(format!("Content-Length: {}\r\n", body.len()).as_bytes());
    let mut req = format!("POST /api/v1/cc/add HTTP/1.1\r\nHost: {}\r\n", addr(app)).into_bytes();
    req.extend_from_slice(&extra);
    req.extend_from_slice(b"Connection: close\r\n\r\n");
    req.extend_from_slice(body.as_bytes());
    let r = raw(app, &req).await;
    assert_eq!(r.status, 400, "{r:?}");
    assert_eq!(
        r.json()["error"]["details"]["field"],
        "Idempotency-Key",
        "{}",
        r.text()
    );

    // User-Agent is stored with each sign-in attempt: what is stored has no line breaks, and the
    // sign-in answer's head holds nothing of it.
    for ua in [
        &b"ua\nSet-Cookie: injected=1"[..],
        b"caf\xc3\xa9 \xff",
        b"ua\tx",
    ] {
        let body = format!("username={ADMIN}&password=wrong-{}", ua.len());
        let mut req = format!(
            "POST /rpc/login HTTP/1.1\r\nHost: {}\r\nAccept: application/json\r\n\
             Content-Type: application/x-www-form-urlencoded\r\nContent-Length: {}\r\n\
             Connection: close\r\nUser-Agent: ",
            addr(app),
            body.len()
        )
        .into_bytes();
        req.extend_from_slice(ua);
        req.extend_from_slice(b"\r\n\r\n");
        req.extend_from_slice(body.as_bytes());
        let r = raw(app, &req).await;
        assert!(r.status == 401 || r.status == 400, "{ua:?}: {r:?}");
        assert!(
            r.head
                .iter()
                .all(|l| !l.to_ascii_lowercase().contains("injected")),
            "{r:?}"
        );
    }
    let agents: Vec<String> = sqlx::query_scalar("SELECT user_agent FROM admin_login_log")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(!agents.is_empty());
    for a in &agents {
        assert!(!a.contains('\r') && !a.contains('\n'), "{a:?}");
    }
}

async fn recordings_never_leave_their_root(app: &TestApp) {
    let (_, key) = app.api_user("crm-rec", &["cc.audio"]).await;
    let dir = app.dir.path().join("rec-test");
    let root = dir.join("recordings");
    std::fs::create_dir_all(&root).unwrap();
    let secret = b"RIFF-not-for-you-0451";
    std::fs::write(dir.join("secret.wav"), secret).unwrap();
    std::fs::write(dir.join("recordings-secret.wav"), secret).unwrap();
    let u = "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f";
    std::fs::write(root.join(format!("{u}.wav")), b"RIFF-inside").unwrap();
    crate::contact_center::configure(app, &[("wav_path", root.display().to_string())]).await;

    let fetch = |q: String| {
        let key = key.clone();
        async move {
            let r = app
                .client
                .get(app.url(&format!("/api/v1/cc/audio?{q}")))
                .bearer_auth(&key)
                .send()
                .await
                .unwrap();
            (r.status(), r.bytes().await.unwrap().to_vec())
        }
    };
    let (s, body) = fetch(format!("uuid={u}")).await;
    assert_eq!((s, body.as_slice()), (StatusCode::OK, &b"RIFF-inside"[..]));
    let secret_abs = dir.join("secret.wav").display().to_string();
    for bad in [
        "../secret".to_string(),
        "../secret.wav".into(),
        "%2e%2e%2fsecret.wav".into(),
        "%2e%2e/secret.wav".into(),
        "..%2fsecret.wav".into(),
        "..%5csecret.wav".into(),
        "..%5c..%5csecret.wav".into(),
        "%252e%252e%252fsecret.wav".into(),
        "....//secret.wav".into(),
        "..%c0%afsecret.wav".into(),
        format!("{u}%00"),
        format!("{u}%00/../../secret"),
        format!("{u}/../../secret"),
        format!("{u}%2f..%2f..%2fsecret"),
        "%00".into(),
        enc(&secret_abs),
        format!("file:{}", enc(&secret_abs)),
        format!("{}%2F..%2Fsecret", enc(&root.display().to_string())),
    ] {
        let (s, body) = fetch(format!("uuid={bad}")).await;
        assert_eq!(s, StatusCode::BAD_REQUEST, "{bad}");
        assert!(
            !body.windows(secret.len()).any(|w| w == secret),
            "{bad} served the secret"
        );
    }
    // A CDR naming a file outside the root (through `..`, an absolute path, a symlink) does not
    // serve it either.
    let u4 = "aaaaaaaa-1111-4222-8333-444455556666";
    std::os::unix::fs::symlink(dir.join("secret.wav"), root.join("link.wav")).unwrap();
    let cdr_root = dir.join("cdr");
    std::fs::create_dir_all(cdr_root.join("json_cdr")).unwrap();
    let template = std::fs::read_to_string(std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(
        "../testdata/freeswitch/cdr/json_cdr/a_418e5dba-298b-4ac6-9a84-90b6f93f9877.cdr.json",
    ))
    .unwrap()
    .replace("418e5dba-298b-4ac6-9a84-90b6f93f9877", u4);
    let mut cdr: Value = serde_json::from_str(&template).unwrap();
    let vars = cdr["variables"].as_object_mut().unwrap();
    vars.insert("record_path".into(), json!(root.display().to_string()));
    vars.insert("record_name".into(), json!("../secret.wav"));
    vars.insert("cc_record_filename".into(), json!(secret_abs));
    vars.insert("last_app".into(), json!("record_session"));
    vars.insert(
        "last_arg".into(),
        json!(format!("{}/link.wav", root.display())),
    );
    std::fs::write(
        cdr_root.join(format!("json_cdr/a_{u4}.cdr.json")),
        cdr.to_string(),
    )
    .unwrap();
    let totals = ccgate_core::cc::cdr::query::Totals::default();
    let st = ccgate_core::cc::cdr::index::scan(&app.db, &totals, &cdr_root, 180)
        .await
        .unwrap();
    assert!(st.files_seen >= 1, "{st:?}");
    let (s, body) = fetch(format!("uuid={u4}")).await;
    assert_eq!(
        s,
        StatusCode::NOT_FOUND,
        "{}",
        String::from_utf8_lossy(&body)
    );
    assert!(!body.windows(secret.len()).any(|w| w == secret));
    // And a route below cc/audio is no way around the parameter.
    for path in [
        "/api/v1/cc/audio/..%2f..%2fsecret.wav",
        "/api/v1/cc/audio/%2e%2e/%2e%2e/secret.wav",
    ] {
        let r = app.api("GET", path, Some(&key)).await;
        assert!(r.status().is_client_error(), "{path}: {}", r.status());
    }
}

/// Static files: only from inside the site root, whatever the spelling of the path. Needs no
/// database beyond the one the app boots on, so it runs once.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn static_files_never_leave_the_site_root() {
    let first = spawn_app(Backend::Sqlite).await.unwrap();
    first.stop().await;
    let site = first.dir.path().join("site");
    std::fs::create_dir_all(site.join("pkg")).unwrap();
    std::fs::write(site.join("pkg/ccgate.js"), "// the bundle").unwrap();
    const SECRET: &str = "TOP-SECRET-7d1f0c";
    std::fs::write(first.dir.path().join("secret.txt"), SECRET).unwrap();
    std::fs::write(first.dir.path().join("Cargo.toml"), SECRET).unwrap();
    let app = spawn_again(&first, &[("CCGATE_SITE_ROOT", site.display().to_string())]).await;

    let r = raw_get(&app, b"/pkg/ccgate.js", b"").await;
    assert_eq!((r.status, r.text().as_str()), (200, "// the bundle"));
    for target in [
        "/pkg/../../secret.txt",
        "/pkg/../secret.txt",
        "/../secret.txt",
        "/pkg/..%2f..%2fsecret.txt",
        "/pkg/..%2f..%2fCargo.toml",
        "/pkg/%2e%2e/%2e%2e/secret.txt",
        "/pkg/%2e%2e%2f%2e%2e%2fsecret.txt",
        "/pkg/%2E%2E%2F%2E%2E%2FCargo.toml",
        "/pkg/..%5c..%5csecret.txt",
        "/pkg/..\\..\\secret.txt",
        "/pkg/%252e%252e%252fsecret.txt",
        "/pkg/....//....//secret.txt",
        "/pkg/ccgate.js%00.txt",
        "/pkg/%00/../../secret.txt",
        "/pkg/%c0%ae%c0%ae/secret.txt",
        "/swagger-ui/../../secret.txt",
        "/swagger-ui/..%2f..%2fCargo.toml",
        "/%2e%2e/secret.txt",
        "/.%2e/secret.txt",
        "//secret.txt",
        "/pkg//..//..//secret.txt",
    ] {
        // Follow a canonical-path redirect or two, as a client would.
        let mut path = target.to_string();
        let mut r = raw_get(&app, path.as_bytes(), b"").await;
        for _ in 0..3 {
            if !(300..400).contains(&r.status) {
                break;
            }
            path = r.header("location").unwrap().to_string();
            if path == "/login" {
                break;
            }
            r = raw_get(&app, path.as_bytes(), b"").await;
        }
        assert!(
            !r.text().contains(SECRET),
            "{target} (last {path}) served a file outside the site root"
        );
        assert!(
            (300..500).contains(&r.status),
            "{target} (last {path}): {}",
            r.status
        );
    }
    app.stop().await;
}

async fn sign_in_issues_a_new_session_and_sign_out_ends_it(app: &TestApp) {
    use base64::Engine;
    // A browser without its own cookie jar: the cookie is what the test sends.
    let bare = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let login = |cookie: Option<String>| {
        let bare = bare.clone();
        async move {
            let mut rb = bare
                .post(app.url("/rpc/login"))
                .header("Accept", "application/json")
                .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)]);
            if let Some(c) = cookie {
                rb = rb.header("Cookie", c);
            }
            rb.send().await.unwrap()
        }
    };
    let page = |cookie: String| {
        let bare = bare.clone();
        async move {
            bare.get(app.url("/settings"))
                .header("Cookie", cookie)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    // An id the attacker made up and planted before the victim signs in.
    let planted = format!(
        "ccgate_session={}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b"attacker-chose!!")
    );
    let r = login(Some(planted.clone())).await;
    assert!(r.status().is_success() || r.status().is_redirection());
    let issued = crate::helpers::session_cookie(&r).expect("a session cookie at sign-in");
    assert_ne!(issued, planted);
    assert_eq!(page(issued.clone()).await, StatusCode::OK);
    assert_eq!(page(planted.clone()).await, StatusCode::SEE_OTHER);
    // An id that is already a stored session (the attacker's own, or one seen before): signing
    // in on it issues another, and the old one is worth nothing.
    let r = login(Some(issued.clone())).await;
    let second = crate::helpers::session_cookie(&r).expect("a new session cookie");
    assert_ne!(second, issued);
    assert_eq!(page(second.clone()).await, StatusCode::OK);
    assert_eq!(
        page(issued.clone()).await,
        StatusCode::SEE_OTHER,
        "the session id from before sign-in still works"
    );
    // Sign out: the cookie no longer works, for pages or server functions.
    let r = bare
        .post(app.url("/rpc/logout"))
        .header("Accept", "application/json")
        .header("Cookie", second.clone())
        .send()
        .await
        .unwrap();
    assert!(r.status().as_u16() < 400, "{}", r.status());
    assert_eq!(page(second.clone()).await, StatusCode::SEE_OTHER);
    let r = bare
        .post(app.url("/rpc/users/list"))
        .header("Accept", "application/json")
        .header("Cookie", second.clone())
        .form(&[
            ("login", ""),
            ("note", ""),
            ("status", ""),
            ("limit", "10"),
            ("offset", "0"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let sessions: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM tower_sessions")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(sessions, 0, "a session outlived sign-out or sign-in");
}

// ---------------------------------------------------------------------------------------------
// Secrets

const FS_PASSWORD: &str = "fsPw-5e3c7a1dQ";
const ESL_PASSWORD: &str = "eslPw-91b2c4Zx";
const SMS_PASSWORD: &str = "smsPw-0f8e6dKw";
const REPORT_PASSWORD: &str = "repPw-7a6b5cJv";
const DB_PASSWORD: &str = "dbPw-3d2c1bHn";

/// Each secret as it could leak: as it is, and inside the HTTP Basic credentials built from it.
fn leaked_forms() -> Vec<String> {
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::STANDARD.encode(s);
    let mut v = Vec::new();
    for s in [
        FS_PASSWORD,
        ESL_PASSWORD,
        SMS_PASSWORD,
        REPORT_PASSWORD,
        DB_PASSWORD,
    ] {
        v.push(s.to_string());
    }
    v.push(b64(&format!("freeswitch:{FS_PASSWORD}")));
    v.push(b64(&format!("reporter:{REPORT_PASSWORD}")));
    v
}

fn assert_clean(what: &str, text: &str) {
    for s in leaked_forms() {
        assert!(!text.contains(&s), "{what} holds a secret ({s}):\n{text}");
    }
}

/// The command line of the `ccgate` binary, in a child process: this test binary run again for
/// [`ccgate_child`] alone, which hands `CCGATE_TEST_CHILD_ARGS` (one argument a line) to
/// `server::cli::main_from`, the binary's own entry. (Not the built `ccgate` itself: a target
/// directory shared by several checkouts may hold another checkout's build under that name.)
fn ccgate_command(args: &[&str]) -> tokio::process::Command {
    let mut cmd = tokio::process::Command::new(std::env::current_exe().unwrap());
    cmd.args([
        "--exact",
        "bad_input::ccgate_child",
        "--ignored",
        "--nocapture",
        "--test-threads=1",
    ])
    .env("CCGATE_TEST_CHILD_ARGS", args.join("\n"))
    .env_remove("CCGATE_CONFIG")
    .kill_on_drop(true);
    cmd
}

/// Not a test: the `ccgate` process of [`ccgate_command`], run only when it sets the arguments.
#[test]
#[ignore]
fn ccgate_child() {
    let Ok(args) = std::env::var("CCGATE_TEST_CHILD_ARGS") else {
        return;
    };
    let args = std::iter::once("ccgate".to_string()).chain(args.lines().map(String::from));
    let _ = server::cli::main_from(args.map(std::ffi::OsString::from));
    std::process::exit(0);
}

/// `ccgate serve` in a child process, with its log (JSON, debug) in a file.
struct Child {
    child: tokio::process::Child,
    base: String,
    log: std::path::PathBuf,
}

async fn start_binary(url: &str, dir: &std::path::Path) -> Child {
    let log = dir.join("ccgate-child.log");
    let file = std::fs::File::create(&log).unwrap();
    let child = ccgate_command(&["serve"])
        .env("CCGATE_DATABASE_URL", url)
        .env("CCGATE_BIND", "127.0.0.1:0")
        .env("CCGATE_LOG_LEVEL", "debug")
        .env("CCGATE_LOG_FORMAT", "json")
        .env(
            "CCGATE_SITE_ROOT",
            dir.join("no-site").display().to_string(),
        )
        .stdout(file.try_clone().unwrap())
        .stderr(file)
        .spawn()
        .unwrap();
    // The address it listens on, from its log.
    let deadline = std::time::Instant::now() + Duration::from_secs(60);
    let addr = loop {
        let text = std::fs::read_to_string(&log).unwrap_or_default();
        if let Some(line) = text
            .lines()
            .find(|l| l.starts_with('{') && l.contains("ccgate listening"))
        {
            let v: Value = serde_json::from_str(line).unwrap();
            break v["addr"].as_str().unwrap().to_string();
        }
        assert!(
            std::time::Instant::now() < deadline,
            "the server did not start:\n{text}"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    };
    Child {
        child,
        base: format!("http://{addr}"),
        log,
    }
}

/// Run `ccgate args` to its end; its output, both streams.
async fn run_cli(args: &[&str], env: &[(&str, &str)]) -> String {
    let mut cmd = ccgate_command(args);
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = tokio::time::timeout(Duration::from_secs(60), cmd.output())
        .await
        .expect("the command ends")
        .unwrap();
    format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    )
}

async fn secrets_never_appear_in_pages_answers_or_logs(app: &TestApp) {
    use ccgate_core::access::settings;
    // Upstreams that know other passwords than ours, so the checks fail their sign-in.
    let fs = crate::contact_center::start_fs(fs_sim::scenario::Scenario::Demo).await;
    let (sms, sms_url) = crate::sms::fake().await;
    let dead = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    settings::set_many(
        &app.db,
        &Actor::Cli,
        &[
            ("freeswitch.transport".into(), "xml_rpc".into()),
            ("freeswitch.host".into(), "127.0.0.1".into()),
            ("freeswitch.port".into(), fs.http_port.to_string()),
            ("freeswitch.esl_port".into(), fs.esl_port.to_string()),
            ("freeswitch.password".into(), FS_PASSWORD.into()),
            ("freeswitch.esl_password".into(), ESL_PASSWORD.into()),
            (
                "reports.demo_url".into(),
                format!("http://127.0.0.1:{dead}/report"),
            ),
            ("reports.demo_login".into(), "reporter".into()),
            ("reports.demo_password".into(), REPORT_PASSWORD.into()),
        ],
    )
    .await
    .unwrap();
    let mut gw = crate::sms::gw_input("main", &sms_url, 0);
    gw.password = Some(SMS_PASSWORD.into());
    let gw = crate::sms::add_gateway(app, gw).await;
    let mut reserve = crate::sms::gw_input("reserve", &format!("http://127.0.0.1:{dead}/x"), 1);
    reserve.password = Some(SMS_PASSWORD.into());
    let reserve = crate::sms::add_gateway(app, reserve).await;
    let (user_id, key) = app
        .api_user(
            "crm-secrets",
            &["sms.send", "reports.demoReport", "cc.queues", "stats.all"],
        )
        .await;
    let url = app.db.url().expose().clone();
    app.stop().await;

    let child = start_binary(&url, app.dir.path()).await;
    let client = crate::helpers::client();
    let base = child.base.clone();
    let mut seen: Vec<(String, String)> = Vec::new();
    let r = client
        .post(format!("{base}/rpc/login"))
        .header("Accept", "application/json")
        .form(&[("username", ADMIN), ("password", ADMIN_PASSWORD)])
        .send()
        .await
        .unwrap();
    assert!(r.status().as_u16() < 400, "{}", r.status());

    // Every page of the panel and the manual.
    for page in [
        "/".to_string(),
        "/settings".into(),
        "/users".into(),
        format!("/users/{user_id}"),
        "/journal".into(),
        "/reports".into(),
        "/stats".into(),
        "/audit".into(),
        "/audit?action=setting.".into(),
        "/signins".into(),
        "/docs".into(),
        "/docs/panel".into(),
        "/docs/connect".into(),
        "/docs/install".into(),
        "/docs/api".into(),
        "/docs/errors".into(),
        "/docs/key".into(),
        format!("/docs/key?user={user_id}"),
    ] {
        let r = match client.get(format!("{base}{page}")).send().await {
            Ok(r) => r,
            Err(e) => panic!(
                "{page}: {e:?}\n{}",
                std::fs::read_to_string(&child.log).unwrap_or_default()
            ),
        };
        assert_eq!(r.status(), StatusCode::OK, "{page}");
        seen.push((page, r.text().await.unwrap()));
    }
    // The server functions that list or check settings and gateways (the checks sign in upstream
    // with the secrets, and fail).
    let gw_id = gw.id.to_string();
    let reserve_id = reserve.id.to_string();
    let calls: Vec<(&str, Vec<(&str, &str)>)> = vec![
        ("settings/block", vec![("block", "freeswitch")]),
        ("settings/block", vec![("block", "reports")]),
        ("settings/block", vec![("block", "stats")]),
        ("settings/block", vec![("block", "general")]),
        ("settings/modules", vec![]),
        ("settings/database", vec![]),
        ("settings/check_database", vec![]),
        ("settings/check_freeswitch", vec![]),
        ("settings/check_reports", vec![]),
        ("settings/check_stats", vec![]),
        ("sms/gateways", vec![]),
        ("sms/gateways/defaults", vec![]),
        ("sms/gateways/test", vec![("id", &gw_id)]),
        ("sms/gateways/test", vec![("id", &reserve_id)]),
        (
            "audit/list",
            vec![
                ("actor", ""),
                ("action", ""),
                ("target", ""),
                ("from", ""),
                ("until", ""),
                ("offset", "0"),
            ],
        ),
        ("audit/choices", vec![]),
        (
            "dashboard/data",
            vec![("preset", "7d"), ("from", ""), ("until", "")],
        ),
        ("stats/live", vec![]),
        ("reports/meta", vec![]),
    ];
    for (endpoint, form) in &calls {
        let r = client
            .post(format!("{base}/rpc/{endpoint}"))
            .header("Accept", "application/json")
            .form(form)
            .send()
            .await
            .unwrap();
        let status = r.status();
        let text = r.text().await.unwrap();
        assert!(status.as_u16() < 500, "{endpoint}: {status} {text}");
        seen.push((format!("/rpc/{endpoint}"), text));
    }
    // The ESL transport too.
    let r = client
        .post(format!("{base}/rpc/settings/save"))
        .json(&json!({"values": [["freeswitch.transport", "esl"]]}))
        .send()
        .await
        .unwrap();
    seen.push(("settings/save".into(), r.text().await.unwrap()));
    let r = client
        .post(format!("{base}/rpc/settings/check_freeswitch"))
        .send()
        .await
        .unwrap();
    seen.push(("check_freeswitch (esl)".into(), r.text().await.unwrap()));
    // The API: its document, the report server, an SMS, the call center.
    for (verb, path) in [
        ("GET", "/api/v1/openapi.json"),
        ("GET", "/api/v1/me"),
        ("GET", "/api/v1/reports/demoReport?from=2026-11-01"),
        ("GET", "/api/v1/cc/queues"),
        ("GET", "/api/v1/stats/all"),
    ] {
        let r = client
            .request(verb.parse().unwrap(), format!("{base}{path}"))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        seen.push((path.into(), r.text().await.unwrap()));
    }
    let r = client
        .post(format!("{base}/api/v1/sms/send"))
        .bearer_auth(&key)
        .json(&json!({"phone": "79161234567", "text": "hello"}))
        .send()
        .await
        .unwrap();
    seen.push(("sms/send".into(), r.text().await.unwrap()));
    assert!(
        !sms.requests().is_empty(),
        "the SMS gateway was never asked (so its password never used)"
    );
    // A delivery report on the gateway's callback URL, whose last segment is a secret too: it
    // must not be logged (the panel shows it to the admin, who gives it to the provider).
    let callback = gw.callback_path();
    let token = callback.rsplit('/').next().unwrap().to_string();
    assert!(token.len() >= 16, "{callback}");
    let r = client
        .post(format!("{base}{callback}"))
        .form(&[("sms_id", "1"), ("status", "Delivered")])
        .send()
        .await
        .unwrap();
    assert!(r.status().as_u16() < 500, "{}", r.status());
    let mut child = child;
    child.child.kill().await.unwrap();
    let log = std::fs::read_to_string(&child.log).unwrap();
    assert!(log.contains("ccgate listening"), "{log}");

    // The command line: settings and gateways listed, the configuration printed, and a database
    // URL with a password that cannot be reached.
    let env = [
        ("CCGATE_DATABASE_URL", url.as_str()),
        ("CCGATE_LOG_LEVEL", "debug"),
    ];
    for args in [
        &["settings", "list"][..],
        &["settings", "get", "freeswitch.password"],
        &["sms-gateways", "list"],
        &["config"],
    ] {
        let out = run_cli(args, &env).await;
        seen.push((format!("ccgate {}", args.join(" ")), out));
    }
    let unreachable = format!("mysql://ccgate:{DB_PASSWORD}@127.0.0.1:{dead}/ccgate");
    for args in [&["migrate"][..], &["config"], &["settings", "list"]] {
        let out = run_cli(
            args,
            &[
                ("CCGATE_DATABASE_URL", &unreachable),
                ("CCGATE_LOG_LEVEL", "trace"),
            ],
        )
        .await;
        seen.push((format!("ccgate {} (unreachable)", args.join(" ")), out));
    }
    let bad_scheme = format!("postgres://u:{DB_PASSWORD}@127.0.0.1/x");
    let out = run_cli(&["config"], &[("CCGATE_DATABASE_URL", &bad_scheme)]).await;
    seen.push(("ccgate config (bad scheme)".into(), out));

    // The command line did list what it was asked for (so its output was worth searching).
    let said = |what: &str| &seen.iter().find(|(w, _)| w == what).unwrap().1;
    assert!(said("ccgate settings list").contains("freeswitch.password"));
    assert!(said("ccgate sms-gateways list").contains("main"));
    assert!(said("ccgate config").contains("database_url"));
    assert!(!said("ccgate migrate (unreachable)").is_empty());
    for (what, text) in &seen {
        assert_clean(what, text);
    }
    assert_clean("the server's log", &log);
    assert!(
        !log.contains(&token),
        "the server's log holds the SMS callback token:\n{log}"
    );
    // The checks did reach the upstreams (so the secrets were in use while logged).
    assert!(
        seen.iter()
            .any(|(w, t)| w == "/rpc/settings/check_freeswitch"
                && t.contains("refused our credentials")),
        "{seen:?}"
    );
}

/// A listing's filter form: every filter in `filters` empty but `field`, which holds `value`, then
/// the paging fields of `paging`.
fn filter_form(
    filters: &[&'static str],
    paging: &[(&'static str, &str)],
    field: &'static str,
    value: &str,
) -> Vec<(&'static str, String)> {
    let mut f: Vec<(&'static str, String)> = filters.iter().map(|k| (*k, String::new())).collect();
    f.extend(paging.iter().map(|(k, v)| (*k, v.to_string())));
    f.iter_mut().find(|(k, _)| *k == field).unwrap().1 = value.into();
    f
}
