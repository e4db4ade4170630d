//! The admin panel's sign-in: login, wrong password, throttling, logout, session rotation, and
//! server functions refusing callers without a session. Each runs on SQLite and on MariaDB.

use crate::helpers::{client, session_cookie, TestApp, ADMIN, ADMIN_PASSWORD};
use reqwest::StatusCode;

both_backends!(
    login_ok_opens_the_panel,
    wrong_password_is_refused,
    throttling_after_five_failures_per_username,
    throttling_per_ip,
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

async fn throttling_after_five_failures_per_username(app: &TestApp) {
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

async fn throttling_per_ip(app: &TestApp) {
    // Five different (unknown) usernames from one IP.
    for i in 0..5 {
        let r = app
            .login_with(&app.client, &format!("guess{i}"), "x-wrong-x")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app.login().await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
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
