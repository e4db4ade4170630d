//! `cc/add`: put contacts into the outbound call list (`POST /api/v1/cc/add`), read one call or a
//! whole batch (`GET /api/v1/cc/add/{id}`), cancel a queued call (`DELETE /api/v1/cc/add/{id}`).
//! Parsing, storage and dialling live in `ccgate_core::cc::dialer`.

use std::sync::Arc;

use axum::extract::{Extension, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use ccgate_core::access::live::Caller;
use ccgate_core::cc::dialer::contact::ContactInput;
use ccgate_core::cc::dialer::{self, Added, Status};
use ccgate_core::limits::Charge;
use ccgate_core::Services;
use serde::Serialize;
use serde_json::Value;
use utoipa::ToSchema;

use crate::rest::error::ApiError;
use crate::rest::extract::{ApiJson, ApiPath};
use crate::rest::idempotency::{self, IdempotencyKey};

/// The body of `cc/add`: one contact, or `{"contacts": [...]}` (read by
/// `ccgate_core::cc::dialer::parse_request`).
#[derive(serde::Deserialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum AddBody {
    One(ContactInput),
    Batch(ContactBatch),
}

/// Up to 1000 contacts; each is checked on its own, and a refused one does not stop the others.
#[derive(serde::Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[allow(dead_code)]
pub struct ContactBatch {
    #[schema(min_items = 1, max_items = 1000)]
    contacts: Vec<ContactInput>,
}

/// The answer of `DELETE /api/v1/cc/add/{id}`.
#[derive(Debug, Serialize, ToSchema)]
pub struct Cancelled {
    pub id: String,
    /// Always `cancelled`.
    #[schema(example = "cancelled")]
    pub status: &'static str,
}

/// Put a contact (or a batch) into the outbound call list: 202 with the queued call, or the batch
/// contact by contact.
#[utoipa::path(
    post,
    path = "/v1/cc/add",
    params(IdempotencyKey),
    request_body = AddBody,
    responses(
        (status = 202, description = "Stored and queued for dialling.", body = Added),
        (status = 400, description = "`invalid_parameter`, `unknown_field`, `phone_empty`, `phone_bad_characters`, `phone_too_short`, `phone_too_long`, `phone_bad_length`, `phone_not_mobile`, `phone_bad_country_code`: the contact (or every contact of the batch) was refused; details name the field"),
        (status = 409, description = "`idempotency_in_progress`"),
        (status = 422, description = "`invalid_range`, `idempotency_key_reused`"),
        (status = 429, description = "`quota_exceeded`: the valid contacts do not fit what is left of the day's `calls_per_day`; none was queued"),
    )
)]
pub async fn add(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    let canonical = serde_json::to_vec(&body).unwrap_or_default();
    let user_id = caller.user_id;
    let db = state.db.clone();
    let charge = Charge::new(
        state.limits.clone(),
        user_id,
        caller.limits.clone(),
        state.live.current().utc_offset_minutes,
    );
    idempotency::once(
        &db,
        user_id,
        "cc.add",
        &headers,
        &canonical,
        move || async move {
            let added = state.dialer.add(user_id, body, &charge).await?;
            Ok((
                StatusCode::ACCEPTED,
                serde_json::to_value(added).unwrap_or(Value::Null),
            ))
        },
    )
    .await
}

/// One call, or a batch with counts per status.
#[utoipa::path(
    get,
    path = "/v1/cc/add/{id}",
    params(("id" = String, Path, description = "A call id or a batch id, as `cc/add` answered.", example = "a4b44a56-7afb-443b-afa9-b4e7381ec691", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "The call, or the batch.", body = Status),
        (status = 400, description = "`invalid_parameter`: not a call or batch id"),
        (status = 404, description = "`call_not_found`"),
    )
)]
pub async fn status(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    ApiPath(id): ApiPath,
) -> Result<Json<Status>, ApiError> {
    Ok(Json(dialer::status(&state.db, caller.user_id, &id).await?))
}

/// Cancel a queued call.
#[utoipa::path(
    delete,
    path = "/v1/cc/add/{id}",
    params(("id" = String, Path, description = "A call id, as `cc/add` answered.", example = "a4b44a56-7afb-443b-afa9-b4e7381ec691", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$")),
    responses(
        (status = 200, description = "The call will not be dialled.", body = Cancelled),
        (status = 400, description = "`invalid_parameter`: not a call id"),
        (status = 404, description = "`call_not_found`"),
        (status = 409, description = "`call_not_cancellable`: already dialled or finished"),
    )
)]
pub async fn cancel(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    ApiPath(id): ApiPath,
) -> Result<Json<Cancelled>, ApiError> {
    let id = dialer::cancel(&state.db, caller.user_id, &id).await?;
    Ok(Json(Cancelled {
        id,
        status: "cancelled",
    }))
}
