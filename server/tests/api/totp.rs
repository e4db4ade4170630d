//! The admins' second factor (TOTP, RFC 6238) end to end through `/rpc`: enrolment confirmed by a
//! first code, the sign-in's second step (a half-signed-in session is no admin's; a wrong code,
//! a code used before and a spent recovery code refused), throttling of that step like
//! passwords, switching it off with the password, and the reset the command line calls. Each
//! runs on SQLite and MariaDB.
//!
//! Codes are computed from the enrolled secret at the current time; a code is valid for its
//! 30-second step and one step either side, so a scenario has more than 30 seconds to use the
//! next step's code.

use ccgate_core::access::admins::{self, Role};
use ccgate_core::access::audit::Actor;
use ccgate_core::platform::time::now_ms;
use ccgate_core::platform::totp;
use ccgate_core::Secret;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::{client_from, TestApp, ADMIN, ADMIN_PASSWORD};

both_backends!(
    sign_in_with_a_second_factor,
    the_second_step_is_throttled_like_passwords,
    reset_switches_it_off_and_a_viewer_may_enrol
);

/// Enrol `client`'s admin: the secret from `security/totp/begin`, confirmed with the current
/// code. Returns the key, the step that code was of, and the recovery codes.
async fn enrol(app: &TestApp, client: &reqwest::Client) -> (Vec<u8>, i64, Vec<String>) {
    let r = app.rpc(client, "security/totp/begin", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    let e: Value = r.json().await.unwrap();
    let secret = e["secret"].as_str().unwrap().to_string();
    let uri = e["uri"].as_str().unwrap();
    assert!(uri.starts_with("otpauth://totp/ccgate:"), "{uri}");
    assert!(uri.contains(&format!("secret={secret}")), "{uri}");
    assert!(e["qr_svg"].as_str().unwrap().starts_with("<svg"));
    let key = totp::decode_secret(&secret).unwrap();

    // Not yet in force, and a wrong code does not switch it on.
    let r = app
        .rpc(client, "security/totp/confirm", &[("code", "000000x")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let st: Value = app
        .rpc(client, "security/status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["totp_enabled"], false);

    let step = totp::step_of(now_ms());
    let r = app
        .rpc(
            client,
            "security/totp/confirm",
            &[("code", &totp::code_at(&key, step))],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let codes: Vec<String> = r.json().await.unwrap();
    assert_eq!(codes.len(), totp::RECOVERY_CODES);
    // The secret is never shown again: a new enrolment is refused while it is on.
    let r = app.rpc(client, "security/totp/begin", &[]).await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    (key, step, codes)
}

/// The password step from a new client at `ip`: answers `"Code"` and leaves a half-signed-in
/// session.
async fn password_step(app: &TestApp, ip: &str, user: &str, pw: &str) -> reqwest::Client {
    let client = client_from(ip.parse().unwrap());
    let r = app.login_with(&client, user, pw).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), "Code");
    client
}

async fn code_step(app: &TestApp, client: &reqwest::Client, code: &str) -> StatusCode {
    app.rpc(client, "login/code", &[("code", code)])
        .await
        .status()
}

/// Is `client` an admin's session now?
async fn is_admin(app: &TestApp, client: &reqwest::Client) -> bool {
    let r = app.rpc(client, "current_admin", &[]).await;
    let v: Value = r.json().await.unwrap();
    !v.is_null()
}

async fn stored_secret(app: &TestApp) -> Option<String> {
    sqlx::query_scalar("SELECT totp_secret FROM admins WHERE username = ?")
        .bind(ADMIN)
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn sign_in_with_a_second_factor(app: &TestApp) {
    app.login().await;
    let (key, step, recovery) = enrol(app, &app.client).await;
    let st: Value = app
        .rpc(&app.client, "security/status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        (st["totp_enabled"].as_bool(), st["recovery_left"].as_i64()),
        (Some(true), Some(10))
    );
    // Recovery codes are stored hashed, never as given.
    let hashes: Vec<String> = sqlx::query_scalar("SELECT code_hash FROM admin_recovery_codes")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(hashes.len(), 10);
    assert!(hashes
        .iter()
        .all(|h| !recovery.iter().any(|c| h.contains(c.as_str()))));
    assert!(hashes.contains(&totp::recovery_hash(&recovery[0])));

    // The password alone opens only a half-signed-in session: no page, no data.
    let half = password_step(app, "127.0.0.31", ADMIN, ADMIN_PASSWORD).await;
    assert!(!is_admin(app, &half).await);
    let r = app
        .rpc(&half, "signins", &[("limit", "10"), ("offset", "0")])
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = half.get(app.url("/")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login");
    // No code step without a password step.
    let stranger = client_from("127.0.0.32".parse().unwrap());
    assert_eq!(
        code_step(app, &stranger, &totp::code_at(&key, step + 1)).await,
        StatusCode::UNAUTHORIZED
    );

    // A wrong code, and the code already used to confirm, are refused.
    let wrong = format!(
        "{:06}",
        (totp::code_at(&key, step + 1).parse::<u32>().unwrap() + 1) % 1_000_000
    );
    assert_eq!(
        code_step(app, &half, &wrong).await,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        code_step(app, &half, &totp::code_at(&key, step)).await,
        StatusCode::UNAUTHORIZED,
        "a code counts once"
    );
    assert!(!is_admin(app, &half).await);
    // The next step's code signs in.
    let next = totp::code_at(&key, step + 1);
    assert_eq!(code_step(app, &half, &next).await, StatusCode::OK);
    assert!(is_admin(app, &half).await);
    // ... once: replayed by another sign-in, refused.
    let again = password_step(app, "127.0.0.33", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        code_step(app, &again, &next).await,
        StatusCode::UNAUTHORIZED
    );
    assert!(!is_admin(app, &again).await);

    // A recovery code, as typed (upper case, a space), signs in once.
    let typed = recovery[3].to_uppercase().replace('-', " ");
    assert_eq!(code_step(app, &again, &typed).await, StatusCode::OK);
    assert!(is_admin(app, &again).await);
    let third = password_step(app, "127.0.0.34", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(
        code_step(app, &third, &recovery[3]).await,
        StatusCode::UNAUTHORIZED
    );
    let st: Value = app
        .rpc(&app.client, "security/status", &[])
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(st["recovery_left"], 9);

    // The log tells the steps apart.
    let results: Vec<String> = sqlx::query_scalar(
        "SELECT result FROM admin_login_log WHERE ip = '127.0.0.31' ORDER BY id",
    )
    .fetch_all(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(results, ["password_ok", "fail", "fail", "ok"]);

    // Switching it off needs a code or the password.
    let r = app
        .rpc(
            &app.client,
            "security/totp/disable",
            &[("proof", "not-the-password")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let r = app
        .rpc(
            &app.client,
            "security/totp/disable",
            &[("proof", ADMIN_PASSWORD)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(stored_secret(app).await, None, "the secret is gone");
    let n: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM admin_recovery_codes")
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(n, 0);
    // Audited both ways, by the admin, never with the secret.
    let (rows, _) = ccgate_core::access::audit::list(&app.db, 20, 0)
        .await
        .unwrap();
    let totp_rows: Vec<(Option<String>, Option<String>, String)> = rows
        .iter()
        .filter(|r| r.action == "admin.totp")
        .map(|r| (r.old_value.clone(), r.new_value.clone(), r.actor.clone()))
        .collect();
    let by = format!("admin:{ADMIN}");
    assert_eq!(
        totp_rows,
        [
            (Some("on".into()), Some("off".into()), by.clone()),
            (Some("off".into()), Some("on".into()), by)
        ]
    );
    // The password alone signs in again.
    let c = client_from("127.0.0.35".parse().unwrap());
    let r = app.login_with(&c, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.json::<Value>().await.unwrap(), "SignedIn");
    assert!(is_admin(app, &c).await);
}

async fn the_second_step_is_throttled_like_passwords(app: &TestApp) {
    app.login().await;
    let (key, step, _) = enrol(app, &app.client).await;
    let next = totp::code_at(&key, step + 1);
    let wrong = format!("{:06}", (next.parse::<u32>().unwrap() + 1) % 1_000_000);

    // Five wrong codes from one address, each after a right password (which does not clear the
    // count the way a full sign-in would).
    let ip = "127.0.0.41";
    for _ in 0..5 {
        let half = password_step(app, ip, ADMIN, ADMIN_PASSWORD).await;
        assert_eq!(
            code_step(app, &half, &wrong).await,
            StatusCode::UNAUTHORIZED
        );
    }
    // Now that address is refused: the password step unchecked, and a half-open session's
    // right code too.
    let blocked = client_from(ip.parse().unwrap());
    let r = app.login_with(&blocked, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let throttled: i64 = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_login_log WHERE ip = ? AND result = 'throttled'",
    )
    .bind(ip)
    .fetch_one(&app.db.pool)
    .await
    .unwrap();
    assert_eq!(throttled, 1);

    // A half-open session from before is refused too, even with the right code.
    let ip2 = "127.0.0.42";
    let half = password_step(app, ip2, ADMIN, ADMIN_PASSWORD).await;
    for _ in 0..5 {
        assert_eq!(
            code_step(app, &half, &wrong).await,
            StatusCode::UNAUTHORIZED
        );
    }
    let r = app.rpc(&half, "login/code", &[("code", &next)]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let v: Value = r.json().await.unwrap();
    assert!(v["Throttled"].as_u64().is_some(), "{v}");
    assert!(!is_admin(app, &half).await);

    // The admin from an address without failures still gets in: never locked out.
    let fresh = password_step(app, "127.0.0.43", ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(code_step(app, &fresh, &next).await, StatusCode::OK);
    assert!(is_admin(app, &fresh).await);
}

async fn reset_switches_it_off_and_a_viewer_may_enrol(app: &TestApp) {
    app.login().await;
    enrol(app, &app.client).await;
    assert!(stored_secret(app).await.is_some());

    // What `ccgate admin totp reset admin` does, for an admin who lost the phone.
    assert!(admins::totp::reset(&app.db, &Actor::Cli, ADMIN)
        .await
        .unwrap());
    assert_eq!(stored_secret(app).await, None);
    assert!(!admins::totp::reset(&app.db, &Actor::Cli, ADMIN)
        .await
        .unwrap());
    assert!(matches!(
        admins::totp::reset(&app.db, &Actor::Cli, "nobody").await,
        Err(ccgate_core::platform::error::ServiceError::NotFound(_))
    ));
    let (rows, _) = ccgate_core::access::audit::list(&app.db, 5, 0)
        .await
        .unwrap();
    assert_eq!(
        (
            rows[0].action.as_str(),
            rows[0].actor.as_str(),
            rows[0].new_value.as_deref()
        ),
        ("admin.totp", "cli", Some("off"))
    );
    let c = client_from("127.0.0.51".parse().unwrap());
    let r = app.login_with(&c, ADMIN, ADMIN_PASSWORD).await;
    assert_eq!(r.json::<Value>().await.unwrap(), "SignedIn");

    // A viewer changes nothing of the gateway's, but its own second factor is its own.
    admins::create_with_role(
        &app.db,
        "assistant",
        Secret::new("assistant-password".into()),
        Role::Viewer,
    )
    .await
    .unwrap();
    let viewer = client_from("127.0.0.52".parse().unwrap());
    let r = app
        .login_with(&viewer, "assistant", "assistant-password")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (key, step, _) = enrol(app, &viewer).await;
    let half = password_step(app, "127.0.0.53", "assistant", "assistant-password").await;
    assert_eq!(
        code_step(app, &half, &totp::code_at(&key, step + 1)).await,
        StatusCode::OK
    );
    let r = app.rpc(&half, "current_admin", &[]).await;
    let me: Value = r.json().await.unwrap();
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some("assistant"), Some("viewer"))
    );
}
