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
    upstream_failures_are_clean_errors,
    recordings_with_ranges_and_no_escape,
    cdrs_are_indexed_filtered_and_exported,
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

/// A real 8 kHz mono 16-bit PCM WAV of `samples` samples.
fn wav(samples: usize) -> Vec<u8> {
    let data = samples * 2;
    let mut v = Vec::with_capacity(44 + data);
    v.extend(b"RIFF");
    v.extend(((36 + data) as u32).to_le_bytes());
    v.extend(b"WAVEfmt ");
    v.extend(16u32.to_le_bytes());
    v.extend(1u16.to_le_bytes());
    v.extend(1u16.to_le_bytes());
    v.extend(8000u32.to_le_bytes());
    v.extend(16000u32.to_le_bytes());
    v.extend(2u16.to_le_bytes());
    v.extend(16u16.to_le_bytes());
    v.extend(b"data");
    v.extend((data as u32).to_le_bytes());
    for i in 0..samples {
        let x = ((i as f64) * 440.0 * 2.0 * std::f64::consts::PI / 8000.0).sin() * 8000.0;
        v.extend((x as i16).to_le_bytes());
    }
    v
}

async fn recordings_with_ranges_and_no_escape(app: &TestApp) {
    let (_, key) = app.api_user("crm-audio", &["cc.audio"]).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("recordings");
    std::fs::create_dir_all(root.join("archive/2026-11-25")).unwrap();
    configure(app, &[("wav_path", root.display().to_string())]).await;
    let u1 = "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f";
    let body = wav(8000);
    std::fs::write(root.join(format!("{u1}.wav")), &body).unwrap();

    let url = |q: &str| app.url(&format!("/api/v1/cc/audio?{q}"));
    let r = app
        .client
        .get(url(&format!("uuid={u1}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "audio/wav");
    assert_eq!(r.headers()["accept-ranges"], "bytes");
    assert!(r.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .contains(&format!("{u1}.wav")));
    assert_eq!(r.bytes().await.unwrap().as_ref(), &body[..]);

    let r = app
        .client
        .get(url(&format!("uuid={u1}")))
        .bearer_auth(&key)
        .header("Range", "bytes=0-43")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes 0-43/{}", body.len())
    );
    assert_eq!(r.bytes().await.unwrap().as_ref(), &body[..44]);
    let r = app
        .client
        .get(url(&format!("uuid={u1}")))
        .bearer_auth(&key)
        .header("Range", "bytes=-100")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::PARTIAL_CONTENT);
    assert_eq!(r.bytes().await.unwrap().as_ref(), &body[body.len() - 100..]);
    let r = app
        .client
        .get(url(&format!("uuid={u1}")))
        .bearer_auth(&key)
        .header("Range", "bytes=999999-")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::RANGE_NOT_SATISFIABLE);
    assert_eq!(
        r.headers()["content-range"],
        format!("bytes */{}", body.len())
    );

    // Found by a search below the root.
    let u2 = "11111111-2222-4333-8444-555555555555";
    std::fs::write(
        root.join(format!("archive/2026-11-25/support_{u2}.wav")),
        wav(10),
    )
    .unwrap();
    let r = app
        .client
        .get(url(&format!("uuid={u2}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // Traversal attempts never reach the file system.
    for bad in [
        "../../etc/passwd",
        "%2Fetc%2Fpasswd",
        "..%2F..%2Fsecret",
        "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f%2F..%2F..",
    ] {
        let r = app
            .client
            .get(url(&format!("uuid={bad}")))
            .bearer_auth(&key)
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
    }
    // A symlink out of the root is refused.
    let secret = dir.path().join("secret.wav");
    std::fs::write(&secret, wav(10)).unwrap();
    let u3 = "aaaaaaaa-bbbb-4ccc-8ddd-eeeeeeeeeeee";
    std::os::unix::fs::symlink(&secret, root.join(format!("{u3}.wav"))).unwrap();
    let r = app
        .client
        .get(url(&format!("uuid={u3}")))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["code"], "recording_not_found");
    // Unknown call.
    let r = app
        .client
        .get(url("uuid=00000000-0000-4000-8000-000000000000"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
    std::fs::create_dir_all(to).unwrap();
    for e in std::fs::read_dir(from).unwrap().flatten() {
        let p = e.path();
        if p.is_dir() {
            copy_dir(&p, &to.join(e.file_name()));
        } else {
            std::fs::copy(&p, to.join(e.file_name())).unwrap();
        }
    }
}

async fn cdrs_are_indexed_filtered_and_exported(app: &TestApp) {
    let (_, key) = app.api_user("crm-cdr", &["cc.cdr"]).await;
    let dir = tempfile::tempdir().unwrap();
    let root = dir.path().join("cdr");
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/fs-captures/cdr"),
        &root,
    );
    configure(
        app,
        &[
            ("cdr_path", root.display().to_string()),
            ("cdr_scan_seconds", "1".into()),
        ],
    )
    .await;

    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let all = loop {
        let (s, v) = get(app, &key, "/api/v1/cc/cdr?limit=1000").await;
        assert_eq!(s, StatusCode::OK, "{v}");
        if v["total"].as_u64().unwrap_or(0) >= 5 {
            break v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "CDRs not indexed in time: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    let total = all["total"].as_u64().unwrap();
    assert_eq!(all["items"].as_array().unwrap().len() as u64, total);
    assert_eq!(all["limit"], 1000);
    assert!(all["items"][0]["start"].as_str().unwrap().ends_with('Z'));

    let (_, v) = get(
        app,
        &key,
        "/api/v1/cc/cdr?hangup_cause=NO_ROUTE_DESTINATION",
    )
    .await;
    assert!(v["total"].as_u64().unwrap() >= 1);
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .all(|c| c["hangup_cause"] == "NO_ROUTE_DESTINATION"));
    let (_, v) = get(app, &key, "/api/v1/cc/cdr?number=nosuchdest&limit=1").await;
    assert_eq!(v["items"][0]["destination_number"], "nosuchdest");
    let (_, v) = get(app, &key, "/api/v1/cc/cdr?from=2030-01-01").await;
    assert_eq!(v["total"], 0);
    let (_, v) = get(
        app,
        &key,
        "/api/v1/cc/cdr?limit=2&offset=1&order=billsec&sort=asc",
    )
    .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    assert_eq!(v["offset"], 1);

    let (s, v) = get(app, &key, "/api/v1/cc/cdr?from=2026-11-26&until=2026-11-25").await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("invalid_range"))
    );
    let (s, v) = get(app, &key, "/api/v1/cc/cdr?from=yesterday").await;
    assert_eq!(
        (s, v["error"]["details"]["field"].as_str()),
        (StatusCode::BAD_REQUEST, Some("from"))
    );
    let (s, _) = get(app, &key, "/api/v1/cc/cdr?limit=5000").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let (s, one) = get(
        app,
        &key,
        "/api/v1/cc/cdr/6fe5adea-3337-4517-a66c-064e3ad9265a",
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(one["variables"]["read_codec"], "L16");
    let (s, v) = get(
        app,
        &key,
        "/api/v1/cc/cdr/00000000-0000-4000-8000-000000000000",
    )
    .await;
    assert_eq!(
        (s, v["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("cdr_not_found"))
    );
    let (s, _) = get(app, &key, "/api/v1/cc/cdr/..%2F..%2Fetc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);

    let r = app
        .client
        .get(app.url("/api/v1/cc/cdr?format=csv&bom=true"))
        .bearer_auth(&key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.headers()["content-type"], "text/csv; charset=utf-8");
    let text = r.text().await.unwrap();
    assert!(text.starts_with("\u{feff}uuid,direction,"), "{text}");
    assert_eq!(text.lines().count() as u64, total + 1);
}
