//! The manual against the code: its chapters are public, every catalogue method has its card on
//! «Модули API» and its operation in the OpenAPI document, every error code is on «Ошибки» in
//! both languages and is one the code can answer, the document's examples validate against its
//! own schemas, and «Что может этот ключ» says what the API then answers.

use ccgate_catalogue::errors::ErrorCode;
use reqwest::StatusCode;
use serde_json::Value;

use crate::helpers::TestApp;
use crate::openapi::{esc, validate_at};

both_backends!(
    the_manual_is_public_and_matches_the_code,
    the_key_view_says_what_the_api_answers
);

/// Text as the page writes it into HTML.
fn html_text(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

async fn page(app: &TestApp, path: &str, lang: &str) -> (StatusCode, String) {
    let r = crate::helpers::client()
        .get(app.url(path))
        .header("Cookie", format!("ccgate_lang={lang}"))
        .send()
        .await
        .unwrap();
    (r.status(), r.text().await.unwrap())
}

async fn the_manual_is_public_and_matches_the_code(app: &TestApp) {
    // Every chapter answers without a session, in both languages.
    for path in [
        "/docs",
        "/docs/panel",
        "/docs/connect",
        "/docs/api",
        "/docs/errors",
        "/docs/install",
    ] {
        for lang in ["ru", "en"] {
            let (status, _) = page(app, path, lang).await;
            assert_eq!(status, StatusCode::OK, "{path} in {lang}");
        }
    }
    // «Что может этот ключ» is for a signed-in admin.
    let r = crate::helpers::client()
        .get(app.url("/docs/key"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();

    // Every catalogue method: an operation in the document and a card in the reference.
    let (_, reference) = page(app, "/docs/api", "ru").await;
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let verb = x.verb.as_str().to_ascii_lowercase();
        assert!(
            doc["paths"][&path][&verb].is_object(),
            "{} {path} is not in the document",
            x.verb.as_str()
        );
        assert!(
            reference.contains(&format!("id=\"{}.{}\"", m.name, x.name)),
            "{}.{} has no card on /docs/api",
            m.name,
            x.name
        );
        // Its title, from the catalogue, in the page's language.
        assert!(
            reference.contains(&html_text(x.title_ru)),
            "{}.{}",
            m.name,
            x.name
        );
    }

    // Every error code: a row on «Ошибки» with its meaning in each language.
    for (lang, doc_of) in [
        ("ru", ErrorCode::doc_ru as fn(ErrorCode) -> &'static str),
        ("en", ErrorCode::doc as fn(ErrorCode) -> &'static str),
    ] {
        let (_, html) = page(app, "/docs/errors", lang).await;
        for c in ErrorCode::ALL {
            assert!(
                html.contains(&format!("id=\"{}\"", c.as_str())),
                "{} in {lang}",
                c.as_str()
            );
            assert!(
                html.contains(&html_text(doc_of(*c))),
                "{}: {lang} text missing",
                c.as_str()
            );
        }
    }

    // Every example in the document validates against the schema beside it.
    let mut checked = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (verb, op) in item.as_object().unwrap() {
            let mut places = Vec::new();
            if let Some(content) = op
                .pointer("/requestBody/content")
                .and_then(Value::as_object)
            {
                for (media, c) in content {
                    places.push((format!("requestBody/content/{}", esc(media)), c));
                }
            }
            for (status, r) in op["responses"].as_object().into_iter().flatten() {
                for (media, c) in r["content"].as_object().into_iter().flatten() {
                    places.push((format!("responses/{status}/content/{}", esc(media)), c));
                }
            }
            for (at, c) in places {
                let Some(example) = c.get("example") else {
                    continue;
                };
                let pointer = format!("/paths/{}/{verb}/{at}/schema", esc(path));
                if let Err(e) = validate_at(&doc, &pointer, example) {
                    panic!("the example of {verb} {path} {at} does not match its schema: {e}");
                }
                checked += 1;
            }
        }
    }
    // An answer example for every catalogue method, and the request bodies' examples.
    assert!(
        checked >= ccgate_catalogue::all().count(),
        "only {checked} examples in the document"
    );
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/api/v1/{}/{}", m.name, x.name);
        let verb = x.verb.as_str().to_ascii_lowercase();
        let ok = doc["paths"][&path][&verb]["responses"]
            .as_object()
            .unwrap()
            .iter()
            .find(|(s, _)| s.starts_with('2'))
            .map(|(_, r)| r.clone())
            .unwrap_or_default();
        let has_example = ok["content"]
            .as_object()
            .is_some_and(|c| c.values().any(|c| c.get("example").is_some()))
            || ok["content"]
                .as_object()
                .is_some_and(|c| !c.contains_key("application/json"));
        assert!(
            has_example,
            "{verb} {path}: no example answer in the document"
        );
    }
}

/// Every error code is one the code can answer: its variant is named outside the catalogue.
#[test]
fn every_documented_error_code_is_answered_somewhere() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
    let mut text = String::new();
    for dir in ["core/src", "server/src", "app/src"] {
        read_rust(&root.join(dir), &mut text);
    }
    for c in ErrorCode::ALL {
        let name = format!("{c:?}");
        let used = text.match_indices(&name).any(|(i, _)| {
            let before = text[..i].chars().next_back().unwrap_or(' ');
            let after = text[i + name.len()..].chars().next().unwrap_or(' ');
            !before.is_alphanumeric() && before != '_' && !after.is_alphanumeric() && after != '_'
        });
        assert!(
            used,
            "ErrorCode::{name} ({}) is documented but nothing answers it",
            c.as_str()
        );
    }
}

fn read_rust(dir: &std::path::Path, out: &mut String) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            read_rust(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push_str(&std::fs::read_to_string(&p).unwrap());
            out.push('\n');
        }
    }
}

async fn the_key_view_says_what_the_api_answers(app: &TestApp) {
    let (granted_id, key) = app.api_user("key-view", &["cc.queues"]).await;
    let (blocked_id, blocked_key) = app.api_user("key-view-blocked", &["cc.queues"]).await;
    assert!(app.login().await.status().is_success());
    // Block one user and switch one method off for everyone.
    let r = app
        .rpc(
            &app.client,
            "users/status",
            &[("id", &blocked_id.to_string()), ("blocked", "true")],
        )
        .await;
    assert!(r.status().is_success(), "{}", r.text().await.unwrap());
    use ccgate_core::access::{audit::Actor, settings};
    settings::set(
        &app.db,
        &Actor::Cli,
        &settings::method_key("sms", "send"),
        "false",
    )
    .await
    .unwrap();
    app.live.reload().await.unwrap();

    for (user, key) in [(granted_id, &key), (blocked_id, &blocked_key)] {
        let r = app
            .rpc(&app.client, "docs/key", &[("user_id", &user.to_string())])
            .await;
        assert_eq!(r.status(), StatusCode::OK);
        let view: Value = r.json().await.unwrap();
        for m in view["methods"].as_array().unwrap() {
            let (module, method) = (m["module"].as_str().unwrap(), m["method"].as_str().unwrap());
            let x = ccgate_catalogue::method(module, method).unwrap().1;
            let path = format!("/api/v1/{module}/{method}");
            let answer = app.api(x.verb.as_str(), &path, Some(key)).await;
            let status = answer.status();
            let body: Value = answer.json().await.unwrap_or_default();
            match m["refusal"].as_str() {
                Some(code) => {
                    assert_eq!(body["error"]["code"], code, "{path} for user {user}");
                }
                None => assert!(
                    !matches!(status.as_u16(), 401 | 403),
                    "{path}: the view says allowed, the API answered {status} {body}"
                ),
            }
        }
    }
    let view: Value = app
        .rpc(
            &app.client,
            "docs/key",
            &[("user_id", &granted_id.to_string())],
        )
        .await
        .json()
        .await
        .unwrap();
    let verdict = |name: &str| {
        view["methods"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| {
                format!(
                    "{}.{}",
                    m["module"].as_str().unwrap(),
                    m["method"].as_str().unwrap()
                ) == name
            })
            .map(|m| m["refusal"].clone())
            .unwrap()
    };
    assert_eq!(verdict("cc.queues"), Value::Null);
    assert_eq!(verdict("cc.cdr"), "permission_denied");
    assert_eq!(verdict("sms.send"), "method_disabled");
    // Without a session the view answers nothing.
    let r = app
        .rpc(
            &crate::helpers::client(),
            "docs/key",
            &[("user_id", &granted_id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
