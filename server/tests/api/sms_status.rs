//! `sms/getStatus` asks the provider during the read about stale non-final messages: a status the
//! provider already has is answered at once (without a delivery report and before the poller's
//! first round), a slow provider does not hold the read past its bound, several ids of one gateway
//! cost one status call, and a client reading again and again asks the provider once per gap.
//! Each scenario runs on SQLite and on MariaDB, against the SMS Traffic fake (and the SMSC.ru one).

use std::time::{Duration, Instant};

use ccgate_core::sms::service::{LIVE_STATUS_GAP, LIVE_STATUS_STALE, LIVE_STATUS_TIMEOUT};
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::TestApp;
use crate::sms::{add_gateway, fake, gw_input, one, send, status};

both_backends!(
    stale_status_is_refreshed_on_read,
    slow_provider_does_not_hold_the_read,
    several_ids_cost_one_status_call,
    repeated_reads_ask_once_per_gap,
    smsc_status_is_refreshed_on_read,
);

/// Past the age at which a stored non-final status is asked about again.
async fn until_stale() {
    tokio::time::sleep(LIVE_STATUS_STALE + Duration::from_millis(500)).await;
}

async fn sent_ids(app: &TestApp, key: &str, body: Value) -> Vec<String> {
    let (s, v) = send(app, key, body).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| {
            assert_eq!(i["status"], "accepted", "{i}");
            i["id"].as_str().unwrap().to_string()
        })
        .collect()
}

async fn stale_status_is_refreshed_on_read(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    // Delivered at the provider after 300 ms; no delivery report is POSTed to us.
    let (fake, url) = fake().await;
    fake.set_deliver_after(Some(Duration::from_millis(300)));
    add_gateway(app, gw_input("main", &url, 0)).await;
    let id = sent_ids(app, &key, json!({"phone": "89161234567", "text": "hi"})).await;
    let id = &id[0];
    until_stale().await;
    assert_eq!(fake.status_requests(), 0, "nobody asked yet");

    let st = one(app, &key, id).await;
    assert_eq!(
        (st["status"].as_str(), st["final"].as_bool()),
        (Some("delivered"), Some(true)),
        "{st}"
    );
    assert_eq!(st["raw_status"], "Delivered");
    let last = st["history"].as_array().unwrap().last().unwrap().clone();
    assert_eq!(
        (last["source"].as_str(), last["status"].as_str()),
        (Some("read"), Some("delivered")),
        "{st}"
    );
    assert_eq!(fake.status_requests(), 1);
    // Stored like a polled report: the message is done and off the poller's list.
    let (done, next): (Option<i64>, Option<i64>) =
        sqlx::query_as("SELECT done_at, next_poll_at FROM sms_messages WHERE id = ?")
            .bind(id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert!(done.is_some() && next.is_none(), "{done:?} {next:?}");

    // A final status is not asked about again.
    until_stale().await;
    assert_eq!(one(app, &key, id).await["status"], "delivered");
    assert_eq!(fake.status_requests(), 1);
}

async fn slow_provider_does_not_hold_the_read(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (fake, url) = fake().await;
    fake.set_deliver_after(Some(Duration::from_millis(300)));
    // The gateway's own timeout is far beyond the read's bound.
    let mut input = gw_input("main", &url, 0);
    input.timeout_ms = 20_000;
    add_gateway(app, input).await;
    let id = sent_ids(app, &key, json!({"phone": "89161234567", "text": "hi"})).await;
    let id = &id[0];
    fake.set_status_stall(Some(Duration::from_secs(30)));
    until_stale().await;

    let started = Instant::now();
    let st = one(app, &key, id).await;
    let took = started.elapsed();
    assert_eq!(
        (st["status"].as_str(), st["final"].as_bool()),
        (Some("accepted"), Some(false)),
        "the stored status: {st}"
    );
    assert_eq!(fake.status_requests(), 1, "the provider was asked");
    assert!(
        took < LIVE_STATUS_TIMEOUT + Duration::from_secs(2),
        "the read waited {took:?} for a provider that answers in 30 s"
    );

    // Once the provider answers again, a read after the gap brings the final status.
    fake.set_status_stall(None);
    tokio::time::sleep(LIVE_STATUS_GAP).await;
    let st = one(app, &key, id).await;
    assert_eq!(st["status"], "delivered", "{st}");
    assert_eq!(fake.status_requests(), 2);
}

async fn several_ids_cost_one_status_call(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let (fake, url) = fake().await;
    fake.set_deliver_after(Some(Duration::from_millis(300)));
    add_gateway(app, gw_input("main", &url, 0)).await;
    let mut ids = sent_ids(
        app,
        &key,
        json!({"phones": ["89161234567", "89161234568", "89161234569"], "text": "hi"}),
    )
    .await;
    // A two-part message: both its provider ids go in the same call.
    ids.extend(
        sent_ids(
            app,
            &key,
            json!({"phone": "89161234570", "text": "a".repeat(200)}),
        )
        .await,
    );
    until_stale().await;

    let (s, v) = status(app, &key, &ids.join(",")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().unwrap();
    assert_eq!(items.len(), 4);
    for i in items {
        assert_eq!(i["status"], "delivered", "{i}");
    }
    assert_eq!(fake.status_requests(), 1, "one call for the four messages");
    let asked = fake
        .requests()
        .into_iter()
        .rev()
        .find(|r| r.get("operation") == Some("status"))
        .unwrap();
    let mut got: Vec<String> = asked
        .get("sms_id")
        .unwrap()
        .split(',')
        .map(str::to_string)
        .collect();
    let mut want: Vec<String> = items
        .iter()
        .flat_map(|i| i["provider_ids"].as_array().unwrap().clone())
        .map(|p| p.as_str().unwrap().to_string())
        .collect();
    got.sort();
    want.sort();
    assert_eq!(got, want, "five provider ids");
}

async fn repeated_reads_ask_once_per_gap(app: &TestApp) {
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    // Never final: the provider keeps saying `Buffered SMSC`.
    let (fake, url) = fake().await;
    add_gateway(app, gw_input("main", &url, 0)).await;
    let id = sent_ids(app, &key, json!({"phone": "89161234567", "text": "hi"})).await;
    let id = id[0].clone();
    until_stale().await;

    // Five reads at once, then five in a row: one status call.
    let reads: Vec<_> = (0..5)
        .map(|_| {
            let (base, key, id) = (app.base.clone(), key.clone(), id.clone());
            tokio::spawn(async move {
                reqwest::Client::new()
                    .get(format!("{base}/api/v1/sms/getStatus?id={id}"))
                    .bearer_auth(key)
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    for r in reads {
        assert_eq!(r.await.unwrap(), StatusCode::OK);
    }
    for _ in 0..5 {
        let st = one(app, &key, &id).await;
        assert_eq!(st["status"], "enroute", "{st}");
        assert_eq!(st["raw_status"], "Buffered SMSC");
    }
    assert_eq!(fake.status_requests(), 1);

    // After the gap (and with the stored status stale again) the next read asks again; the same
    // answer adds no history.
    tokio::time::sleep(LIVE_STATUS_GAP.max(LIVE_STATUS_STALE) + Duration::from_millis(200)).await;
    let st = one(app, &key, &id).await;
    assert_eq!(st["status"], "enroute");
    assert_eq!(fake.status_requests(), 2);
    let reads = st["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["source"] == "read")
        .count();
    assert_eq!(reads, 1, "{st}");
}

async fn smsc_status_is_refreshed_on_read(app: &TestApp) {
    use sms_fake::smsc::{self, SmscFake};
    let (_, key) = app
        .api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await;
    let fake = SmscFake::new(smsc::Config {
        deliver_after: Some(Duration::from_millis(300)),
        ..Default::default()
    });
    let url = smsc::spawn(fake.clone()).await;
    let mut input = gw_input("smsc", &url, 0);
    input.kind = "smsc".into();
    add_gateway(app, input).await;
    let ids = sent_ids(
        app,
        &key,
        json!({"phones": ["89161234567", "89161234568"], "text": "hi"}),
    )
    .await;
    until_stale().await;
    let status_calls = || {
        fake.requests()
            .iter()
            .filter(|r| r.iter().any(|(k, _)| k == "id"))
            .count()
    };
    assert_eq!(status_calls(), 0);

    let (s, v) = status(app, &key, &ids.join(",")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    for i in v["items"].as_array().unwrap() {
        assert_eq!(i["status"], "delivered", "{i}");
    }
    // SMSC.ru's status query takes one id: one call per message.
    assert_eq!(status_calls(), 2);
}
