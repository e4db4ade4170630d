//! The panel's «Онлайн статистика» page through `/rpc/stats/live`: an admin session required
//! (an API key is none), the tiles of fs-sim's demo queues with their live figures, an agent's
//! break and a waiting caller showing up, FreeSWITCH gone (an answer naming the code, not an
//! error) and back, and the external source (items, text, unreachable). Each runs on SQLite and
//! MariaDB.

use std::time::{Duration, Instant};

use crate::helpers::TestApp;
use crate::stats::{cc, set, start_fs, stats_server, use_fs};
use fs_sim::scenario::Scenario;
use fs_sim::sim::ApiMode;
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;

both_backends!(live_stats_need_a_session, live_stats_follow_the_source);

async fn live(app: &TestApp) -> Value {
    let r = app.rpc(&app.client, "stats/live", &[]).await;
    let s = r.status();
    let v: Value = r.json().await.unwrap_or(Value::Null);
    assert_eq!(s, StatusCode::OK, "{v}");
    v
}

/// Ask until `done` holds (the live listings are up to a second old).
async fn until(app: &TestApp, what: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let v = live(app).await;
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "never {what}: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// The tile of project `name` in a built-in answer.
fn tile<'a>(v: &'a Value, name: &str) -> &'a Value {
    v["Builtin"]["tiles"]
        .as_array()
        .and_then(|t| t.iter().find(|t| t["name"] == name))
        .unwrap_or_else(|| panic!("no tile {name}: {v}"))
}

async fn live_stats_need_a_session(app: &TestApp) {
    let r = app.rpc(&app.client, "stats/live", &[]).await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body = r.text().await.unwrap();
    assert!(!body.contains("Builtin"), "{body}");
    // An API key, even one holding stats.all, is no admin session.
    let (_, key) = app.api_user("wallboard-key", &["stats.all"]).await;
    let r = app
        .client
        .post(app.url("/rpc/stats/live"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}

async fn live_stats_follow_the_source(app: &TestApp) {
    let (sim, port) = start_fs(Scenario::Demo, None).await;
    use_fs(app, port).await;
    assert_eq!(app.login().await.status(), StatusCode::OK);

    // A fresh install: one tile per queue, after the overall one.
    let v = live(app).await;
    let b = &v["Builtin"];
    let names: Vec<&str> = b["tiles"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["billing@default", "sales@default", "support@default"]
    );
    // When FreeSWITCH was read, as Unix ms (the page formats it in the configured zone).
    let as_of = b["as_of"].as_i64().unwrap();
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    assert!((now - 60_000..=now).contains(&as_of), "{as_of} vs {now}");
    // Bob waits in support (Alice is being served); 1000 and 1002 available, 1001 on a break.
    let s = tile(&v, "support@default");
    assert_eq!(s["title"], "support@default");
    assert_eq!(s["calls_waiting"], 1, "{s}");
    assert!(s["longest_wait_seconds"].as_u64().unwrap() >= 12, "{s}");
    assert_eq!(
        (
            &s["agents_available"],
            &s["agents_on_call"],
            &s["agents_on_break"]
        ),
        (&2.into(), &1.into(), &1.into()),
        "{s}"
    );
    assert_eq!(s["offered"], 0);
    assert_eq!(s["service_level"], Value::Null);
    assert_eq!(s["service_level_seconds"], 20);
    let o = &b["overall"];
    assert_eq!(
        (&o["name"], &o["calls_waiting"]),
        (&"".into(), &2.into()),
        "{o}"
    );
    assert_eq!(o["agents_total"], 6);
    assert_eq!(o["queues"].as_array().unwrap().len(), 3);
    assert_eq!(tile(&v, "billing@default")["agents_on_break"], 0);

    // Billing's one available agent goes on a break (1004 also serves sales), then a caller waits
    // there for nobody.
    cc(&sim, "agent set status 1004@default 'On Break'").await;
    let v = until(app, "1004 on a break", |v| {
        tile(v, "billing@default")["agents_on_break"] == 1
    })
    .await;
    assert_eq!(tile(&v, "billing@default")["agents_available"], 0);
    assert_eq!(tile(&v, "sales@default")["agents_on_break"], 2);
    assert_eq!(tile(&v, "billing@default")["calls_waiting"], 0);
    let r = sim
        .api(
            "originate",
            "{sim_patience_seconds=120}loopback/7003/default &park()",
            ApiMode::Esl,
        )
        .await
        .unwrap();
    assert!(r.starts_with("+OK"), "{r}");
    let v = until(app, "a caller waiting in billing", |v| {
        tile(v, "billing@default")["calls_waiting"] == 1
    })
    .await;
    assert_eq!(v["Builtin"]["overall"]["calls_waiting"], 3, "{v}");

    // FreeSWITCH gone: an answer that says so by its stable code, never FreeSWITCH's text.
    let gone = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = gone.local_addr().unwrap().port();
    drop(gone);
    use_fs(app, dead).await;
    let v = live(app).await;
    let f = &v["Unreachable"];
    assert_eq!(
        (&f["upstream"], &f["code"]),
        (&"FreeSwitch".into(), &"upstream_unavailable".into()),
        "{v}"
    );
    assert_eq!(f["message"], "FreeSWITCH cannot be reached");
    // And back: the figures again, the caller still waiting.
    use_fs(app, port).await;
    let v = until(app, "FreeSWITCH back", |v| v.get("Builtin").is_some()).await;
    assert_eq!(tile(&v, "billing@default")["calls_waiting"], 1, "{v}");

    // The external source: its JSON as items, its text as it came, its absence named.
    let (base, _) = stats_server().await;
    let external = |url: String| {
        vec![
            ("stats.source", "external".to_string()),
            ("stats.external_url", url),
            ("stats.external_cache_seconds", "0".into()),
            ("stats.external_timeout_ms", "1000".into()),
        ]
    };
    set(app, &external(format!("{base}/ok"))).await;
    let v = live(app).await;
    let e = &v["External"];
    assert_eq!(e["items"].as_array().map(Vec::len), Some(1), "{v}");
    let fields = &e["items"][0]["fields"];
    assert!(
        fields
            .as_array()
            .unwrap()
            .contains(&serde_json::json!(["waiting", "4"])),
        "{fields}"
    );
    assert_eq!(e["raw"], Value::Null);
    set(app, &external(format!("{base}/text"))).await;
    let v = live(app).await;
    assert_eq!(v["External"]["raw"], "waiting=4;answered=10", "{v}");
    assert_eq!(v["External"]["items"], serde_json::json!([]));
    set(app, &[("stats.external_url", String::new())]).await;
    let v = live(app).await;
    assert_eq!(
        (&v["Unreachable"]["upstream"], &v["Unreachable"]["code"]),
        (&"External".into(), &"upstream_unavailable".into()),
        "{v}"
    );
}
