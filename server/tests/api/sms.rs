//! `sms` through `/api/v1` with permissions, against the SMS Traffic fake: single and batch sends
//! (invalid numbers rejected per recipient), part counting on the wire, failover (down, 5xx, code
//! 1000) and no failover (blocked number, forbidden sender, ambiguous timeout), batches split by
//! the provider's limits, delivery reports (out of order, idempotent, secret token) and the status
//! poller (reads that ask the provider: `sms_status.rs`). Each scenario runs on SQLite and on
//! MariaDB.

use std::sync::Arc;
use std::time::Duration;

use crate::helpers::TestApp;
use ccgate_core::access::audit::Actor;
use ccgate_core::sms::gateways::{self, Gateway, GatewayInput};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sms_fake::{Fake, Mode};

both_backends!(
    send_single_and_batch_with_invalid_numbers,
    failover_on_down_5xx_and_code_1000,
    no_failover_on_message_rejection_or_timeout,
    batches_split_by_provider_limits,
    callbacks_out_of_order_and_idempotent,
    poller_backs_off_and_gives_up_after_retention,
    idempotent_send_submits_once,
    smsc_gateway_sends_polls_and_takes_over,
    gateways_through_the_panel,
    smpp_against_a_real_smsc_peer,
    stopped_submissions_are_recovered,
);

pub(crate) async fn fake() -> (Arc<Fake>, String) {
    let f = Fake::new(sms_fake::Config {
        deliver_after: None,
        ..Default::default()
    });
    let url = sms_fake::spawn(f.clone()).await;
    (f, url)
}

pub(crate) fn gw_input(name: &str, url: &str, priority: i64) -> GatewayInput {
    GatewayInput {
        name: name.into(),
        kind: "smstraffic".into(),
        url: url.into(),
        reserve_url: String::new(),
        sender: "FRONTLINE".into(),
        login: "login".into(),
        password: Some("password".into()),
        rate_limit: 1000,
        max_parts: 10,
        timeout_ms: 5000,
        priority,
        enabled: true,
        ca_file: String::new(),
    }
}

pub(crate) async fn add_gateway(app: &TestApp, input: GatewayInput) -> Gateway {
    gateways::create(&app.db, &Actor::Cli, &input)
        .await
        .unwrap()
}

/// A URL where nothing listens (connection refused).
async fn dead_url() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    drop(l);
    format!("http://127.0.0.1:{port}/multi.php")
}

pub(crate) async fn send(app: &TestApp, key: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url("/api/v1/sms/send"))
        .bearer_auth(key)
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn status(app: &TestApp, key: &str, ids: &str) -> (StatusCode, Value) {
    let r = app
        .api(
            "GET",
            &format!("/api/v1/sms/getStatus?id={ids}&history=true"),
            Some(key),
        )
        .await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn one(app: &TestApp, key: &str, id: &str) -> Value {
    let (s, v) = status(app, key, id).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"][0].clone()
}

async fn send_single_and_batch_with_invalid_numbers(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (_, other) = app.api_user("crm-other", &["sms.getStatus"]).await;

    // Permission first, then "no gateway".
    let (s, v) = send(app, &other, json!({"phone": "89161234567", "text": "hi"})).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["details"]["missing"], "sms.send");
    let (s, v) = send(app, &key, json!({"phone": "89161234567", "text": "hi"})).await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{v}");
    assert_eq!(v["error"]["code"], "sms_gateway_not_configured");

    let (fake, url) = fake().await;
    add_gateway(app, gw_input("main", &url, 0)).await;

    // Single, Cyrillic: UCS-2 as UTF-8 (rus=5) on the wire, E.164 in the answer.
    let (s, v) = send(
        app,
        &key,
        json!({"phone": "8 (916) 123-45-67", "text": "Привет"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let item = &v["items"][0];
    assert_eq!(item["phone"], "+79161234567");
    assert_eq!(item["status"], "accepted");
    assert_eq!(item["encoding"], "ucs2");
    assert_eq!(item["parts"], 1);
    assert_eq!(item["gateway"], "main");
    let req = fake.requests().pop().unwrap();
    assert_eq!(req.get("phones"), Some("79161234567"));
    assert_eq!(req.get("rus"), Some("5"));
    assert_eq!(req.get("want_sms_ids"), Some("1"));
    assert_eq!(req.get("originator"), Some("FRONTLINE"));
    assert_eq!(req.get("message"), Some("Привет"));
    let id = item["id"].as_str().unwrap().to_string();
    let st = one(app, &key, &id).await;
    assert_eq!(st["status"], "accepted");
    assert_eq!(st["provider_ids"].as_array().unwrap().len(), 1);
    assert_eq!(st["history"][0]["source"], "submit");
    // Another user does not see it.
    let (s, _) = status(app, &other, &id).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A long Latin text: 2 GSM parts, 2 provider ids; plain GSM text goes as rus=0.
    let long = "a".repeat(200);
    let (s, v) = send(
        app,
        &key,
        json!({"phone": "+79161234567", "text": long, "sender": "Shop"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["parts"], 2);
    assert_eq!(v["items"][0]["encoding"], "gsm7");
    let req = fake.requests().pop().unwrap();
    assert_eq!(req.get("rus"), Some("0"));
    assert_eq!(req.get("originator"), Some("Shop"));
    let st = one(app, &key, v["items"][0]["id"].as_str().unwrap()).await;
    assert_eq!(st["provider_ids"].as_array().unwrap().len(), 2);

    // GSM-7 text that is not plain ASCII goes as UTF-8 (rus=5), which SMS Traffic sends as UCS-2:
    // parts are counted that way (100 characters = 2 parts, not 1).
    let euro = format!("{}€", "a".repeat(99));
    let (_, v) = send(app, &key, json!({"phone": "+79161234567", "text": euro})).await;
    assert_eq!(
        (
            v["items"][0]["encoding"].as_str(),
            v["items"][0]["parts"].as_i64()
        ),
        (Some("ucs2"), Some(2))
    );
    assert_eq!(fake.requests().pop().unwrap().get("rus"), Some("5"));

    // Invalid single phone, invalid sender, unknown field.
    let (s, v) = send(app, &key, json!({"phone": "12-34", "text": "x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "invalid_phone");
    let (s, v) = send(
        app,
        &key,
        json!({"phone": "89161234567", "text": "x", "sender": "Магазин"}),
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
    );
    let (s, v) = send(app, &key, json!({"phone": "89161234567", "txt": "x"})).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("unknown_field"))
    );
    // Fields are named: an array is not read as the fields in order (and nothing is sent).
    let sends_before = fake.send_requests();
    let (s, v) = send(app, &key, json!(["89161234567", "positional"])).await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("invalid_parameter")),
        "{v}"
    );
    assert_eq!(fake.send_requests(), sends_before);

    // Batch: the bad numbers are rejected with a reason, the others go on.
    let sends_before = fake.send_requests();
    let (s, v) = send(
        app,
        &key,
        json!({"phones": ["89161110001", "abc", "+7 916 111-00-02", "12345", "4951234567"], "text": "Batch"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["accepted"], 2);
    assert_eq!(v["rejected"], 3);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 5);
    assert_eq!(items[0]["status"], "accepted");
    assert_eq!(items[1]["error"]["code"], "phone_bad_characters");
    assert_eq!(items[1]["error"]["field"], "phone");
    assert_eq!(items[1]["phone"], "abc");
    assert_eq!(items[2]["status"], "accepted");
    assert_eq!(items[3]["error"]["code"], "phone_too_short");
    assert_eq!(items[4]["error"]["code"], "phone_not_mobile");
    assert_eq!(fake.send_requests(), sends_before + 1);
    assert_eq!(
        fake.requests().pop().unwrap().get("phones"),
        Some("79161110001,79161110002")
    );

    // Individual texts: one request per text.
    let (s, v) = send(
        app,
        &key,
        json!({"messages": [{"phone": "89161110001", "text": "one"}, {"phone": "89161110002", "text": "two"}, {"phone": "89161110001", "text": ""}]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["accepted"], 2);
    assert_eq!(v["items"][2]["error"]["code"], "text_empty");
    assert_eq!(v["items"][2]["error"]["field"], "text");

    // Too many recipients.
    let phones: Vec<String> = (0..10_001).map(|i| format!("8916{i:07}")).collect();
    let (s, v) = send(app, &key, json!({"phones": phones, "text": "x"})).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert_eq!(v["error"]["code"], "batch_too_large");

    // getStatus: several ids, unknown ones listed, bad ids refused.
    let (s, v) = status(app, &key, &format!("{id},nope1")).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["total"], 1);
    assert_eq!(v["not_found"][0], "nope1");
    let (s, _) = status(app, &key, "a;b").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
}

async fn failover_on_down_5xx_and_code_1000(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (f5xx, u5xx) = fake().await;
    f5xx.set_mode(Mode::Http(503));
    let (f1000, u1000) = fake().await;
    f1000.set_mode(Mode::Error(1000));
    let (fok, uok) = fake().await;
    add_gateway(app, gw_input("down", &dead_url().await, 0)).await;
    add_gateway(app, gw_input("fivexx", &u5xx, 1)).await;
    add_gateway(app, gw_input("temp", &u1000, 2)).await;
    let last = add_gateway(app, gw_input("ok", &uok, 3)).await;

    let (s, v) = send(
        app,
        &key,
        json!({"phone": "89161234567", "text": "failover"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["status"], "accepted");
    assert_eq!(v["items"][0]["gateway"], "ok");
    assert_eq!(
        (
            f5xx.send_requests(),
            f1000.send_requests(),
            fok.send_requests()
        ),
        (1, 1, 1)
    );
    let st = one(app, &key, v["items"][0]["id"].as_str().unwrap()).await;
    let sources: Vec<&str> = st["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["source"].as_str().unwrap())
        .collect();
    assert_eq!(sources, vec!["failover", "failover", "failover", "submit"]);
    assert_eq!(st["history"][0]["raw_error"], "connect_failed");
    assert_eq!(st["history"][1]["raw_error"], "http_503");
    assert_eq!(st["history"][2]["raw_error"], "1000");

    // The reserve URL of one gateway is tried before the next gateway.
    let mut input = gw_input("ok", &dead_url().await, 3);
    input.reserve_url = uok.clone();
    input.password = None; // keeps the stored one
    gateways::update(&app.db, &Actor::Cli, last.id, &input)
        .await
        .unwrap();
    let (s, v) = send(
        app,
        &key,
        json!({"phone": "89161234567", "text": "reserve"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["gateway"], "ok");
    assert_eq!(fok.send_requests(), 2);
    assert_eq!(
        fok.requests().pop().unwrap().get("password"),
        Some("password")
    );

    // Switching the active gateway applies to the next message.
    gateways::activate(&app.db, &Actor::Cli, last.id)
        .await
        .unwrap();
    let (_, v) = send(app, &key, json!({"phone": "89161234567", "text": "direct"})).await;
    assert_eq!(v["items"][0]["gateway"], "ok");
    assert_eq!(
        (
            f5xx.send_requests(),
            f1000.send_requests(),
            fok.send_requests()
        ),
        (2, 2, 3)
    );

    // Every gateway down: failed, with our code.
    fok.set_mode(Mode::Http(502));
    let (s, v) = send(app, &key, json!({"phone": "89161234567", "text": "nobody"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["status"], "failed");
    assert_eq!(v["items"][0]["error"]["code"], "gateway_unavailable");
    let audit: i64 =
        sqlx::query_scalar("SELECT COUNT(*) FROM audit_log WHERE action LIKE 'sms_gateway.%'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(audit, 6);
    let shown: String = sqlx::query_scalar(
        "SELECT new_value FROM audit_log WHERE action = 'sms_gateway.create' ORDER BY id LIMIT 1",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert!(
        shown.contains("password=***") && !shown.contains("password=password"),
        "{shown}"
    );
}

async fn no_failover_on_message_rejection_or_timeout(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (first, u1) = fake().await;
    let (second, u2) = fake().await;
    let mut input = gw_input("first", &u1, 0);
    input.timeout_ms = 300;
    add_gateway(app, input).await;
    add_gateway(app, gw_input("second", &u2, 1)).await;

    first.block_phone("79160000000");
    let (s, v) = send(app, &key, json!({"phone": "89160000000", "text": "x"})).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["status"], "rejected");
    assert_eq!(v["items"][0]["error"]["code"], "phone_rejected");
    assert_eq!(v["items"][0]["error"]["field"], "phone");
    assert_eq!(
        v["items"][0]["error"]["message"],
        "the gateway refused the phone number"
    );
    assert_eq!(second.send_requests(), 0);
    let st = one(app, &key, v["items"][0]["id"].as_str().unwrap()).await;
    assert!(st["final"].as_bool().unwrap());
    assert!(st["provider_error"].as_str().unwrap().starts_with("432"));

    // One blocked number in a batch: the provider refuses the whole request, so each recipient
    // is sent alone and only the blocked one is rejected.
    let (s, v) = send(
        app,
        &key,
        json!({"phones": ["89161110001", "89160000000", "89161110002"], "text": "y"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let statuses: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses, vec!["accepted", "rejected", "accepted"]);
    assert_eq!(second.send_requests(), 0);

    first.forbid_originator("BADNAME");
    let (_, v) = send(
        app,
        &key,
        json!({"phone": "89161234567", "text": "x", "sender": "BADNAME"}),
    )
    .await;
    assert_eq!(v["items"][0]["status"], "rejected");
    assert_eq!(v["items"][0]["error"]["code"], "sender_rejected");
    assert_eq!(v["items"][0]["error"]["field"], "sender");
    assert_eq!(second.send_requests(), 0);

    // No answer in time after the request was sent: it may have been taken, so no resend.
    first.set_mode(Mode::Stall(Duration::from_secs(3)));
    let taken = first.queued().len();
    let (_, v) = send(app, &key, json!({"phone": "89161234567", "text": "slow"})).await;
    assert_eq!(v["items"][0]["status"], "unknown");
    assert_eq!(v["items"][0]["error"]["code"], "submit_ambiguous");
    assert_eq!(second.send_requests(), 0);
    assert_eq!(first.queued().len(), taken + 1, "the fake did queue it");
}

async fn batches_split_by_provider_limits(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (f, url) = fake().await;
    add_gateway(app, gw_input("main", &url, 0)).await;
    let phones: Vec<String> = (0..2500).map(|i| format!("+7916{i:07}")).collect();
    let (s, v) = send(app, &key, json!({"phones": phones, "text": "bulk"})).await;
    assert_eq!(
        s,
        StatusCode::ACCEPTED,
        "a big batch is answered before it is submitted"
    );
    assert_eq!(v["accepted"], 2500);
    assert_eq!(v["submitted"], false);
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|i| i["status"] == "queued"));
    let last_id = v["items"][2499]["id"].as_str().unwrap().to_string();
    // Bounded wait for the background submission.
    let mut done = false;
    for _ in 0..600 {
        if one(app, &key, &last_id).await["status"] == "accepted" {
            done = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert!(done, "the batch was submitted");
    let sizes: Vec<usize> = f
        .requests()
        .iter()
        .map(|r| r.get("phones").unwrap().split(',').count())
        .collect();
    assert_eq!(sizes, vec![1000, 1000, 500]);
    assert_eq!(f.queued().len(), 2500);
}

async fn callbacks_out_of_order_and_idempotent(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (f, url) = fake().await;
    let gw = add_gateway(app, gw_input("main", &url, 0)).await;
    let cb = app.url(&gw.callback_path());
    let post = |url: String, body: String| {
        let c = app.client.clone();
        async move {
            c.post(url)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    let (_, v) = send(app, &key, json!({"phone": "89161234567", "text": "Привет"})).await;
    let id = v["items"][0]["id"].as_str().unwrap().to_string();
    let sms_id = f.queued().pop().unwrap().id;

    // Final first, then a late transitional report: the final one stays.
    let s = post(
        cb.clone(),
        format!("sms_id={sms_id}&status=Delivered&delivery_date=2026-11-25+17:04:00"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let st = one(app, &key, &id).await;
    assert_eq!(st["status"], "delivered");
    assert_eq!(st["raw_status"], "Delivered");
    assert!(st["final"].as_bool().unwrap());
    let events = st["history"].as_array().unwrap().len();
    assert_eq!(
        post(cb.clone(), format!("sms_id={sms_id}&status=Buffered+SMSC")).await,
        StatusCode::OK
    );
    assert_eq!(
        post(cb.clone(), format!("sms_id={sms_id}&status=Delivered")).await,
        StatusCode::OK
    );
    let st = one(app, &key, &id).await;
    assert_eq!(st["status"], "delivered");
    assert_eq!(
        st["history"].as_array().unwrap().len(),
        events,
        "repeats change nothing"
    );

    // Wrong token, unknown gateway, not a report; unknown ids are acknowledged.
    let wrong = app.url(&format!("/callbacks/sms/{}/{}", gw.id, "0".repeat(32)));
    assert_eq!(
        post(wrong, format!("sms_id={sms_id}&status=Delivered")).await,
        StatusCode::NOT_FOUND
    );
    let other = app.url(&format!("/callbacks/sms/{}/x", gw.id + 100));
    assert_eq!(
        post(other, "sms_id=1&status=Delivered".into()).await,
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        post(cb.clone(), "status=Delivered".into()).await,
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        post(cb.clone(), "sms_id=999&status=Delivered".into()).await,
        StatusCode::OK
    );

    // The fake posts reports itself when told where.
    f.set_callback_url(Some(cb.clone()));
    f.set_deliver_after(Some(Duration::from_millis(50)));
    let (_, v) = send(app, &key, json!({"phone": "89161234568", "text": "two"})).await;
    let id2 = v["items"][0]["id"].as_str().unwrap().to_string();
    let mut delivered = false;
    for _ in 0..100 {
        if one(app, &key, &id2).await["status"] == "delivered" {
            delivered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(delivered, "the fake's delivery report was applied");

    // A two-part message is delivered only when both parts are.
    f.set_callback_url(None);
    f.set_deliver_after(None);
    let (_, v) = send(
        app,
        &key,
        json!({"phone": "89161234569", "text": "я".repeat(100)}),
    )
    .await;
    let id3 = v["items"][0]["id"].as_str().unwrap().to_string();
    let parts: Vec<u64> = f.queued().iter().rev().take(2).map(|s| s.id).collect();
    post(cb.clone(), format!("sms_id={}&status=Delivered", parts[0])).await;
    assert_eq!(one(app, &key, &id3).await["status"], "accepted");
    post(cb.clone(), format!("sms_id={}&status=Delivered", parts[1])).await;
    assert_eq!(one(app, &key, &id3).await["status"], "delivered");
}

async fn poller_backs_off_and_gives_up_after_retention(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (f, url) = fake().await;
    add_gateway(app, gw_input("main", &url, 0)).await;
    let hub = ccgate_core::sms::service::SmsHub::default();
    // One will be delivered; the other never gets a final status within the retention.
    f.final_status_for("79161234567", "Delivered");
    f.final_status_for("79161234568", "Buffered SMSC");
    let (_, v) = send(
        app,
        &key,
        json!({"phones": ["89161234567", "89161234568"], "text": "poll"}),
    )
    .await;
    let a = v["items"][0]["id"].as_str().unwrap().to_string();
    let b = v["items"][1]["id"].as_str().unwrap().to_string();
    let now = ccgate_core::platform::time::now_ms();
    // Not due yet.
    assert_eq!(
        ccgate_core::sms::service::poll_once(&app.db, &hub, now)
            .await
            .unwrap(),
        0
    );
    tokio::time::sleep(Duration::from_millis(100)).await; // the fake moves to "Buffered SMSC"
    let asked = ccgate_core::sms::service::poll_once(&app.db, &hub, now + 61_000)
        .await
        .unwrap();
    assert_eq!(asked, 2);
    let status_requests: Vec<_> = f
        .requests()
        .into_iter()
        .filter(|r| r.get("operation") == Some("status"))
        .collect();
    assert_eq!(status_requests.len(), 1, "both ids in one status request");
    assert_eq!(one(app, &key, &a).await["status"], "enroute");
    let (attempts, next): (i64, i64) =
        sqlx::query_as("SELECT poll_attempts, next_poll_at FROM sms_messages WHERE id = ?")
            .bind(&a)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(attempts, 1);
    assert_eq!(
        next,
        now + 61_000 + 120_000,
        "second poll after the back-off"
    );
    f.set_deliver_after(Some(Duration::ZERO));
    let later = now + 61_000 + 120_000;
    ccgate_core::sms::service::poll_once(&app.db, &hub, later)
        .await
        .unwrap();
    assert_eq!(one(app, &key, &a).await["status"], "delivered");
    let st = one(app, &key, &b).await;
    assert!(
        st["status"] == "enroute" || st["status"] == "unknown",
        "{st}"
    );
    ccgate_core::sms::service::poll_once(&app.db, &hub, now + 3 * 86_400_000)
        .await
        .unwrap();
    let st = one(app, &key, &b).await;
    assert_eq!(st["status"], "unknown");
    assert_eq!(st["error"]["code"], "status_expired");
    assert_eq!(st["error"]["field"], "");
    assert!(st["final"].as_bool().unwrap());
}

async fn idempotent_send_submits_once(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (f, url) = fake().await;
    add_gateway(app, gw_input("main", &url, 0)).await;
    let body = json!({"phones": ["89161234567", "89161234568"], "text": "once"});
    let go = |body: Value, idem: &'static str| {
        let c = app.client.clone();
        let url = app.url("/api/v1/sms/send");
        let key = key.clone();
        async move {
            let r = c
                .post(url)
                .bearer_auth(key)
                .header("Idempotency-Key", idem)
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let s = r.status();
            (s, replayed, r.json::<Value>().await.unwrap())
        }
    };
    // 100 concurrent retries of one request with one key.
    let all = futures_join(
        (0..100)
            .map(|_| tokio::spawn(go(body.clone(), "order-42")))
            .collect(),
    )
    .await;
    assert_eq!(
        f.send_requests(),
        1,
        "exactly one submit reached the gateway"
    );
    let ok: Vec<_> = all
        .iter()
        .filter(|(s, _, _)| *s == StatusCode::OK)
        .collect();
    let busy = all
        .iter()
        .filter(|(s, _, v)| {
            *s == StatusCode::CONFLICT && v["error"]["code"] == "idempotency_in_progress"
        })
        .count();
    assert_eq!(ok.len() + busy, 100, "every answer is the result or 409");
    assert_eq!(ok.iter().filter(|(_, replayed, _)| !replayed).count(), 1);
    let first = ok.iter().find(|(_, r, _)| !r).unwrap().2.clone();
    // Later retries replay the first answer.
    let (s, replayed, v) = go(body.clone(), "order-42").await;
    assert_eq!((s, replayed), (StatusCode::OK, true));
    assert_eq!(v, first);
    assert_eq!(f.send_requests(), 1);
    // Same key, other body.
    let (s, _, v) = go(json!({"phone": "89161234567", "text": "other"}), "order-42").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(v["error"]["code"], "idempotency_key_reused");
    // Another key sends again.
    let (s, replayed, _) = go(body, "order-43").await;
    assert_eq!((s, replayed), (StatusCode::OK, false));
    assert_eq!(f.send_requests(), 2);
}

async fn futures_join<T: Send + 'static>(handles: Vec<tokio::task::JoinHandle<T>>) -> Vec<T> {
    let mut out = Vec::with_capacity(handles.len());
    for h in handles {
        out.push(h.await.unwrap());
    }
    out
}

async fn smsc_gateway_sends_polls_and_takes_over(app: &TestApp) {
    use sms_fake::smsc::{self, SmscFake};
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (st, st_url) = fake().await;
    st.set_mode(Mode::Error(1000));
    let smsc_fake = SmscFake::new(smsc::Config {
        deliver_after: Some(Duration::from_millis(100)),
        ..Default::default()
    });
    let smsc_url = smsc::spawn(smsc_fake.clone()).await;
    add_gateway(app, gw_input("traffic", &st_url, 0)).await;
    let mut input = gw_input("smsc", &smsc_url, 1);
    input.kind = "smsc".into();
    let gw = add_gateway(app, input).await;

    // SMS Traffic says 1000: SMSC takes it.
    let (s, v) = send(
        app,
        &key,
        json!({"phones": ["89161234567", "89161234568"], "text": "Привет"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["gateway"], "smsc");
    assert_eq!(v["items"][1]["status"], "accepted");
    let req = smsc_fake.requests().pop().unwrap();
    let get = |k: &str| req.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("phones").as_deref(), Some("79161234567,79161234568"));
    assert_eq!(get("mes").as_deref(), Some("Привет"));
    assert_eq!(get("fmt").as_deref(), Some("3"));
    let a = v["items"][0]["id"].as_str().unwrap().to_string();
    let b = v["items"][1]["id"].as_str().unwrap().to_string();
    let st_a = one(app, &key, &a).await;
    assert_eq!(st_a["provider_ids"][0], "1:79161234567");

    // SMSC's own delivery report shape is accepted: b is undelivered.
    let cb = app.url(&gw.callback_path());
    let report = |body: &'static str| {
        let c = app.client.clone();
        let cb = cb.clone();
        async move {
            c.post(&cb)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body(body)
                .send()
                .await
                .unwrap()
                .status()
        }
    };
    assert_eq!(
        report("id=1&phone=%2B79161234568&status=20&err=1").await,
        StatusCode::OK
    );
    assert_eq!(one(app, &key, &b).await["status"], "undelivered");

    // The poller asks SMSC by id and phone about the one still open.
    tokio::time::sleep(Duration::from_millis(150)).await;
    let hub = ccgate_core::sms::service::SmsHub::default();
    let asked = ccgate_core::sms::service::poll_once(
        &app.db,
        &hub,
        ccgate_core::platform::time::now_ms() + 61_000,
    )
    .await
    .unwrap();
    assert_eq!(asked, 1);
    let st_a = one(app, &key, &a).await;
    assert_eq!(
        (st_a["status"].as_str(), st_a["raw_status"].as_str()),
        (Some("delivered"), Some("1"))
    );
    // Late reports change nothing: neither "handed to operator" nor another final status.
    assert_eq!(
        report("id=1&phone=79161234568&status=0").await,
        StatusCode::OK
    );
    assert_eq!(
        report("id=1&phone=79161234567&status=20").await,
        StatusCode::OK
    );
    assert_eq!(one(app, &key, &b).await["status"], "undelivered");
    assert_eq!(one(app, &key, &a).await["status"], "delivered");

    // A number SMSC cannot deliver to: rejected, no failover.
    smsc_fake.block_phone("79160000000");
    gateways::activate(&app.db, &Actor::Cli, gw.id)
        .await
        .unwrap();
    let before = st.send_requests();
    let (_, v) = send(app, &key, json!({"phone": "89160000000", "text": "x"})).await;
    assert_eq!(v["items"][0]["error"]["code"], "phone_rejected");
    assert_eq!(st.send_requests(), before);

    // «Test»: balance.
    let g = gateways::get(&app.db, gw.id).await.unwrap();
    assert_eq!(
        ccgate_core::sms::service::test_gateway(&hub, &g)
            .await
            .unwrap(),
        "100.50"
    );
}

async fn gateways_through_the_panel(app: &TestApp) {
    let (_, key) = app.api_user("crm-sms", &["sms.send"]).await;
    let (f, url) = fake().await;
    let rpc_json = |name: &'static str, body: Value| {
        let c = app.client.clone();
        let u = app.url(&format!("/rpc/{name}"));
        async move {
            c.post(u)
                .header("Accept", "application/json")
                .json(&body)
                .send()
                .await
                .unwrap()
        }
    };
    let form = |name: &str, password: &str| {
        json!({"id": null, "values": [
            ["name", name], ["kind", "smstraffic"], ["url", url.clone()], ["reserve_url", ""],
            ["sender", "SHOP"], ["login", "login"], ["password", password], ["rate_limit", "100"],
            ["max_parts", "5"], ["timeout_ms", "5000"], ["priority", "1"], ["enabled", "true"]]})
    };
    // Not signed in: refused.
    let r = rpc_json("sms/gateways/save", form("a", "password")).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.login().await;

    // A new gateway's form and the CLI start from the same defaults (core's one declaration).
    let r = app.rpc(&app.client, "sms/gateways/defaults", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let defaults: Vec<(String, String)> = r.json().await.unwrap();
    let field = |k: &str| {
        defaults
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_else(|| panic!("{k} missing"))
    };
    use clap::Parser;
    let cli =
        server::cli::Cli::try_parse_from(["ccgate", "sms-gateways", "add", "x", "--url", "u"])
            .unwrap();
    let Some(server::cli::Command::SmsGateways {
        action: server::cli::sms::SmsGatewaysCmd::Add(args),
    }) = cli.command
    else {
        panic!("not an sms-gateways add")
    };
    let from_cli = server::cli::sms::of_args(&args, None);
    let d = GatewayInput::default();
    assert_eq!(d.priority, 10);
    for (k, cli_value, core_value) in [
        ("kind", from_cli.kind.clone(), d.kind.clone()),
        (
            "rate_limit",
            from_cli.rate_limit.to_string(),
            d.rate_limit.to_string(),
        ),
        (
            "max_parts",
            from_cli.max_parts.to_string(),
            d.max_parts.to_string(),
        ),
        (
            "timeout_ms",
            from_cli.timeout_ms.to_string(),
            d.timeout_ms.to_string(),
        ),
        (
            "priority",
            from_cli.priority.to_string(),
            d.priority.to_string(),
        ),
        (
            "enabled",
            from_cli.enabled.to_string(),
            d.enabled.to_string(),
        ),
        ("sender", from_cli.sender.clone(), d.sender.clone()),
        ("login", from_cli.login.clone(), d.login.clone()),
    ] {
        assert_eq!(field(k), core_value, "panel {k}");
        assert_eq!(cli_value, core_value, "CLI {k}");
    }
    assert_eq!((field("url"), field("reserve_url")), (d.url, d.reserve_url));

    let r = rpc_json("sms/gateways/save", form("main", "password")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let main: Value = r.json().await.unwrap();
    assert_eq!(main["active"], true);
    assert_eq!(main["has_password"], true);
    assert!(
        main.get("password").is_none(),
        "the password never goes to the browser"
    );
    let r = rpc_json("sms/gateways/save", form("backup", "wrong")).await;
    let backup: Value = r.json().await.unwrap();
    assert_eq!(backup["active"], false);
    // Bad input is a clear error.
    let mut bad = form("x y", "p");
    bad["values"][0][1] = json!("x y");
    let r = rpc_json("sms/gateways/save", bad).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("name"));

    // «Проверить»: the balance; a wrong password says 411.
    let r = app
        .rpc(
            &app.client,
            "sms/gateways/test",
            &[("id", &main["id"].to_string())],
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["ok"].as_bool(), v["message"].as_str()),
        (Some(true), Some("OK: 10025"))
    );
    let r = app
        .rpc(
            &app.client,
            "sms/gateways/test",
            &[("id", &backup["id"].to_string())],
        )
        .await;
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["ok"], false);
    assert!(v["message"].as_str().unwrap().starts_with("411"));

    // Edit without a password keeps it; switch the active gateway: the next message uses it.
    let mut edit = form("backup", "");
    edit["id"] = backup["id"].clone();
    let r = rpc_json("sms/gateways/save", edit).await;
    assert_eq!(r.status(), StatusCode::OK);
    let g = gateways::get(&app.db, backup["id"].as_i64().unwrap())
        .await
        .unwrap();
    assert_eq!(g.password.expose(), "wrong");
    let mut edit = form("backup", "password");
    edit["id"] = backup["id"].clone();
    rpc_json("sms/gateways/save", edit).await;
    let r = app
        .rpc(
            &app.client,
            "sms/gateways/activate",
            &[("id", &backup["id"].to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, v) = send(
        app,
        &key,
        json!({"phone": "89161234567", "text": "via backup"}),
    )
    .await;
    assert_eq!(v["items"][0]["gateway"], "backup");
    assert_eq!(f.send_requests(), 1);

    let r = app.rpc(&app.client, "sms/gateways", &[]).await;
    let list: Vec<Value> = r.json().await.unwrap();
    assert_eq!(list[0]["name"], "backup", "the active one first");
    assert!(list[0]["callback_path"]
        .as_str()
        .unwrap()
        .starts_with("/callbacks/sms/"));
    let r = app
        .rpc(
            &app.client,
            "sms/gateways/delete",
            &[("id", &main["id"].to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE action LIKE 'sms_gateway.%' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        actions,
        vec![
            "sms_gateway.create",
            "sms_gateway.create",
            "sms_gateway.update",
            "sms_gateway.update",
            "sms_gateway.activate",
            "sms_gateway.delete"
        ]
    );
    let actor: String =
        sqlx::query_scalar("SELECT actor FROM audit_log WHERE action = 'sms_gateway.activate'")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!(actor, "admin:admin");
}

// ---------------------------------------------------------------------------------------------
// SMPP against node-smpp run as an SMSC (`end2end/peers/smsc.js`)

struct SmscPeer {
    port: u16,
    events: Arc<std::sync::Mutex<Vec<Value>>>,
    _child: tokio::process::Child,
}

impl SmscPeer {
    fn events(&self, kind: &str) -> Vec<Value> {
        self.events
            .lock()
            .unwrap()
            .iter()
            .filter(|e| e["event"] == kind)
            .cloned()
            .collect()
    }
    fn submits_to(&self, dest: &str) -> Vec<Value> {
        self.events("submit")
            .into_iter()
            .filter(|e| e["dest"] == dest)
            .collect()
    }
}

/// Start the SMSC peer; `None` (skip) when node or the npm package is missing outside CI.
async fn smsc_peer(system_id: &str, password: &str) -> Option<SmscPeer> {
    use tokio::io::AsyncBufReadExt;
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../end2end");
    let script = root.join("peers/smsc.js");
    if !root.join("node_modules/smpp").is_dir() {
        if std::env::var_os("CI").is_some() {
            panic!("end2end/node_modules/smpp is missing: the SMPP tests cannot run");
        }
        eprintln!("skipped: npm package smpp not installed (run the README test command)");
        return None;
    }
    let mut child = tokio::process::Command::new("node")
        .arg(&script)
        .args(["--system-id", system_id, "--password", password])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .expect("node runs");
    let out = child.stdout.take().unwrap();
    let events: Arc<std::sync::Mutex<Vec<Value>>> = Default::default();
    let (tx, rx) = tokio::sync::oneshot::channel();
    let sink = events.clone();
    tokio::spawn(async move {
        let mut tx = Some(tx);
        let mut lines = tokio::io::BufReader::new(out).lines();
        while let Ok(Some(line)) = lines.next_line().await {
            let v: Value =
                serde_json::from_str(&line).unwrap_or(json!({"event": "raw", "line": line}));
            if v["event"] == "listening" {
                if let Some(tx) = tx.take() {
                    let _ = tx.send(v["port"].as_u64().unwrap() as u16);
                }
            }
            sink.lock().unwrap().push(v);
        }
    });
    let port = tokio::time::timeout(Duration::from_secs(20), rx)
        .await
        .expect("SMSC peer listening")
        .unwrap();
    Some(SmscPeer {
        port,
        events,
        _child: child,
    })
}

async fn wait_status(app: &TestApp, key: &str, id: &str, want: &str) -> Value {
    for _ in 0..100 {
        let st = one(app, key, id).await;
        if st["status"] == want {
            return st;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    panic!("{id} never became {want}: {}", one(app, key, id).await);
}

async fn smpp_against_a_real_smsc_peer(app: &TestApp) {
    let Some(peer) = smsc_peer("ccgate", "s3cret").await else {
        return;
    };
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (fake, fake_url) = fake().await;
    let mut input = gw_input("smpp", &format!("smpp://127.0.0.1:{}", peer.port), 0);
    input.kind = "smpp".into();
    input.login = "ccgate".into();
    input.password = Some("s3cret".into());
    let gw = add_gateway(app, input.clone()).await;
    add_gateway(app, gw_input("http", &fake_url, 1)).await;

    // The settings page's "test" button binds.
    let hub = ccgate_core::sms::service::SmsHub::default();
    let said = ccgate_core::sms::service::test_gateway(&hub, &gw)
        .await
        .unwrap();
    assert!(said.starts_with("bound as ccgate to 127.0.0.1:"), "{said}");
    // A dropped session leaves with an unbind.
    drop(hub);
    for _ in 0..50 {
        if !peer.events("unbind").is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(peer.events("unbind").len(), 1);

    let long = "Ж".repeat(100);
    let (s, v) = send(
        app,
        &key,
        json!({"messages": [
            {"phone": "+79161230001", "text": "Hello {world} €"},
            {"phone": "+79161230005", "text": "Привет"},
            {"phone": "+79161230000", "text": "bad number"},
            {"phone": "+79161230058", "text": "throttled twice"},
            {"phone": "+79161230016", "text": "decimal receipt"},
            {"phone": "+79161230002", "text": long},
            {"phone": "+79161230008", "text": "SMSC system error"},
        ]}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    let by_phone = |p: &str| {
        items
            .iter()
            .find(|i| i["phone"] == p)
            .unwrap_or_else(|| panic!("{p} in {v}"))
            .clone()
    };
    for p in [
        "+79161230001",
        "+79161230005",
        "+79161230058",
        "+79161230016",
        "+79161230002",
    ] {
        let i = by_phone(p);
        // A receipt may already have arrived while the rest of the batch was being submitted.
        assert!(
            ["accepted", "delivered", "undelivered"].contains(&i["status"].as_str().unwrap()),
            "{i}"
        );
        assert_eq!(i["gateway"], "smpp", "{i}");
    }
    // A refused number is rejected, never failed over; a gateway-level refusal of one recipient
    // moves just that recipient to the next gateway.
    let bad = by_phone("+79161230000");
    assert_eq!(bad["status"], "rejected", "{bad}");
    assert_eq!(bad["error"]["code"], "phone_rejected", "{bad}");
    let moved = by_phone("+79161230008");
    assert_eq!(
        (moved["status"].as_str(), moved["gateway"].as_str()),
        (Some("accepted"), Some("http")),
        "{moved}"
    );
    assert_eq!(
        fake.requests().pop().unwrap().get("phones"),
        Some("79161230008")
    );
    assert_eq!(fake.send_requests(), 1);

    // What the SMSC saw: SMPP 3.4 bind, GSM 03.38 with extension characters, UCS-2, UDH.
    assert_eq!(peer.events("bind")[0]["interface_version"], 0x34);
    let hello = &peer.submits_to("79161230001")[0];
    assert_eq!(hello["message"], "Hello {world} €");
    assert_eq!(
        (hello["data_coding"].as_u64(), hello["esm_class"].as_u64()),
        (Some(0), Some(0))
    );
    assert_eq!(
        (
            hello["src"].as_str(),
            hello["src_ton"].as_u64(),
            hello["src_npi"].as_u64()
        ),
        (Some("FRONTLINE"), Some(5), Some(0))
    );
    assert_eq!(
        (
            hello["dest_ton"].as_u64(),
            hello["dest_npi"].as_u64(),
            hello["registered_delivery"].as_u64()
        ),
        (Some(1), Some(1), Some(1))
    );
    assert_eq!(peer.submits_to("79161230005")[0]["message"], "Привет");
    assert_eq!(peer.submits_to("79161230005")[0]["data_coding"], 8);
    let parts = peer.submits_to("79161230002");
    assert_eq!(parts.len(), 2);
    let mut joined = String::new();
    for (n, p) in parts.iter().enumerate() {
        // node-smpp hands over the information element: IEI 0 (concatenation), length 3, ref,
        // total, sequence.
        let udh = p["udh"].as_array().expect("UDH");
        assert_eq!(udh[..2], [json!(0), json!(3)]);
        assert_eq!(
            (udh[3].as_u64(), udh[4].as_u64()),
            (Some(2), Some(n as u64 + 1))
        );
        assert_eq!(udh[2], parts[0]["udh"][2], "one reference for both parts");
        assert_eq!(p["esm_class"], 0x40);
        joined.push_str(p["message"].as_str().unwrap());
    }
    assert_eq!(joined, long);
    // Throttled twice, then accepted: three submits of one part.
    let throttled: Vec<u64> = peer
        .submits_to("79161230058")
        .iter()
        .map(|e| e["status"].as_u64().unwrap())
        .collect();
    assert_eq!(throttled, vec![0x58, 0x58, 0]);

    // Receipts over the bind: stored, then acknowledged; an id in the other base is matched.
    let delivered = wait_status(
        app,
        &key,
        by_phone("+79161230001")["id"].as_str().unwrap(),
        "delivered",
    )
    .await;
    assert_eq!(delivered["raw_status"], "DELIVRD");
    let undeliv = wait_status(
        app,
        &key,
        by_phone("+79161230005")["id"].as_str().unwrap(),
        "undelivered",
    )
    .await;
    let last = undeliv["history"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()
        .clone();
    assert_eq!(
        (last["source"].as_str(), last["raw_error"].as_str()),
        (Some("receipt"), Some("034")),
        "{undeliv}"
    );
    wait_status(
        app,
        &key,
        by_phone("+79161230058")["id"].as_str().unwrap(),
        "delivered",
    )
    .await;
    wait_status(
        app,
        &key,
        by_phone("+79161230016")["id"].as_str().unwrap(),
        "delivered",
    )
    .await;
    let two = wait_status(
        app,
        &key,
        by_phone("+79161230002")["id"].as_str().unwrap(),
        "delivered",
    )
    .await;
    assert_eq!(two["provider_ids"].as_array().unwrap().len(), 2);
    for _ in 0..50 {
        if peer.events("receipt_ack").len() >= 6 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let acks = peer.events("receipt_ack");
    assert_eq!(acks.len(), 6, "{acks:?}");
    assert!(acks.iter().all(|a| a["status"] == 0), "{acks:?}");

    // In one request of several recipients, only the one the SMSC refused as a gateway goes on.
    let (s, v) = send(
        app,
        &key,
        json!({"phones": ["+79161230011", "+79161230008", "+79161230012"], "text": "same text"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let gws: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["gateway"].as_str().unwrap())
        .collect();
    assert_eq!(gws, vec!["smpp", "http", "smpp"], "{v}");
    assert_eq!(
        fake.requests().pop().unwrap().get("phones"),
        Some("79161230008")
    );
    assert_eq!(fake.send_requests(), 2);

    // Wrong credentials: the gateway is edited, the next send binds anew, is refused and the whole
    // request fails over.
    input.password = Some("wrong".into());
    gateways::update(&app.db, &Actor::Cli, gw.id, &input)
        .await
        .unwrap();
    let (s, v) = send(
        app,
        &key,
        json!({"phone": "+79161230003", "text": "after edit"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["items"][0]["gateway"], "http", "{v}");
    let binds = peer.events("bind");
    assert_eq!(binds.last().unwrap()["status"], 0x0E, "{binds:?}");
    let st = one(app, &key, v["items"][0]["id"].as_str().unwrap()).await;
    assert_eq!(st["history"][0]["source"], "failover");
    assert_eq!(st["history"][0]["raw_error"], "smpp_invalid_password");
    // The edited gateway's old bind was left with an unbind.
    assert_eq!(peer.events("unbind").len(), 2);
}

/// A process that stopped between storing and submitting: what no gateway saw is submitted again
/// once the lease runs out; what a gateway may have seen becomes `unknown`, never sent twice.
async fn stopped_submissions_are_recovered(app: &TestApp) {
    let (user, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (fake, url) = fake().await;
    let gw = add_gateway(app, gw_input("main", &url, 0)).await;
    let now = ccgate_core::platform::time::now_ms();
    let row = |id: &str, phone: &str, handed: Option<i64>, due: i64| {
        let db = app.db.clone();
        let (id, phone) = (id.to_string(), phone.to_string());
        async move {
            sqlx::query("INSERT INTO sms_messages (id, user_id, batch_id, seq, phone, sender, text, encoding, parts, status, final, created_at, updated_at, next_poll_at, gateway_id) VALUES (?, ?, 'b-crash', 0, ?, 'Shop', 'left behind', 'gsm7', 1, 'queued', 0, ?, ?, ?, ?)")
                .bind(&id)
                .bind(user)
                .bind(&phone)
                .bind(now - 600_000)
                .bind(now - 600_000)
                .bind(due)
                .bind(handed)
                .execute(&db.pool)
                .await
                .unwrap();
        }
    };
    let new_id = || ccgate_core::sms::service::new_id("m");
    let (never_sent, handed_id, leased) = (new_id(), new_id(), new_id());
    row(&never_sent, "+79161234500", None, now - 1000).await;
    row(&handed_id, "+79161234501", Some(gw.id), now - 1000).await;
    row(&leased, "+79161234502", None, now + 60_000).await;

    let hub = Arc::new(ccgate_core::sms::service::SmsHub::default());
    let n = ccgate_core::sms::service::recover_once(&app.db, &hub, now)
        .await
        .unwrap();
    assert_eq!(n, 1);
    // A second pass (or another instance) finds nothing more to take.
    assert_eq!(
        ccgate_core::sms::service::recover_once(&app.db, &hub, now)
            .await
            .unwrap(),
        0
    );
    let mut sent = Value::Null;
    for _ in 0..100 {
        sent = one(app, &key, &never_sent).await;
        if sent["status"] == "accepted" {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert_eq!(sent["status"], "accepted", "{sent}");
    assert_eq!(sent["gateway"], "main");
    assert_eq!(sent["history"][0]["source"], "recovery", "{sent}");
    assert_eq!(fake.send_requests(), 1);
    let req = fake.requests().pop().unwrap();
    assert_eq!(req.get("phones"), Some("79161234500"));
    assert_eq!(req.get("originator"), Some("Shop"));

    let handed = one(app, &key, &handed_id).await;
    assert_eq!(handed["status"], "unknown", "{handed}");
    assert_eq!(handed["error"]["code"], "submit_ambiguous", "{handed}");
    assert_eq!(one(app, &key, &leased).await["status"], "queued");

    // A normal send leaves nothing for recovery: its messages are accepted, not queued.
    let (s, v) = send(app, &key, json!({"phone": "+79161234503", "text": "fresh"})).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let later = now + 10 * 60_000;
    assert_eq!(
        ccgate_core::sms::service::recover_once(&app.db, &hub, later)
            .await
            .unwrap(),
        1,
        "only the message whose lease ran out in the meantime"
    );
}
