//! `cc/add`: put contacts into the outbound call list (`POST /api/v1/cc/add`), read one call or a
//! whole batch (`GET /api/v1/cc/add/{id}`), cancel a queued call (`DELETE /api/v1/cc/add/{id}`).
//! Parsing, storage and dialling live in `ccgate_core::cc::dialer`.

use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use ccgate_core::access::live::Caller;
use ccgate_core::cc::dialer::{self, Status};
use ccgate_core::Services;
use serde_json::{json, Value};

use crate::rest::error::ApiError;
use crate::rest::extract::ApiJson;
use crate::rest::idempotency;

/// `POST /api/v1/cc/add`: 202 with the queued call (or the batch, contact by contact).
pub async fn add(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    let canonical = serde_json::to_vec(&body).unwrap_or_default();
    let user_id = caller.user_id;
    let db = state.db.clone();
    idempotency::once(
        &db,
        user_id,
        "cc.add",
        &headers,
        &canonical,
        move || async move {
            let added = state.dialer.add(user_id, body).await?;
            Ok((
                StatusCode::ACCEPTED,
                serde_json::to_value(added).unwrap_or(Value::Null),
            ))
        },
    )
    .await
}

/// One call, or a batch with counts per status.
pub async fn status(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Status>, ApiError> {
    Ok(Json(dialer::status(&state.db, caller.user_id, &id).await?))
}

/// Cancel a queued call.
pub async fn cancel(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = dialer::cancel(&state.db, caller.user_id, &id).await?;
    Ok(Json(json!({"id": id, "status": "cancelled"})))
}
