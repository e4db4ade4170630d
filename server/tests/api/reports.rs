//! `reports.*`: permissions, exact figures for a seeded day (real requests through the API, then
//! the journal flushed), empty and refused ranges, the day boundary of the configured zone, CSV
//! parsed back (with and without BOM), and `reports.demoReport` against fs-sim's fake report
//! server (working, refused credentials, down, slow, garbage, failing, text). Each scenario runs
//! on SQLite and on MariaDB.

use std::collections::HashMap;

use crate::helpers::{journal_entry, TestApp};
use ccgate_core::access::audit::Actor;
use ccgate_core::access::settings;
use ccgate_core::journal::Entry;
use ccgate_core::platform::time::{now_ms, parse_input, rfc3339};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    refused_without_grant,
    seeded_day_exact_figures,
    day_boundary_of_the_configured_zone,
    empty_and_refused_ranges,
    csv_parses_back,
    demo_report_forwards_to_the_report_server,
);

const ALL: [&str; 5] = [
    "reports.request",
    "reports.badRequest",
    "reports.users",
    "reports.sms",
    "reports.demoReport",
];

async fn get(app: &TestApp, key: &str, path: &str) -> (StatusCode, Value) {
    let r = app.api("GET", path, Some(key)).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

fn keyed(v: &Value, field: &str) -> Vec<(String, i64)> {
    v["items"]
        .as_array()
        .unwrap_or_else(|| panic!("no items: {v}"))
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r[field].as_i64().unwrap(),
            )
        })
        .collect()
}

async fn refused_without_grant(app: &TestApp) {
    let (_, none) = app.api_user("crm-none", &[]).await;
    let (_, one) = app.api_user("crm-one", &["reports.request"]).await;
    for dotted in ALL {
        let (m, x) = dotted.split_once('.').unwrap();
        let path = format!("/api/v1/{m}/{x}");
        let (s, v) = get(app, &none, &path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        assert_eq!(v["error"]["code"], "permission_denied");
        assert_eq!(v["error"]["details"]["missing"], dotted);
        let (s, _) = get(app, &one, &path).await;
        if dotted == "reports.request" {
            assert_eq!(s, StatusCode::OK, "{path}");
        } else {
            assert_eq!(s, StatusCode::FORBIDDEN, "{path}");
        }
    }
    let r = app.api("GET", "/api/v1/reports/request", None).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

/// One user's day, sent through the API; another user reads the reports (so the report calls,
/// journaled too, never mix into the figures checked).
async fn seeded_day_exact_figures(app: &TestApp) {
    let (seed_id, seed) = app
        .api_user("crm-seed", &["cc.queues", "cc.add", "sms.send"])
        .await;
    let (_, reader) = app.api_user("reader", &ALL).await;
    for _ in 0..3 {
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&seed)).await.status(),
            200
        );
    }
    for _ in 0..2 {
        assert_eq!(
            app.api("GET", "/api/v1/cc/tiers", Some(&seed))
                .await
                .status(),
            StatusCode::FORBIDDEN
        );
    }
    let (s, _) = get(app, &seed, "/api/v1/cc/queues?bogus=1").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // No FreeSWITCH: an upstream error, counted apart from the bad requests.
    let (s, _) = get(app, &seed, "/api/v1/cc/queues").await;
    assert!(s.is_server_error(), "{s}");
    // No SMS gateway: refused with 503, nothing stored.
    let r = app
        .client
        .post(app.url("/api/v1/sms/send"))
        .bearer_auth(&seed)
        .json(&json!({"phone": "+79161234567", "text": "hi"}))
        .send()
        .await
        .unwrap();
    assert!(r.status().is_server_error(), "{}", r.status());
    // Two contacts for tomorrow: placed, not dialled yet.
    let tomorrow = rfc3339(now_ms() + 86_400_000);
    let mut ids = Vec::new();
    for phone in ["+79160000001", "+79160000002"] {
        let r = app
            .client
            .post(app.url("/api/v1/cc/add"))
            .bearer_auth(&seed)
            .json(&json!({"phone": phone, "queue": "support@default", "not_before": tomorrow}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::ACCEPTED);
        let v: Value = r.json().await.unwrap();
        ids.push(v["id"].as_str().unwrap().to_string());
    }
    let now = now_ms();
    // Seeded outcomes the simulators are not needed for: one call answered, three SMS (two
    // delivered) through a gateway called "main".
    sqlx::query("UPDATE cc_calls SET answer_ms = ? WHERE id = ?")
        .bind(now)
        .bind(&ids[0])
        .execute(&app.db.pool)
        .await
        .unwrap();
    for (i, status) in ["delivered", "delivered", "undelivered"].iter().enumerate() {
        sqlx::query(
            "INSERT INTO sms_messages (id, user_id, batch_id, seq, phone, sender, text, encoding, \
             parts, gateway_name, status, created_at, updated_at) VALUES (?, ?, 'b', ?, \
             '+79161234567', 'S', 't', 'gsm7', ?, 'main', ?, ?, ?)",
        )
        .bind(format!("seed-{i}"))
        .bind(seed_id)
        .bind(i as i64)
        .bind(1 + i as i64)
        .bind(*status)
        .bind(now)
        .bind(now)
        .execute(&app.db.pool)
        .await
        .unwrap();
    }
    assert_eq!(app.api("GET", "/api/v1/me", None).await.status(), 401);
    app.journal.flush().await;

    let (s, v) = get(app, &reader, "/api/v1/reports/request?user=crm-seed").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["days"], 1);
    assert_eq!(v["user"], "crm-seed");
    // 3 me + 2 tiers (403) + 2 queues (400, 5xx) + 1 sms.send (503) + 2 cc.add (202)
    assert_eq!(
        v["totals"],
        json!({"requests": 10, "ok": 5, "bad": 3, "error": 2})
    );
    let (_, v) = get(
        app,
        &reader,
        "/api/v1/reports/request?user=crm-seed&group_by=method",
    )
    .await;
    assert_eq!(
        keyed(&v, "requests"),
        [
            ("me".into(), 3),
            ("cc.add".into(), 2),
            ("cc.queues".into(), 2),
            ("cc.tiers".into(), 2),
            ("sms.send".into(), 1)
        ]
    );
    let (_, v) = get(
        app,
        &reader,
        "/api/v1/reports/request?user=crm-seed&group_by=status",
    )
    .await;
    let statuses: Vec<String> = keyed(&v, "requests").into_iter().map(|k| k.0).collect();
    assert_eq!(statuses[..3], ["200", "202", "400"], "{v}");
    // Everyone: the anonymous 401 is a user of its own ("").
    let (_, v) = get(app, &reader, "/api/v1/reports/request?group_by=user").await;
    let users: HashMap<String, i64> = keyed(&v, "requests").into_iter().collect();
    assert_eq!(users["crm-seed"], 10);
    assert_eq!(users[""], 1);

    let (s, v) = get(app, &reader, "/api/v1/reports/badRequest?user=crm-seed").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["totals"]["bad"], 3);
    assert_eq!(v["totals"]["error"], 2);
    assert_eq!(v["totals"]["bad_rate"], 30.0);
    assert_eq!(
        v["by_error_code"],
        json!([
            {"error_code": "permission_denied", "status": 403, "count": 2},
            {"error_code": "unknown_field", "status": 400, "count": 1},
        ])
    );
    let server: Vec<&str> = v["server_errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["error_code"].as_str().unwrap())
        .collect();
    assert!(server.contains(&"sms_gateway_not_configured"), "{v}");
    assert_eq!(server.len(), 2, "{v}");
    let (_, v) = get(
        app,
        &reader,
        "/api/v1/reports/badRequest?user=crm-seed&group_by=error_code",
    )
    .await;
    assert_eq!(
        keyed(&v, "bad")[..2],
        [("permission_denied".into(), 2), ("unknown_field".into(), 1)]
    );

    let (s, v) = get(app, &reader, "/api/v1/reports/users").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["login"] == "crm-seed")
        .unwrap()
        .clone();
    assert_eq!(row["user_id"], seed_id);
    assert_eq!(row["status"], "active");
    assert_eq!(row["requests"], 10);
    assert_eq!(row["bad_requests"], 3);
    assert_eq!(row["errors"], 2);
    assert_eq!(
        (row["sms_sent"].as_i64(), row["sms_delivered"].as_i64()),
        (Some(3), Some(2))
    );
    assert_eq!(
        (row["calls_placed"].as_i64(), row["calls_answered"].as_i64()),
        (Some(2), Some(1))
    );
    let last = parse_input(row["last_request_at"].as_str().unwrap(), 0).unwrap();
    assert!(last <= now_ms() && last > now_ms() - 600_000, "{row}");
    let (_, v) = get(app, &reader, "/api/v1/reports/users?user=crm-seed").await;
    assert_eq!(v["total"], 1);

    let (s, v) = get(app, &reader, "/api/v1/reports/sms?group_by=gateway").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["key"], "main");
    assert_eq!(v["items"][0]["messages"], 3);
    assert_eq!(v["items"][0]["parts"], 6);
    assert_eq!(v["items"][0]["delivery_rate"], 66.7);
    let (_, v) = get(app, &reader, "/api/v1/reports/sms?group_by=status").await;
    assert_eq!(
        keyed(&v, "messages"),
        [("delivered".into(), 2), ("undelivered".into(), 1)]
    );
}

async fn day_boundary_of_the_configured_zone(app: &TestApp) {
    let (uid, _) = app.api_user("crm-tz", &[]).await;
    let (_, reader) = app.api_user("reader", &ALL).await;
    // Moscow (+03:00, the default): 23:59:30 on the 25th and 00:00:10 on the 26th.
    for (at, status) in [
        ("2026-11-25T23:59:30+03:00", 200),
        ("2026-11-26T00:00:10+03:00", 404),
        ("2026-11-26T23:59:59+03:00", 200),
    ] {
        app.journal
            .record(Entry {
                error_code: (status == 404).then(|| "queue_not_found".into()),
                ..journal_entry(
                    parse_input(at, 0).unwrap(),
                    (uid, "crm-tz"),
                    "cc",
                    "queue",
                    status,
                )
            })
            .await;
    }
    app.journal.flush().await;
    let q = "/api/v1/reports/request?user=crm-tz&from=2026-11-25&until=2026-11-27";
    let (s, v) = get(app, &reader, q).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["from"], "2026-11-24T21:00:00Z");
    assert_eq!(v["until"], "2026-11-26T21:00:00Z");
    assert_eq!(v["utc_offset"], "+03:00");
    assert_eq!(
        keyed(&v, "requests"),
        [("2026-11-25".into(), 1), ("2026-11-26".into(), 2)]
    );
    assert_eq!(
        keyed(&v, "bad"),
        [("2026-11-25".into(), 0), ("2026-11-26".into(), 1)]
    );
    // RFC 3339 bounds select whole local days: 20:59:59Z is still the 25th in Moscow.
    let (_, v) = get(
        app,
        &reader,
        "/api/v1/reports/request?user=crm-tz&from=2026-11-25T20:59:59Z&until=2026-11-25T21:00:00Z",
    )
    .await;
    assert_eq!(keyed(&v, "requests"), [("2026-11-25".into(), 1)]);
    let (_, v) = get(
        app,
        &reader,
        "/api/v1/reports/users?user=crm-tz&from=2026-11-26&until=2026-11-27",
    )
    .await;
    assert_eq!(v["items"][0]["last_request_at"], "2026-11-26T20:59:59Z");
}

async fn empty_and_refused_ranges(app: &TestApp) {
    let (_, reader) = app.api_user("reader", &ALL).await;
    let empty = "from=2020-02-28&until=2020-03-02";
    for report in ["request", "badRequest", "sms"] {
        let (s, v) = get(app, &reader, &format!("/api/v1/reports/{report}?{empty}")).await;
        assert_eq!(s, StatusCode::OK, "{report}: {v}");
        assert_eq!(v["days"], 3, "{report}");
        let days: Vec<String> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["key"].as_str().unwrap().to_string())
            .collect();
        assert_eq!(days, ["2020-02-28", "2020-02-29", "2020-03-01"], "{report}");
        let field = if report == "sms" {
            "messages"
        } else {
            "requests"
        };
        assert_eq!(v["totals"][field], 0, "{report}");
    }
    let (_, v) = get(
        app,
        &reader,
        &format!("/api/v1/reports/request?{empty}&group_by=method"),
    )
    .await;
    assert_eq!(
        (v["total"].as_i64(), v["items"].as_array().map(Vec::len)),
        (Some(0), Some(0))
    );
    let (_, v) = get(app, &reader, &format!("/api/v1/reports/users?{empty}")).await;
    assert_eq!(v["items"][0]["login"], "reader");
    assert_eq!(v["items"][0]["requests"], 0);
    assert_eq!(v["items"][0]["last_request_at"], Value::Null);

    for (q, status, code, field) in [
        (
            "from=2026-11-03&until=2026-11-01",
            422,
            "invalid_range",
            None,
        ),
        (
            "from=2026-11-03&until=2026-11-03",
            422,
            "invalid_range",
            None,
        ),
        (
            "from=2024-01-01&until=2026-01-01",
            400,
            "range_too_large",
            Some("until"),
        ),
        ("from=yesterday", 400, "invalid_parameter", Some("from")),
        (
            "group_by=weekday",
            400,
            "invalid_parameter",
            Some("group_by"),
        ),
        ("format=pdf", 400, "invalid_parameter", Some("format")),
        ("user=nobody", 400, "invalid_parameter", Some("user")),
        ("form=2026-11-01", 400, "unknown_field", Some("form")),
    ] {
        let (s, v) = get(app, &reader, &format!("/api/v1/reports/request?{q}")).await;
        assert_eq!(s.as_u16(), status, "{q}: {v}");
        assert_eq!(v["error"]["code"], code, "{q}");
        if let Some(f) = field {
            assert_eq!(v["error"]["details"]["field"], f, "{q}: {v}");
        }
    }
    let (s, v) = get(app, &reader, "/api/v1/reports/sms?group_by=method").await;
    assert_eq!(
        (s, v["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("group_by"))
    );
    let (s, _) = get(app, &reader, "/api/v1/reports/users?group_by=day").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

/// Parse simple CSV (quoted fields allowed) into rows of cells.
fn parse_csv(text: &str) -> Vec<Vec<String>> {
    let mut rows = Vec::new();
    for line in text.split("\r\n").filter(|l| !l.is_empty()) {
        let mut cells = Vec::new();
        let mut cur = String::new();
        let mut quoted = false;
        let mut chars = line.chars().peekable();
        while let Some(c) = chars.next() {
            match (c, quoted) {
                ('"', true) if chars.peek() == Some(&'"') => {
                    cur.push('"');
                    chars.next();
                }
                ('"', _) => quoted = !quoted,
                (',', false) => cells.push(std::mem::take(&mut cur)),
                _ => cur.push(c),
            }
        }
        cells.push(cur);
        rows.push(cells);
    }
    rows
}

async fn csv_parses_back(app: &TestApp) {
    let (_, seed) = app.api_user("crm-csv", &[]).await;
    let (_, reader) = app.api_user("reader", &ALL).await;
    for _ in 0..2 {
        app.api("GET", "/api/v1/cc/tiers", Some(&seed)).await;
    }
    app.journal.flush().await;
    for report in ["request", "badRequest", "users", "sms"] {
        let (_, json) = get(
            app,
            &reader,
            &format!("/api/v1/reports/{report}?user=crm-csv"),
        )
        .await;
        for bom in [false, true] {
            let r = app
                .api(
                    "GET",
                    &format!("/api/v1/reports/{report}?user=crm-csv&format=csv&bom={bom}"),
                    Some(&reader),
                )
                .await;
            assert_eq!(r.status(), StatusCode::OK, "{report}");
            assert_eq!(
                r.headers()["content-type"].to_str().unwrap(),
                "text/csv; charset=utf-8"
            );
            let bytes = r.bytes().await.unwrap();
            assert_eq!(
                bytes.starts_with(&[0xEF, 0xBB, 0xBF]),
                bom,
                "{report} bom={bom}"
            );
            let text = std::str::from_utf8(&bytes)
                .unwrap()
                .trim_start_matches('\u{feff}');
            let rows = parse_csv(text);
            let items = json["items"].as_array().unwrap();
            assert_eq!(rows.len(), items.len() + 1, "{report}: {text}");
            let header = &rows[0];
            assert!(
                rows.iter().all(|r| r.len() == header.len()),
                "{report}: {text}"
            );
            // Every numeric column named like a JSON field holds the same figure.
            for (row, item) in rows[1..].iter().zip(items) {
                for (name, cell) in header.iter().zip(row) {
                    match &item[name.as_str()] {
                        Value::Number(n) if n.is_i64() => {
                            assert_eq!(cell, &n.to_string(), "{report}.{name}")
                        }
                        Value::String(s) => assert_eq!(cell, s, "{report}.{name}"),
                        _ => {}
                    }
                }
            }
        }
    }
    let r = app
        .api(
            "GET",
            "/api/v1/reports/badRequest?user=crm-csv&format=csv",
            Some(&reader),
        )
        .await;
    let rows = parse_csv(&r.text().await.unwrap());
    assert_eq!(
        rows[0],
        ["day", "requests", "bad", "error", "permission_denied"]
    );
    assert_eq!(rows[1][1..], ["2", "2", "0", "2"]);
}

async fn demo_report_forwards_to_the_report_server(app: &TestApp) {
    use fs_sim::reports::{serve, Behaviour, Config};
    let (_, reader) = app.api_user("reader", &ALL).await;
    let path = "/api/v1/reports/demoReport?from=2026-11-21&until=2026-11-24&project=support";
    let (s, v) = get(app, &reader, path).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["error"]["code"], "not_configured");
    assert_eq!(v["error"]["details"]["setting"], "reports.demo_url");

    let start = |behaviour: Behaviour| async move {
        let l = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = l.local_addr().unwrap();
        tokio::spawn(serve(
            l,
            Config {
                login: "ccgate".into(),
                password: "s3cret".into(),
                behaviour,
            },
        ));
        format!("http://{addr}/report")
    };
    let set = |pairs: Vec<(&'static str, String)>| async move {
        let changes: Vec<(String, String)> =
            pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect();
        settings::set_many(&app.db, &Actor::Cli, &changes)
            .await
            .unwrap();
        app.live.reload().await.unwrap();
    };
    let url = start(Behaviour::Normal).await;
    set(vec![
        ("reports.demo_url", url.clone()),
        ("reports.demo_login", "ccgate".into()),
        ("reports.demo_password", "s3cret".into()),
        ("reports.demo_timeout_ms", "500".into()),
    ])
    .await;
    let (s, v) = get(app, &reader, path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["report"], "demoReport");
    assert_eq!(v["upstream_status"], 200);
    assert_eq!(v["data"]["project"], "support");
    assert_eq!(v["data"]["rows"].as_array().unwrap().len(), 3);
    assert_eq!(v["data"]["rows"][0]["date"], "2026-11-21");
    assert!(v["data"]["totals"]["offered"].as_u64().unwrap() > 0);

    // Refused credentials.
    set(vec![("reports.demo_password", "wrong".into())]).await;
    let (s, v) = get(app, &reader, path).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_GATEWAY, Some("upstream_auth_failed"))
    );
    assert!(
        !v.to_string().contains("bad login"),
        "upstream text leaked: {v}"
    );
    set(vec![("reports.demo_password", "s3cret".into())]).await;

    // Down: nothing listens on the port any more.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}/report", l.local_addr().unwrap())
    };
    set(vec![("reports.demo_url", closed)]).await;
    let (s, v) = get(app, &reader, path).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            Some("upstream_unavailable")
        )
    );

    // Slow: longer than the 500 ms timeout.
    let slow = start(Behaviour::Slow(std::time::Duration::from_secs(3))).await;
    set(vec![("reports.demo_url", slow)]).await;
    let t = std::time::Instant::now();
    let (s, v) = get(app, &reader, path).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::GATEWAY_TIMEOUT, Some("upstream_timeout"))
    );
    assert!(
        t.elapsed() < std::time::Duration::from_secs(2),
        "{:?}",
        t.elapsed()
    );

    // Garbage under a JSON content type, and a 500.
    for (behaviour, status) in [(Behaviour::Garbage, 200), (Behaviour::Fail, 500)] {
        let url = start(behaviour).await;
        set(vec![("reports.demo_url", url)]).await;
        let (s, v) = get(app, &reader, path).await;
        assert_eq!(
            (s, v["error"]["code"].as_str()),
            (StatusCode::BAD_GATEWAY, Some("upstream_error")),
            "{v}"
        );
        assert_eq!(v["error"]["details"]["upstream_status"], status);
        assert!(
            !v.to_string().contains("Report engine"),
            "upstream text leaked: {v}"
        );
    }

    // Not JSON: passed on as text.
    let text = start(Behaviour::Text).await;
    set(vec![("reports.demo_url", text)]).await;
    let (s, v) = get(app, &reader, path).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert!(v["content_type"].as_str().unwrap().starts_with("text/csv"));
    assert!(v["text"]
        .as_str()
        .unwrap()
        .starts_with("date,offered,answered,abandoned\r\n2026-11-21,"));
    assert_eq!(v.get("data"), None);
}
