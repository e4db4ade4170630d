//! Admin roles through `/rpc`: a viewer reads every page's data but every change is refused with
//! 403 (and nothing changes); a role change applies to a session already open; the last admin
//! cannot become a viewer. Each runs on SQLite and MariaDB.

use ccgate_core::access::admins::{self, Role};
use ccgate_core::access::audit::Actor;
use ccgate_core::Secret;
use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::helpers::{client_from, TestApp, ADMIN};

both_backends!(
    viewer_reads_but_changes_nothing,
    a_role_change_applies_to_an_open_session,
    the_last_admin_cannot_become_a_viewer
);

const VIEWER: &str = "assistant";
const VIEWER_PASSWORD: &str = "assistant-password";

async fn json_rpc(
    app: &TestApp,
    client: &reqwest::Client,
    name: &str,
    body: Value,
) -> reqwest::Response {
    client
        .post(app.url(&format!("/rpc/{name}")))
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap()
}

/// A signed-in client of a new admin with `role` (from an address of its own, so sign-ins of
/// several admins never meet the throttle).
async fn signed_in(app: &TestApp, name: &str, role: Role, ip: &str) -> reqwest::Client {
    admins::create_with_role(&app.db, name, Secret::new(VIEWER_PASSWORD.into()), role)
        .await
        .unwrap();
    let client = client_from(ip.parse().unwrap());
    let r = app.login_with(&client, name, VIEWER_PASSWORD).await;
    assert!(
        r.status().is_success() || r.status().is_redirection(),
        "{}",
        r.status()
    );
    client
}

/// What a viewer's session must not be able to change: audit rows, API users, keys, settings,
/// gateways, projects — counted before and after.
async fn footprint(app: &TestApp) -> Vec<i64> {
    let mut out = Vec::new();
    for table in [
        "audit_log",
        "api_users",
        "api_keys",
        "api_permissions",
        "sms_gateways",
        "stats_projects",
        "api_limits",
    ] {
        let n: i64 = sqlx::query_scalar(&format!("SELECT COUNT(*) FROM {table}"))
            .fetch_one(&app.db.pool)
            .await
            .unwrap();
        out.push(n);
    }
    let generation = ccgate_core::access::audit::generation(&app.db)
        .await
        .unwrap();
    out.push(generation);
    out
}

async fn assert_forbidden(r: reqwest::Response, what: &str) {
    assert_eq!(r.status(), StatusCode::FORBIDDEN, "{what}");
    let body: Value = r.json().await.unwrap();
    assert_eq!(body, json!("Forbidden"), "{what}");
}

async fn viewer_reads_but_changes_nothing(app: &TestApp) {
    // Something to read (and to try to change): an API user with a key, made by the CLI.
    let (uid, _key) = app.api_user("crm-1", &["cc.queues"]).await;
    let key_id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE user_id = ?")
        .bind(uid)
        .fetch_one(&app.db.pool)
        .await
        .unwrap();
    let viewer = signed_in(app, VIEWER, Role::Viewer, "127.0.0.21").await;
    let before = footprint(app).await;

    // Reads work.
    let r = app.rpc(&viewer, "current_admin", &[]).await;
    let me: Value = r.json().await.unwrap();
    assert_eq!(
        (me["username"].as_str(), me["role"].as_str()),
        (Some(VIEWER), Some("viewer"))
    );
    let reads: &[(&str, &[(&str, &str)])] = &[
        (
            "users/list",
            &[
                ("login", ""),
                ("note", ""),
                ("status", ""),
                ("limit", "20"),
                ("offset", "0"),
            ],
        ),
        ("users/get", &[("id", &uid.to_string())]),
        ("settings/block", &[("block", "freeswitch")]),
        ("settings/modules", &[]),
        ("sms/gateways", &[]),
        ("settings/database", &[]),
        (
            "dashboard/data",
            &[("preset", "7d"), ("from", ""), ("until", "")],
        ),
        (
            "audit/list",
            &[
                ("actor", ""),
                ("action", ""),
                ("target", ""),
                ("from", ""),
                ("until", ""),
                ("offset", "0"),
            ],
        ),
        ("signins", &[("limit", "10"), ("offset", "0")]),
        ("docs/key", &[("user_id", &uid.to_string())]),
        ("reports/meta", &[]),
    ];
    for (name, form) in reads {
        let r = app.rpc(&viewer, name, form).await;
        assert_eq!(
            r.status(),
            StatusCode::OK,
            "{name}: {}",
            r.text().await.unwrap()
        );
    }
    // The CSV download is a read too.
    let r = viewer
        .get(app.url("/admin/reports.csv?report=request&from=&until=&group_by=day"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Every kind of change, with arguments that would succeed for an admin: refused.
    let id = uid.to_string();
    let key = key_id.to_string();
    let forms: &[(&str, &[(&str, &str)])] = &[
        ("users/create", &[("login", "crm-2"), ("note", "")]),
        (
            "users/update",
            &[("id", &id), ("login", "crm-x"), ("note", "x")],
        ),
        ("users/status", &[("id", &id), ("blocked", "true")]),
        ("users/ip_allow", &[("id", &id), ("ip_allow", "10.0.0.0/8")]),
        (
            "users/limits",
            &[
                ("id", &id),
                ("per_minute", "5"),
                ("per_method", ""),
                ("calls_per_day", ""),
                ("sms_parts_per_day", ""),
                ("sms_parts_per_month", ""),
            ],
        ),
        (
            "keys/create",
            &[("user_id", &id), ("name", "second"), ("expires", "")],
        ),
        ("keys/revoke", &[("key_id", &key)]),
        ("keys/rotate", &[("key_id", &key), ("grace_secs", "0")]),
        ("perms/copy", &[("from_user", &id), ("to_user", &id)]),
        ("sms/gateways/activate", &[("id", "1")]),
        ("sms/gateways/delete", &[("id", "1")]),
        ("settings/stats_projects/delete", &[("name", "sales")]),
    ];
    for (name, form) in forms {
        assert_forbidden(app.rpc(&viewer, name, form).await, name).await;
    }
    let jsons = [
        (
            "settings/save",
            json!({"values": [["freeswitch.host", "10.9.9.9"]]}),
        ),
        ("settings/modules/save", json!({"values": [["cc", false]]})),
        (
            "perms/save",
            json!({"user_id": uid, "granted": ["cc.queues", "sms.send"]}),
        ),
        (
            "sms/gateways/save",
            json!({"id": null, "values": [["name", "evil"], ["url", "http://127.0.0.1:9/multi.php"]]}),
        ),
        (
            "settings/stats_projects/save",
            json!({"existing": null, "name": "sales", "title": "", "queues": ["q1@default"], "service_level_seconds": ""}),
        ),
    ];
    for (name, body) in jsons.clone() {
        assert_forbidden(json_rpc(app, &viewer, name, body).await, name).await;
    }
    // Deny by default: every registered server function that is not on the viewer's list is
    // refused before its arguments are even read.
    let mut writes: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
        .map(|(path, _)| path)
        .filter(|p| !app::api::viewer_may_call(p))
        .collect();
    writes.sort();
    // ... and they are exactly the changes tried above with real arguments: a new one must be
    // added there (or, if it is a read, to the viewer's list).
    let mut tried: Vec<String> = forms
        .iter()
        .map(|(name, _)| format!("/rpc/{name}"))
        .chain(jsons.iter().map(|(name, _)| format!("/rpc/{name}")))
        .collect();
    tried.sort();
    assert_eq!(writes, tried);
    for path in &writes {
        let r = viewer
            .post(app.url(path))
            .header("Accept", "application/json")
            .send()
            .await
            .unwrap();
        assert_forbidden(r, path).await;
    }

    assert_eq!(footprint(app).await, before, "a viewer changed something");
    let snap = app.live.current();
    assert_ne!(snap.settings["freeswitch.host"], "10.9.9.9");
    // Still signed in and still reading after all those refusals.
    let r = app.rpc(&viewer, "settings/modules", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    // The same changes by an admin go through (the refusals were the role's, not the input's).
    app.login().await;
    let r = app
        .rpc(
            &app.client,
            "users/create",
            &[("login", "crm-2"), ("note", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = json_rpc(
        app,
        &app.client,
        "settings/save",
        json!({"values": [["freeswitch.host", "10.9.9.9"]]}),
    )
    .await;
    assert_eq!(r.status(), StatusCode::OK);
}

async fn a_role_change_applies_to_an_open_session(app: &TestApp) {
    let lead = signed_in(app, "lead", Role::Admin, "127.0.0.22").await;
    let create = |login: &'static str| {
        let lead = lead.clone();
        async move {
            app.rpc(&lead, "users/create", &[("login", login), ("note", "")])
                .await
        }
    };
    assert_eq!(create("crm-a").await.status(), StatusCode::OK);

    // What `ccgate admin role lead viewer` does: the open session is read only at once.
    admins::set_role(&app.db, &Actor::Cli, "lead", Role::Viewer)
        .await
        .unwrap();
    assert_forbidden(create("crm-b").await, "after the demotion").await;
    let r = app.rpc(&lead, "current_admin", &[]).await;
    let me: Value = r.json().await.unwrap();
    assert_eq!(me["role"], "viewer");
    let r = app.rpc(&lead, "sms/gateways", &[]).await;
    assert_eq!(r.status(), StatusCode::OK, "reads still work");
    let logins: Vec<String> = sqlx::query_scalar("SELECT login FROM api_users ORDER BY id")
        .fetch_all(&app.db.pool)
        .await
        .unwrap();
    assert_eq!(logins, ["crm-a"], "nothing created after the demotion");

    // Audited like every change.
    let (rows, _) = ccgate_core::access::audit::list(&app.db, 10, 0)
        .await
        .unwrap();
    let row = rows.iter().find(|r| r.action == "admin.role").unwrap();
    assert_eq!((row.target.as_str(), row.actor.as_str()), ("lead", "cli"));
    assert_eq!(
        (row.old_value.as_deref(), row.new_value.as_deref()),
        (Some("admin"), Some("viewer"))
    );

    // Promoted again: writes work again in the same session.
    admins::set_role(&app.db, &Actor::Cli, "lead", Role::Admin)
        .await
        .unwrap();
    assert_eq!(create("crm-c").await.status(), StatusCode::OK);
}

async fn the_last_admin_cannot_become_a_viewer(app: &TestApp) {
    let e = admins::set_role(&app.db, &Actor::Cli, ADMIN, Role::Viewer)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("last admin"), "{e}");
    let viewer = signed_in(app, VIEWER, Role::Viewer, "127.0.0.23").await;
    // A viewer does not count as an admin.
    assert!(admins::set_role(&app.db, &Actor::Cli, ADMIN, Role::Viewer)
        .await
        .is_err());
    // With a second admin, the first may become a viewer — and that second one is then the last.
    admins::set_role(&app.db, &Actor::Cli, VIEWER, Role::Admin)
        .await
        .unwrap();
    admins::set_role(&app.db, &Actor::Cli, ADMIN, Role::Viewer)
        .await
        .unwrap();
    assert!(admins::set_role(&app.db, &Actor::Cli, VIEWER, Role::Viewer)
        .await
        .is_err());
    let roles: Vec<(String, Role)> = admins::list(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|a| (a.username, a.role))
        .collect();
    assert_eq!(
        roles,
        [
            (ADMIN.to_string(), Role::Viewer),
            (VIEWER.to_string(), Role::Admin)
        ]
    );
    // The promoted session may change things now.
    let r = viewer
        .post(app.url("/rpc/users/create"))
        .form(&[("login", "crm-z"), ("note", "")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
}
