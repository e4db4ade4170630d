//! Limits per API user: requests per minute (overall and per method) answered 429
//! `rate_limited`, the daily contacts and the daily and monthly SMS-part quotas answered 429
//! `quota_exceeded`, the `RateLimit-*` headers and `Retry-After`, counts shared by two instances
//! on one database and kept across a restart, and the panel's and the command line's settings.

use std::time::Duration;

use crate::helpers::{spawn_again, TestApp};
use ccgate_core::access::audit::{self, Actor};
use ccgate_core::access::limits::{self, Limits};
use ccgate_core::platform::time::now_ms;
use clap::Parser;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    requests_per_minute_boundary_and_headers,
    a_method_limit_is_tighter_than_the_overall_one,
    daily_contacts_quota,
    sms_parts_quotas_per_day_and_month,
    two_instances_share_the_counts,
    counts_survive_a_restart,
    limits_from_the_panel,
    limits_from_the_command_line,
    the_dashboard_names_quotas_from_80_percent,
);

/// Start well inside a minute (day and month windows end on a minute's end too), so a scenario's
/// few seconds never straddle a window's end. Waits only in the last 15 s of a minute.
async fn fresh_window() {
    let into = now_ms().rem_euclid(60_000);
    if into > 45_000 {
        tokio::time::sleep(Duration::from_millis((60_050 - into) as u64)).await;
    }
}

async fn set(app: &TestApp, uid: i64, l: Limits) {
    limits::set(&app.db, &Actor::Cli, uid, &l).await.unwrap();
    app.live.reload().await.unwrap();
}

fn header(r: &reqwest::Response, name: &str) -> Option<i64> {
    r.headers()
        .get(name)
        .map(|v| v.to_str().unwrap().parse().unwrap())
}

/// (limit, remaining, reset) of an answer.
fn rate(r: &reqwest::Response) -> (Option<i64>, Option<i64>, Option<i64>) {
    (
        header(r, "ratelimit-limit"),
        header(r, "ratelimit-remaining"),
        header(r, "ratelimit-reset"),
    )
}

/// Whole seconds from `at` to the end of its minute, rounded up.
fn secs_to_minute_end(at: i64) -> i64 {
    (60_000 - at.rem_euclid(60_000) + 999) / 1000
}

async fn me(app: &TestApp, key: &str) -> reqwest::Response {
    app.api("GET", "/api/v1/me", Some(key)).await
}

async fn requests_per_minute_boundary_and_headers(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-rpm", &["cc.queues"]).await;
    let (_, free_key) = app.api_user("crm-free", &[]).await;
    set(
        app,
        uid,
        Limits {
            per_minute: Some(3),
            ..Default::default()
        },
    )
    .await;
    for left in [2, 1, 0] {
        let before = now_ms();
        let r = me(app, &key).await;
        let after = now_ms();
        assert_eq!(r.status(), StatusCode::OK);
        let (limit, remaining, reset) = rate(&r);
        assert_eq!((limit, remaining), (Some(3), Some(left)));
        // Seconds until the minute ends, as seen between sending and receiving.
        let reset = reset.unwrap();
        assert!(
            (secs_to_minute_end(after)..=secs_to_minute_end(before)).contains(&reset),
            "{reset}"
        );
        assert!(r.headers().get("retry-after").is_none());
    }
    // The fourth in the minute: refused, whatever the method.
    for path in ["/api/v1/me", "/api/v1/cc/queues"] {
        let r = app.api("GET", path, Some(&key)).await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{path}");
        let (limit, remaining, reset) = rate(&r);
        assert_eq!((limit, remaining), (Some(3), Some(0)));
        assert_eq!(header(&r, "retry-after"), reset, "Retry-After is the reset");
        assert!((1..=60).contains(&reset.unwrap()));
        let v: Value = r.json().await.unwrap();
        assert_eq!(v["error"]["code"], "rate_limited");
        assert_eq!(v["error"]["details"]["limit"], "requests_per_minute");
        assert_eq!(v["error"]["details"]["value"], 3);
        assert_eq!(v["error"]["details"]["used"], 3);
    }
    // Journaled under the user with its code.
    app.journal.flush().await;
    let refused: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM request_journal WHERE user_id = ? AND error_code = 'rate_limited' AND status = 429",
    )
    .bind(uid)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(refused, 2);
    // A user without limits: no headers; lifting the limit frees at once.
    let r = me(app, &free_key).await;
    assert_eq!((r.status(), rate(&r)), (StatusCode::OK, (None, None, None)));
    set(app, uid, Limits::default()).await;
    let r = me(app, &key).await;
    assert_eq!((r.status(), rate(&r)), (StatusCode::OK, (None, None, None)));
}

async fn a_method_limit_is_tighter_than_the_overall_one(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-method", &["cc.queues"]).await;
    let mut l = Limits {
        per_minute: Some(10),
        ..Default::default()
    };
    l.per_method.insert("cc.queues".into(), 2);
    set(app, uid, l).await;
    // (FreeSWITCH is not running: 503, but admitted and counted.)
    for left in [1, 0] {
        let r = app.api("GET", "/api/v1/cc/queues", Some(&key)).await;
        assert_ne!(r.status(), StatusCode::TOO_MANY_REQUESTS);
        assert_eq!(
            (rate(&r).0, rate(&r).1),
            (Some(2), Some(left)),
            "the tighter one"
        );
    }
    let r = app.api("GET", "/api/v1/cc/queues", Some(&key)).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!((rate(&r).0, rate(&r).1), (Some(2), Some(0)));
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["error"]["details"]["limit"],
        "requests_per_minute:cc.queues"
    );
    // Other methods go on against the overall ten: two counted, the refused one not, this one.
    let r = me(app, &key).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!((rate(&r).0, rate(&r).1), (Some(10), Some(7)));
}

async fn add(app: &TestApp, key: &str, body: Value) -> reqwest::Response {
    app.client
        .post(app.url("/api/v1/cc/add"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap()
}

async fn calls_of(app: &TestApp, uid: i64) -> i64 {
    sqlx::query_scalar("SELECT COUNT(*) FROM cc_calls WHERE user_id = ?")
        .bind(uid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

fn contacts(phones: &[&str]) -> Value {
    json!({"contacts": phones.iter().map(|p| json!({"phone": p, "queue": "support@default"})).collect::<Vec<_>>()})
}

async fn daily_contacts_quota(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-calls", &["cc.add"]).await;
    set(
        app,
        uid,
        Limits {
            calls_per_day: Some(3),
            ..Default::default()
        },
    )
    .await;
    // Two valid contacts and a refused one: two counted.
    let r = add(app, &key, contacts(&["+79160000001", "+79160000002", "12"])).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let (limit, remaining, reset) = rate(&r);
    assert_eq!((limit, remaining), (Some(3), Some(1)));
    assert!((1..=86_400).contains(&reset.unwrap()));
    // Two more do not fit the one left: refused whole, nothing queued.
    let r = add(app, &key, contacts(&["+79160000003", "+79160000004"])).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let (limit, remaining, reset) = rate(&r);
    assert_eq!((limit, remaining), (Some(3), Some(1)));
    assert_eq!(header(&r, "retry-after"), reset);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "quota_exceeded");
    assert_eq!(
        (
            v["error"]["details"]["limit"].as_str(),
            v["error"]["details"]["used"].as_i64(),
            v["error"]["details"]["requested"].as_i64()
        ),
        (Some("calls_per_day"), Some(2), Some(2))
    );
    assert_eq!(calls_of(app, uid).await, 2);
    // A refused contact costs nothing; the last one fits exactly.
    let r = add(
        app,
        &key,
        json!({"phone": "12", "queue": "support@default"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = add(
        app,
        &key,
        json!({"phone": "+79160000005", "queue": "support@default"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(rate(&r).1, Some(0));
    let r = add(
        app,
        &key,
        json!({"phone": "+79160000006", "queue": "support@default"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(calls_of(app, uid).await, 3);
    // The quota is cc/add's: other methods carry no headers (no per-minute limit).
    let r = me(app, &key).await;
    assert_eq!(rate(&r), (None, None, None));
}

async fn sms_parts_quotas_per_day_and_month(app: &TestApp) {
    fresh_window().await;
    let (_fake, url) = crate::sms::fake().await;
    crate::sms::add_gateway(app, crate::sms::gw_input("main", &url, 1)).await;
    let (uid, key) = app.api_user("crm-parts", &["sms.send"]).await;
    set(
        app,
        uid,
        Limits {
            sms_parts_per_day: Some(10),
            sms_parts_per_month: Some(3),
            ..Default::default()
        },
    )
    .await;
    let long = "x".repeat(200);
    let send = |text: String| {
        let key = key.clone();
        async move {
            app.client
                .post(app.url("/api/v1/sms/send"))
                .bearer_auth(&key)
                .json(&json!({"phone": "+79160000001", "text": text}))
                .send()
                .await
                .unwrap()
        }
    };
    let r = send(long.clone()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let (limit, remaining, _) = rate(&r);
    // The month (3) is tighter than the day (10): one part left of it.
    assert_eq!((limit, remaining), (Some(3), Some(1)));
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["parts"], 2, "{v}");
    let r = send(long.clone()).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rate(&r).1, Some(1));
    assert!(header(&r, "retry-after").unwrap() >= 1);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "quota_exceeded");
    assert_eq!(v["error"]["details"]["limit"], "sms_parts_per_month");
    assert_eq!(v["error"]["details"]["requested"], 2);
    let r = send("hi".into()).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(rate(&r).1, Some(0));
    let stored: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_messages WHERE user_id = ?")
        .bind(uid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(stored, 2, "the refused message was not stored");
}

async fn two_instances_share_the_counts(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-shared", &[]).await;
    let other = spawn_again(app, &[]).await;
    set(
        app,
        uid,
        Limits {
            per_minute: Some(5),
            ..Default::default()
        },
    )
    .await;
    other.live.reload().await.unwrap();
    for left in [4, 3] {
        assert_eq!(rate(&me(app, &key).await).1, Some(left));
    }
    // Each instance writes its deltas and reads the other's every 100 ms; here, at once.
    app.limits.sync().await.unwrap();
    other.limits.sync().await.unwrap();
    for left in [2, 1, 0] {
        let r = me(&other, &key).await;
        assert_eq!((r.status(), rate(&r).1), (StatusCode::OK, Some(left)));
    }
    assert_eq!(
        me(&other, &key).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    other.limits.sync().await.unwrap();
    app.limits.sync().await.unwrap();
    let r = me(app, &key).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rate(&r).1, Some(0));
    // Without forcing: the background syncs carry the counts over by themselves.
    let (uid2, key2) = app.api_user("crm-shared-2", &[]).await;
    let two = Limits {
        per_minute: Some(2),
        ..Default::default()
    };
    set(app, uid2, two.clone()).await;
    other.live.reload().await.unwrap();
    assert_eq!(me(app, &key2).await.status(), StatusCode::OK);
    assert_eq!(me(app, &key2).await.status(), StatusCode::OK);
    let mut seen = false;
    for _ in 0..100 {
        let s = other.limits.usage(uid2, &two, now_ms(), 0);
        if s[0].used == 2 {
            seen = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(seen, "the other instance learnt the two requests");
    assert_eq!(
        me(&other, &key2).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    other.stop().await;
}

async fn counts_survive_a_restart(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-restart", &["cc.add"]).await;
    set(
        app,
        uid,
        Limits {
            calls_per_day: Some(2),
            ..Default::default()
        },
    )
    .await;
    let r = add(app, &key, contacts(&["+79160000001", "+79160000002"])).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    // Stopped right away: the last sync at shutdown stores what the background one had not.
    app.stop().await;
    let again = spawn_again(app, &[]).await;
    let r = add(
        &again,
        &key,
        json!({"phone": "+79160000003", "queue": "support@default"}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(rate(&r).1, Some(0));
    again.stop().await;
}

async fn limits_from_the_panel(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-panel-limits", &["cc.add"]).await;
    app.login().await;
    let id = uid.to_string();
    let form = |per_minute: &'static str, calls: &'static str| {
        vec![
            ("id", id.clone()),
            ("per_minute", per_minute.to_string()),
            ("per_method", "cc.add=50".to_string()),
            ("calls_per_day", calls.to_string()),
            ("sms_parts_per_day", String::new()),
            ("sms_parts_per_month", String::new()),
        ]
    };
    let post = |f: Vec<(&'static str, String)>| async move {
        app.client
            .post(app.url("/rpc/users/limits"))
            .header("Accept", "application/json")
            .form(&f)
            .send()
            .await
            .unwrap()
    };
    let r = post(form("ten", "5")).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = r.text().await.unwrap();
    assert!(
        body.contains("requests_per_minute") && body.contains("ten"),
        "{body}"
    );
    assert!(limits::of_user(&app.db, uid).await.unwrap().is_empty());

    let r = post(form("100", "5")).await;
    assert_eq!(r.status(), StatusCode::OK, "{}", r.text().await.unwrap());
    let (log, _) = audit::list(&app.db, 1, 0).await.unwrap();
    assert_eq!(
        (
            log[0].actor.as_str(),
            log[0].action.as_str(),
            log[0].old_value.as_deref()
        ),
        ("admin:admin", "user.limits", Some("none"))
    );
    assert_eq!(
        log[0].new_value.as_deref(),
        Some("requests_per_minute=100, calls_per_day=5, requests_per_minute:cc.add=50")
    );
    // In force at once; four of five used: the page warns.
    let r = add(
        app,
        &key,
        contacts(&[
            "+79160000001",
            "+79160000002",
            "+79160000003",
            "+79160000004",
        ]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let d: Value = app
        .rpc(&app.client, "users/get", &[("id", &id)])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(d["limits"]["calls_per_day"], "5");
    assert_eq!(d["limits"]["per_method"], "cc.add=50");
    let calls = d["limits"]["usage"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["name"] == "calls_per_day")
        .unwrap()
        .clone();
    assert_eq!(
        (calls["used"].as_i64(), calls["limit"].as_i64()),
        (Some(4), Some(5))
    );
    let page = app
        .client
        .get(app.url(&format!("/users/{uid}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains("data-testid=\"limits-warning\""),
        "the page warns at 80 %"
    );
}

async fn limits_from_the_command_line(app: &TestApp) {
    use server::cli::access::UsersCmd;
    use server::cli::{Cli, Command};
    let (uid, _) = app.api_user("crm-cli-limits", &[]).await;
    let run = |args: &[&str]| {
        let mut all = vec!["ccgate", "users", "limits", "crm-cli-limits"];
        all.extend_from_slice(args);
        let cmd: UsersCmd = match Cli::try_parse_from(all).unwrap().command {
            Some(Command::Users { action }) => action,
            other => panic!("{other:?}"),
        };
        server::cli::access::users(&app.db, cmd)
    };
    run(&[
        "--per-minute",
        "60",
        "--method",
        "cc.add=5",
        "--sms-parts-per-month",
        "1000",
    ])
    .await
    .unwrap();
    let l = limits::of_user(&app.db, uid).await.unwrap();
    assert_eq!(
        l.to_text(),
        "requests_per_minute=60, sms_parts_per_month=1000, requests_per_minute:cc.add=5"
    );
    // Options change only what they name; `none` removes.
    run(&["--method", "cc.add=none", "--calls-per-day", "7"])
        .await
        .unwrap();
    assert_eq!(
        limits::of_user(&app.db, uid).await.unwrap().to_text(),
        "requests_per_minute=60, calls_per_day=7, sms_parts_per_month=1000"
    );
    let e = run(&["--per-minute", "0"]).await.unwrap_err();
    assert!(e.to_string().contains("requests_per_minute"), "{e}");
    let e = run(&["--method", "cc.nope=3"]).await.unwrap_err();
    assert!(e.to_string().contains("cc.nope"), "{e}");
    run(&[]).await.unwrap();
    run(&["--clear"]).await.unwrap();
    assert!(limits::of_user(&app.db, uid).await.unwrap().is_empty());
    let (log, _) = audit::list(&app.db, 1, 0).await.unwrap();
    assert_eq!(
        (log[0].actor.as_str(), log[0].action.as_str()),
        ("cli", "user.limits")
    );
}

/// The dashboard's «Квоты на исходе»: a quota is listed from 80 % used, with its user, and a
/// per-minute request limit never is.
async fn the_dashboard_names_quotas_from_80_percent(app: &TestApp) {
    fresh_window().await;
    let (uid, key) = app.api_user("crm-quota", &["cc.add"]).await;
    set(
        app,
        uid,
        Limits {
            calls_per_day: Some(5),
            per_minute: Some(5),
            ..Default::default()
        },
    )
    .await;
    assert_eq!(app.login().await.status(), StatusCode::OK);
    let alerts = || async {
        let r = app.rpc(&app.client, "dashboard/quotas", &[]).await;
        assert_eq!(r.status(), StatusCode::OK);
        r.json::<Value>().await.unwrap()
    };
    // 3 of 5 contacts (60 %), and 4 of the minute's 5 requests (80 %, not a quota): nothing to
    // warn of.
    let r = add(
        app,
        &key,
        contacts(&["+79160000001", "+79160000002", "+79160000003"]),
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let r = add(app, &key, contacts(&["12"])).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(me(app, &key).await.status(), StatusCode::OK);
    assert_eq!(me(app, &key).await.status(), StatusCode::OK);
    assert_eq!(alerts().await, json!([]));
    // A fourth contact: 80 %.
    let r = add(app, &key, contacts(&["+79160000004"])).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v = alerts().await;
    let list = v.as_array().unwrap();
    assert_eq!(list.len(), 1, "{v}");
    assert_eq!(
        (
            list[0]["user_id"].as_i64(),
            list[0]["login"].as_str(),
            list[0]["name"].as_str(),
            list[0]["used"].as_u64(),
            list[0]["limit"].as_u64()
        ),
        (
            Some(uid),
            Some("crm-quota"),
            Some("calls_per_day"),
            Some(4),
            Some(5)
        )
    );
    // Not for anyone without a session.
    let r = app
        .rpc(&crate::helpers::client(), "dashboard/quotas", &[])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
