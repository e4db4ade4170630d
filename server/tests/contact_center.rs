//! `cc` read methods through `/api/v1` against fs-sim, over both transports (mod_xml_rpc and the
//! Event Socket), plus FreeSWITCH down, refusing our password, and too slow. Each scenario runs on
//! SQLite and on MariaDB.

mod common;

use std::sync::Arc;

use ccgate_core::audit::Actor;
use common::TestApp;
use fs_sim::scenario::Scenario;
use fs_sim::sim::{Config, Sim};
use reqwest::StatusCode;
use serde_json::Value;
use tokio::net::TcpListener;

both_backends!(
    queues_and_tiers_over_both_transports,
    upstream_failures_are_clean_errors
);

struct Fs {
    esl_port: u16,
    http_port: u16,
    _sim: Arc<Sim>,
}

async fn start_fs(scenario: Scenario) -> Fs {
    let sim = Sim::new(
        Config {
            esl_password: "ClueCon".into(),
            http_user: "freeswitch".into(),
            http_password: "works".into(),
            ..Default::default()
        },
        scenario.callcenter(),
    );
    let esl = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let http = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let fs = Fs {
        esl_port: esl.local_addr().unwrap().port(),
        http_port: http.local_addr().unwrap().port(),
        _sim: sim.clone(),
    };
    tokio::spawn(fs_sim::esl::serve(esl, sim.clone()));
    tokio::spawn(fs_sim::http::serve(http, sim));
    fs
}

async fn configure(app: &TestApp, pairs: &[(&str, String)]) {
    let changes: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (format!("freeswitch.{k}"), v.clone()))
        .collect();
    ccgate_core::settings::set_many(&app.db, &Actor::Cli, &changes)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
}

async fn get(app: &TestApp, key: &str, path: &str) -> (StatusCode, Value) {
    let r = app.api("GET", path, Some(key)).await;
    let s = r.status();
    (s, r.json().await.unwrap_or(Value::Null))
}

async fn queues_and_tiers_over_both_transports(app: &TestApp) {
    let fs = start_fs(Scenario::Demo).await;
    let (_, key) = app
        .api_user("crm-cc", &["cc.queues", "cc.queue", "cc.tiers", "cc.tier"])
        .await;
    for transport in ["xml_rpc", "esl"] {
        configure(
            app,
            &[
                ("transport", transport.into()),
                ("host", "127.0.0.1".into()),
                ("port", fs.http_port.to_string()),
                ("esl_port", fs.esl_port.to_string()),
            ],
        )
        .await;
        let (s, v) = get(app, &key, "/api/v1/cc/queues").await;
        assert_eq!(s, StatusCode::OK, "{transport}: {v}");
        let names: Vec<&str> = v["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|q| q["name"].as_str().unwrap())
            .collect();
        assert_eq!(
            names,
            ["billing@default", "sales@default", "support@default"],
            "{transport}"
        );
        let support = &v["items"][2];
        assert_eq!(support["strategy"], "longest-idle-agent");
        assert_eq!(support["calls_answered"], 27);
        assert_eq!(support["agents"]["total"], 3, "{transport}: {support}");
        assert_eq!(support["tiers"], 3);
        assert_eq!(v["total"], 3);

        let (s, q) = get(app, &key, "/api/v1/cc/queue?name=sales@default").await;
        assert_eq!(s, StatusCode::OK, "{transport}: {q}");
        assert_eq!(q["name"], "sales@default");
        let agents: Vec<&str> = q["agent_list"]
            .as_array()
            .unwrap()
            .iter()
            .map(|a| a["name"].as_str().unwrap())
            .collect();
        assert!(agents.contains(&"1004@default"), "{transport}: {agents:?}");
        assert_eq!(q["tier_list"].as_array().unwrap().len(), 3);

        let (s, e) = get(app, &key, "/api/v1/cc/queue?name=nosuch@default").await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("queue_not_found")),
            "{transport}"
        );
        let (s, e) = get(app, &key, "/api/v1/cc/queue?name=bad%20name").await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("invalid_parameter"))
        );
        let (s, e) = get(app, &key, "/api/v1/cc/queue").await;
        assert_eq!(
            (s, e["error"]["details"]["field"].as_str()),
            (StatusCode::BAD_REQUEST, Some("name"))
        );
        let (s, e) = get(app, &key, "/api/v1/cc/queues?qeue=x").await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (StatusCode::BAD_REQUEST, Some("unknown_field"))
        );

        let (s, t) = get(app, &key, "/api/v1/cc/tiers?agent=1001@default").await;
        assert_eq!(s, StatusCode::OK);
        let queues: Vec<&str> = t["items"]
            .as_array()
            .unwrap()
            .iter()
            .map(|x| x["queue"].as_str().unwrap())
            .collect();
        assert_eq!(queues.len(), 2, "{transport}: {t}");
        assert!(queues.contains(&"support@default") && queues.contains(&"sales@default"));
        let (s, t) = get(app, &key, "/api/v1/cc/tiers?queue=billing@default").await;
        assert_eq!((s, t["total"].as_u64()), (StatusCode::OK, Some(2)));
        let (s, t) = get(
            app,
            &key,
            "/api/v1/cc/tier?queue=support@default&agent=1001@default",
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        assert_eq!(
            (t["level"].as_u64(), t["position"].as_u64()),
            (Some(2), Some(1))
        );
        let (s, e) = get(
            app,
            &key,
            "/api/v1/cc/tier?queue=billing@default&agent=1000@default",
        )
        .await;
        assert_eq!(
            (s, e["error"]["code"].as_str()),
            (StatusCode::NOT_FOUND, Some("tier_not_found"))
        );
    }
}

async fn upstream_failures_are_clean_errors(app: &TestApp) {
    let fs = start_fs(Scenario::Capture).await;
    let (_, key) = app.api_user("crm-fail", &["cc.queues"]).await;
    // A port where nothing listens.
    let closed = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    // A server that accepts and never says a word.
    let silent = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let silent_port = silent.local_addr().unwrap().port();
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((s, _)) = silent.accept().await {
            held.push(s);
        }
    });
    for transport in ["xml_rpc", "esl"] {
        let base = [
            ("transport", transport.to_string()),
            ("host", "127.0.0.1".to_string()),
            ("timeout_ms", "500".to_string()),
        ];
        let cases: [(&str, Vec<(&str, String)>, StatusCode, &str); 3] = [
            (
                "down",
                vec![
                    ("port", closed.to_string()),
                    ("esl_port", closed.to_string()),
                ],
                StatusCode::BAD_GATEWAY,
                "upstream_unavailable",
            ),
            (
                "wrong password",
                vec![
                    ("port", fs.http_port.to_string()),
                    ("esl_port", fs.esl_port.to_string()),
                    ("password", "wrong".into()),
                    ("esl_password", "wrong".into()),
                ],
                StatusCode::BAD_GATEWAY,
                "upstream_auth_failed",
            ),
            (
                "slow",
                vec![
                    ("port", silent_port.to_string()),
                    ("esl_port", silent_port.to_string()),
                ],
                StatusCode::GATEWAY_TIMEOUT,
                "upstream_timeout",
            ),
        ];
        for (what, settings, status, code) in cases {
            let mut all: Vec<(&str, String)> = base.iter().map(|(k, v)| (*k, v.clone())).collect();
            all.extend(settings);
            configure(app, &all).await;
            let started = std::time::Instant::now();
            let (s, v) = get(app, &key, "/api/v1/cc/queues").await;
            assert_eq!(
                (s, v["error"]["code"].as_str()),
                (status, Some(code)),
                "{transport} {what}: {v}"
            );
            assert!(
                started.elapsed() < std::time::Duration::from_secs(5),
                "{transport} {what}: no hang"
            );
            let msg = v["error"]["message"].as_str().unwrap();
            assert!(
                !msg.contains("-ERR") && !msg.contains("invalid"),
                "no FreeSWITCH text leaks: {msg}"
            );
        }
        configure(
            app,
            &[
                ("password", "works".into()),
                ("esl_password", "ClueCon".into()),
            ],
        )
        .await;
    }
}
