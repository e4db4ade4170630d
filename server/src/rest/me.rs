//! `GET /api/v1/me`: who the caller is and which methods it may call. Outside the catalogue (every
//! authenticated key may ask), so it needs no permission.

use std::sync::Arc;

use axum::extract::Extension;
use axum::Json;
use ccgate_core::access::live::Caller;
use serde_json::{json, Value};

pub async fn me(Extension(caller): Extension<Arc<Caller>>) -> Json<Value> {
    Json(json!({
        "user": { "id": caller.user_id.to_string(), "login": &caller.login, "note": &caller.note },
        "key": {
            "id": caller.key_id.to_string(),
            "name": &caller.key_name,
            "prefix": &caller.key_prefix,
            "expires_at": caller.key_expires_at.map(ccgate_core::platform::time::rfc3339),
        },
        "permissions": caller.permissions(),
    }))
}
