//! Demo mode (`CCGATE_DEMO`): nothing seeded without it; with it, on the first start, four API
//! users with their permissions and a key each, 30 days of journal rows whose daily counters (the
//! dashboard's and the reports') agree with them, SMS with final statuses and `cc/add` calls with
//! outcomes; the key file's key works; a second start seeds nothing more; a database already in
//! use is left alone. Each scenario runs on SQLite and on MariaDB.

use std::collections::{BTreeMap, BTreeSet};

use crate::helpers::{spawn_again, TestApp};
use ccgate_core::access::audit::Actor;
use ccgate_core::platform::time::{date_of_day, now_ms};
use serde_json::Value;

both_backends!(
    seeds_once_and_only_in_demo_mode,
    leaves_a_database_in_use_alone
);

async fn count(app: &TestApp, sql: &str) -> i64 {
    sqlx::query_scalar(sql)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

/// Users, keys, permissions, journal rows, the three counters, SMS, calls, demo marker.
async fn counts(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for sql in [
        "SELECT COUNT(*) FROM api_users",
        "SELECT COUNT(*) FROM api_keys",
        "SELECT COUNT(*) FROM api_permissions",
        "SELECT COUNT(*) FROM request_journal",
        "SELECT CAST(COALESCE(SUM(ok + bad + error), 0) AS SIGNED) FROM daily_user_totals",
        "SELECT CAST(COALESCE(SUM(ok + bad + error), 0) AS SIGNED) FROM daily_method_totals",
        "SELECT CAST(COALESCE(SUM(count), 0) AS SIGNED) FROM daily_request_counters",
        "SELECT COUNT(*) FROM sms_messages",
        "SELECT COUNT(*) FROM cc_calls",
        "SELECT COUNT(*) FROM data_backfills WHERE name = 'demo_seed'",
    ] {
        out.push(count(app, sql).await);
    }
    out
}

fn demo_env(app: &TestApp) -> Vec<(&'static str, String)> {
    vec![
        ("CCGATE_DEMO", "1".into()),
        (
            "CCGATE_DEMO_KEY_FILE",
            app.dir.path().join("demo-key.txt").display().to_string(),
        ),
    ]
}

async fn seeds_once_and_only_in_demo_mode(plain: &TestApp) {
    // Without demo mode: nothing.
    assert_eq!(counts(plain).await, [0; 10]);
    let key_file = plain.dir.path().join("demo-key.txt");
    assert!(!key_file.exists());
    plain.stop().await;

    let app = spawn_again(plain, &demo_env(plain)).await;
    app.journal.flush().await;
    // The users, their notes, permissions and one key each.
    let users: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT id, login, note FROM api_users ORDER BY login")
            .fetch_all(&app.db.pool)
            .await
            .unwrap();
    let logins: Vec<&str> = users.iter().map(|u| u.1.as_str()).collect();
    assert_eq!(logins, ["API-TEST", "API-TEST-3", "API_test_2", "test2"]);
    assert_eq!(users[0].2, "Тестовый пользователь");
    let mut perms = BTreeMap::new();
    for (id, login, _) in &users {
        let p = ccgate_core::access::perms::of_user(&app.db, *id)
            .await
            .unwrap();
        perms.insert(login.clone(), p);
        let keys: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_keys WHERE user_id = ?")
            .bind(*id)
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        assert_eq!(keys, 1, "{login}");
    }
    let set = |v: &[&str]| v.iter().map(|s| s.to_string()).collect::<BTreeSet<_>>();
    assert_eq!(perms["test2"], set(&["sms.getStatus", "sms.send"]));
    assert_eq!(perms["API_test_2"], set(&["cc.cdr", "cc.queues"]));
    assert_eq!(perms["API-TEST"].len(), 9, "{:?}", perms["API-TEST"]);
    assert!(perms["API-TEST"]
        .iter()
        .all(|p| p.starts_with("cc.") || p.starts_with("sms.")));
    assert!(
        perms["API-TEST-3"].contains("stats.all")
            && perms["API-TEST-3"].contains("reports.request")
    );
    assert!(!perms["API-TEST-3"].iter().any(|p| p.starts_with("cc.")));

    // 30 days of journal, the counters agreeing with it in total.
    let c = counts(&app).await;
    let journal = c[3];
    assert!(journal > 3_000, "{c:?}");
    assert_eq!((c[4], c[5], c[6]), (journal, journal, journal), "{c:?}");
    let now = now_ms();
    let oldest = count(&app, "SELECT MIN(at) FROM request_journal").await;
    let newest = count(&app, "SELECT MAX(at) FROM request_journal").await;
    assert!(
        oldest >= now - 30 * 86_400_000 && oldest < now - 28 * 86_400_000,
        "{oldest}"
    );
    assert!(newest <= now);
    let days = count(&app, "SELECT COUNT(DISTINCT day) FROM daily_user_totals").await;
    assert!((29..=30).contains(&days), "{days}");
    for (status, code) in [
        (401, "auth_missing"),
        (403, "permission_denied"),
        (404, "not_found"),
        (422, "invalid_range"),
    ] {
        let n: i64 = sqlx::query_scalar(
            "SELECT COUNT(*) FROM request_journal WHERE status = ? AND error_code = ?",
        )
        .bind(status)
        .bind(code)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        assert!(n > 0, "{status} {code}");
    }
    let errors = count(
        &app,
        "SELECT COUNT(*) FROM request_journal WHERE status >= 500",
    )
    .await;
    assert!(errors > 0 && errors * 50 < journal, "{errors} of {journal}");

    // Yesterday (a closed day) in the configured zone: journal rows, the dashboard's counters and
    // reports.request agree.
    let snap = app.live.current();
    let day = snap.day_of(now) - 1;
    let start = day * 86_400_000 - snap.utc_offset_minutes * 60_000;
    let by_outcome: Vec<(String, i64)> = sqlx::query_as(
        "SELECT outcome, COUNT(*) FROM request_journal WHERE at >= ? AND at < ? \
         GROUP BY outcome ORDER BY outcome",
    )
    .bind(start)
    .bind(start + 86_400_000)
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    for table in ["daily_user_totals", "daily_method_totals"] {
        let (ok, bad, error): (i64, i64, i64) = sqlx::query_as(&format!(
            "SELECT CAST(SUM(ok) AS SIGNED), CAST(SUM(bad) AS SIGNED), \
             CAST(SUM(error) AS SIGNED) FROM {table} WHERE day = ?"
        ))
        .bind(day)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
        let counted: Vec<(String, i64)> = [("bad", bad), ("error", error), ("ok", ok)]
            .into_iter()
            .filter(|(_, n)| *n > 0)
            .map(|(o, n)| (o.to_string(), n))
            .collect();
        assert_eq!(by_outcome, counted, "{table}");
    }
    let get = |o: &str| {
        by_outcome
            .iter()
            .find(|r| r.0 == o)
            .map(|r| r.1)
            .unwrap_or(0)
    };
    let reporter = users.iter().find(|u| u.1 == "API-TEST-3").unwrap().0;
    let (_, key) = ccgate_core::access::keys::create(&app.db, &Actor::Cli, reporter, "check", None)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
    let path = format!(
        "/api/v1/reports/request?from={}&until={}",
        date_of_day(day),
        date_of_day(day + 1)
    );
    let r = app.api("GET", &path, Some(key.expose())).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        v["totals"]["requests"],
        get("ok") + get("bad") + get("error"),
        "{v}"
    );
    assert_eq!(v["totals"]["ok"], get("ok"), "{v}");
    assert_eq!(v["totals"]["bad"], get("bad"), "{v}");
    assert_eq!(v["totals"]["error"], get("error"), "{v}");

    // SMS through the demo gateway, all final, mostly delivered; calls with outcomes.
    let sms: Vec<(String, i64)> = sqlx::query_as(
        "SELECT status, COUNT(*) FROM sms_messages WHERE final = 1 AND gateway_name = 'demo' \
         GROUP BY status",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    let sms: BTreeMap<String, i64> = sms.into_iter().collect();
    let total: i64 = sms.values().sum();
    assert_eq!(total, c[7], "{sms:?}");
    assert!(
        sms["delivered"] * 10 > total * 7 && sms["undelivered"] > 0,
        "{sms:?}"
    );
    assert!(sms
        .keys()
        .all(|s| ["delivered", "undelivered", "expired", "rejected"].contains(&s.as_str())));
    let calls: Vec<String> = sqlx::query_scalar("SELECT DISTINCT status FROM cc_calls")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert!(
        c[8] > 0 && calls.contains(&"completed".to_string()),
        "{calls:?}"
    );
    assert!(calls
        .iter()
        .all(|s| ["completed", "busy", "no_answer", "failed"].contains(&s.as_str())));

    // The key file: private, and its key is API-TEST's.
    let key = ccgate_core::demo::read_key_file(&key_file).expect("key file");
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key_file).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }
    let r = app.api("GET", "/api/v1/me", Some(&key)).await;
    assert_eq!(r.status(), 200);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["user"]["login"], "API-TEST");
    app.stop().await;

    // A second start in demo mode seeds nothing more.
    let before = counts(&app).await;
    let again = spawn_again(&app, &demo_env(&app)).await;
    again.journal.flush().await;
    assert_eq!(counts(&again).await, before);
    assert_eq!(
        ccgate_core::demo::read_key_file(&key_file),
        Some(key.clone())
    );
    let r = again.api("GET", "/api/v1/cc/queues", Some(&key)).await;
    assert_ne!(r.status(), 401);
    assert_ne!(r.status(), 403);
    again.stop().await;
}

async fn leaves_a_database_in_use_alone(plain: &TestApp) {
    plain.api_user("crm", &["cc.queues"]).await;
    plain.stop().await;
    let app = spawn_again(plain, &demo_env(plain)).await;
    app.journal.flush().await;
    // The one user, no traffic; the marker says it was decided.
    assert_eq!(counts(&app).await, [1, 1, 1, 0, 0, 0, 0, 0, 0, 1]);
    assert!(!app.dir.path().join("demo-key.txt").exists());
    app.stop().await;
}
