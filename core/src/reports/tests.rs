//! The counter reports end to end at the core level: entries go through the real journal writer
//! with chosen timestamps (a request at 23:59:30 local time must land on its own day), then the
//! reports are built from the counters it kept.

use serde_json::{json, Value};

use super::*;
use crate::access::audit::Actor;
use crate::access::live::Live;
use crate::journal::Entry;
use crate::platform::time::parse_input;

fn entry(at: &str, user: Option<(i64, &str)>, method: &str, status: u16, code: &str) -> Entry {
    Entry {
        at: parse_input(at, 0).unwrap(),
        request_id: "0".repeat(32),
        user_id: user.map(|u| u.0),
        user_login: user.map(|u| u.1.to_string()),
        key_id: None,
        module: Some("cc".into()),
        method: Some(method.into()),
        http_method: "GET".into(),
        path: format!("/api/v1/cc/{method}"),
        status,
        error_code: (!code.is_empty()).then(|| code.to_string()),
        latency_us: 10,
        client_ip: "127.0.0.1".into(),
        response_bytes: 10,
    }
}

async fn report(db: &Db, snap: &Snapshot, r: Report, q: &str) -> Result<Output, ReportsError> {
    let plain = report_with(db, None, snap, r, q).await;
    // Through the closed-day cache: the same answer, cold and warm.
    let cache = Cache::default();
    for _ in 0..2 {
        let cached = report_with(db, Some(&cache), snap, r, q).await;
        assert_eq!(
            format!("{cached:?}"),
            format!("{plain:?}"),
            "cached answer differs for {q}"
        );
    }
    plain
}

async fn report_with(
    db: &Db,
    cache: Option<&Cache>,
    snap: &Snapshot,
    r: Report,
    q: &str,
) -> Result<Output, ReportsError> {
    let pairs = crate::platform::form::form_pairs(q);
    let now = parse_input("2026-11-27T12:00:00+03:00", 0).unwrap();
    build(
        db,
        cache,
        snap,
        r,
        |k| {
            pairs
                .iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .filter(|v| !v.is_empty())
        },
        now,
    )
    .await
}

async fn json(db: &Db, snap: &Snapshot, r: Report, q: &str) -> Value {
    match report(db, snap, r, q)
        .await
        .unwrap_or_else(|e| panic!("{q}: {e:?}"))
    {
        Output::Json(v) => v,
        Output::Csv(c) => panic!("CSV for {q}: {c}"),
    }
}

fn keyed(v: &Value, field: &str) -> Vec<(String, i64)> {
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            (
                r["key"].as_str().unwrap().to_string(),
                r[field].as_i64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn counters_reports_by_local_day_status_and_code() {
    let (_dir, db) = crate::platform::db::scratch(2).await;
    let live = Live::new(db.clone()).await.unwrap();
    let u = crate::access::users::create(&db, &Actor::Cli, "crm-one", "")
        .await
        .unwrap();
    live.reload().await.unwrap();
    let journal = crate::journal::spawn(db.clone(), live.clone()).unwrap();
    let me = Some((u.id, "crm-one"));
    for e in [
        // 23:59:30 at +03:00 on the 25th, and 00:00:10 on the 26th.
        entry("2026-11-25T20:59:30Z", me, "queues", 200, ""),
        entry("2026-11-25T21:00:10Z", me, "queues", 200, ""),
        entry(
            "2026-11-26T09:00:00+03:00",
            me,
            "tiers",
            403,
            "permission_denied",
        ),
        entry(
            "2026-11-26T09:00:01+03:00",
            me,
            "tiers",
            403,
            "permission_denied",
        ),
        entry(
            "2026-11-26T09:00:02+03:00",
            me,
            "queue",
            404,
            "queue_not_found",
        ),
        entry(
            "2026-11-26T09:00:03+03:00",
            me,
            "queues",
            502,
            "upstream_error",
        ),
        entry(
            "2026-11-26T10:00:00+03:00",
            None,
            "queues",
            401,
            "auth_missing",
        ),
        // Outside the range asked for below.
        entry("2026-11-27T00:00:00+03:00", me, "queues", 200, ""),
    ] {
        journal.record(e).await;
    }
    journal.flush().await;
    let snap = live.current();
    assert_eq!(snap.utc_offset_minutes, 180);
    let range = "from=2026-11-25&until=2026-11-27";

    let v = json(&db, &snap, Report::Request, range).await;
    assert_eq!(v["from"], "2026-11-24T21:00:00Z");
    assert_eq!(v["until"], "2026-11-26T21:00:00Z");
    assert_eq!(v["days"], 2);
    assert_eq!(
        v["totals"],
        json!({"requests": 7, "ok": 2, "bad": 4, "error": 1})
    );
    assert_eq!(
        keyed(&v, "requests"),
        [("2026-11-25".into(), 1), ("2026-11-26".into(), 6)]
    );
    let v = json(
        &db,
        &snap,
        Report::Request,
        &format!("{range}&group_by=user"),
    )
    .await;
    assert_eq!(
        keyed(&v, "requests"),
        [("crm-one".into(), 6), (String::new(), 1)]
    );
    assert_eq!(v["items"][0]["user_id"], u.id);
    let v = json(
        &db,
        &snap,
        Report::Request,
        &format!("{range}&group_by=method"),
    )
    .await;
    assert_eq!(
        keyed(&v, "requests"),
        [
            ("cc.queues".into(), 4),
            ("cc.tiers".into(), 2),
            ("cc.queue".into(), 1)
        ]
    );
    let v = json(
        &db,
        &snap,
        Report::Request,
        &format!("{range}&group_by=status"),
    )
    .await;
    let statuses: Vec<_> = keyed(&v, "requests");
    assert_eq!(
        statuses,
        [
            ("200".into(), 2),
            ("401".into(), 1),
            ("403".into(), 2),
            ("404".into(), 1),
            ("502".into(), 1)
        ]
    );
    // One user only; one hour of a day is the whole day.
    let v = json(
        &db,
        &snap,
        Report::Request,
        "from=2026-11-25T23:00:00+03:00&until=2026-11-25T23:59:59+03:00&user=crm-one",
    )
    .await;
    assert_eq!(v["totals"]["requests"], 1);
    assert_eq!(v["user"], "crm-one");

    let v = json(&db, &snap, Report::BadRequest, range).await;
    assert_eq!(
        v["totals"],
        json!({"requests": 7, "bad": 4, "bad_rate": 57.1, "error": 1})
    );
    assert_eq!(
        v["by_error_code"],
        json!([
            {"error_code": "permission_denied", "status": 403, "count": 2},
            {"error_code": "auth_missing", "status": 401, "count": 1},
            {"error_code": "queue_not_found", "status": 404, "count": 1},
        ])
    );
    assert_eq!(
        v["server_errors"],
        json!([{"error_code": "upstream_error", "status": 502, "count": 1}])
    );
    assert_eq!(
        keyed(&v, "bad"),
        [("2026-11-25".into(), 0), ("2026-11-26".into(), 4)]
    );
    assert_eq!(
        v["items"][1]["by_error_code"],
        json!({"auth_missing": 1, "permission_denied": 2, "queue_not_found": 1})
    );
    let v = json(
        &db,
        &snap,
        Report::BadRequest,
        &format!("{range}&group_by=method"),
    )
    .await;
    assert_eq!(
        keyed(&v, "bad"),
        [
            ("cc.tiers".into(), 2),
            ("cc.queue".into(), 1),
            ("cc.queues".into(), 1)
        ]
    );
    assert_eq!(v["items"][2]["error"], 1);
    let Output::Csv(csv) = report(
        &db,
        &snap,
        Report::BadRequest,
        &format!("{range}&format=csv"),
    )
    .await
    .unwrap() else {
        panic!("not CSV")
    };
    assert_eq!(
        csv,
        "day,requests,bad,error,permission_denied,auth_missing,queue_not_found\r\n\
         2026-11-25,1,0,0,0,0,0\r\n2026-11-26,6,4,1,2,1,1\r\n"
    );

    let v = json(&db, &snap, Report::Users, range).await;
    assert_eq!(v["items"][0]["login"], "crm-one");
    assert_eq!(v["items"][0]["requests"], 6);
    assert_eq!(v["items"][0]["bad_requests"], 3);
    assert_eq!(v["items"][0]["errors"], 1);
    assert_eq!(v["items"][0]["last_request_at"], "2026-11-26T06:00:03Z");
    assert_eq!(v["items"][1]["login"], "");
    assert_eq!(v["totals"]["requests"], 7);

    // An empty range: zero-filled days, no groups otherwise.
    let empty = "from=2026-10-01&until=2026-10-03";
    let v = json(&db, &snap, Report::Request, empty).await;
    assert_eq!(
        keyed(&v, "requests"),
        [("2026-10-01".into(), 0), ("2026-10-02".into(), 0)]
    );
    let v = json(
        &db,
        &snap,
        Report::Request,
        &format!("{empty}&group_by=user"),
    )
    .await;
    assert_eq!(v["total"], 0);
    let v = json(&db, &snap, Report::Users, empty).await;
    assert_eq!(v["items"][0]["requests"], 0);
    assert_eq!(v["items"][0]["last_request_at"], Value::Null);
    assert_eq!(v["total"], 1);

    // Parameters refused.
    use crate::platform::error::PublicError;
    let e = report(&db, &snap, Report::Users, "group_by=day")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("group_by"));
    let e = report(&db, &snap, Report::Request, "user=nobody")
        .await
        .unwrap_err();
    assert_eq!(e.field(), Some("user"));
    journal.shutdown().await;
}

#[tokio::test]
async fn sms_by_day_status_and_gateway() {
    let (_dir, db) = crate::platform::db::scratch(2).await;
    let live = Live::new(db.clone()).await.unwrap();
    let u = crate::access::users::create(&db, &Actor::Cli, "crm-sms", "")
        .await
        .unwrap();
    live.reload().await.unwrap();
    let snap = live.current();
    for (i, (at, gateway, status, parts)) in [
        ("2026-11-25T23:59:59+03:00", "main", "delivered", 1),
        ("2026-11-26T00:00:00+03:00", "main", "delivered", 2),
        ("2026-11-26T08:00:00+03:00", "main", "undelivered", 1),
        ("2026-11-26T09:00:00+03:00", "reserve", "enroute", 3),
        ("2026-11-26T09:30:00+03:00", "", "queued", 1),
    ]
    .into_iter()
    .enumerate()
    {
        let at = parse_input(at, 0).unwrap();
        sqlx::query(
            "INSERT INTO sms_messages (id, user_id, batch_id, seq, phone, sender, text, encoding, parts, \
             gateway_name, status, created_at, updated_at) VALUES (?, ?, 'b', ?, '+79161234567', 'S', 't', \
             'gsm7', ?, ?, ?, ?, ?)",
        )
        .bind(format!("m{i}"))
        .bind(u.id)
        .bind(i as i64)
        .bind(parts)
        .bind(gateway)
        .bind(status)
        .bind(at)
        .bind(at)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let range = "from=2026-11-25&until=2026-11-27";
    let v = json(&db, &snap, Report::Sms, range).await;
    assert_eq!(
        keyed(&v, "messages"),
        [("2026-11-25".into(), 1), ("2026-11-26".into(), 4)]
    );
    assert_eq!(v["totals"]["messages"], 5);
    assert_eq!(v["totals"]["parts"], 8);
    assert_eq!(v["totals"]["delivered"], 2);
    assert_eq!(v["totals"]["failed"], 1);
    assert_eq!(v["totals"]["pending"], 2);
    assert_eq!(v["totals"]["delivery_rate"], 40.0);
    assert_eq!(
        v["items"][1]["by_status"],
        json!({"delivered": 1, "enroute": 1, "queued": 1, "undelivered": 1})
    );
    let v = json(
        &db,
        &snap,
        Report::Sms,
        &format!("{range}&group_by=gateway"),
    )
    .await;
    assert_eq!(
        keyed(&v, "parts"),
        [
            ("main".into(), 4),
            (String::new(), 1),
            ("reserve".into(), 3)
        ]
    );
    let v = json(&db, &snap, Report::Sms, &format!("{range}&group_by=status")).await;
    assert_eq!(keyed(&v, "messages")[0], ("delivered".into(), 2));
    let v = json(&db, &snap, Report::Users, range).await;
    assert_eq!(v["items"][0]["sms_sent"], 5);
    assert_eq!(v["items"][0]["sms_delivered"], 2);
    let Output::Csv(csv) = report(
        &db,
        &snap,
        Report::Sms,
        &format!("{range}&format=csv&bom=true"),
    )
    .await
    .unwrap() else {
        panic!("not CSV")
    };
    assert_eq!(
        csv,
        "\u{feff}day,messages,parts,delivered,failed,pending,delivery_rate\r\n\
         2026-11-25,1,1,1,0,0,100.0\r\n2026-11-26,4,7,1,1,2,25.0\r\n"
    );
}
