//! Settings → «Онлайн статистика ЦОВ» → «Проекты» through `/rpc`: the editor's data (defined
//! projects, FreeSWITCH's queues to pick from, or why they could not be listed), add / change /
//! remove with validation, each change audited and in force for `stats.get` at once.

use crate::helpers::TestApp;
use crate::stats::{start_fs, use_fs};
use fs_sim::scenario::Scenario;
use reqwest::StatusCode;
use serde_json::{json, Value};

both_backends!(projects_editor_through_rpc);

async fn rpc(app: &TestApp, name: &str, body: Value) -> (StatusCode, Value) {
    let r = app
        .client
        .post(app.url(&format!("/rpc/{name}")))
        .header("Accept", "application/json")
        .json(&body)
        .send()
        .await
        .unwrap();
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn project(app: &TestApp, key: &str, name: &str) -> (StatusCode, Value) {
    let r = app
        .api(
            "GET",
            &format!("/api/v1/stats/get?project={name}"),
            Some(key),
        )
        .await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

/// The delete button posts a form, as the browser does.
async fn form(app: &TestApp, name: &str, project: &str) -> (StatusCode, Value) {
    let r = app.rpc(&app.client, name, &[("name", project)]).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn view(app: &TestApp) -> Value {
    let r = app.rpc(&app.client, "settings/stats_projects", &[]).await;
    assert_eq!(r.status(), StatusCode::OK);
    r.json().await.unwrap()
}

fn save(existing: Option<&str>, name: &str, queues: &[&str], sl: &str) -> Value {
    json!({
        "existing": existing,
        "name": name,
        "title": "",
        "queues": queues,
        "service_level_seconds": sl,
    })
}

async fn projects_editor_through_rpc(app: &TestApp) {
    // Server functions are public endpoints: nothing without a session.
    let r = app.rpc(&app.client, "settings/stats_projects", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, _e) = rpc(
        app,
        "settings/stats_projects/save",
        save(None, "p", &["q"], ""),
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED, "{_e}");
    let (s, _) = form(app, "settings/stats_projects/delete", "p").await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    app.login().await;

    // FreeSWITCH not configured yet: the editor says why there is nothing to pick from.
    let v = view(app).await;
    assert_eq!(v["projects"], json!([]));
    assert_eq!(v["queues"], json!([]));
    assert!(
        v["queues_error"]
            .as_str()
            .unwrap()
            .starts_with("upstream_unavailable"),
        "{v}"
    );
    assert_eq!(v["default_service_level_seconds"], 20);

    let (_sim, port) = start_fs(Scenario::Demo, None).await;
    use_fs(app, port).await;
    let v = view(app).await;
    assert_eq!(v["queues_error"], Value::Null, "{v}");
    assert_eq!(
        v["queues"],
        json!(["billing@default", "sales@default", "support@default"])
    );
    let (_, key) = app.api_user("wallboard-rpc", &["stats.get"]).await;
    let (s, _) = project(app, &key, "front").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Add: a picked queue, a typed one, an empty threshold taking the default.
    let (s, p) = rpc(
        app,
        "settings/stats_projects/save",
        save(None, "front", &["support@default", "sales@default"], ""),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    assert_eq!(p["title"], "front");
    assert_eq!(p["queues"], json!(["sales@default", "support@default"]));
    assert_eq!(p["service_level_seconds"], 20);
    // In force at once: no wait for the next reload.
    let (s, got) = project(app, &key, "front").await;
    assert_eq!(s, StatusCode::OK, "{got}");
    assert_eq!(got["project"]["defined"], true);
    // The per-queue projects are gone now that one is defined.
    let (s, _) = project(app, &key, "billing@default").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Refused input names its field; nothing is written.
    for (body, field) in [
        (save(None, "front", &["billing@default"], ""), "name"),
        (save(None, "bad name", &["billing@default"], ""), "name"),
        (save(None, "other", &[], ""), "queues"),
        (save(None, "other", &["no;pe"], ""), "queues"),
        (
            save(None, "other", &["billing@default"], "soon"),
            "service_level_seconds",
        ),
        (
            save(None, "other", &["billing@default"], "0"),
            "service_level_seconds",
        ),
        (
            save(Some("front"), "renamed", &["billing@default"], ""),
            "name",
        ),
    ] {
        let (s, e) = rpc(app, "settings/stats_projects/save", body.clone()).await;
        assert!(s.is_client_error(), "{body} → {s} {e}");
        assert!(e.to_string().contains(field), "{body} → {e}");
    }
    assert_eq!(view(app).await["projects"].as_array().unwrap().len(), 1);

    // Change: title, queues and threshold; the name stays.
    let (s, p) = rpc(
        app,
        "settings/stats_projects/save",
        json!({
            "existing": "front",
            "name": "front",
            "title": "Первая линия",
            "queues": ["support@default"],
            "service_level_seconds": "30",
        }),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{p}");
    let (_, got) = project(app, &key, "front").await;
    assert_eq!(got["project"]["title"], "Первая линия");
    assert_eq!(got["project"]["queues"], json!(["support@default"]));
    assert_eq!(got["project"]["service_level_seconds"], 30);
    let v = view(app).await;
    assert_eq!(v["projects"][0]["title"], "Первая линия");

    // Remove: gone at once, the per-queue projects are back; a second remove is a 404.
    let (s, _) = form(app, "settings/stats_projects/delete", "front").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = project(app, &key, "front").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (s, _) = project(app, &key, "billing@default").await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = form(app, "settings/stats_projects/delete", "front").await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // Each change is audited under the admin's name.
    let (entries, _) = ccgate_core::access::audit::list(&app.db, 20, 0)
        .await
        .unwrap();
    let mine: Vec<(&str, &str)> = entries
        .iter()
        .filter(|e| e.action.starts_with("stats.project."))
        .map(|e| (e.action.as_str(), e.actor.as_str()))
        .collect();
    assert_eq!(mine.len(), 3, "{mine:?}");
    assert_eq!(mine[0].0, "stats.project.delete");
    assert_eq!(mine[2].0, "stats.project.create");
    assert!(
        mine.iter().all(|(_, actor)| *actor == "admin:admin"),
        "{mine:?}"
    );
}
