//! The admin panel's sign-in: login, wrong password, throttling (per username and IP, per IP, and
//! atomic under concurrency), logout, session rotation, sessions ended by a password change, and
//! server functions refusing callers without a session. Each runs on SQLite and on MariaDB.

use crate::helpers::{client, client_from, session_cookie, TestApp, ADMIN, ADMIN_PASSWORD};
use ccgate_core::Secret;
use reqwest::StatusCode;

both_backends!(
    login_ok_opens_the_panel,
    wrong_password_is_refused,
    throttling_after_five_failures_per_username_and_ip,
    failures_from_one_ip_do_not_lock_the_admin_out,
    throttling_per_ip,
    concurrent_wrong_attempts_check_at_most_five_passwords,
    password_change_ends_the_admins_sessions,
    removed_admin_session_is_refused,
    logout_invalidates_the_session,
    session_id_rotates_at_login,
    server_fn_without_session_is_refused,
    login_log_records_every_attempt,
    unknown_api_route_is_json_404,
);

async fn login_ok_opens_the_panel(app: &TestApp) {
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");

    let r = app.login().await;
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .find(|c| c.starts_with("ccgate_session="))
        .expect("session cookie set");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");

    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let html = r.text().await.unwrap();
    assert!(
        html.contains("API для Центра обработки вызовов"),
        "header title"
    );
    for item in [
        "Дашборд",
        "Настройки",
        "Пользователи",
        "Документация",
        "Выход",
    ] {
        assert!(html.contains(item), "navigation lacks {item}");
    }

    let r = app.rpc(&app.client, "current_admin", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["username"], ADMIN);

    // Signed in, /login goes home.
    let r = app.client.get(app.url("/login")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/");
}

async fn wrong_password_is_refused(app: &TestApp) {
    let r = app.login_with(&app.client, ADMIN, "wrong-password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(
        session_cookie(&r).is_none(),
        "no session for a failed login"
    );
    assert!(r.text().await.unwrap().contains("BadCredentials"));
    // Unknown user: same answer.
    let r = app
        .login_with(&app.client, "nobody", "wrong-password")
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("BadCredentials"));
    let r = app.client.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn throttling_after_five_failures_per_username_and_ip(app: &TestApp) {
    for _ in 0..5 {
        let r = app.login_with(&app.client, ADMIN, "wrong-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Even the right password is not checked now.
    let r = app.login().await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let v: serde_json::Value = r.json().await.unwrap();
    let secs = v["Throttled"].as_u64().expect("Throttled(seconds)");
    assert!((1..=900).contains(&secs), "retry in {secs} s");
    assert!(session_cookie(&app.login().await).is_none());
}

/// Anyone may fail as `admin` five times; the admin signing in from elsewhere is not refused.
async fn failures_from_one_ip_do_not_lock_the_admin_out(app: &TestApp) {
    for _ in 0..5 {
        let r = app.login_with(&app.client, ADMIN, "wrong-password").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    assert_eq!(app.login().await.status(), StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = client_from("127.0.0.2".parse().unwrap());
    let r = app.login_with(&elsewhere, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = elsewhere.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}

async fn throttling_per_ip(app: &TestApp) {
    // Twenty different (unknown) usernames from one IP are checked…
    for i in 0..20 {
        let r = app
            .login_with(&app.client, &format!("guess{i}"), "x-wrong-x")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "attempt {i}");
    }
    // …and then that IP is refused for every username.
    let r = app.login().await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let r = app.login_with(&app.client, "guess-more", "x-wrong-x").await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
}

/// 60 wrong passwords at once from one IP: at most five are checked, the rest refused unchecked;
/// the sign-in log says which.
async fn concurrent_wrong_attempts_check_at_most_five_passwords(app: &TestApp) {
    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let c = app.client.clone();
            let url = app.url("/rpc/login");
            tokio::spawn(async move {
                c.post(url)
                    .header("Accept", "application/json")
                    .form(&[("username", ADMIN), ("password", "wrong-password")])
                    .send()
                    .await
                    .unwrap()
                    .status()
            })
        })
        .collect();
    let (mut checked, mut refused) = (0, 0);
    for t in tasks {
        match t.await.unwrap() {
            StatusCode::UNAUTHORIZED => checked += 1,
            StatusCode::TOO_MANY_REQUESTS => refused += 1,
            s => panic!("{s}"),
        }
    }
    assert_eq!((checked, refused), (5, 55));
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT result, COUNT(*) FROM admin_login_log GROUP BY result ORDER BY result",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(
        rows,
        [("fail".to_string(), 5), ("throttled".to_string(), 55)]
    );
}

async fn logout_invalidates_the_session(app: &TestApp) {
    let r = app.login().await;
    let cookie = session_cookie(&r).expect("cookie");
    let r = app
        .rpc(&app.client, "signins", &[("limit", "10"), ("offset", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);

    let r = app.rpc(&app.client, "logout", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);

    // Replaying the old cookie from a fresh client gets nothing.
    let other = client();
    let r = other
        .post(app.url("/rpc/signins"))
        .header("Cookie", &cookie)
        .header("Accept", "application/json")
        .form(&[("limit", "10"), ("offset", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = other
        .get(app.url("/"))
        .header("Cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

async fn session_id_rotates_at_login(app: &TestApp) {
    let first = session_cookie(&app.login().await).expect("first cookie");
    let second = session_cookie(&app.login().await).expect("second cookie");
    assert_ne!(first, second, "a new session id at every login");
    let other = client();
    let r = other
        .post(app.url("/rpc/current_admin"))
        .header("Cookie", &first)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap(),
        serde_json::Value::Null
    );
    let r = other
        .post(app.url("/rpc/current_admin"))
        .header("Cookie", &second)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        r.json::<serde_json::Value>().await.unwrap()["username"],
        ADMIN
    );
}

/// Is this cookie a signed-in admin's? Asked of a page, a server function, the SSE feed and the
/// CSV download.
async fn cookie_works(app: &TestApp, cookie: &str) -> bool {
    let other = client();
    let page = other
        .get(app.url("/"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap();
    let rpc = other
        .post(app.url("/rpc/signins"))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .form(&[("limit", "10"), ("offset", "0")])
        .send()
        .await
        .unwrap();
    let who = other
        .post(app.url("/rpc/current_admin"))
        .header("Cookie", cookie)
        .header("Accept", "application/json")
        .send()
        .await
        .unwrap()
        .json::<serde_json::Value>()
        .await
        .unwrap();
    let events = other
        .get(app.url("/admin/events"))
        .header("Cookie", cookie)
        .send()
        .await
        .unwrap()
        .status();
    match (page.status(), rpc.status()) {
        (StatusCode::OK, StatusCode::OK) => {
            assert!(who["username"].is_string(), "{who}");
            assert_eq!(events, StatusCode::OK);
            true
        }
        (StatusCode::SEE_OTHER, StatusCode::UNAUTHORIZED) => {
            assert_eq!(page.headers()["location"], "/login");
            assert!(who.is_null(), "{who}");
            assert_eq!(events, StatusCode::UNAUTHORIZED);
            false
        }
        other => panic!("page and server function disagree: {other:?}"),
    }
}

async fn password_change_ends_the_admins_sessions(app: &TestApp) {
    use ccgate_core::access::admins;
    admins::create(&app.db, "second", Secret::new("second-password".into()))
        .await
        .unwrap();
    let old = session_cookie(&app.login().await).expect("cookie");
    let other_client = client_from("127.0.0.3".parse().unwrap());
    let r = app
        .login_with(&other_client, "second", "second-password")
        .await;
    let second = session_cookie(&r).expect("cookie of the second admin");
    assert!(cookie_works(app, &old).await);

    // What `ccgate admin passwd admin` does.
    admins::set_password(&app.db, ADMIN, Secret::new("a-brand-new-password".into()))
        .await
        .unwrap();
    assert!(!cookie_works(app, &old).await, "old session still works");
    // The stale session is gone for good: /login is shown again, not sent home.
    let r = client()
        .get(app.url("/login"))
        .header("Cookie", &old)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    // Another admin's session is not concerned.
    assert!(cookie_works(app, &second).await);
    // The new password opens a new session.
    let r = app
        .login_with(&client(), ADMIN, "a-brand-new-password")
        .await;
    let new = session_cookie(&r).expect("new cookie");
    assert!(cookie_works(app, &new).await);
    assert!(!cookie_works(app, &old).await);
}

async fn removed_admin_session_is_refused(app: &TestApp) {
    let cookie = session_cookie(&app.login().await).expect("cookie");
    assert!(cookie_works(app, &cookie).await);
    sqlx::query("DELETE FROM admins WHERE username = ?")
        .bind(ADMIN)
        .execute(&app.db.pool)
        .await
        .unwrap();
    assert!(!cookie_works(app, &cookie).await);
}

async fn server_fn_without_session_is_refused(app: &TestApp) {
    let r = app
        .rpc(&client(), "signins", &[("limit", "10"), ("offset", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(r.text().await.unwrap().contains("Unauthorized"));
    // A forged cookie is no better.
    let r = client()
        .post(app.url("/rpc/signins"))
        .header("Cookie", "ccgate_session=AAAAAAAAAAAAAAAAAAAAAA")
        .header("Accept", "application/json")
        .form(&[("limit", "10"), ("offset", "0")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn login_log_records_every_attempt(app: &TestApp) {
    app.login_with(&app.client, ADMIN, "nope-nope").await;
    app.login().await;
    let r = app
        .rpc(&app.client, "signins", &[("limit", "10"), ("offset", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["total"], 2);
    let items = v["items"].as_array().unwrap();
    assert_eq!(items[0]["result"], "ok");
    assert_eq!(items[1]["result"], "fail");
    assert_eq!(items[0]["ip"], "127.0.0.1");
    assert_eq!(items[0]["user_agent"], "ccgate-tests/1.0");
    assert_eq!(items[0]["username"], ADMIN);
    // Unix ms: the panel formats it in the configured time zone.
    let at = items[0]["at"].as_i64().unwrap();
    assert!(at > 1_700_000_000_000, "{at}");
}

async fn unknown_api_route_is_json_404(app: &TestApp) {
    let r = app
        .client
        .get(app.url("/api/v1/nope"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: serde_json::Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "not_found");
    assert!(v["error"]["message"]
        .as_str()
        .unwrap()
        .contains("/api/v1/nope"));
}

#[tokio::test]
async fn admin_password_never_leaks_through_debug() {
    let c = crate::helpers::test_config("sqlite:///tmp/x.db");
    assert!(!format!("{c:?}").contains(ADMIN_PASSWORD));
}
