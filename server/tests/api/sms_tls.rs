//! SMS gateways over HTTPS, against the SMS Traffic fake serving TLS with a CA made at test time:
//! a send through `https://` with the CA trusted by the gateway's CA file; a certificate for
//! another name and one from an untrusted CA refused with `upstream_tls_error` before any request
//! reaches the fake (and the message moving on to the next gateway, which is safe then); the same
//! gateway accepted once its CA file is set; CA files checked when saved (panel, CLI, service).
//! Each scenario runs on SQLite and on MariaDB.

use std::path::PathBuf;
use std::sync::Arc;

use crate::helpers::TestApp;
use ccgate_core::access::audit::Actor;
use ccgate_core::platform::error::ServiceError;
use ccgate_core::sms::gateways::{self, Gateway, GatewayInput};
use reqwest::StatusCode;
use serde_json::{json, Value};
use sms_fake::tls::TestCa;
use sms_fake::Fake;

both_backends!(
    https_send_with_the_gateways_ca_file,
    a_certificate_for_another_name_is_refused,
    an_untrusted_ca_is_refused_and_fails_over,
    an_untrusted_ca_is_accepted_once_its_file_is_set,
    ca_files_are_checked_when_saved,
);

fn fake() -> Arc<Fake> {
    Fake::new(sms_fake::Config {
        deliver_after: None,
        ..Default::default()
    })
}

fn gw_input(name: &str, url: &str, priority: i64, ca_file: &str) -> GatewayInput {
    GatewayInput {
        name: name.into(),
        url: url.into(),
        reserve_url: String::new(),
        sender: "FRONTLINE".into(),
        login: "login".into(),
        password: Some("password".into()),
        rate_limit: 1000,
        timeout_ms: 5000,
        priority,
        ca_file: ca_file.into(),
        ..GatewayInput::default()
    }
}

async fn add_gateway(app: &TestApp, input: GatewayInput) -> Gateway {
    gateways::create(&app.db, &Actor::Cli, &input)
        .await
        .unwrap()
}

/// A PEM file in a directory that lives as long as the returned guard.
fn pem_file(text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("ca.pem");
    std::fs::write(&p, text).unwrap();
    (dir, p)
}

async fn sms_key(app: &TestApp) -> String {
    app.api_user("crm-sms", &["sms.send", "sms.getStatus"])
        .await
        .1
}

async fn send(app: &TestApp, key: &str, text: &str) -> Value {
    let r = app
        .client
        .post(app.url("/api/v1/sms/send"))
        .bearer_auth(key)
        .json(&json!({"phone": "89161234567", "text": text}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.json::<Value>().await.unwrap()["items"][0].clone()
}

async fn history(app: &TestApp, key: &str, id: &str) -> Vec<Value> {
    let r = app
        .api(
            "GET",
            &format!("/api/v1/sms/getStatus?id={id}&history=true"),
            Some(key),
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    v["items"][0]["history"].as_array().unwrap().clone()
}

/// «Проверить» in the panel: (ok, message).
async fn test_button(app: &TestApp, id: i64) -> (bool, String) {
    let r = app
        .rpc(&app.client, "sms/gateways/test", &[("id", &id.to_string())])
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let v: Value = r.json().await.unwrap();
    (
        v["ok"].as_bool().unwrap(),
        v["message"].as_str().unwrap().to_string(),
    )
}

async fn https_send_with_the_gateways_ca_file(app: &TestApp) {
    app.login().await;
    let key = sms_key(app).await;
    let ca = TestCa::new("ccgate test CA");
    let (_dir, ca_file) = pem_file(&ca.cert_pem());
    let f = fake();
    let tls = sms_fake::spawn_tls(f.clone(), &ca.issue(&["localhost"])).await;
    assert!(tls.url.starts_with("https://localhost:"));
    let g = add_gateway(app, gw_input("tls", &tls.url, 0, ca_file.to_str().unwrap())).await;
    assert_eq!(g.ca_file, ca_file.to_str().unwrap());

    let item = send(app, &key, "over TLS").await;
    assert_eq!(item["status"], "accepted", "{item}");
    assert_eq!(item["gateway"], "tls");
    assert_eq!(f.send_requests(), 1);
    assert_eq!(f.queued()[0].text, "over TLS");
    assert_eq!(test_button(app, g.id).await, (true, "OK: 10025".into()));
}

async fn a_certificate_for_another_name_is_refused(app: &TestApp) {
    app.login().await;
    let key = sms_key(app).await;
    let ca = TestCa::new("ccgate test CA");
    let (_dir, ca_file) = pem_file(&ca.cert_pem());
    let f = fake();
    // Issued by the trusted CA, but for another host than the URL's.
    let tls = sms_fake::spawn_tls(f.clone(), &ca.issue(&["sms.example"])).await;
    let g = add_gateway(app, gw_input("tls", &tls.url, 0, ca_file.to_str().unwrap())).await;

    let item = send(app, &key, "wrong name").await;
    assert_eq!(item["status"], "failed", "{item}");
    assert_eq!(item["error"]["code"], "upstream_tls_error");
    let (ok, message) = test_button(app, g.id).await;
    assert!(!ok);
    assert!(message.starts_with("upstream_tls_error"), "{message}");
    assert!(message.contains("not valid for name"), "{message}");
    // Refused in the handshake: the fake never read a request.
    assert_eq!((f.send_requests(), f.requests().len()), (0, 0));
    assert!(tls.failed_handshakes() >= 1);
}

async fn an_untrusted_ca_is_refused_and_fails_over(app: &TestApp) {
    app.login().await;
    let key = sms_key(app).await;
    let ca = TestCa::new("a CA nobody trusts");
    let f = fake();
    let tls = sms_fake::spawn_tls(f.clone(), &ca.issue(&["localhost"])).await;
    let g = add_gateway(app, gw_input("tls", &tls.url, 0, "")).await;

    let item = send(app, &key, "untrusted").await;
    assert_eq!(item["status"], "failed", "{item}");
    assert_eq!(item["error"]["code"], "upstream_tls_error");
    let (ok, message) = test_button(app, g.id).await;
    assert!(
        !ok && message.starts_with("upstream_tls_error"),
        "{message}"
    );
    assert!(message.contains("UnknownIssuer"), "{message}");
    assert_eq!(f.send_requests(), 0);

    // Nothing was sent, so the next gateway takes the message.
    let backup = fake();
    let plain = sms_fake::spawn(backup.clone()).await;
    add_gateway(app, gw_input("backup", &plain, 5, "")).await;
    let item = send(app, &key, "moves on").await;
    assert_eq!(item["status"], "accepted", "{item}");
    assert_eq!(item["gateway"], "backup");
    assert_eq!((f.send_requests(), backup.send_requests()), (0, 1));
    let h = history(app, &key, item["id"].as_str().unwrap()).await;
    assert_eq!(h[0]["source"], "failover");
    assert_eq!(h[0]["raw_error"], "upstream_tls_error");
    assert_eq!(h[1]["source"], "submit");
}

async fn an_untrusted_ca_is_accepted_once_its_file_is_set(app: &TestApp) {
    app.login().await;
    let key = sms_key(app).await;
    let ca = TestCa::new("the provider's private CA");
    let f = fake();
    let tls = sms_fake::spawn_tls(f.clone(), &ca.issue(&["localhost"])).await;
    let g = add_gateway(app, gw_input("tls", &tls.url, 0, "")).await;
    assert_eq!(
        send(app, &key, "before").await["error"]["code"],
        "upstream_tls_error"
    );
    assert_eq!(f.send_requests(), 0);

    // The CA file set on the gateway (as the panel and the CLI do): trusted from the next message.
    let (_dir, ca_file) = pem_file(&ca.cert_pem());
    let mut input = gw_input("tls", &tls.url, 0, ca_file.to_str().unwrap());
    input.password = None;
    gateways::update(&app.db, &Actor::Cli, g.id, &input)
        .await
        .unwrap();
    assert_eq!(test_button(app, g.id).await, (true, "OK: 10025".into()));
    let item = send(app, &key, "after").await;
    assert_eq!(item["status"], "accepted", "{item}");
    assert_eq!(f.send_requests(), 1);
    assert_eq!(f.queued()[0].text, "after");

    // A CA file removed after it was saved: the gateway is refused again, and the test button
    // says why without connecting.
    std::fs::remove_file(&ca_file).unwrap();
    let (ok, message) = test_button(app, g.id).await;
    assert!(
        !ok && message.starts_with("upstream_tls_error"),
        "{message}"
    );
    assert!(message.contains("CA file"), "{message}");
    assert_eq!(
        send(app, &key, "gone").await["error"]["code"],
        "upstream_tls_error"
    );
    assert_eq!(f.send_requests(), 1);
}

async fn ca_files_are_checked_when_saved(app: &TestApp) {
    app.login().await;
    let ca = TestCa::new("ccgate test CA");
    let (dir, good) = pem_file(&ca.cert_pem());
    let not_pem = dir.path().join("notes.txt");
    std::fs::write(&not_pem, "not a certificate").unwrap();
    let missing = dir.path().join("missing.pem");

    let save = |ca_file: String| {
        let c = app.client.clone();
        let u = app.url("/rpc/sms/gateways/save");
        async move {
            c.post(u)
                .header("Accept", "application/json")
                .json(&json!({"id": null, "values": [
                    ["name", "tls"], ["kind", "smstraffic"], ["url", "https://localhost:1/multi.php"],
                    ["reserve_url", ""], ["sender", ""], ["login", "l"], ["password", "p"],
                    ["rate_limit", "10"], ["max_parts", "5"], ["timeout_ms", "5000"],
                    ["priority", "1"], ["ca_file", ca_file], ["enabled", "true"]]}))
                .send()
                .await
                .unwrap()
        }
    };
    for (bad, why) in [
        (missing.to_str().unwrap().to_string(), "missing.pem"),
        (not_pem.to_str().unwrap().to_string(), "no PEM certificate"),
        ("relative/ca.pem".to_string(), "absolute path"),
    ] {
        let r = save(bad.clone()).await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{bad}");
        let text = r.text().await.unwrap();
        assert!(
            text.contains("ca_file") && text.contains(why),
            "{bad}: {text}"
        );
    }
    assert!(gateways::list(&app.db).await.unwrap().is_empty());
    let r = save(good.to_str().unwrap().to_string()).await;
    assert_eq!(r.status(), StatusCode::OK);
    let row: Value = r.json().await.unwrap();
    assert_eq!(row["ca_file"], good.to_str().unwrap());

    // The CLI flag goes through the same check.
    use clap::Parser;
    let parse = |path: &str| {
        let cli = server::cli::Cli::try_parse_from([
            "ccgate",
            "sms-gateways",
            "add",
            "cli",
            "--url",
            "https://localhost:1/multi.php",
            "--ca-file",
            path,
        ])
        .unwrap();
        let Some(server::cli::Command::SmsGateways {
            action: server::cli::sms::SmsGatewaysCmd::Add(args),
        }) = cli.command
        else {
            panic!("not an sms-gateways add")
        };
        server::cli::sms::of_args(&args, None)
    };
    let input = parse(missing.to_str().unwrap());
    match gateways::create(&app.db, &Actor::Cli, &input).await {
        Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, "ca_file"),
        other => panic!("{other:?}"),
    }
    let g = gateways::create(&app.db, &Actor::Cli, &parse(good.to_str().unwrap()))
        .await
        .unwrap();
    assert_eq!(g.ca_file, good.to_str().unwrap());
    // SMPP does not use TLS: a CA file there is refused.
    let smpp = GatewayInput {
        name: "smpp".into(),
        kind: "smpp".into(),
        url: "smpp://127.0.0.1:2775".into(),
        reserve_url: String::new(),
        login: "ccgate".into(),
        ca_file: good.to_str().unwrap().into(),
        ..GatewayInput::default()
    };
    match gateways::create(&app.db, &Actor::Cli, &smpp).await {
        Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, "ca_file"),
        other => panic!("{other:?}"),
    }
}
