//! The «Аудит» and «Входы» pages' server functions: a change made through the panel is listed
//! with its admin, the admin's address and the values before and after (a secret never), a change
//! of the command line without an address; the filters of both listings; no session, no
//! listing. Each runs on SQLite and MariaDB.

use crate::helpers::{client_from, TestApp, ADMIN, ADMIN_PASSWORD};
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(
    audit_lists_panel_changes_with_admin_address_and_values,
    sign_in_log_lists_attempts_with_filters
);

const SECRET: &str = "sup3r-s3cret-value";

async fn audit(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, String) {
    let mut all = vec![
        ("actor", ""),
        ("action", ""),
        ("target", ""),
        ("from", ""),
        ("until", ""),
        ("offset", "0"),
    ];
    for (k, v) in form {
        all.iter_mut().find(|(n, _)| n == k).unwrap().1 = v;
    }
    let r = app.rpc(&app.client, "audit/list", &all).await;
    (r.status(), r.text().await.unwrap())
}

/// The listing's rows as JSON, checking the page's total against them.
async fn audit_rows(app: &TestApp, form: &[(&str, &str)]) -> Vec<Value> {
    let (status, body) = audit(app, form).await;
    assert_eq!(status, StatusCode::OK, "{body}");
    assert!(
        !body.contains(SECRET),
        "a secret reached the listing: {body}"
    );
    let page: Value = serde_json::from_str(&body).unwrap();
    let items = page["items"].as_array().unwrap().clone();
    assert_eq!(page["total"], items.len() as i64);
    items
}

fn targets(rows: &[Value]) -> Vec<String> {
    rows.iter()
        .map(|r| r["target"].as_str().unwrap().to_string())
        .collect()
}

/// `YYYY-MM-DD` of now plus `days` in the gateway's zone.
fn date(app: &TestApp, days: i64) -> String {
    let tz = app.live.current().utc_offset_minutes;
    let now = ccgate_core::platform::time::now_ms() + tz * 60_000;
    ccgate_core::platform::time::date_of_day(now.div_euclid(86_400_000) + days)
}

async fn audit_lists_panel_changes_with_admin_address_and_values(app: &TestApp) {
    // No session: neither the listing nor its choices.
    let (status, _) = audit(app, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);
    let r = app.rpc(&app.client, "audit/choices", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);

    // A change of the command line: no address.
    ccgate_core::access::users::create(
        &app.db,
        &ccgate_core::access::audit::Actor::Cli,
        "crm-cli",
        "from the shell",
    )
    .await
    .unwrap();

    app.login().await;
    let r = app
        .rpc(
            &app.client,
            "users/create",
            &[("login", "crm-audit"), ("note", "first note")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let id = r.json::<Value>().await.unwrap()["id"].as_i64().unwrap();
    let r = app
        .rpc(
            &app.client,
            "users/update",
            &[
                ("id", &id.to_string()),
                ("login", "crm-audit"),
                ("note", "second note"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .post(app.url("/rpc/settings/save"))
        .header("Accept", "application/json")
        .json(
            &json!({"values": [["freeswitch.password", SECRET], ["freeswitch.host", "10.9.8.7"]]}),
        )
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    let all = audit_rows(app, &[]).await;
    assert_eq!(all.len(), 5);
    let ids: Vec<i64> = all.iter().map(|r| r["id"].as_i64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] > w[1]), "newest first: {ids:?}");
    let update = all.iter().find(|r| r["action"] == "user.update").unwrap();
    assert_eq!(update["actor"], format!("admin:{ADMIN}"));
    assert_eq!(update["ip"], "127.0.0.1", "the admin's address is kept");
    assert_eq!(update["target"], "crm-audit");
    assert!(update["old_value"].as_str().unwrap().contains("first note"));
    assert!(update["new_value"]
        .as_str()
        .unwrap()
        .contains("second note"));
    let pw = all
        .iter()
        .find(|r| r["target"] == "freeswitch.password")
        .unwrap();
    assert_eq!(pw["new_value"], "***", "a secret shows masked");
    assert_eq!(pw["ip"], "127.0.0.1");
    let host = all
        .iter()
        .find(|r| r["target"] == "freeswitch.host")
        .unwrap();
    assert_eq!(host["new_value"], "10.9.8.7");
    let cli = all.iter().find(|r| r["target"] == "crm-cli").unwrap();
    assert_eq!(cli["actor"], "cli");
    assert_eq!(cli["ip"], Value::Null, "the command line has no address");

    // Filters.
    let rows = audit_rows(app, &[("actor", "cli")]).await;
    assert_eq!(targets(&rows), ["crm-cli"]);
    let rows = audit_rows(app, &[("actor", &format!("admin:{ADMIN}"))]).await;
    assert_eq!(rows.len(), 4);
    let rows = audit_rows(app, &[("action", "user.create")]).await;
    assert_eq!(targets(&rows), ["crm-audit", "crm-cli"]);
    let mut settings = targets(&audit_rows(app, &[("action", "setting.")]).await);
    settings.sort();
    assert_eq!(settings, ["freeswitch.host", "freeswitch.password"]);
    let rows = audit_rows(app, &[("target", "crm-aud")]).await;
    assert_eq!(targets(&rows), ["crm-audit", "crm-audit"]);
    let rows = audit_rows(app, &[("target", "crm"), ("action", "user.update")]).await;
    assert_eq!(rows.len(), 1);
    assert!(audit_rows(app, &[("from", &date(app, 1))]).await.is_empty());
    assert!(audit_rows(app, &[("until", &date(app, -1))])
        .await
        .is_empty());
    // A plain `until` date includes its day.
    let today = date(app, 0);
    let rows = audit_rows(app, &[("from", &today), ("until", &today)]).await;
    assert_eq!(rows.len(), 5);
    let (status, body) = audit(app, &[("from", "yesterday")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(body.contains("from"), "{body}");

    // The filters' choices: what the log holds.
    let r = app.rpc(&app.client, "audit/choices", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let c: Value = r.json().await.unwrap();
    assert_eq!(
        c["actions"],
        json!(["setting.set", "user.create", "user.update"])
    );
    assert_eq!(c["actors"], json!([format!("admin:{ADMIN}"), "cli"]));
}

async fn signins(app: &TestApp, form: &[(&str, &str)]) -> (StatusCode, Value) {
    let mut all = vec![
        ("username", ""),
        ("result", ""),
        ("ip", ""),
        ("from", ""),
        ("until", ""),
        ("offset", "0"),
    ];
    for (k, v) in form {
        all.iter_mut().find(|(n, _)| n == k).unwrap().1 = v;
    }
    let r = app.rpc(&app.client, "signins/list", &all).await;
    let status = r.status();
    let text = r.text().await.unwrap();
    (
        status,
        serde_json::from_str(&text).unwrap_or(Value::String(text)),
    )
}

async fn signin_rows(app: &TestApp, form: &[(&str, &str)]) -> Vec<(String, String, String)> {
    let (status, page) = signins(app, form).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    let items = page["items"].as_array().unwrap();
    assert_eq!(page["total"], items.len() as i64);
    items
        .iter()
        .map(|r| {
            let s = |k: &str| r[k].as_str().unwrap().to_string();
            (s("username"), s("ip"), s("result"))
        })
        .collect()
}

async fn sign_in_log_lists_attempts_with_filters(app: &TestApp) {
    let (status, _) = signins(app, &[]).await;
    assert_eq!(status, StatusCode::UNAUTHORIZED);

    let other = client_from("127.0.0.2".parse().unwrap());
    let r = app.login_with(&other, ADMIN, "wrong-password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let third = client_from("127.0.0.3".parse().unwrap());
    let r = app.login_with(&third, "nobody", ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    app.login().await;

    let s = |v: &str| v.to_string();
    let all = signin_rows(app, &[]).await;
    assert_eq!(
        all,
        [
            (s(ADMIN), s("127.0.0.1"), s("ok")),
            (s("nobody"), s("127.0.0.3"), s("fail")),
            (s(ADMIN), s("127.0.0.2"), s("fail")),
        ],
        "newest first"
    );
    let (_, page) = signins(app, &[("result", "ok")]).await;
    assert_eq!(page["items"][0]["user_agent"], "ccgate-tests/1.0");
    assert_eq!(page["total"], 1);
    assert_eq!(signin_rows(app, &[("result", "fail")]).await.len(), 2);
    assert_eq!(
        signin_rows(app, &[("username", "nob")]).await,
        [(s("nobody"), s("127.0.0.3"), s("fail"))]
    );
    assert_eq!(
        signin_rows(app, &[("ip", "127.0.0.2")]).await,
        [(s(ADMIN), s("127.0.0.2"), s("fail"))]
    );
    assert_eq!(signin_rows(app, &[("ip", "127.0.0.")]).await.len(), 3);
    assert!(
        signin_rows(app, &[("ip", "127.0.0")]).await.is_empty(),
        "no dot: exact"
    );
    assert_eq!(
        signin_rows(app, &[("username", ADMIN), ("result", "fail")])
            .await
            .len(),
        1
    );
    assert!(signin_rows(app, &[("from", &date(app, 1))])
        .await
        .is_empty());
    let today = date(app, 0);
    assert_eq!(
        signin_rows(app, &[("from", &today), ("until", &today)])
            .await
            .len(),
        3
    );
    let (status, _) = signins(app, &[("result", "maybe")]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
}
