//! The public REST API under `/api`. Every catalogue method has a route; handlers are thin: parse,
//! call a `ccgate-core` service, map the result. The pipeline (`pipeline.rs`) wraps them all.

pub mod cc;
pub mod cc_add;
pub mod error;
pub mod extract;
pub mod idempotency;
pub mod params;
pub mod pipeline;

use axum::extract::{DefaultBodyLimit, Extension};
use axum::routing::{get, post, MethodRouter};
use axum::{Json, Router};
use ccgate_catalogue::Verb;
use ccgate_core::live::Caller;
use serde_json::{json, Value};

use app::ssr::AppState;
use error::{ApiError, ErrorCode};
use extract::ApiJson;

pub const BODY_LIMIT: usize = 1024 * 1024;

pub fn router(state: AppState) -> Router<AppState> {
    let mut r = Router::new()
        .route("/v1/me", get(me))
        .route("/v1/cc/add", post(cc_add::add))
        .route(
            "/v1/cc/add/{id}",
            get(cc_add::status).delete(cc_add::cancel),
        )
        .route("/v1/cc/queues", get(cc::queues))
        .route("/v1/cc/queue", get(cc::queue))
        .route("/v1/cc/tiers", get(cc::tiers))
        .route("/v1/cc/tier", get(cc::tier))
        .route("/v1/cc/audio", get(cc::audio))
        .route("/v1/cc/cdr", get(cc::cdr_list))
        .route("/v1/cc/cdr/{uuid}", get(cc::cdr_one));
    const IMPLEMENTED: &[&str] = &[
        "cc.add",
        "cc.queues",
        "cc.queue",
        "cc.tiers",
        "cc.tier",
        "cc.audio",
        "cc.cdr",
    ];
    for (m, x) in ccgate_catalogue::all() {
        let path = format!("/v1/{}/{}", m.name, x.name);
        let which = format!("{}.{}", m.name, x.name);
        if IMPLEMENTED.contains(&which.as_str()) {
            continue;
        }
        let handler: MethodRouter<AppState> = match x.verb {
            Verb::Get => {
                let which = which.clone();
                get(move || not_implemented(which.clone(), None))
            }
            Verb::Post => {
                let which = which.clone();
                post(move |ApiJson(body): ApiJson<Value>| {
                    not_implemented(which.clone(), Some(body))
                })
            }
        };
        r = r.route(&path, handler);
    }
    r.fallback(not_found)
        .method_not_allowed_fallback(method_not_allowed)
        .layer(DefaultBodyLimit::max(BODY_LIMIT))
        .layer(axum::middleware::from_fn_with_state(
            state,
            pipeline::pipeline,
        ))
}

async fn not_implemented(which: String, _body: Option<Value>) -> ApiError {
    ApiError::new(
        ErrorCode::NotImplemented,
        format!("{which} is in the catalogue but its module is not available in this version"),
    )
}

async fn not_found(axum::extract::OriginalUri(uri): axum::extract::OriginalUri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no such API route: {}", uri.path()),
    )
}

async fn method_not_allowed(method: axum::http::Method) -> ApiError {
    ApiError::new(
        ErrorCode::MethodNotAllowed,
        format!("{method} is not allowed on this route"),
    )
}

/// `GET /api/v1/me`: who the caller is and which methods it may call.
async fn me(Extension(caller): Extension<std::sync::Arc<Caller>>) -> Json<Value> {
    Json(json!({
        "user": { "id": caller.user_id.to_string(), "login": &caller.login, "note": &caller.note },
        "key": {
            "id": caller.key_id.to_string(),
            "name": &caller.key_name,
            "prefix": &caller.key_prefix,
            "expires_at": caller.key_expires_at.map(ccgate_core::time::rfc3339),
        },
        "permissions": caller.permissions(),
    }))
}
