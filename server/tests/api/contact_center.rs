//! `cc` read methods through `/api/v1` against fs-sim, over both transports (mod_xml_rpc and the
//! Event Socket), plus FreeSWITCH down, refusing our password, and too slow. Each scenario runs on
//! SQLite and on MariaDB.

use std::sync::Arc;

use crate::helpers::TestApp;
use ccgate_core::access::audit::Actor;
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
    call_list_dials_with_pacing_and_reports_outcomes,
    add_with_one_idempotency_key_dials_once,
    add_keeps_contacts_while_freeswitch_is_down,
);

pub(crate) struct Fs {
    pub(crate) esl_port: u16,
    pub(crate) http_port: u16,
    pub(crate) sim: Arc<Sim>,
}

pub(crate) async fn start_fs(scenario: Scenario) -> Fs {
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
        sim: sim.clone(),
    };
    tokio::spawn(fs_sim::esl::serve(esl, sim.clone()));
    tokio::spawn(fs_sim::http::serve(http, sim));
    fs
}

pub(crate) async fn configure(app: &TestApp, pairs: &[(&str, String)]) {
    let changes: Vec<(String, String)> = pairs
        .iter()
        .map(|(k, v)| (format!("freeswitch.{k}"), v.clone()))
        .collect();
    ccgate_core::access::settings::set_many(&app.db, &Actor::Cli, &changes)
        .await
        .unwrap();
    app.live.reload().await.unwrap();
}

pub(crate) async fn get(app: &TestApp, key: &str, path: &str) -> (StatusCode, Value) {
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
        // Bob waits in support (Alice is being served), Carol is being offered in sales.
        assert_eq!(support["waiting_members"], 1, "{transport}: {support}");
        assert_eq!(v["items"][1]["waiting_members"], 1, "{transport}");
        assert_eq!(v["items"][0]["waiting_members"], 0, "{transport}");
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
        assert_eq!(q["waiting_members"], 1, "{transport}: {q}");
        assert_eq!(q["members"][0]["cid_name"], "Carol", "{transport}: {q}");

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
        // (name, settings, expected status, expected code)
        type Case<'a> = (&'a str, Vec<(&'a str, String)>, StatusCode, &'a str);
        let cases: [Case; 3] = [
            (
                "down",
                vec![
                    ("port", closed.to_string()),
                    ("esl_port", closed.to_string()),
                ],
                StatusCode::SERVICE_UNAVAILABLE,
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

pub(crate) fn copy_dir(from: &std::path::Path, to: &std::path::Path) {
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
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/freeswitch/cdr"),
        &root,
    );
    // A call whose caller-controlled name is a spreadsheet formula.
    let real = "418e5dba-298b-4ac6-9a84-90b6f93f9877";
    let formula = std::fs::read_to_string(root.join(format!("json_cdr/a_{real}.cdr.json")))
        .unwrap()
        .replace(real, "0e0e0e0e-1111-4222-8333-444455556666")
        .replace("Outbound Call", "=1+2*3");
    std::fs::write(
        root.join("json_cdr/a_0e0e0e0e-1111-4222-8333-444455556666.cdr.json"),
        formula,
    )
    .unwrap();
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
        // The indexer may insert between the count and the page: wait for a quiet read.
        let total = v["total"].as_u64().unwrap_or(0);
        if total >= 5 && v["items"].as_array().map(|a| a.len() as u64) == Some(total) {
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

    // The call is in Master.csv and in a JSON file: the CSV row may be indexed first, and the JSON
    // (with every variable) replaces it within a scan or two.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let one = loop {
        let (s, one) = get(
            app,
            &key,
            "/api/v1/cc/cdr/6fe5adea-3337-4517-a66c-064e3ad9265a",
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        if one["variables"]["read_codec"] == "L16" || std::time::Instant::now() > deadline {
            break one;
        }
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert_eq!(one["variables"]["read_codec"], "L16", "{one}");
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
    // The formula is text for Excel: neutralised with a leading quote, no cell starts with `=`.
    let row = text
        .lines()
        .find(|l| l.starts_with("0e0e0e0e-1111-4222-8333-444455556666,"))
        .unwrap_or_else(|| panic!("{text}"));
    assert!(row.split(',').any(|c| c == "'=1+2*3"), "{row}");
    assert!(
        text.lines()
            .all(|l| l.split(',').all(|c| !c.starts_with(['=', '@']))),
        "{text}"
    );
}

// ---- cc/add ----------------------------------------------------------------------------------

pub(crate) async fn post_json(
    app: &TestApp,
    key: &str,
    path: &str,
    body: &Value,
    idem: Option<&str>,
) -> reqwest::Response {
    let mut rb = app.client.post(app.url(path)).bearer_auth(key).json(body);
    if let Some(k) = idem {
        rb = rb.header("Idempotency-Key", k);
    }
    rb.send().await.unwrap()
}

async fn dial_settings(app: &TestApp, fs: &Fs, transport: &str, max_concurrent: u32) {
    configure(
        app,
        &[
            ("transport", transport.into()),
            ("host", "127.0.0.1".into()),
            ("port", fs.http_port.to_string()),
            ("esl_port", fs.esl_port.to_string()),
            ("dial_template", "sofia/gateway/gw1/{number}".into()),
            ("originate_timeout_s", "5".into()),
            ("max_concurrent_calls", max_concurrent.to_string()),
            ("calls_per_second", "50".into()),
        ],
    )
    .await;
}

/// Poll a call or batch until no call in it is queued, dialing or answered.
pub(crate) async fn wait_final(app: &TestApp, key: &str, id: &str) -> Value {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(90);
    loop {
        let (s, v) = get(app, key, &format!("/api/v1/cc/add/{id}")).await;
        assert_eq!(s, StatusCode::OK, "{v}");
        let items = v["items"]
            .as_array()
            .cloned()
            .unwrap_or_else(|| vec![v.clone()]);
        let busy = items.iter().any(|c| {
            matches!(
                c["status"].as_str(),
                Some("queued" | "dialing" | "answered")
            )
        });
        if !busy {
            return v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "calls never finished: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(250)).await;
    }
}

async fn call_list_dials_with_pacing_and_reports_outcomes(app: &TestApp) {
    let fs = start_fs(Scenario::Demo).await;
    let (_, key) = app.api_user("dialer", &["cc.add"]).await;
    dial_settings(app, &fs, "esl", 2).await;

    // A batch: four answered calls, one busy (486…), one unanswered (480…), one bad phone.
    let body = serde_json::json!({"contacts": [
        {"phone": "8 (916) 000-00-01", "queue": "support@default", "crm_ref": "deal 1",
         "variables": {"lead_id": 1}},
        {"phone": "+79160000002", "queue": "support@default"},
        {"phone": "+79160000003", "extension": "1000", "priority": 9},
        {"phone": "+79160000004", "queue": "sales@default"},
        {"phone": "+4861234567", "queue": "support@default"},
        {"phone": "+4801234567", "queue": "support@default"},
        {"phone": "12", "queue": "support@default"}
    ]});
    let r = post_json(app, &key, "/api/v1/cc/add", &body, None).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v: Value = r.json().await.unwrap();
    assert_eq!(
        (v["accepted"].as_i64(), v["rejected"].as_i64()),
        (Some(6), Some(1)),
        "{v}"
    );
    assert_eq!(v["items"][0]["phone"], "+79160000001");
    assert_eq!(v["items"][6]["status"], "rejected");
    assert_eq!(v["items"][6]["error"]["field"], "phone");
    assert!(v["items"][6]["error"]["message"].is_string(), "{v}");
    assert!(v["items"][6]["error"]["code"].is_string(), "{v}");
    let batch = v["batch_id"].as_str().unwrap().to_string();

    let done = wait_final(app, &key, &batch).await;
    assert_eq!(done["total"], 6);
    assert_eq!(done["counts"]["completed"], 4, "{done}");
    assert_eq!(done["counts"]["busy"], 1, "{done}");
    assert_eq!(done["counts"]["no_answer"], 1, "{done}");
    let first = &done["items"][0];
    assert_eq!(first["crm_ref"], "deal 1");
    assert_eq!(first["variables"]["lead_id"], "1");
    assert!(
        first["answered_at"].is_string() && first["ended_at"].is_string(),
        "{first}"
    );
    let busy = done["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["status"] == "busy")
        .unwrap();
    assert_eq!(busy["hangup_cause"], "USER_BUSY");
    use std::sync::atomic::Ordering::SeqCst;
    assert_eq!(fs.sim.originates.load(SeqCst), 6);
    let peak = fs.sim.peak_calls.load(SeqCst);
    assert!(
        peak <= 2,
        "pacing let {peak} calls up at once with max_concurrent_calls = 2"
    );
    assert!(peak >= 1);

    // One call, not before tomorrow: it waits; cancel it; a finished one cannot be cancelled.
    dial_settings(app, &fs, "xml_rpc", 2).await;
    let tomorrow =
        ccgate_core::platform::time::rfc3339(ccgate_core::platform::time::now_ms() + 86_400_000);
    let r = post_json(
        app,
        &key,
        "/api/v1/cc/add",
        &serde_json::json!({"phone": "+79160000009", "queue": "support@default", "not_before": tomorrow}),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let one: Value = r.json().await.unwrap();
    let id = one["id"].as_str().unwrap().to_string();
    tokio::time::sleep(std::time::Duration::from_millis(400)).await;
    let (_, st) = get(app, &key, &format!("/api/v1/cc/add/{id}")).await;
    assert_eq!(st["status"], "queued", "{st}");
    let r = app
        .api("DELETE", &format!("/api/v1/cc/add/{id}"), Some(&key))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let (_, st) = get(app, &key, &format!("/api/v1/cc/add/{id}")).await;
    assert_eq!(st["status"], "cancelled");
    let done_id = first["id"].as_str().unwrap();
    let r = app
        .api("DELETE", &format!("/api/v1/cc/add/{done_id}"), Some(&key))
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "call_not_cancellable");

    // Now over mod_xml_rpc: one answered call.
    let r = post_json(
        app,
        &key,
        "/api/v1/cc/add",
        &serde_json::json!({"phone": "+79160000010", "extension": "1000"}),
        None,
    )
    .await;
    let one: Value = r.json().await.unwrap();
    let done = wait_final(app, &key, one["id"].as_str().unwrap()).await;
    assert_eq!(done["status"], "completed", "{done}");

    // Bad input is a 400 with the field; unknown ids are 404; other users' calls are invisible.
    let r = post_json(
        app,
        &key,
        "/api/v1/cc/add",
        &serde_json::json!({"phone": "+79160000001"}),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["details"]["field"], "queue");
    let r = post_json(
        app,
        &key,
        "/api/v1/cc/add",
        &serde_json::json!({"phone": "+79160000001", "queue": "q", "qeue": 1}),
        None,
    )
    .await;
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "unknown_field");
    let (s, e) = get(
        app,
        &key,
        "/api/v1/cc/add/00000000-0000-4000-a000-000000000000",
    )
    .await;
    assert_eq!(
        (s, e["error"]["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("call_not_found"))
    );
    let (s, _) = get(app, &key, "/api/v1/cc/add/..%2F..%2Fetc").await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    let (_, other) = app.api_user("dialer-2", &["cc.add"]).await;
    let (s, _) = get(app, &other, &format!("/api/v1/cc/add/{batch}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}

async fn add_with_one_idempotency_key_dials_once(app: &TestApp) {
    let fs = start_fs(Scenario::Demo).await;
    let (_, key) = app.api_user("dialer-idem", &["cc.add"]).await;
    dial_settings(app, &fs, "xml_rpc", 5).await;
    let body = serde_json::json!({"phone": "+79161112233", "queue": "support@default"});
    let mut tasks = Vec::new();
    for _ in 0..100 {
        let (app_url, key, body) = (app.url("/api/v1/cc/add"), key.clone(), body.clone());
        let client = app.client.clone();
        tasks.push(tokio::spawn(async move {
            let r = client
                .post(app_url)
                .bearer_auth(&key)
                .header("Idempotency-Key", "order-42")
                .json(&body)
                .send()
                .await
                .unwrap();
            let replayed = r.headers().get("idempotent-replayed").is_some();
            let s = r.status();
            let v: Value = r.json().await.unwrap();
            (s, replayed, v)
        }));
    }
    let mut fresh = 0;
    let mut ids = std::collections::HashSet::new();
    for t in tasks {
        let (s, replayed, v) = t.await.unwrap();
        match s {
            StatusCode::ACCEPTED => {
                if !replayed {
                    fresh += 1;
                }
                ids.insert(v["id"].as_str().unwrap().to_string());
            }
            StatusCode::CONFLICT => assert_eq!(v["error"]["code"], "idempotency_in_progress"),
            other => panic!("unexpected {other}: {v}"),
        }
    }
    assert_eq!(fresh, 1, "exactly one request did the work");
    assert_eq!(ids.len(), 1, "every answer names the same call: {ids:?}");
    let id = ids.into_iter().next().unwrap();

    // Later retries replay the answer; another body with the key is refused.
    let r = post_json(app, &key, "/api/v1/cc/add", &body, Some("order-42")).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert_eq!(r.headers()["idempotent-replayed"], "true");
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["id"], id.as_str());
    let other = serde_json::json!({"phone": "+79161112234", "queue": "support@default"});
    let r = post_json(app, &key, "/api/v1/cc/add", &other, Some("order-42")).await;
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    let e: Value = r.json().await.unwrap();
    assert_eq!(e["error"]["code"], "idempotency_key_reused");
    // A rejected request does not burn its key: fixed, it goes through.
    let r = post_json(
        app,
        &key,
        "/api/v1/cc/add",
        &serde_json::json!({"phone": "1"}),
        Some("k2"),
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = post_json(app, &key, "/api/v1/cc/add", &other, Some("k2")).await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    assert!(r.headers().get("idempotent-replayed").is_none());
    let r = post_json(app, &key, "/api/v1/cc/add", &body, Some(&"x".repeat(256))).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let done = wait_final(app, &key, &id).await;
    assert_eq!(done["status"], "completed", "{done}");
    // The first call and the "k2" call: two originates, never more.
    let k2_wait = std::time::Instant::now() + std::time::Duration::from_secs(30);
    use std::sync::atomic::Ordering::SeqCst;
    while fs.sim.originates.load(SeqCst) < 2 && std::time::Instant::now() < k2_wait {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    tokio::time::sleep(std::time::Duration::from_millis(500)).await;
    assert_eq!(fs.sim.originates.load(SeqCst), 2);
}

async fn add_keeps_contacts_while_freeswitch_is_down(app: &TestApp) {
    let (_, key) = app.api_user("dialer-down", &["cc.add"]).await;
    let closed = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let port = closed.local_addr().unwrap().port();
    drop(closed);
    configure(
        app,
        &[
            ("transport", "xml_rpc".into()),
            ("host", "127.0.0.1".into()),
            ("port", port.to_string()),
            ("dial_template", "sofia/gateway/gw1/{number}".into()),
        ],
    )
    .await;
    let r = post_json(
        app,
        &key,
        "/api/v1/cc/add",
        &serde_json::json!({"phone": "+79160000001", "queue": "support@default"}),
        None,
    )
    .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED);
    let v: Value = r.json().await.unwrap();
    let id = v["id"].as_str().unwrap();
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
    loop {
        let (_, st) = get(app, &key, &format!("/api/v1/cc/add/{id}")).await;
        if st["attempts"] == 1 && st["status"] == "queued" {
            break;
        }
        assert!(std::time::Instant::now() < deadline, "never retried: {st}");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
}
