//! The dashboard: figures from the daily counters for a period, the server function, and the live
//! `/admin/events` stream. Each scenario runs on SQLite and on MariaDB.

use crate::helpers::{journal_entry, TestApp};
use ccgate_core::access::audit::Actor;
use ccgate_core::access::{settings, users};
use ccgate_core::dashboard::{self, Period};
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    figures_come_from_the_counters,
    periods_and_series,
    data_function_needs_a_session,
    events_need_a_session_and_carry_batches,
);

async fn figures_come_from_the_counters(app: &TestApp) {
    let (_, good) = app.api_user("crm-good", &["cc.queues"]).await;
    let (blocked_id, _) = app.api_user("crm-blocked", &[]).await;
    users::set_status(&app.db, &Actor::Cli, blocked_id, users::Status::Blocked)
        .await
        .unwrap();
    settings::set_many(
        &app.db,
        &Actor::Cli,
        &[
            (settings::module_key("reports"), "false".into()),
            (settings::method_key("sms", "send"), "false".into()),
        ],
    )
    .await
    .unwrap();
    app.live.reload().await.unwrap();

    for _ in 0..3 {
        assert_eq!(
            app.api("GET", "/api/v1/me", Some(&good)).await.status(),
            200
        );
    }
    // Not permitted (4xx, the caller's fault) and no key at all (4xx, no user).
    assert_eq!(
        app.api("GET", "/api/v1/cc/tiers", Some(&good))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.api("GET", "/api/v1/me", None).await.status(), 401);
    // Permitted, but no FreeSWITCH is running: an upstream error (5xx).
    let s = app
        .api("GET", "/api/v1/cc/queues", Some(&good))
        .await
        .status();
    assert!(s.is_server_error(), "{s}");
    app.journal.flush().await;

    let snap = app.live.current();
    let now = ccgate_core::platform::time::now_ms();
    let today = Period::resolve("today", "", "", &snap, now).unwrap();
    let d = dashboard::load(&app.db, &snap, today, 5, None, now)
        .await
        .unwrap();
    assert_eq!((d.users_active, d.users_blocked), (1, 1));
    let methods_total = ccgate_catalogue::all().count() as i64;
    let reports = ccgate_catalogue::module("reports").unwrap().methods.len() as i64;
    assert_eq!(d.modules_total, ccgate_catalogue::MODULES.len() as i64);
    assert_eq!(d.modules_enabled, d.modules_total - 1);
    assert_eq!(d.methods_total, methods_total);
    assert_eq!(d.methods_enabled, methods_total - reports - 1);
    assert_eq!((d.totals.ok, d.totals.bad, d.totals.error), (3, 2, 1));
    assert_eq!(d.days.len(), 1);
    assert_eq!(d.days[0].counts, d.totals);

    let names = |v: &[dashboard::TopRow]| v.iter().map(|r| r.name.clone()).collect::<Vec<_>>();
    assert_eq!(names(&d.top_users), ["crm-good", ""]);
    assert_eq!(d.top_users[0].counts.total(), 5);
    // Ties on bad requests go by name: the anonymous caller ("") first.
    assert_eq!(names(&d.top_users_bad), ["", "crm-good"]);
    assert_eq!(names(&d.top_methods), ["me", "cc.queues", "cc.tiers"]);
    assert_eq!(d.top_methods[0].counts.ok, 3);
    assert_eq!(d.top_methods[0].counts.bad, 1);
    assert_eq!(names(&d.top_methods_bad), ["cc.tiers", "me"]);

    let (from, until) = today.millis(snap.utc_offset_minutes);
    let rows = dashboard::latest(&app.db, from, until, 4).await.unwrap();
    assert_eq!(rows.len(), 4);
    assert_eq!(rows[0].method.as_deref(), Some("queues"));
    assert!(rows.windows(2).all(|w| w[0].at >= w[1].at));
    // The counters agree with the journal they summarise.
    assert_eq!(d.totals.total(), app.journal_count().await);
}

/// Requests of past days: per-day series zero-filled, presets and custom ranges cut
/// exactly at day boundaries.
async fn periods_and_series(app: &TestApp) {
    let (uid, _) = app.api_user("crm-past", &[]).await;
    let snap = app.live.current();
    let now = ccgate_core::platform::time::now_ms();
    let today = snap.day_of(now);
    // Requests of past days, through the journal writer (which keeps the daily totals): at noon
    // of each day in the configured zone, today's at `now`.
    let noon = |back: i64| {
        let (start, _) = Period {
            from_day: today - back,
            to_day: today - back,
        }
        .millis(snap.utc_offset_minutes);
        if back == 0 {
            now
        } else {
            start + 12 * 3_600_000
        }
    };
    let record = |back: i64, status: u16, n: usize| {
        let entry = journal_entry(noon(back), (uid, "crm-past"), "sms", "send", status);
        async move {
            for _ in 0..n {
                app.journal.record(entry.clone()).await;
            }
            app.journal.flush().await;
        }
    };
    for (back, status, n) in [
        (0, 200, 10),
        (0, 403, 1),
        (1, 200, 7),
        (6, 403, 4),
        (7, 200, 100),
        (29, 502, 2),
        (30, 200, 1000),
    ] {
        record(back, status, n).await;
    }
    let cache = dashboard::Cache::default();
    let cache = &cache;
    let load = |preset: &'static str, from: String, until: String| {
        let snap = snap.clone();
        async move {
            let p = Period::resolve(preset, &from, &until, &snap, now).unwrap();
            let plain = dashboard::load(&app.db, &snap, p, 5, None, now)
                .await
                .unwrap();
            // Through the closed-day cache: the same figures, cold and warm.
            for _ in 0..2 {
                let cached = dashboard::load(&app.db, &snap, p, 5, Some(&cache), now)
                    .await
                    .unwrap();
                assert_eq!(cached, plain);
            }
            plain
        }
    };
    let t = |d: &dashboard::Dashboard| (d.totals.ok, d.totals.bad, d.totals.error);
    let d = load("today", String::new(), String::new()).await;
    assert_eq!(t(&d), (10, 1, 0));
    let d = load("7d", String::new(), String::new()).await;
    assert_eq!(t(&d), (17, 5, 0));
    assert_eq!(d.days.len(), 7);
    let per_day: Vec<(i64, i64)> = d.days.iter().map(|p| (p.counts.ok, p.counts.bad)).collect();
    assert_eq!(
        per_day,
        [(0, 4), (0, 0), (0, 0), (0, 0), (0, 0), (7, 0), (10, 1)]
    );
    assert_eq!(
        d.days[6].date,
        ccgate_core::platform::time::date_of_day(today)
    );
    let d = load("30d", String::new(), String::new()).await;
    assert_eq!(t(&d), (117, 5, 2));
    assert_eq!(d.days.len(), 30);
    assert_eq!(d.top_methods[0].name, "sms.send");
    assert_eq!(d.top_users[0].name, "crm-past");
    assert_eq!(d.top_users[0].counts.total(), 124);
    let date = |back: i64| ccgate_core::platform::time::date_of_day(today - back);
    let d = load("custom", date(30), date(7)).await;
    assert_eq!(t(&d), (1100, 0, 2));
    assert_eq!(d.days.len(), 24);
    assert_eq!(d.from_date, date(30));
    assert_eq!(d.until_date, date(7));

    // Today is never cached: new counters show at once; closed days come from memory.
    record(0, 200, 5).await;
    let d = load("30d", String::new(), String::new()).await;
    assert_eq!(t(&d), (122, 5, 2));
}

async fn data_function_needs_a_session(app: &TestApp) {
    let form = [("preset", "7d"), ("from", ""), ("until", "")];
    let r = app.rpc(&app.client, "dashboard/data", &form).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login().await.status(), 200);
    let (_, key) = app.api_user("crm-rpc", &[]).await;
    app.api("GET", "/api/v1/me", Some(&key)).await;
    app.journal.flush().await;
    let r = app.rpc(&app.client, "dashboard/data", &form).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["days"].as_array().unwrap().len(), 7);
    assert_eq!(v["totals"]["ok"], 1);
    assert_eq!(v["includes_today"], true);
    assert_eq!(v["latest"][0]["user"], "crm-rpc");
    assert_eq!(v["latest"][0]["method"], "me");
    // The journal link's end is the day after the period's last day.
    assert!(v["journal_until"].as_str().unwrap() > v["until_date"].as_str().unwrap());
    let bad = [("preset", "custom"), ("from", "2026-02-30"), ("until", "")];
    let r = app.rpc(&app.client, "dashboard/data", &bad).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["Invalid"]["field"], "from");
}

/// Read the SSE stream until an event whose name and data satisfy `want`.
async fn next_event(
    resp: &mut reqwest::Response,
    buf: &mut String,
    want: impl Fn(&str, &str) -> bool,
) -> (String, String) {
    loop {
        while let Some(end) = buf.find("\n\n") {
            let block: String = buf.drain(..end + 2).collect();
            let mut name = String::from("message");
            let mut data = String::new();
            for line in block.lines() {
                if let Some(v) = line.strip_prefix("event:") {
                    name = v.trim().to_string();
                } else if let Some(v) = line.strip_prefix("data:") {
                    data.push_str(v.trim_start());
                }
            }
            if want(&name, &data) {
                return (name, data);
            }
        }
        let chunk = resp
            .chunk()
            .await
            .expect("stream readable")
            .expect("stream still open");
        buf.push_str(&String::from_utf8_lossy(&chunk));
    }
}

async fn events_need_a_session_and_carry_batches(app: &TestApp) {
    let r = app
        .client
        .get(app.url("/admin/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(app.login().await.status(), 200);
    let mut stream = app
        .client
        .get(app.url("/admin/events"))
        .send()
        .await
        .unwrap();
    assert_eq!(stream.status(), 200);
    assert!(stream.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/event-stream"));
    let mut buf = String::new();
    next_event(&mut stream, &mut buf, |n, _| n == "hello").await;

    let (_, key) = app.api_user("crm-live", &[]).await;
    app.api("GET", "/api/v1/me", Some(&key)).await;
    app.api("POST", "/api/v1/sms/send", Some(&key)).await;
    let (_, data) = next_event(&mut stream, &mut buf, |n, d| {
        n == "written" && d.contains("crm-live") && d.contains("\"send\"")
    })
    .await;
    let v: Value = serde_json::from_str(&data).unwrap();
    let row = v["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["method"] == "send")
        .unwrap()
        .clone();
    assert_eq!(row["user"], "crm-live");
    assert_eq!(row["module"], "sms");
    assert_eq!(row["status"], 403);
    assert_eq!(row["outcome"], "bad");
    assert_eq!(row["error_code"], "permission_denied");

    // A subscriber that never reads does not hold the API back: flood past the backlog.
    let _idle = app
        .client
        .get(app.url("/admin/events"))
        .send()
        .await
        .unwrap();
    for _ in 0..300 {
        app.journal.flush().await;
        assert_eq!(app.api("GET", "/api/v1/me", Some(&key)).await.status(), 200);
    }
    app.journal.flush().await;
    // Shutting down ends open streams (graceful shutdown is not held up by them).
    app.stop().await;
    loop {
        match stream.chunk().await {
            Ok(Some(_)) => continue,
            _ => break,
        }
    }
}
