//! The IP allow-list of an API user (IPv4 and IPv6), in force at once, set from the panel and the
//! command line and audited; `X-Forwarded-For` believed only from a trusted proxy, for the API,
//! the journal and the admin sign-in alike.

use std::net::IpAddr;

use crate::helpers::{client_from, spawn_again, TestApp};
use ccgate_core::access::audit::{self, Actor};
use ccgate_core::access::users;
use clap::Parser;
use reqwest::StatusCode;
use serde_json::Value;

both_backends!(
    allow_list_allows_and_refuses_ipv4,
    allow_list_on_ipv6,
    forwarded_for_ignored_without_a_trusted_proxy,
    forwarded_for_believed_from_a_trusted_proxy,
    allow_list_from_the_panel,
    allow_list_from_the_command_line,
);

fn ip(s: &str) -> IpAddr {
    s.parse().unwrap()
}

async fn me(
    app: &TestApp,
    client: &reqwest::Client,
    key: &str,
    xff: Option<&str>,
) -> (StatusCode, Value) {
    let mut rb = client.get(app.url("/api/v1/me")).bearer_auth(key);
    if let Some(x) = xff {
        rb = rb.header("X-Forwarded-For", x);
    }
    let r = rb.send().await.unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn set(app: &TestApp, uid: i64, list: &str) {
    users::set_ip_allow(&app.db, &Actor::Cli, uid, list)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
}

/// The newest journal row's client address.
async fn last_client_ip(app: &TestApp) -> String {
    app.journal.flush().await;
    sqlx::query_scalar("SELECT client_ip FROM request_journal ORDER BY id DESC LIMIT 1")
        .fetch_one(&app.db.pool)
        .await
        .unwrap()
}

async fn allow_list_allows_and_refuses_ipv4(app: &TestApp) {
    let (uid, key) = app.api_user("crm-ip", &["cc.queues"]).await;
    let from_2 = client_from(ip("127.0.0.2"));
    let from_3 = client_from(ip("127.0.0.3"));
    // Empty: any address.
    assert_eq!(me(app, &from_3, &key, None).await.0, StatusCode::OK);

    set(app, uid, "127.0.0.2/32, 10.0.0.0/8").await;
    assert_eq!(me(app, &from_2, &key, None).await.0, StatusCode::OK);
    let (s, v) = me(app, &from_3, &key, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "ip_not_allowed");
    assert_eq!(v["error"]["details"]["address"], "127.0.0.3");
    // Catalogue methods too, before the switch and permission checks (no permission for cc.cdr:
    // still ip_not_allowed), and the refusal is journaled under the user.
    let r = from_3
        .get(app.url("/api/v1/cc/cdr"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "ip_not_allowed");
    app.journal.flush().await;
    let (user, code): (Option<i64>, Option<String>) =
        sqlx::query_as("SELECT user_id, error_code FROM request_journal ORDER BY id DESC LIMIT 1")
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
    assert_eq!((user, code.as_deref()), (Some(uid), Some("ip_not_allowed")));

    // A block, not only a single address.
    set(app, uid, "127.0.0.0/30").await;
    assert_eq!(me(app, &from_3, &key, None).await.0, StatusCode::OK);
    let from_4 = client_from(ip("127.0.0.4"));
    assert_eq!(me(app, &from_4, &key, None).await.0, StatusCode::FORBIDDEN);
    // Lifted: any address again, at once.
    set(app, uid, "").await;
    assert_eq!(me(app, &from_4, &key, None).await.0, StatusCode::OK);
}

async fn allow_list_on_ipv6(app: &TestApp) {
    let (uid, key) = app.api_user("crm-ip6", &[]).await;
    let v6 = spawn_again(app, &[("CCGATE_BIND", "[::1]:0".to_string())]).await;
    assert!(v6.base.starts_with("http://[::1]:"), "{}", v6.base);
    set(app, uid, "::1").await;
    v6.live.reload().await.unwrap();
    assert_eq!(me(&v6, &v6.client, &key, None).await.0, StatusCode::OK);
    assert_eq!(last_client_ip(&v6).await, "::1");
    set(app, uid, "2001:db8::/32, 127.0.0.1").await;
    v6.live.reload().await.unwrap();
    let (s, v) = me(&v6, &v6.client, &key, None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["code"], "ip_not_allowed");
    assert_eq!(v["error"]["details"]["address"], "::1");
    // The IPv4 instance's client is inside 127.0.0.1.
    assert_eq!(me(app, &app.client, &key, None).await.0, StatusCode::OK);
    set(app, uid, "::/0").await;
    v6.live.reload().await.unwrap();
    assert_eq!(me(&v6, &v6.client, &key, None).await.0, StatusCode::OK);
    assert_eq!(
        me(app, &app.client, &key, None).await.0,
        StatusCode::FORBIDDEN,
        "an IPv6 block does not hold IPv4 addresses"
    );
    v6.stop().await;
}

async fn forwarded_for_ignored_without_a_trusted_proxy(app: &TestApp) {
    let (uid, key) = app.api_user("crm-xff", &[]).await;
    set(app, uid, "203.0.113.0/24").await;
    let (s, v) = me(app, &app.client, &key, Some("203.0.113.9")).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "the header is not believed");
    assert_eq!(v["error"]["details"]["address"], "127.0.0.1");
    assert_eq!(last_client_ip(app).await, "127.0.0.1");
    // Nor for requests without a key (the anonymous budget counts the peer).
    let r = app
        .client
        .get(app.url("/api/v1/me"))
        .header("X-Forwarded-For", "198.51.100.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(last_client_ip(app).await, "127.0.0.1");
}

async fn forwarded_for_believed_from_a_trusted_proxy(app: &TestApp) {
    let (uid, key) = app.api_user("crm-proxy", &[]).await;
    let proxied = spawn_again(
        app,
        &[(
            "CCGATE_TRUSTED_PROXIES",
            "127.0.0.1/32, 10.0.0.0/8".to_string(),
        )],
    )
    .await;
    set(app, uid, "203.0.113.0/24").await;
    proxied.live.reload().await.unwrap();
    // Right-most address that is not a trusted proxy; the client's own left part is not believed.
    let (s, _) = me(
        &proxied,
        &proxied.client,
        &key,
        Some("198.51.100.66, 203.0.113.9, 10.1.2.3"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(last_client_ip(&proxied).await, "203.0.113.9");
    let (s, v) = me(
        &proxied,
        &proxied.client,
        &key,
        Some("203.0.113.9, 198.51.100.66"),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["details"]["address"], "198.51.100.66");
    // A peer that is not a trusted proxy: the header is ignored.
    let other = client_from(ip("127.0.0.5"));
    let (s, v) = me(&proxied, &other, &key, Some("203.0.113.9")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(v["error"]["details"]["address"], "127.0.0.5");

    // The admin sign-in's log (and so its throttle) sees the same address.
    let r = proxied
        .client
        .post(proxied.url("/rpc/login"))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", "192.0.2.44")
        .form(&[("username", "admin"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (log, _) = ccgate_core::access::admins::login_log(&app.db, 1, 0)
        .await
        .unwrap();
    assert_eq!(log[0].ip, "192.0.2.44");
    // Without a trusted proxy, the peer.
    let r = app
        .client
        .post(app.url("/rpc/login"))
        .header("Accept", "application/json")
        .header("X-Forwarded-For", "192.0.2.44")
        .form(&[("username", "admin"), ("password", "wrong-password")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (log, _) = ccgate_core::access::admins::login_log(&app.db, 1, 0)
        .await
        .unwrap();
    assert_eq!(log[0].ip, "127.0.0.1");
    proxied.stop().await;
}

async fn allow_list_from_the_panel(app: &TestApp) {
    let (uid, key) = app.api_user("crm-panel-ip", &[]).await;
    app.login().await;
    let id = uid.to_string();
    let r = app
        .rpc(
            &app.client,
            "users/ip_allow",
            &[("id", &id), ("ip_allow", "10.0.0.0/8\n10.0.0.0/33")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body = r.text().await.unwrap();
    assert!(body.contains("10.0.0.0/33"), "{body}");
    assert_eq!(users::get(&app.db, uid).await.unwrap().ip_allow, "");

    let r = app
        .rpc(
            &app.client,
            "users/ip_allow",
            &[("id", &id), ("ip_allow", "192.0.2.1/24\n2001:db8::/32")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let u: Value = r.json().await.unwrap();
    assert_eq!(u["ip_allow"], "192.0.2.0/24, 2001:db8::/32");
    // In force at once: the panel's change reloaded the snapshot.
    assert_eq!(
        me(app, &app.client, &key, None).await.0,
        StatusCode::FORBIDDEN
    );
    let (log, _) = audit::list(&app.db, 1, 0).await.unwrap();
    assert_eq!(
        (
            log[0].actor.as_str(),
            log[0].action.as_str(),
            log[0].target.as_str()
        ),
        ("admin:admin", "user.ip_allow", "crm-panel-ip")
    );
    assert_eq!(log[0].old_value.as_deref(), Some("any"));
    assert_eq!(
        log[0].new_value.as_deref(),
        Some("192.0.2.0/24, 2001:db8::/32")
    );
    // The user's page carries the list.
    let r = app.rpc(&app.client, "users/get", &[("id", &id)]).await;
    let d: Value = r.json().await.unwrap();
    assert_eq!(d["user"]["ip_allow"], "192.0.2.0/24, 2001:db8::/32");
}

async fn allow_list_from_the_command_line(app: &TestApp) {
    use server::cli::access::UsersCmd;
    use server::cli::{Cli, Command};
    let (uid, key) = app.api_user("crm-cli-ip", &[]).await;
    let parse = |args: &[&str]| -> UsersCmd {
        let mut all = vec!["ccgate", "users", "allow-ip"];
        all.extend_from_slice(args);
        match Cli::try_parse_from(all).unwrap().command {
            Some(Command::Users { action }) => action,
            other => panic!("{other:?}"),
        }
    };
    assert!(
        Cli::try_parse_from([
            "ccgate",
            "users",
            "allow-ip",
            "crm-cli-ip",
            "10.0.0.0/8",
            "--any"
        ])
        .is_err(),
        "a list and --any at once"
    );
    let bad = server::cli::access::users(&app.db, parse(&["crm-cli-ip", "10.0.0.300"])).await;
    assert!(bad.unwrap_err().to_string().contains("`10.0.0.300`"));
    server::cli::access::users(&app.db, parse(&["crm-cli-ip", "198.51.100.0/24", "::1"]))
        .await
        .unwrap();
    assert_eq!(
        users::get(&app.db, uid).await.unwrap().ip_allow,
        "198.51.100.0/24, ::1/128"
    );
    // A running server sees the command line's change within its poll, without a reload here.
    let mut refused = false;
    for _ in 0..100 {
        if me(app, &app.client, &key, None).await.0 == StatusCode::FORBIDDEN {
            refused = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    assert!(refused, "the command line's allow-list is in force");
    let (log, _) = audit::list(&app.db, 1, 0).await.unwrap();
    assert_eq!(
        (log[0].actor.as_str(), log[0].action.as_str()),
        ("cli", "user.ip_allow")
    );
    // Showing changes nothing; --any lifts the list.
    let changes = audit::list(&app.db, 1, 0).await.unwrap().1;
    server::cli::access::users(&app.db, parse(&["crm-cli-ip"]))
        .await
        .unwrap();
    assert_eq!(audit::list(&app.db, 1, 0).await.unwrap().1, changes);
    server::cli::access::users(&app.db, parse(&["crm-cli-ip", "--any"]))
        .await
        .unwrap();
    assert_eq!(users::get(&app.db, uid).await.unwrap().ip_allow, "");
}
