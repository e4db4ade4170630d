//! The `Idempotency-Key` wrapper shared by the side-effecting handlers (`cc/add`, `sms/send`):
//! same key + same body → the first answer again with `Idempotent-Replayed: true`; same key while the
//! first request runs → 409 `idempotency_in_progress`; same key, other body → 422
//! `idempotency_key_reused`. Without the header the work simply runs.
//!
//! Only successful answers are stored: a request rejected before it did anything (validation, an
//! upstream that refused) releases the key, so the client may fix it and retry with the same key.

use std::future::Future;

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ccgate_core::platform::idempotency::{self, Begin, Key};
use ccgate_core::Db;
use serde_json::Value;

use tracing::Instrument;

use super::error::{ApiError, ErrorCode};

pub const HEADER: &str = "idempotency-key";

/// The header as the OpenAPI operations of `cc/add` and `sms/send` document it.
#[derive(utoipa::IntoParams)]
#[into_params(parameter_in = Header)]
#[allow(dead_code)]
pub struct IdempotencyKey {
    /// Makes a retry safe: the same key with the same body answers the first answer again
    /// (`Idempotent-Replayed: true`); while the first request runs, 409 `idempotency_in_progress`;
    /// with another body, 422 `idempotency_key_reused`. Kept per API user and method.
    #[param(
        rename = "Idempotency-Key",
        example = "crm-order-42-attempt",
        min_length = 1,
        max_length = 255,
        pattern = "^[ -~]{1,255}$"
    )]
    idempotency_key: Option<String>,
}

/// Run `work` at most once per (user, method, key).
///
/// With a key, the work runs in a task of its own: a client that hangs up mid-request does not
/// cancel it half-way, and its answer is still stored for the retry.
pub async fn once<F, Fut>(
    db: &Db,
    user_id: i64,
    method: &str,
    headers: &HeaderMap,
    body: &[u8],
    work: F,
) -> Response
where
    F: FnOnce() -> Fut + Send + 'static,
    Fut: Future<Output = Result<(StatusCode, Value), ApiError>> + Send + 'static,
{
    let Some(raw) = headers.get(HEADER) else {
        return answer(work().await);
    };
    let key = match raw
        .to_str()
        .map_err(|_| {
            ccgate_core::ServiceError::invalid("Idempotency-Key", "must be printable ASCII")
        })
        .and_then(Key::parse)
    {
        Ok(k) => k,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let hash = idempotency::request_hash(body);
    let pending = match idempotency::begin(db, user_id, method, &key, &hash).await {
        Ok(Begin::Fresh(p)) => p,
        Ok(Begin::Replay { status, body }) => {
            let mut r = (
                StatusCode::from_u16(status).unwrap_or(StatusCode::OK),
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            return r;
        }
        Ok(Begin::InProgress) => {
            return ApiError::new(
                ErrorCode::IdempotencyInProgress,
                "a request with this Idempotency-Key is still running; retry in a moment",
            )
            .into_response()
        }
        Ok(Begin::Reused) => {
            return ApiError::new(
                ErrorCode::IdempotencyKeyReused,
                "this Idempotency-Key was already used with a different request body",
            )
            .into_response()
        }
        Err(e) => return ApiError::from(e).into_response(),
    };
    let db = db.clone();
    // The task keeps the request's span, so its log lines still name the request.
    let task = tokio::spawn(
        async move {
            match work().await {
                Ok((status, value)) => {
                    let bytes = serde_json::to_vec(&value).unwrap_or_default();
                    if let Err(e) = idempotency::finish(&db, pending, status.as_u16(), &bytes).await
                    {
                        // The work is done; only the replay copy is lost. Say so in the log, answer anyway.
                        tracing::error!(error = %e, "could not store an idempotent answer");
                    }
                    Ok((status, bytes))
                }
                Err(e) => {
                    if let Err(db_err) = idempotency::abandon(&db, pending).await {
                        tracing::error!(error = %db_err, "could not release an idempotency key");
                    }
                    Err(e)
                }
            }
        }
        .instrument(tracing::Span::current()),
    );
    match task.await {
        Ok(Ok((status, bytes))) => (
            status,
            [(axum::http::header::CONTENT_TYPE, "application/json")],
            bytes,
        )
            .into_response(),
        Ok(Err(e)) => e.into_response(),
        Err(join) => {
            // A panic in the work: the claim stays until it goes stale (see `idempotency::begin`).
            tracing::error!(error = %join, "idempotent request failed");
            ApiError::new(ErrorCode::InternalError, "internal error").into_response()
        }
    }
}

fn answer(r: Result<(StatusCode, Value), ApiError>) -> Response {
    match r {
        Ok((s, v)) => (s, axum::Json(v)).into_response(),
        Err(e) => e.into_response(),
    }
}
