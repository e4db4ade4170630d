//! `GET /api/v1/me`: who the caller is and which methods it may call. Outside the catalogue (every
//! authenticated key may ask), so it needs no permission.

use std::sync::Arc;

use axum::extract::Extension;
use axum::Json;
use ccgate_core::access::live::Caller;
use serde::Serialize;
use utoipa::ToSchema;

/// The answer of `GET /api/v1/me`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub user: MeUser,
    pub key: MeKey,
    /// The methods this key may call, as `module.method`, in catalogue order.
    #[schema(example = json!(["cc.queues", "sms.send"]))]
    pub permissions: Vec<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeUser {
    /// The API user's id (a decimal string).
    #[schema(example = "1")]
    pub id: String,
    #[schema(example = "crm")]
    pub login: String,
    pub note: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct MeKey {
    /// The key's id (a decimal string).
    #[schema(example = "3")]
    pub id: String,
    pub name: String,
    /// The first characters of the key, as the panel shows it.
    #[schema(example = "ccg_a1b2")]
    pub prefix: String,
    /// RFC 3339 UTC; `null`: never expires.
    #[schema(format = DateTime)]
    pub expires_at: Option<String>,
}

/// Who the caller is.
#[utoipa::path(
    get,
    path = "/v1/me",
    tag = "meta",
    summary = "The caller: API user, key and permissions",
    responses((status = 200, description = "The authenticated caller.", body = Me))
)]
pub async fn me(Extension(caller): Extension<Arc<Caller>>) -> Json<Me> {
    Json(Me {
        user: MeUser {
            id: caller.user_id.to_string(),
            login: caller.login.clone(),
            note: caller.note.clone(),
        },
        key: MeKey {
            id: caller.key_id.to_string(),
            name: caller.key_name.clone(),
            prefix: caller.key_prefix.clone(),
            expires_at: caller
                .key_expires_at
                .map(ccgate_core::platform::time::rfc3339),
        },
        permissions: caller.permissions(),
    })
}
