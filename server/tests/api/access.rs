//! The `/api` pipeline: authentication, live module switches, permissions, the request journal and
//! daily counters, key lifecycle. Each scenario runs on SQLite and on MariaDB.

use std::time::Duration;

use crate::helpers::TestApp;
use ccgate_core::access::audit::Actor;
use ccgate_core::access::{keys, settings, users};
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    every_catalogue_route_is_guarded,
    me_tells_who_and_what,
    credentials_in_every_accepted_form,
    key_lifecycle,
    blocking_applies_to_the_next_request,
    changes_from_another_process_apply_without_restart,
    a_key_made_elsewhere_is_in_force_at_once,
    request_ids_and_input_errors,
    journal_counts_every_request_exactly,
    shutdown_under_load_loses_nothing,
);

async fn code_of(r: reqwest::Response) -> (StatusCode, String, Value) {
    let status = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    (
        status,
        v["error"]["code"].as_str().unwrap_or("").to_string(),
        v,
    )
}

/// Past the pipeline: not refused by authentication, switches or permissions. (With no
/// FreeSWITCH running the contact-center methods answer 503; modules not yet built answer 501.)
fn reached_handler(s: StatusCode, code: &str) -> bool {
    s != StatusCode::UNAUTHORIZED && s != StatusCode::FORBIDDEN && code != "not_found"
}

async fn every_catalogue_route_is_guarded(app: &TestApp) {
    let (uid, key) = app.api_user("crm-all", &[]).await;
    let (_, other_key) = app.api_user("crm-other", &["cc.queues"]).await;
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let verb = x.verb.as_str();
        let dotted = format!("{}.{}", m.name, x.name);

        let (s, c, _) = code_of(app.api(verb, &path, None).await).await;
        assert_eq!(
            (s, c.as_str()),
            (StatusCode::UNAUTHORIZED, "auth_missing"),
            "{path}"
        );

        let (s, c, _) = code_of(
            app.api(
                verb,
                &path,
                Some("ccg_0000000000000000000000000000000000000000"),
            )
            .await,
        )
        .await;
        assert_eq!(
            (s, c.as_str()),
            (StatusCode::UNAUTHORIZED, "auth_invalid"),
            "{path}"
        );

        let (s, c, v) = code_of(app.api(verb, &path, Some(&key)).await).await;
        assert_eq!(
            (s, c.as_str()),
            (StatusCode::FORBIDDEN, "permission_denied"),
            "{path}"
        );
        assert_eq!(v["error"]["details"]["missing"], dotted);

        if dotted != "cc.queues" {
            let (s, c, _) = code_of(app.api(verb, &path, Some(&other_key)).await).await;
            assert_eq!(
                (s, c.as_str()),
                (StatusCode::FORBIDDEN, "permission_denied"),
                "{path}"
            );
        }
    }
    // Grant everything: every route now reaches its handler.
    let all: Vec<_> = ccgate_catalogue::all()
        .map(|(m, x)| (m.name, x.name))
        .collect();
    ccgate_core::access::perms::set(&app.db, &Actor::Cli, uid, &all)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let (s, c, _) = code_of(app.api(x.verb.as_str(), &path, Some(&key)).await).await;
        assert!(reached_handler(s, &c), "{path}: {s} {c}");
    }
    // Method switched off for everyone.
    for (m, x) in ccgate_catalogue::all() {
        settings::set(
            &app.db,
            &Actor::Cli,
            &settings::method_key(m.name, x.name),
            "false",
        )
        .await
        .unwrap();
        app.live.reload().await.unwrap();
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let (s, c, _) = code_of(app.api(x.verb.as_str(), &path, Some(&key)).await).await;
        assert_eq!(
            (s, c.as_str()),
            (StatusCode::FORBIDDEN, "method_disabled"),
            "{path}"
        );
        settings::set(
            &app.db,
            &Actor::Cli,
            &settings::method_key(m.name, x.name),
            "true",
        )
        .await
        .unwrap();
    }
    // Whole module off.
    settings::set(&app.db, &Actor::Cli, &settings::module_key("sms"), "false")
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    let (s, c, _) = code_of(app.api("GET", "/api/v1/sms/getStatus", Some(&key)).await).await;
    assert_eq!((s, c.as_str()), (StatusCode::FORBIDDEN, "method_disabled"));
    let (s, c, _) = code_of(app.api("GET", "/api/v1/cc/queues", Some(&key)).await).await;
    assert!(reached_handler(s, &c), "{s} {c}");
    // Blocked user: 403 on every route.
    users::set_status(&app.db, &Actor::Cli, uid, users::Status::Blocked)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let (s, c, _) = code_of(app.api(x.verb.as_str(), &path, Some(&key)).await).await;
        assert_eq!(
            (s, c.as_str()),
            (StatusCode::FORBIDDEN, "user_blocked"),
            "{path}"
        );
    }
    // Wrong verb.
    let (_, key2) = app.api_user("crm-verb", &["cc.add"]).await;
    let (s, c, _) = code_of(app.api("GET", "/api/v1/cc/add", Some(&key2)).await).await;
    assert_eq!(
        (s, c.as_str()),
        (StatusCode::METHOD_NOT_ALLOWED, "method_not_allowed")
    );
}

async fn me_tells_who_and_what(app: &TestApp) {
    let (uid, key) = app.api_user("crm-me", &["cc.queues", "sms.send"]).await;
    let r = app.api("GET", "/api/v1/me", Some(&key)).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["user"]["login"], "crm-me");
    assert_eq!(v["user"]["id"], uid.to_string());
    assert_eq!(v["key"]["prefix"], &key[..12]);
    assert_eq!(
        v["permissions"],
        serde_json::json!(["cc.queues", "sms.send"])
    );
    let (s, c, _) = code_of(app.api("GET", "/api/v1/me", None).await).await;
    assert_eq!((s, c.as_str()), (StatusCode::UNAUTHORIZED, "auth_missing"));
}

async fn credentials_in_every_accepted_form(app: &TestApp) {
    let (_, key) = app.api_user("crm-forms", &[]).await;
    let url = app.url("/api/v1/me");
    let r = app
        .client
        .get(&url)
        .header("X-API-Key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(&url)
        .basic_auth("crm-forms", Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let r = app
        .client
        .get(&url)
        .basic_auth("someone-else", Some(&key))
        .send()
        .await
        .unwrap();
    assert_eq!(code_of(r).await.1, "auth_invalid");
    let r = app
        .client
        .get(&url)
        .header("Authorization", "Token abc")
        .send()
        .await
        .unwrap();
    let www = r.headers().get("www-authenticate").cloned();
    assert_eq!(code_of(r).await.1, "auth_invalid");
    assert!(www.is_some(), "401 names the accepted schemes");
}

async fn key_lifecycle(app: &TestApp) {
    let (uid, key) = app.api_user("crm-keys", &[]).await;
    // Stored hashed: the plain key is nowhere in the database.
    let hashes: Vec<(String, String)> = sqlx::query_as("SELECT prefix, key_hash FROM api_keys")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(hashes
        .iter()
        .any(|(p, h)| *h == keys::hash(&key) && key.starts_with(p.as_str())));
    for (table, cols) in [
        (
            "api_keys",
            "name, prefix, key_hash, COALESCE(last_used_ip, '')",
        ),
        (
            "audit_log",
            "actor, action, target, COALESCE(old_value, ''), COALESCE(new_value, '')",
        ),
        ("settings", "name, value, updated_by, ''"),
    ] {
        let rows: Vec<(String, String, String, String)> =
            sqlx::query_as(&format!("SELECT {cols} FROM {table}"))
                .fetch_all(&app.db.pool)
                .await
                .unwrap();
        for r in rows {
            let joined = format!("{} {} {} {}", r.0, r.1, r.2, r.3);
            assert!(!joined.contains(&key[4..]), "plain key found in {table}");
        }
    }
    // Last use recorded (by the journal writer).
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&key)).await.status(),
        StatusCode::OK
    );
    app.journal.flush().await;
    let list = keys::list(&app.db, uid).await.unwrap();
    assert!(list[0].last_used_at.is_some());
    assert_eq!(list[0].last_used_ip.as_deref(), Some("127.0.0.1"));

    // Rotation with a grace period: both keys work.
    let old_id = list[0].id;
    let (_, new_key) = keys::rotate(&app.db, &Actor::Cli, old_id, 3600)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&key)).await.status(),
        StatusCode::OK
    );
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(new_key.expose()))
            .await
            .status(),
        StatusCode::OK
    );
    // The grace period ends: the old key expires.
    sqlx::query("UPDATE api_keys SET expires_at = ? WHERE id = ?")
        .bind(ccgate_core::platform::time::now_ms() - 1)
        .bind(old_id)
        .execute(&app.db.pool)
        .await
        .unwrap();
    sqlx::query("UPDATE state_generation SET value = value + 1")
        .execute(&app.db.pool)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    assert_eq!(
        code_of(app.api("GET", "/api/v1/me", Some(&key)).await)
            .await
            .1,
        "key_expired"
    );
    // Rotation without grace: the previous key dies at once.
    let new_id = keys::list(&app.db, uid).await.unwrap().last().unwrap().id;
    let (_, third) = keys::rotate(&app.db, &Actor::Cli, new_id, 0).await.unwrap();
    app.live.reload().await.unwrap();
    assert_eq!(
        code_of(app.api("GET", "/api/v1/me", Some(new_key.expose())).await)
            .await
            .1,
        "auth_invalid"
    );
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(third.expose()))
            .await
            .status(),
        StatusCode::OK
    );
    // Revocation.
    let third_id = keys::list(&app.db, uid).await.unwrap().last().unwrap().id;
    keys::revoke(&app.db, &Actor::Cli, third_id).await.unwrap();
    app.live.reload().await.unwrap();
    assert_eq!(
        code_of(app.api("GET", "/api/v1/me", Some(third.expose())).await)
            .await
            .1,
        "auth_invalid"
    );
    // Expiry in the past is refused at creation.
    assert!(keys::create(&app.db, &Actor::Cli, uid, "old", Some(1))
        .await
        .is_err());
}

async fn blocking_applies_to_the_next_request(app: &TestApp) {
    let (uid, key) = app.api_user("crm-block", &["cc.queues"]).await;
    assert_eq!(
        app.api("GET", "/api/v1/me", Some(&key)).await.status(),
        StatusCode::OK
    );
    users::set_status(&app.db, &Actor::Cli, uid, users::Status::Blocked)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    assert_eq!(
        code_of(app.api("GET", "/api/v1/cc/queues", Some(&key)).await)
            .await
            .1,
        "user_blocked"
    );
    users::set_status(&app.db, &Actor::Cli, uid, users::Status::Active)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    let (s, c, _) = code_of(app.api("GET", "/api/v1/cc/queues", Some(&key)).await).await;
    assert!(reached_handler(s, &c), "{s} {c}");
}

/// A change written straight to the database (as `ccgate users block` in another process does) is
/// picked up by the running server's poller without any reload call.
async fn changes_from_another_process_apply_without_restart(app: &TestApp) {
    let (uid, key) = app.api_user("crm-remote", &["cc.queues"]).await;
    users::set_status(&app.db, &Actor::Cli, uid, users::Status::Blocked)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let c = code_of(app.api("GET", "/api/v1/cc/queues", Some(&key)).await)
            .await
            .1;
        if c == "user_blocked" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "block not seen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    settings::set(&app.db, &Actor::Cli, &settings::module_key("cc"), "false")
        .await
        .unwrap();
    users::set_status(&app.db, &Actor::Cli, uid, users::Status::Active)
        .await
        .unwrap();
    let deadline = std::time::Instant::now() + Duration::from_secs(5);
    loop {
        let c = code_of(app.api("GET", "/api/v1/cc/queues", Some(&key)).await)
            .await
            .1;
        if c == "method_disabled" {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "module switch not seen within 5 s"
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// A key created by the command line or another instance (written to the database, no reload
/// here) answers 200 on its very first request, not 401 until the next poll.
async fn a_key_made_elsewhere_is_in_force_at_once(app: &TestApp) {
    let (uid, _) = app.api_user("crm-fresh", &[]).await;
    for i in 0..10 {
        let (_, key) = ccgate_core::access::keys::create(
            &app.db,
            &Actor::Cli,
            uid,
            &format!("fresh-{i}"),
            None,
        )
        .await
        .unwrap();
        let r = app.api("GET", "/api/v1/me", Some(key.expose())).await;
        assert_eq!(r.status(), StatusCode::OK, "key {i} refused at first");
    }
    // Random keys are still refused (and cost at most one check per gap).
    for _ in 0..50 {
        let (s, c, _) = code_of(
            app.api("GET", "/api/v1/me", Some("ccg_random_nonsense"))
                .await,
        )
        .await;
        assert_eq!((s, c.as_str()), (StatusCode::UNAUTHORIZED, "auth_invalid"));
    }
}

async fn request_ids_and_input_errors(app: &TestApp) {
    let (_, key) = app.api_user("crm-input", &["cc.add"]).await;
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .bearer_auth(&key)
        .header("X-Request-Id", "crm-req-0001")
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], "crm-req-0001");
    let r = app
        .client
        .get(app.url("/api/v1/nope"))
        .header("X-Request-Id", "no spaces allowed here")
        .send()
        .await
        .unwrap();
    let rid = r.headers()["x-request-id"].to_str().unwrap().to_string();
    assert_ne!(rid, "no spaces allowed here");
    let (s, c, v) = code_of(r).await;
    assert_eq!((s, c.as_str()), (StatusCode::NOT_FOUND, "not_found"));
    assert_eq!(v["error"]["request_id"], rid);

    let post = |body: Vec<u8>, ct: &'static str| {
        app.client
            .post(app.url("/api/v1/cc/add"))
            .bearer_auth(&key)
            .header("Content-Type", ct)
            .body(body)
            .send()
    };
    let (s, c, v) = code_of(
        post(b"{\"phone\": \n  }".to_vec(), "application/json")
            .await
            .unwrap(),
    )
    .await;
    assert_eq!((s, c.as_str()), (StatusCode::BAD_REQUEST, "invalid_json"));
    assert_eq!(v["error"]["details"]["line"], 2);
    let (s, c, _) = code_of(post(b"phone=1".to_vec(), "text/plain").await.unwrap()).await;
    assert_eq!(
        (s, c.as_str()),
        (StatusCode::UNSUPPORTED_MEDIA_TYPE, "unsupported_media_type")
    );
    let mut big = b"{\"x\":\"".to_vec();
    big.extend(std::iter::repeat_n(b'a', 1024 * 1024 + 10));
    big.extend(b"\"}");
    let (s, c, _) = code_of(post(big, "application/json").await.unwrap()).await;
    assert_eq!(
        (s, c.as_str()),
        (StatusCode::PAYLOAD_TOO_LARGE, "payload_too_large")
    );

    // All of them are journaled, the unknown route too.
    app.journal.flush().await;
    let codes: Vec<(Option<String>, i64)> =
        sqlx::query_as("SELECT error_code, status FROM request_journal ORDER BY id")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let codes: Vec<String> = codes
        .into_iter()
        .map(|(c, s)| format!("{}:{s}", c.unwrap_or_default()))
        .collect();
    assert_eq!(
        codes,
        [
            ":200",
            "not_found:404",
            "invalid_json:400",
            "unsupported_media_type:415",
            "payload_too_large:413"
        ]
    );
}

async fn journal_counts_every_request_exactly(app: &TestApp) {
    let (_, key) = app.api_user("crm-load", &["cc.queues"]).await;
    let before = app.journal_count().await;
    let mut set = tokio::task::JoinSet::new();
    for i in 0..1000 {
        let client = app.client.clone();
        let key = key.clone();
        let url = if i % 4 == 0 {
            app.url("/api/v1/sms/send")
        } else {
            app.url("/api/v1/me")
        };
        set.spawn(async move {
            let rb = if i % 4 == 0 {
                client
                    .post(url)
                    .header("Content-Type", "application/json")
                    .body("{}")
            } else {
                client.get(url)
            };
            rb.bearer_auth(key)
                .send()
                .await
                .map(|r| r.status().as_u16())
        });
    }
    let mut ok = 0;
    let mut bad = 0;
    while let Some(r) = set.join_next().await {
        match r.unwrap().unwrap() {
            200 => ok += 1,
            403 => bad += 1,
            other => panic!("unexpected status {other}"),
        }
    }
    assert_eq!((ok, bad), (750, 250));
    app.journal.flush().await;
    assert_eq!(app.journal_count().await - before, 1000);
    let (c_ok, c_bad, c_err) = ccgate_core::journal::counter_totals(&app.db).await.unwrap();
    assert_eq!(c_ok + c_bad + c_err, app.journal_count().await);
    let per_user: i64 = sqlx::query_scalar(
        "SELECT CAST(SUM(d.bad) AS SIGNED) FROM daily_user_totals d JOIN api_users u ON u.id = d.user_id \
         WHERE u.login = 'crm-load'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(per_user, 250);
    let send: (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(ok) AS SIGNED), CAST(SUM(bad) AS SIGNED) FROM daily_method_totals \
         WHERE module = 'sms' AND method = 'send'",
    )
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(send, (0, 250));
}

async fn shutdown_under_load_loses_nothing(app: &TestApp) {
    let (_, key) = app.api_user("crm-stop", &[]).await;
    let before = app.journal_count().await;
    let answered = std::sync::Arc::new(std::sync::atomic::AtomicI64::new(0));
    let mut set = tokio::task::JoinSet::new();
    for _ in 0..16 {
        let client = crate::helpers::client();
        let url = app.url("/api/v1/me");
        let key = key.clone();
        let answered = answered.clone();
        set.spawn(async move {
            for _ in 0..200 {
                match client.get(&url).bearer_auth(&key).send().await {
                    Ok(r) if r.status().is_success() => {
                        answered.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
                    }
                    _ => break, // the server is going away
                }
            }
        });
    }
    tokio::time::sleep(Duration::from_millis(300)).await;
    app.stop().await;
    while set.join_next().await.is_some() {}
    let answered = answered.load(std::sync::atomic::Ordering::SeqCst);
    assert!(answered > 0);
    assert_eq!(
        app.journal_count().await - before,
        answered,
        "every answered request is journaled"
    );
}
