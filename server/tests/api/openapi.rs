//! The OpenAPI document at `GET /api/v1/openapi.json` against the running application: served
//! without a key, OpenAPI 3.1, every catalogue method at its verb, every documented operation
//! routed (and its answer — status, content type, body — as documented), every error code in the
//! `ErrorCode` enum, and real answers of `me`, `cc/*` against fs-sim, `sms/*` against the SMS
//! fake, `stats/all` and the reports valid against their schemas.

use reqwest::StatusCode;
use serde_json::{json, Value};

use crate::contact_center::{configure, copy_dir, start_fs};
use crate::helpers::TestApp;

both_backends!(the_document_describes_what_is_served);

/// `~` and `/` escaped for a JSON pointer, `{` and `}` for the URI fragment holding it.
pub fn esc(s: &str) -> String {
    s.replace('~', "~0")
        .replace('/', "~1")
        .replace('{', "%7B")
        .replace('}', "%7D")
}

/// Check one answer against the document: its status is documented for the operation, its
/// content type is one of that response's, and a JSON body validates against the schema.
fn conforms(
    doc: &Value,
    template: &str,
    verb: &str,
    status: u16,
    content_type: &str,
    body: &[u8],
) -> Result<(), String> {
    let op = &doc["paths"][template][verb];
    if !op.is_object() {
        return Err(format!("{verb} {template} is not documented"));
    }
    let resp = &op["responses"][status.to_string()];
    if !resp.is_object() {
        return Err(format!(
            "{verb} {template}: status {status} is not documented"
        ));
    }
    let Some(content) = resp["content"].as_object() else {
        return if body.is_empty() {
            Ok(())
        } else {
            Err(format!(
                "{verb} {template} {status}: a body where none is documented"
            ))
        };
    };
    let media = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    if !content.contains_key(&media) {
        return Err(format!(
            "{verb} {template} {status}: content type {media} is not among {:?}",
            content.keys().collect::<Vec<_>>()
        ));
    }
    if media != "application/json" {
        return Ok(());
    }
    let instance: Value = serde_json::from_slice(body)
        .map_err(|e| format!("{verb} {template} {status}: not JSON: {e}"))?;
    let pointer = format!(
        "/paths/{}/{verb}/responses/{status}/content/{}/schema",
        esc(template),
        esc(&media)
    );
    validate_at(doc, &pointer, &instance).map_err(|e| format!("{verb} {template} {status}: {e}"))
}

/// Validate `instance` against the schema at the JSON pointer `pointer` of the document (its
/// `$ref`s resolved within the document).
pub fn validate_at(doc: &Value, pointer: &str, instance: &Value) -> Result<(), String> {
    let mut root = doc.clone();
    root["$ref"] = json!(format!("#{pointer}"));
    let validator = jsonschema::validator_for(&root)
        .map_err(|e| format!("the schema does not compile: {e}"))?;
    let errors: Vec<String> = validator
        .iter_errors(instance)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(format!("{} in {instance}", errors.join("; ")))
    }
}

/// Send a request and check the answer against the document; returns status and body.
async fn call(
    app: &TestApp,
    doc: &Value,
    verb: &str,
    template: &str,
    url_path: &str,
    key: Option<&str>,
    body: Option<Value>,
) -> (StatusCode, Vec<u8>) {
    let url = app.url(url_path);
    let mut rb = match verb {
        "post" => app.client.post(url),
        "delete" => app.client.delete(url),
        _ => app.client.get(url),
    };
    if let Some(b) = body {
        rb = rb.json(&b);
    }
    if let Some(k) = key {
        rb = rb.bearer_auth(k);
    }
    let r = rb.send().await.unwrap();
    let status = r.status();
    let ct = r
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    assert!(
        r.headers().contains_key("x-request-id"),
        "{verb} {url_path}: no X-Request-Id"
    );
    let bytes = r.bytes().await.unwrap().to_vec();
    if let Err(e) = conforms(doc, template, verb, status.as_u16(), &ct, &bytes) {
        panic!("{url_path}: {e}");
    }
    (status, bytes)
}

fn json_of(b: &[u8]) -> Value {
    serde_json::from_slice(b).unwrap_or(Value::Null)
}

async fn the_document_describes_what_is_served(app: &TestApp) {
    // Served without a key.
    let r = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("application/json"));
    let doc: Value = r.json().await.unwrap();
    assert!(
        doc["openapi"].as_str().unwrap().starts_with("3.1"),
        "{}",
        doc["openapi"]
    );

    // Every catalogue method at its verb, and `me`.
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let verb = x.verb.as_str().to_ascii_lowercase();
        let op = &doc["paths"][&path][&verb];
        assert!(op.is_object(), "{verb} {path} is not in the document");
        assert_eq!(op["operationId"], format!("{}.{}", m.name, x.name));
        for code in [401, 403, 500] {
            assert!(
                op["responses"][code.to_string()].is_object(),
                "{path}: no {code}"
            );
        }
    }
    assert!(doc["paths"]["/api/v1/me"]["get"].is_object());
    // The checker itself refuses what the document does not allow.
    let me = "/api/v1/me";
    let ok = br#"{"user":{"id":"1","login":"a","note":""},"key":{"id":"2","name":"k","prefix":"ccg_","expires_at":null},"permissions":[]}"#;
    conforms(&doc, me, "get", 200, "application/json", ok).unwrap();
    assert!(conforms(&doc, me, "get", 200, "application/json", br#"{"user":1}"#).is_err());
    assert!(conforms(&doc, me, "get", 418, "application/json", ok).is_err());
    assert!(conforms(&doc, me, "get", 200, "text/html", ok).is_err());
    let forbidden =
        br#"{"error":{"code":"queue_not_found","message":"m","request_id":"r","more_info":"x"}}"#;
    assert!(conforms(&doc, me, "get", 401, "application/json", forbidden).is_err());

    // Every error code of the catalogue in the document's enum.
    let codes: Vec<&str> = doc["components"]["schemas"]["ErrorCode"]["enum"]
        .as_array()
        .expect("the ErrorCode enum")
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    for c in ccgate_catalogue::errors::ErrorCode::ALL {
        assert!(
            codes.contains(&c.as_str()),
            "{} is not in the document",
            c.as_str()
        );
    }
    assert_eq!(codes.len(), ccgate_catalogue::errors::ErrorCode::ALL.len());

    // The security schemes the pipeline accepts, required everywhere but here.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["apiKey"]["name"], "X-API-Key");
    assert_eq!(schemes["basic"]["scheme"], "basic");
    assert_eq!(
        doc["paths"]["/api/v1/openapi.json"]["get"]["security"],
        json!([])
    );
    assert!(doc["paths"]["/api/v1/sms/send"]["post"]["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .any(|p| p["name"] == "Idempotency-Key" && p["in"] == "header"));

    // A key granted every method; FreeSWITCH (fs-sim) and an SMS gateway (the fake) configured.
    let all: Vec<String> = ccgate_catalogue::all()
        .map(|(m, x)| format!("{}.{}", m.name, x.name))
        .collect();
    let all: Vec<&str> = all.iter().map(String::as_str).collect();
    let (_, key) = app.api_user("crm-openapi", &all).await;
    let fs = start_fs(fs_sim::scenario::Scenario::Demo).await;
    let cdr_dir = tempfile::tempdir().unwrap();
    copy_dir(
        &std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/freeswitch/cdr"),
        cdr_dir.path(),
    );
    configure(
        app,
        &[
            ("transport", "xml_rpc".into()),
            ("host", "127.0.0.1".into()),
            ("port", fs.http_port.to_string()),
            ("esl_port", fs.esl_port.to_string()),
            ("cdr_path", cdr_dir.path().display().to_string()),
            ("cdr_scan_seconds", "1".into()),
        ],
    )
    .await;
    let (_fake, sms_url) = crate::sms::fake().await;
    crate::sms::add_gateway(app, crate::sms::gw_input("main", &sms_url, 0)).await;
    app.live.reload().await.unwrap();

    // Every documented operation is routed, and what it answers is documented. Path parameters
    // get a well-formed id nobody has; bodies are `{}`.
    let paths = doc["paths"].as_object().unwrap();
    let mut calls = 0;
    for (template, item) in paths {
        for verb in ["get", "post", "delete", "put", "patch"] {
            if !item[verb].is_object() {
                continue;
            }
            let url = template
                .replace("{id}", "00000000-0000-0000-0000-000000000000")
                .replace("{uuid}", "00000000-0000-0000-0000-000000000000");
            assert!(
                !url.contains('{'),
                "{template}: a path parameter the test does not fill"
            );
            let body = (verb == "post").then(|| json!({}));
            let (status, bytes) = call(app, &doc, verb, template, &url, Some(&key), body).await;
            let v = json_of(&bytes);
            assert!(
                !(status == StatusCode::NOT_FOUND
                    && v["error"]["code"] == "not_found"
                    && v["error"]["message"]
                        .as_str()
                        .unwrap_or("")
                        .contains("no such API route")),
                "{verb} {template} is documented but not routed"
            );
            assert_ne!(status, StatusCode::METHOD_NOT_ALLOWED, "{verb} {template}");
            calls += 1;
        }
    }
    assert!(calls >= 18, "{calls}");

    // Refusals are documented too: no key, a bad key.
    let (s, _) = call(app, &doc, "get", "/api/v1/me", "/api/v1/me", None, None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/queues",
        "/api/v1/cc/queues",
        Some("ccg_nope"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (_, narrow) = app.api_user("crm-narrow", &["sms.getStatus"]).await;
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/queues",
        "/api/v1/cc/queues",
        Some(&narrow),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // Real answers, valid against their schemas.
    let (s, b) = call(
        app,
        &doc,
        "get",
        "/api/v1/me",
        "/api/v1/me",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(json_of(&b)["user"]["login"], "crm-openapi");
    let (s, b) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/queues",
        "/api/v1/cc/queues",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let queues = json_of(&b);
    let first = queues["items"][0]["name"]
        .as_str()
        .expect("fs-sim's demo queues")
        .to_string();
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/queue",
        &format!("/api/v1/cc/queue?name={first}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/tiers",
        "/api/v1/cc/tiers",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let tier = json_of(&b)["items"][0].clone();
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/tier",
        &format!(
            "/api/v1/cc/tier?queue={}&agent={}",
            tier["queue"].as_str().unwrap(),
            tier["agent"].as_str().unwrap()
        ),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/queue",
        "/api/v1/cc/queue?name=nosuchqueue",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The real CDRs of testdata/freeswitch, once indexed.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(15);
    let cdrs = loop {
        let (s, b) = call(
            app,
            &doc,
            "get",
            "/api/v1/cc/cdr",
            "/api/v1/cc/cdr?limit=1000",
            Some(&key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
        let v = json_of(&b);
        if v["total"].as_u64().unwrap_or(0) >= 5 {
            break v;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "CDRs not indexed in time: {v}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    for cdr in cdrs["items"].as_array().unwrap() {
        let uuid = cdr["uuid"].as_str().unwrap();
        let (s, _) = call(
            app,
            &doc,
            "get",
            "/api/v1/cc/cdr/{uuid}",
            &format!("/api/v1/cc/cdr/{uuid}"),
            Some(&key),
            None,
        )
        .await;
        assert_eq!(s, StatusCode::OK);
    }
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/cdr",
        "/api/v1/cc/cdr?format=csv",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, b) = call(
        app,
        &doc,
        "post",
        "/api/v1/cc/add",
        "/api/v1/cc/add",
        Some(&key),
        Some(json!({"contacts": [{"phone": "89161234567", "queue": first}, {"phone": "12"}]})),
    )
    .await;
    assert_eq!(s, StatusCode::ACCEPTED, "{}", String::from_utf8_lossy(&b));
    let batch = json_of(&b)["batch_id"].as_str().unwrap().to_string();
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/cc/add/{id}",
        &format!("/api/v1/cc/add/{batch}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    let (s, b) = call(
        app,
        &doc,
        "post",
        "/api/v1/sms/send",
        "/api/v1/sms/send",
        Some(&key),
        Some(json!({"phones": ["89161234567", "nope"], "text": "Привет"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let id = json_of(&b)["items"][0]["id"].as_str().unwrap().to_string();
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/sms/getStatus",
        &format!("/api/v1/sms/getStatus?id={id},m0000&history=true"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);

    let (s, b) = call(
        app,
        &doc,
        "get",
        "/api/v1/stats/all",
        "/api/v1/stats/all",
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&b));
    let (s, _) = call(
        app,
        &doc,
        "get",
        "/api/v1/stats/get",
        &format!("/api/v1/stats/get?project={first}"),
        Some(&key),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    for (report, group) in [
        ("request", "method"),
        ("badRequest", "error_code"),
        ("users", "user"),
        ("sms", "status"),
    ] {
        let path = format!("/api/v1/reports/{report}");
        let (s, b) = call(
            app,
            &doc,
            "get",
            &path,
            &format!("{path}?group_by={group}"),
            Some(&key),
            None,
        )
        .await;
        assert_eq!(
            s,
            StatusCode::OK,
            "{report}: {}",
            String::from_utf8_lossy(&b)
        );
    }
}
