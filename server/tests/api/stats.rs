//! `stats.get` and `stats.all` through `/api/v1`: the built-in source against fs-sim (live
//! figures from mod_callcenter, the day's queue outcomes from indexed member-leg CDRs, the
//! per-queue projects of a fresh install, defined projects) and the external source against a
//! tiny statistics server that answers, is slow, answers garbage or is not there. Each scenario
//! runs on SQLite and on MariaDB.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use crate::helpers::TestApp;
use ccgate_core::access::audit::Actor;
use ccgate_core::stats::projects::{self, ProjectInput};
use fs_sim::scenario::Scenario;
use fs_sim::sim::{ApiMode, Config, Sim};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;

both_backends!(
    refused_without_a_grant,
    live_figures_and_projects_from_freeswitch,
    queue_outcomes_from_member_cdrs,
    external_server_answers_is_slow_or_broken,
);

pub(crate) async fn start_fs(
    scenario: Scenario,
    cdr_dir: Option<std::path::PathBuf>,
) -> (Arc<Sim>, u16) {
    let sim = Sim::new(
        Config {
            esl_password: "ClueCon".into(),
            http_user: "freeswitch".into(),
            http_password: "works".into(),
            cdr_dir,
            ..Default::default()
        },
        scenario.callcenter(),
    );
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = http.local_addr().unwrap().port();
    tokio::spawn(fs_sim::http::serve(http, sim.clone()));
    (sim, port)
}

pub(crate) async fn set(app: &TestApp, pairs: &[(&str, String)]) {
    let changes: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (k.to_string(), v.clone()))
        .collect();
    ccgate_core::access::settings::set_many(&app.db, &Actor::Cli, &changes)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
}

pub(crate) async fn use_fs(app: &TestApp, port: u16) {
    set(
        app,
        &[
            ("freeswitch.transport", "xml_rpc".into()),
            ("freeswitch.host", "127.0.0.1".into()),
            ("freeswitch.port", port.to_string()),
        ],
    )
    .await;
}

async fn get(app: &TestApp, key: &str, path: &str) -> (StatusCode, Value) {
    let r = app.api("GET", path, Some(key)).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn cc(sim: &Arc<Sim>, cmd: &str) {
    let r = sim
        .api("callcenter_config", cmd, ApiMode::Esl)
        .await
        .unwrap();
    assert_eq!(r, "+OK\n", "{cmd}");
}

/// Poll `path` until `done` holds (live figures are up to a second old, CDRs indexed each second).
async fn until(app: &TestApp, key: &str, path: &str, done: impl Fn(&Value) -> bool) -> Value {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let (s, v) = get(app, key, path).await;
        assert_eq!(s, StatusCode::OK, "{path}: {v}");
        if done(&v) {
            return v;
        }
        assert!(Instant::now() < deadline, "{path}: never reached: {v}");
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

async fn refused_without_a_grant(app: &TestApp) {
    let (_, key) = app.api_user("crm-nostats", &["cc.queues"]).await;
    for (path, missing) in [
        ("/api/v1/stats/get?project=support@default", "stats.get"),
        ("/api/v1/stats/all", "stats.all"),
    ] {
        let (s, v) = get(app, &key, path).await;
        assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
        assert_eq!(v["error"]["code"], "permission_denied");
        assert_eq!(v["error"]["details"]["missing"], missing);
    }
    // Holding one does not grant the other.
    let (_, key) = app.api_user("crm-get", &["stats.get"]).await;
    let (s, _) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

async fn live_figures_and_projects_from_freeswitch(app: &TestApp) {
    let (sim, port) = start_fs(Scenario::Demo, None).await;
    let (_, key) = app.api_user("wallboard", &["stats.get", "stats.all"]).await;
    use_fs(app, port).await;

    // A fresh install: every queue is a project named after it, threshold 20 s.
    let (s, v) = get(app, &key, "/api/v1/stats/get?project=support@default").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["source"], "builtin");
    assert_eq!(v["project"]["name"], "support@default");
    assert_eq!(
        v["project"]["queues"],
        serde_json::json!(["support@default"])
    );
    assert_eq!(v["project"]["service_level_seconds"], 20);
    assert_eq!(v["project"]["defined"], false);
    // Bob has waited 12 s in support (Alice is being served).
    let live = &v["live"];
    assert_eq!(live["calls_waiting"], 1, "{live}");
    let longest = live["longest_wait_seconds"].as_u64().unwrap();
    assert!((12..30).contains(&longest), "{live}");
    assert_eq!(live["calls_with_agent"], 1);
    // Agents of support: 1000 Available/Waiting, 1001 On Break, 1002 Available/In a queue call.
    let a = &live["agents"];
    assert_eq!(
        (
            &a["total"],
            &a["available"],
            &a["on_break"],
            &a["on_call"],
            &a["logged_out"]
        ),
        (&3.into(), &2.into(), &1.into(), &1.into(), &0.into()),
        "{a}"
    );
    assert_eq!(a["by_status"]["on_break"], 1);
    assert_eq!(a["by_state"]["waiting"], 2);
    assert_eq!(a["by_state"]["in_a_queue_call"], 1);
    assert_eq!(v["period"]["offered"], 0);
    assert_eq!(v["period"]["service_level"], Value::Null);
    assert!(v["as_of"].as_str().unwrap().ends_with('Z'));

    // billing: 1003 logged out, 1004 available.
    let (_, b) = get(app, &key, "/api/v1/stats/get?project=billing@default").await;
    assert_eq!(b["live"]["agents"]["logged_out"], 1, "{b}");
    assert_eq!(b["live"]["agents"]["by_state"]["idle"], 1, "{b}");

    let (s, e) = get(app, &key, "/api/v1/stats/get?project=nope@default").await;
    assert_eq!(s, StatusCode::NOT_FOUND, "{e}");
    assert_eq!(e["error"]["code"], "project_not_found");
    let (s, e) = get(app, &key, "/api/v1/stats/get").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (StatusCode::BAD_REQUEST, &"invalid_parameter".into())
    );
    let (s, e) = get(app, &key, "/api/v1/stats/get?project=x&porject=y").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (StatusCode::BAD_REQUEST, &"unknown_field".into())
    );
    let (s, e) = get(
        app,
        &key,
        "/api/v1/stats/all?from=2026-12-02&until=2026-12-01",
    )
    .await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (StatusCode::UNPROCESSABLE_ENTITY, &"invalid_range".into())
    );

    let (s, all) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(s, StatusCode::OK, "{all}");
    let names: Vec<&str> = all["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["project"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        ["billing@default", "sales@default", "support@default"]
    );
    assert_eq!(all["total"], 3);
    // Overall: Bob waits in support, Carol is being offered in sales; six agents, each once.
    assert_eq!(all["overall"]["live"]["calls_waiting"], 2, "{all}");
    assert_eq!(all["overall"]["live"]["agents"]["total"], 6);
    assert_eq!(all["overall"]["queues"].as_array().unwrap().len(), 3);
    assert_eq!(all["overall"]["period"]["service_level_seconds"], 20);

    // A defined project replaces the per-queue ones.
    projects::create(
        &app.db,
        &Actor::Cli,
        &ProjectInput {
            name: "front".into(),
            title: "Первая линия".into(),
            queues: vec!["support@default".into(), "sales@default".into()],
            service_level_seconds: Some(30),
        },
    )
    .await
    .unwrap();
    app.live.reload().await.unwrap();
    let (s, v) = get(app, &key, "/api/v1/stats/get?project=front").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["project"]["title"], "Первая линия");
    assert_eq!(v["project"]["defined"], true);
    assert_eq!(v["period"]["service_level_seconds"], 30);
    assert_eq!(v["live"]["calls_waiting"], 2);
    assert_eq!(v["live"]["agents"]["total"], 5, "{v}");
    let (s, _) = get(app, &key, "/api/v1/stats/get?project=support@default").await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, all) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(all["total"], 1);
    assert_eq!(all["overall"]["period"]["service_level_seconds"], 30);

    // Twenty callers at once cost FreeSWITCH one set of four listings.
    tokio::time::sleep(Duration::from_millis(1100)).await;
    let before = sim.cc_listings.load(Ordering::SeqCst);
    let calls = (0..20).map(|_| get(app, &key, "/api/v1/stats/all"));
    for (s, v) in futures_util::future::join_all(calls).await {
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    assert_eq!(sim.cc_listings.load(Ordering::SeqCst) - before, 4);

    // FreeSWITCH gone: a clean 503, never its text.
    let gone = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = gone.local_addr().unwrap().port();
    drop(gone);
    use_fs(app, dead).await;
    let (s, e) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
    assert_eq!(e["error"]["code"], "upstream_unavailable");
}

async fn queue_outcomes_from_member_cdrs(app: &TestApp) {
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cdr");
    std::fs::create_dir_all(&root).unwrap();
    let (sim, port) = start_fs(Scenario::Capture, Some(root.clone())).await;
    let (_, key) = app
        .api_user("wallboard2", &["stats.get", "stats.all"])
        .await;
    use_fs(app, port).await;
    set(
        app,
        &[
            ("freeswitch.cdr_path", root.display().to_string()),
            ("freeswitch.cdr_scan_seconds", "1".into()),
        ],
    )
    .await;
    for cmd in [
        "agent add 1000@default callback",
        "agent set contact 1000@default loopback/1000/default",
        "agent set status 1000@default 'On Break'",
        "tier add support@default 1000@default 1 1",
    ] {
        cc(&sim, cmd).await;
    }
    let path = "/api/v1/stats/get?project=support@default";
    let originate = |vars: &str| {
        let sim = sim.clone();
        let dial = format!("{{{vars}}}loopback/7001/default &park()");
        async move {
            let r = sim.api("originate", &dial, ApiMode::Esl).await.unwrap();
            assert!(r.starts_with("+OK"), "{r}");
        }
    };

    // 1. A caller waits (nobody available) and hangs up after 3 s.
    originate("sim_talk_seconds=1,sim_patience_seconds=3").await;
    let v = until(app, &key, path, |v| v["live"]["calls_waiting"] == 1).await;
    assert_eq!(v["live"]["agents"]["on_break"], 1);
    let v = until(app, &key, path, |v| {
        v["live"]["longest_wait_seconds"].as_u64() >= Some(1)
    })
    .await;
    assert_eq!(v["period"]["abandoned"], 0);
    let v = until(app, &key, path, |v| v["period"]["abandoned"] == 1).await;
    assert_eq!(v["period"]["offered"], 1, "{v}");
    assert_eq!(v["period"]["abandoned_by_reason"]["BREAK_OUT"], 1);
    assert_eq!(v["period"]["abandon_rate"], 100.0);
    assert_eq!(v["period"]["service_level"], 0.0);
    assert_eq!(v["live"]["calls_waiting"], 0);

    // 2. Answered at once.
    cc(&sim, "agent set status 1000@default Available").await;
    originate("sim_talk_seconds=1").await;
    until(app, &key, path, |v| v["period"]["answered"] == 1).await;

    // 3. Answered after waiting 3 s for the agent to come back from a break.
    cc(&sim, "agent set status 1000@default 'On Break'").await;
    originate("sim_talk_seconds=1,sim_patience_seconds=30").await;
    until(app, &key, path, |v| v["live"]["calls_waiting"] == 1).await;
    tokio::time::sleep(Duration::from_millis(3000)).await;
    cc(&sim, "agent set status 1000@default Available").await;
    let v = until(app, &key, path, |v| v["period"]["answered"] == 2).await;
    let p = &v["period"];
    assert_eq!(
        (&p["offered"], &p["abandoned"]),
        (&3.into(), &1.into()),
        "{p}"
    );
    // Threshold 20 s: both answered calls are within it.
    assert_eq!(p["answered_within_threshold"], 2, "{p}");
    assert_eq!(p["service_level"], 66.7);
    assert_eq!(p["abandon_rate"], 33.3);
    let max_wait = p["max_wait_seconds"].as_f64().unwrap();
    assert!((3.0..=5.0).contains(&max_wait), "{p}");
    let avg_talk = p["avg_talk_seconds"].as_f64().unwrap();
    assert!((0.0..=3.0).contains(&avg_talk), "{p}");

    // A project with a 2 s threshold: the call that waited 3 s is outside it.
    projects::create(
        &app.db,
        &Actor::Cli,
        &ProjectInput {
            name: "strict".into(),
            title: String::new(),
            queues: vec!["support@default".into()],
            service_level_seconds: Some(2),
        },
    )
    .await
    .unwrap();
    app.live.reload().await.unwrap();
    let v = until(app, &key, "/api/v1/stats/get?project=strict", |v| {
        v["period"]["offered"] == 3
    })
    .await;
    assert_eq!(v["period"]["answered_within_threshold"], 1, "{v}");
    assert_eq!(v["period"]["service_level"], 33.3);
    // An empty range: nothing offered, rates null.
    let (s, v) = get(
        app,
        &key,
        "/api/v1/stats/get?project=strict&from=2020-01-01&until=2020-01-02",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["period"]["offered"], 0);
    assert_eq!(v["period"]["abandon_rate"], Value::Null);
    assert_eq!(v["period"]["from"], "2019-12-31T21:00:00Z");
    let (_, all) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(all["overall"]["period"]["offered"], 3, "{all}");
}

/// A statistics server: `/ok` echoes its query as JSON, `/text` answers plain text, `/slow`
/// takes 3 s, `/fail` answers 500. Counts the requests it gets.
pub(crate) async fn stats_server() -> (String, Arc<AtomicU64>) {
    use axum::extract::RawQuery;
    use axum::routing::get;
    let hits = Arc::new(AtomicU64::new(0));
    let h = hits.clone();
    let app = axum::Router::new()
        .route(
            "/ok",
            get(move |RawQuery(q): RawQuery| {
                let h = h.clone();
                async move {
                    h.fetch_add(1, Ordering::SeqCst);
                    axum::Json(serde_json::json!({"got": q, "waiting": 4}))
                }
            }),
        )
        .route("/text", get(|| async { "waiting=4;answered=10" }))
        .route(
            "/slow",
            get(|| async {
                tokio::time::sleep(Duration::from_secs(3)).await;
                "late"
            }),
        )
        .route(
            "/fail",
            get(|| async { (axum::http::StatusCode::INTERNAL_SERVER_ERROR, "oops") }),
        );
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(l, app).await });
    (base, hits)
}

/// A server that answers bytes that are not HTTP.
async fn garbage_server() -> String {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let l = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", l.local_addr().unwrap());
    tokio::spawn(async move {
        while let Ok((mut s, _)) = l.accept().await {
            let mut buf = [0u8; 1024];
            let _ = s.read(&mut buf).await;
            let _ = s
                .write_all(b"\x00\x01 this is not HTTP at all\r\n\r\n")
                .await;
        }
    });
    base
}

async fn external_server_answers_is_slow_or_broken(app: &TestApp) {
    let (base, hits) = stats_server().await;
    let (_, key) = app
        .api_user("wallboard3", &["stats.get", "stats.all"])
        .await;
    let external = |url: String| {
        vec![
            ("stats.source", "external".to_string()),
            ("stats.external_url", url),
            ("stats.external_timeout_ms", "500".into()),
            ("stats.external_cache_seconds", "0".into()),
        ]
    };
    // No URL yet: unavailable.
    set(app, &[("stats.source", "external".into())]).await;
    let (s, e) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            &"upstream_unavailable".into()
        )
    );

    set(app, &external(format!("{base}/ok"))).await;
    let (s, v) = get(
        app,
        &key,
        "/api/v1/stats/get?project=support&from=2026-12-01",
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["source"], "external");
    assert_eq!(v["method"], "stats.get");
    assert_eq!(v["project"], "support");
    assert_eq!(
        v["data"]["got"],
        "method=stats.get&project=support&from=2026-12-01"
    );
    assert_eq!(v["data"]["waiting"], 4);
    // An unknown project is the external server's business: forwarded too.
    let (s, v) = get(app, &key, "/api/v1/stats/get?project=nope").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["data"]["got"], "method=stats.all");
    assert_eq!(hits.load(Ordering::SeqCst), 3);
    // Kept for the cache time: the second request is not forwarded.
    set(app, &[("stats.external_cache_seconds", "60".into())]).await;
    let cached = "/api/v1/stats/all?from=2026-12-01";
    get(app, &key, cached).await;
    let (s, v) = get(app, &key, cached).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["data"]["got"], "method=stats.all&from=2026-12-01");
    assert_eq!(hits.load(Ordering::SeqCst), 4);

    set(app, &external(format!("{base}/text"))).await;
    let (s, v) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["text"], "waiting=4;answered=10");
    assert_eq!(v.get("data"), None);

    set(app, &external(format!("{base}/slow"))).await;
    let t = Instant::now();
    let (s, e) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (StatusCode::GATEWAY_TIMEOUT, &"upstream_timeout".into())
    );
    assert!(t.elapsed() < Duration::from_secs(2));

    set(app, &external(format!("{base}/fail"))).await;
    let (s, e) = get(app, &key, "/api/v1/stats/get?project=support").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (StatusCode::BAD_GATEWAY, &"upstream_error".into())
    );
    assert!(!e.to_string().contains("oops"), "{e}");

    set(app, &external(garbage_server().await)).await;
    let (s, e) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (StatusCode::BAD_GATEWAY, &"upstream_error".into())
    );

    let gone = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let dead = format!("http://{}/x", gone.local_addr().unwrap());
    drop(gone);
    set(app, &external(dead)).await;
    let (s, e) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(
        (s, &e["error"]["code"]),
        (
            StatusCode::SERVICE_UNAVAILABLE,
            &"upstream_unavailable".into()
        )
    );

    // Back to the built-in source: with no FreeSWITCH, a 503 of its own.
    set(app, &[("stats.source", "builtin".into())]).await;
    let (s, e) = get(app, &key, "/api/v1/stats/all").await;
    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE, "{e}");
}
