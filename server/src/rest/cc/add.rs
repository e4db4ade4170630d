//! `cc/add`: put contacts into the outbound call list (`POST /api/v1/cc/add`), read one call or a
//! whole batch (`GET /api/v1/cc/add/{id}`), cancel a queued call (`DELETE /api/v1/cc/add/{id}`).
//! Parsing, storage and dialling live in `ccgate_core::cc::dialer`.

use std::collections::BTreeMap;
use std::sync::Arc;

use axum::extract::{Extension, Path, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::Response;
use axum::Json;
use ccgate_core::access::live::Caller;
use ccgate_core::cc::dialer::{self, Cancel, ItemError};
use ccgate_core::platform::time::now_ms;
use serde_json::{json, Value};

use ccgate_core::Services;

use crate::rest::error::{ApiError, ErrorCode};
use crate::rest::extract::ApiJson;
use crate::rest::idempotency;

fn item_error(e: &ItemError) -> ApiError {
    let code = match e.code.as_str() {
        "unknown_field" => ErrorCode::UnknownField,
        "invalid_range" => ErrorCode::InvalidRange,
        _ => ErrorCode::InvalidParameter,
    };
    let msg = if e.field.is_empty() {
        e.reason.clone()
    } else {
        format!("{}: {}", e.field, e.reason)
    };
    ApiError::new(code, msg).with_details(json!({
        "field": e.field, "reason": e.reason, "code": e.code
    }))
}

pub async fn add(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    headers: HeaderMap,
    ApiJson(body): ApiJson<Value>,
) -> Response {
    let canonical = serde_json::to_vec(&body).unwrap_or_default();
    let tz = state.live.current().utc_offset_minutes;
    let user_id = caller.user_id;
    let db = state.db.clone();
    idempotency::once(&db, user_id, "cc.add", &headers, &canonical, move || async move {
        let req = dialer::parse_request(body, now_ms(), tz)?;
        if !req.batch {
            if let Err(e) = &req.items[0] {
                return Err(item_error(e));
            }
        }
        let valid: Vec<dialer::NewCall> = req
            .items
            .iter()
            .filter_map(|r| r.as_ref().ok().cloned())
            .collect();
        if valid.is_empty() {
            let items: Vec<Value> = req
                .items
                .iter()
                .enumerate()
                .filter_map(|(i, r)| r.as_ref().err().map(|e| json!({"index": i, "error": e})))
                .collect();
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "contacts: no contact in the batch is valid",
            )
            .with_details(json!({ "field": "contacts", "items": items })));
        }
        let (batch_id, ids) = dialer::enqueue(&state.db, user_id, &valid).await?;
        state.dialer.poke();
        if !req.batch {
            return Ok((
                StatusCode::ACCEPTED,
                json!({
                    "id": ids[0],
                    "batch_id": batch_id,
                    "status": "queued",
                    "phone": valid[0].phone.as_str(),
                }),
            ));
        }
        let mut ids = ids.into_iter().zip(valid.iter());
        let mut items = Vec::with_capacity(req.items.len());
        let (mut accepted, mut rejected) = (0, 0);
        for (i, r) in req.items.iter().enumerate() {
            match r {
                Ok(_) => {
                    let (id, c) = ids.next().expect("one id per valid contact");
                    accepted += 1;
                    items.push(json!({"index": i, "id": id, "status": "queued", "phone": c.phone.as_str()}));
                }
                Err(e) => {
                    rejected += 1;
                    items.push(json!({"index": i, "status": "rejected", "error": e}));
                }
            }
        }
        Ok((
            StatusCode::ACCEPTED,
            json!({
                "batch_id": batch_id,
                "accepted": accepted,
                "rejected": rejected,
                "items": items,
            }),
        ))
    })
    .await
}

fn parse_id(id: &str) -> Result<&str, ApiError> {
    let ok = id.len() == 36
        && id.bytes().enumerate().all(|(i, b)| match i {
            8 | 13 | 18 | 23 => b == b'-',
            _ => b.is_ascii_hexdigit(),
        });
    if ok {
        Ok(id)
    } else {
        Err(ApiError::new(
            ErrorCode::InvalidParameter,
            "id: expected a call or batch id (a UUID) as returned by cc/add",
        )
        .with_details(json!({"field": "id", "reason": "not a UUID"})))
    }
}

/// One call, or a batch with counts per status.
pub async fn status(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?.to_ascii_lowercase();
    if let Some(call) = dialer::get(&state.db, caller.user_id, &id).await? {
        return Ok(Json(json!(call)));
    }
    let calls = dialer::batch(&state.db, caller.user_id, &id).await?;
    if calls.is_empty() {
        return Err(ApiError::new(
            ErrorCode::CallNotFound,
            "no call or batch with this id in your call list",
        ));
    }
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for c in &calls {
        *counts.entry(c.status.as_str()).or_default() += 1;
    }
    Ok(Json(json!({
        "batch_id": id,
        "total": calls.len(),
        "counts": counts,
        "items": calls,
    })))
}

/// Cancel a queued call.
pub async fn cancel(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    Path(id): Path<String>,
) -> Result<Json<Value>, ApiError> {
    let id = parse_id(&id)?.to_ascii_lowercase();
    match dialer::cancel(&state.db, caller.user_id, &id).await? {
        Cancel::Cancelled => Ok(Json(json!({"id": id, "status": "cancelled"}))),
        Cancel::NotFound => Err(ApiError::new(
            ErrorCode::CallNotFound,
            "no call with this id in your call list",
        )),
        Cancel::TooLate(status) => Err(ApiError::new(
            ErrorCode::CallNotCancellable,
            format!("the call is already {status}; only queued calls can be cancelled"),
        )
        .with_details(json!({"status": status}))),
    }
}
