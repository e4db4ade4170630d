//! What the OpenAPI document says of the limits: the `RateLimit-*` headers on every
//! authenticated answer, `Retry-After` on 429, `rate_limited` for every method and
//! `quota_exceeded` for the two methods with quotas, `ip_not_allowed` among the 403 codes.

use crate::helpers::TestApp;
use serde_json::Value;

both_backends!(the_document_tells_of_limits);

fn codes(op: &Value, status: &str) -> Vec<String> {
    op["responses"][status]["content"]["application/json"]["schema"]["allOf"][1]["properties"]
        ["error"]["properties"]["code"]["enum"]
        .as_array()
        .map(|a| a.iter().map(|c| c.as_str().unwrap().to_string()).collect())
        .unwrap_or_default()
}

async fn the_document_tells_of_limits(app: &TestApp) {
    let doc: Value = app
        .client
        .get(app.url("/api/v1/openapi.json"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let op = |path: &str, verb: &str| doc["paths"][path][verb].clone();
    let add = op("/api/v1/cc/add", "post");
    assert_eq!(codes(&add, "429"), ["quota_exceeded", "rate_limited"]);
    let send = op("/api/v1/sms/send", "post");
    assert!(codes(&send, "429").contains(&"quota_exceeded".to_string()));
    let me = op("/api/v1/me", "get");
    assert_eq!(codes(&me, "429"), ["rate_limited"]);
    assert!(codes(&me, "403").contains(&"ip_not_allowed".to_string()));
    for name in ["RateLimit-Limit", "RateLimit-Remaining", "RateLimit-Reset"] {
        assert!(
            add["responses"]["202"]["headers"][name].is_object(),
            "{name}"
        );
        assert!(
            me["responses"]["429"]["headers"][name].is_object(),
            "{name}"
        );
    }
    assert!(add["responses"]["429"]["headers"]["Retry-After"].is_object());
    assert!(add["responses"]["202"]["headers"]["Retry-After"].is_null());
    // The document itself needs no key: no limits either.
    let open = op("/api/v1/openapi.json", "get");
    assert!(open["responses"]["200"]["headers"]["RateLimit-Limit"].is_null());
}
