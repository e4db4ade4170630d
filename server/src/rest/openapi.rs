//! The OpenAPI 3.1 document of `/api/v1`, served at `GET /api/v1/openapi.json` (no API key: it
//! holds nothing secret). It is never written by hand: [`super::routes_and_document`] gets the
//! operations from the handlers' own `#[utoipa::path]` annotations, registered by the same
//! `utoipa_axum::routes!` calls that route them, with the schemas derived (`ToSchema`) on the
//! very types the handlers answer with (core's `openapi` feature). This module only adds what is
//! common to every method, from the tables that decide it at run time:
//!
//! * the security schemes the pipeline accepts (`pipeline::credential`): `Authorization: Bearer`,
//!   `X-API-Key`, HTTP Basic `login:key`; none for this document itself;
//! * the error answers: the body `ErrorBody` with the catalogue's `ErrorCode` enum, and per
//!   operation and status the codes it can answer. A handler names its own codes in its error
//!   responses' descriptions, in backticks (`` `queue_not_found` ``); the pipeline's are added
//!   here (401 `auth_*`, 403 `user_blocked` / `ip_not_allowed` / `method_disabled` /
//!   `permission_denied`, 429 `rate_limited`, 500
//!   `internal_error`; for a JSON body 400/413/415). Each error response's schema pins `code` to
//!   exactly those codes, and a code whose HTTP status differs from the response's is refused
//!   when the router is built;
//! * the catalogue methods no module serves (501 `not_implemented`), the catalogue titles as
//!   summaries, the `X-Request-Id` header of every answer, the `RateLimit-*` headers of every
//!   authenticated answer and `Retry-After` of its 429, and the `/api` prefix of every path.

use ccgate_catalogue::errors::ErrorCode;
use ccgate_catalogue::{Method, Module, Verb};
use ccgate_core::platform::error::ErrorCodeSchema;
use serde_json::{json, Map, Value};
use utoipa::openapi::path::{Operation, PathItem};
use utoipa::openapi::OpenApi;
use utoipa::ToSchema;

use super::error::ErrorBody;
use super::pipeline::REQUEST_ID;

/// The document's route, relative to `/api`.
pub const ROUTE: &str = "/v1/openapi.json";
/// Where the REST router is nested.
pub const PREFIX: &str = "/api";

/// The operations of a path item.
pub fn operations_mut(item: &mut PathItem) -> impl Iterator<Item = &mut Operation> {
    [
        &mut item.get,
        &mut item.put,
        &mut item.post,
        &mut item.delete,
        &mut item.options,
        &mut item.head,
        &mut item.patch,
        &mut item.trace,
    ]
    .into_iter()
    .flatten()
}

const VERBS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// What the pipeline does before a handler runs, which decides the common answers.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Gate {
    /// This document: no authentication.
    Open,
    /// `/v1/me`: authentication only.
    Authenticated,
    /// A catalogue method: authentication, switch, permission.
    Method,
}

fn gate_of(path: &str) -> Gate {
    match path {
        ROUTE => Gate::Open,
        "/v1/me" => Gate::Authenticated,
        _ => Gate::Method,
    }
}

/// The codes the pipeline and the extractors add to an operation.
fn common_codes(gate: Gate, verb: &str, has_json_body: bool) -> Vec<ErrorCode> {
    use ErrorCode::*;
    let mut codes = Vec::new();
    if gate == Gate::Open {
        return codes;
    }
    codes.extend([
        AuthMissing,
        AuthInvalid,
        KeyExpired,
        UserBlocked,
        IpNotAllowed,
        RateLimited,
    ]);
    if gate == Gate::Method {
        codes.extend([MethodDisabled, PermissionDenied]);
    }
    if verb == "post" && has_json_body {
        codes.extend([
            InvalidJson,
            UnknownField,
            InvalidParameter,
            PayloadTooLarge,
            UnsupportedMediaType,
        ]);
    }
    codes.push(InternalError);
    codes
}

fn code_named(name: &str) -> Option<ErrorCode> {
    ErrorCode::ALL.iter().copied().find(|c| c.as_str() == name)
}

/// The error codes named in backticks in `text`.
fn codes_in(text: &str) -> Vec<ErrorCode> {
    text.split('`')
        .skip(1)
        .step_by(2)
        .filter_map(code_named)
        .collect()
}

fn schema_value<T: ToSchema>() -> (String, Value) {
    (
        T::name().into_owned(),
        serde_json::to_value(T::schema()).unwrap_or(Value::Null),
    )
}

/// An error answer whose `code` is one of `codes`.
fn error_response(status: u16, codes: &[ErrorCode], intro: &str) -> Value {
    let mut lines: Vec<String> = Vec::new();
    if !intro.is_empty() {
        lines.push(intro.to_string());
    }
    for c in codes {
        assert_eq!(
            c.status(),
            status,
            "error code `{}` answers {}, not {status}",
            c.as_str(),
            c.status()
        );
        lines.push(format!("* `{}` — {}", c.as_str(), c.doc()));
    }
    let names: Vec<&str> = codes.iter().map(|c| c.as_str()).collect();
    json!({
        "description": lines.join("\n"),
        "content": {"application/json": {"schema": {"allOf": [
            {"$ref": "#/components/schemas/ErrorBody"},
            {"type": "object", "properties": {"error": {"type": "object",
                "properties": {"code": {"enum": names}}}}}
        ]}}},
    })
}

/// Complete one operation: the common error answers, the codes' schemas, the request id header.
fn finish_operation(op: &mut Value, gate: Gate, verb: &str) {
    let has_json_body = op
        .pointer("/requestBody/content")
        .and_then(Value::as_object)
        .is_some_and(|c| c.keys().any(|k| k.contains("json")));
    let responses = op["responses"].as_object_mut().expect("responses");
    // Status → (the handler's own description, its codes).
    let mut errors: std::collections::BTreeMap<u16, (String, Vec<ErrorCode>)> =
        std::collections::BTreeMap::new();
    let statuses: Vec<String> = responses.keys().cloned().collect();
    for s in statuses {
        let Ok(status) = s.parse::<u16>() else {
            panic!("response `{s}`: give the status, not a range")
        };
        if status < 400 {
            continue;
        }
        let r = responses.remove(&s).expect("listed");
        let text = r["description"].as_str().unwrap_or("").to_string();
        let codes = codes_in(&text);
        assert!(
            !codes.is_empty(),
            "a {status} answer must name its error codes in backticks: {text}"
        );
        // The handler's own words, without the code list they start with.
        let intro = text
            .rsplit_once('`')
            .map(|(_, rest)| rest.trim_start_matches([':', ',', ' ', '.', '—', '-']))
            .unwrap_or("")
            .trim()
            .to_string();
        errors.insert(status, (intro, codes));
    }
    for c in common_codes(gate, verb, has_json_body) {
        let e = errors.entry(c.status()).or_default();
        if !e.1.contains(&c) {
            e.1.push(c);
        }
    }
    for (status, (intro, codes)) in errors {
        responses.insert(status.to_string(), error_response(status, &codes, &intro));
    }
    for (status, r) in responses.iter_mut() {
        r["headers"][header_name()] = json!({
            "description": "The request's id: the caller's `X-Request-Id` if well formed (1–128 of `A-Z a-z 0-9 . _ : -`), else a new one. Also in every error body.",
            "schema": {"type": "string"}
        });
        if gate == Gate::Open {
            continue;
        }
        for (name, text) in RATE_HEADERS {
            r["headers"][*name] = json!({
                "description": text,
                "schema": {"type": "integer", "minimum": 0}
            });
        }
        if status == "429" {
            r["headers"]["Retry-After"] = json!({
                "description": "Whole seconds until the limit that was reached starts counting again.",
                "schema": {"type": "integer", "minimum": 1}
            });
        }
    }
    if gate == Gate::Open {
        op["security"] = json!([]);
    }
}

/// The IETF draft `RateLimit-*` fields the pipeline adds for a caller with an applicable limit
/// (`pipeline::rate_headers`).
const RATE_HEADERS: &[(&str, &str)] = &[
    ("RateLimit-Limit", "Only for an API user with a limit that applies to this request (requests per minute overall or for this method; for `cc/add` and `sms/send` also their daily and monthly quotas): the tightest such limit, the one with the least left."),
    ("RateLimit-Remaining", "What is left of that limit in its current window (requests, contacts or SMS parts)."),
    ("RateLimit-Reset", "Whole seconds until that limit's window ends and its count starts again (the minute, or the day or month of the configured zone)."),
];

fn header_name() -> &'static str {
    // The pipeline's header, as integrators write it.
    debug_assert_eq!(REQUEST_ID, "x-request-id");
    "X-Request-Id"
}

/// A catalogue method no module serves: authorised, it answers 501.
fn unimplemented_item(m: &Module, x: &Method) -> (String, Value) {
    let mut op = json!({
        "tags": [m.name],
        "operationId": format!("{}.{}", m.name, x.name),
        "summary": x.title_en,
        "responses": {"501": {"description": "`not_implemented`"}},
    });
    if x.verb == Verb::Post {
        op["requestBody"] =
            json!({"required": true, "content": {"application/json": {"schema": {}}}});
    }
    (
        format!("/v1/{}/{}", m.name, x.name),
        json!({ x.verb.as_str().to_ascii_lowercase(): op }),
    )
}

/// The document: the routers' operations (`api`), the catalogue methods not served (`missing`)
/// and what every method shares.
pub fn document(api: OpenApi, missing: &[(&Module, &Method)]) -> Value {
    let mut doc = serde_json::to_value(&api).expect("the document serialises");
    doc["info"] = json!({
        "title": "ccgate API",
        "version": env!("CARGO_PKG_VERSION"),
        "description": "The public REST API of ccgate: `/api/v1/{module}/{method}`, one API key per \
            caller (Authorization: Bearer, X-API-Key or HTTP Basic `login:key`), JSON answers and \
            errors `{\"error\": {\"code\", \"message\", \"request_id\", \"more_info\"}}` with \
            stable codes. Generated from the server's handlers.",
        "license": {"name": "MIT", "identifier": "MIT"},
    });
    let schemas = doc["components"]["schemas"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    let mut schemas: Map<String, Value> = schemas;
    let mut deps = Vec::new();
    <ErrorBody as ToSchema>::schemas(&mut deps);
    for (name, s) in deps {
        schemas.insert(name, serde_json::to_value(s).unwrap_or(Value::Null));
    }
    for (name, s) in [
        schema_value::<ErrorBody>(),
        schema_value::<ErrorCodeSchema>(),
    ] {
        schemas.insert(name, s);
    }
    doc["components"]["schemas"] = Value::Object(schemas);
    doc["components"]["securitySchemes"] = json!({
        "bearer": {"type": "http", "scheme": "bearer",
                   "description": "Authorization: Bearer <API key>"},
        "apiKey": {"type": "apiKey", "in": "header", "name": "X-API-Key",
                   "description": "X-API-Key: <API key>"},
        "basic": {"type": "http", "scheme": "basic",
                  "description": "HTTP Basic with the API user's login and the key as password"},
    });
    doc["security"] = json!([{"bearer": []}, {"apiKey": []}, {"basic": []}]);

    let mut paths = doc["paths"]
        .as_object_mut()
        .map(std::mem::take)
        .unwrap_or_default();
    for (m, x) in missing {
        let (p, item) = unimplemented_item(m, x);
        paths.insert(p, item);
    }
    let mut out = Map::new();
    for (path, mut item) in paths {
        let gate = gate_of(&path);
        let summary = path
            .strip_prefix("/v1/")
            .and_then(|rest| {
                let mut parts = rest.splitn(3, '/');
                ccgate_catalogue::method(parts.next()?, parts.next()?)
            })
            .map(|(_, x)| x.title_en);
        for verb in VERBS {
            let Some(op) = item.get_mut(*verb) else {
                continue;
            };
            if let (Some(s), None) = (summary, op.get("summary")) {
                op["summary"] = json!(s);
            }
            finish_operation(op, gate, verb);
        }
        out.insert(format!("{PREFIX}{path}"), item);
    }
    doc["paths"] = Value::Object(out);
    super::examples::attach(&mut doc);
    doc
}

/// The document, built once per process from the registrations (the panel's «Модули API» page
/// reads it too).
pub fn served() -> std::sync::Arc<Value> {
    static DOC: std::sync::OnceLock<std::sync::Arc<Value>> = std::sync::OnceLock::new();
    DOC.get_or_init(|| std::sync::Arc::new(super::routes_and_document().1))
        .clone()
}

/// The document as served.
pub fn to_json(doc: &Value) -> String {
    serde_json::to_string(doc).expect("the document serialises")
}

/// `GET /api/v1/openapi.json`: this document, built once per process from the registrations.
#[utoipa::path(
    get,
    path = "/v1/openapi.json",
    tag = "meta",
    summary = "This OpenAPI document",
    responses((status = 200, description = "The OpenAPI 3.1 document of this API.",
               content_type = "application/json", body = Object))
)]
pub async fn openapi_json() -> impl axum::response::IntoResponse {
    static DOC: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let doc = DOC.get_or_init(|| to_json(&served()));
    (
        [(axum::http::header::CONTENT_TYPE, "application/json")],
        doc.as_str(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_are_read_from_backticks() {
        assert_eq!(
            codes_in("`queue_not_found`, `agent_not_found`: no such thing; `nope`"),
            [ErrorCode::QueueNotFound, ErrorCode::AgentNotFound]
        );
    }

    #[test]
    #[should_panic(expected = "answers 404, not 400")]
    fn a_code_must_match_its_status() {
        error_response(400, &[ErrorCode::QueueNotFound], "");
    }

    #[test]
    fn the_document_builds() {
        let (_, doc) = crate::rest::routes_and_document();
        assert!(doc["openapi"].as_str().unwrap().starts_with("3.1"));
        assert!(doc["paths"]["/api/v1/openapi.json"]["get"]["security"]
            .as_array()
            .unwrap()
            .is_empty());
    }
}
