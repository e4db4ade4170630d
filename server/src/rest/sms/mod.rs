//! `sms` module handlers: parse, call `ccgate_core::sms::service`, map errors. Thin by rule.

use std::sync::Arc;

use axum::body::Bytes;
use axum::extract::{FromRequest, Path, RawQuery, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use ccgate_core::access::live::Caller;
use ccgate_core::sms::service::{self, MessageView, SendOutcome, SendRequest};
use serde::Serialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use ccgate_core::Services;

use crate::rest::ModuleRoutes;

use crate::rest::error::{ApiError, ErrorCode};
use crate::rest::extract::parse_json_object;
use crate::rest::idempotency::{self, IdempotencyKey};
use crate::rest::params::Params;

/// The `sms` module's routes (the delivery-report callback is outside `/api`: see [`callback`]).
pub fn routes() -> ModuleRoutes {
    let (schemas, paths, handler) = routes!(send);
    let send = (
        schemas,
        paths,
        handler.layer(axum::extract::DefaultBodyLimit::max(SEND_BODY_LIMIT)),
    );
    ModuleRoutes::new("sms")
        .method("send", send)
        .method("getStatus", routes!(get_status))
}

/// `sms/getStatus`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct StatusQuery {
    /// 1 to 1000 message ids (as `sms/send` answered), comma-separated.
    #[param(
        example = "m0193a1b2c3d4e5f60718293a4b",
        pattern = "^[A-Za-z0-9]{1,40}(,[A-Za-z0-9]{1,40}){0,999}$"
    )]
    id: String,
    /// Also each message's status history.
    #[param(default = false)]
    history: Option<bool>,
}

/// The answer of `sms/getStatus`.
#[derive(Debug, Serialize, ToSchema)]
pub struct StatusAnswer {
    /// The caller's messages among those asked for, in the order asked.
    pub items: Vec<MessageView>,
    pub total: usize,
    /// Ids asked for that are not the caller's messages.
    pub not_found: Vec<String>,
}

/// 10 000 recipients with their own texts do not fit 1 MiB.
pub const SEND_BODY_LIMIT: usize = 16 * 1024 * 1024;
/// Ids one getStatus may ask about.
pub const MAX_STATUS_IDS: usize = 1000;

/// The body of `sms/send`: JSON, or a flat form (`phone`, `text`, `sender`, repeated or
/// comma-separated `phones`).
pub fn parse_send(headers: &HeaderMap, bytes: &[u8]) -> Result<SendRequest, ApiError> {
    let mime = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .map(|ct| {
            ct.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .unwrap_or_default();
    let is_json =
        mime == "application/json" || (mime.starts_with("application/") && mime.ends_with("+json"));
    let is_form = mime == "application/x-www-form-urlencoded";
    if is_json {
        return parse_json_object(bytes);
    }
    if !is_form {
        return Err(ApiError::new(
            ErrorCode::UnsupportedMediaType,
            "expected Content-Type: application/json (or a flat application/x-www-form-urlencoded body)",
        ));
    }
    // What is not UTF-8 is refused, not sent on with U+FFFD in its place.
    let not_utf8 = |field: &str| {
        ApiError::new(
            ErrorCode::InvalidParameter,
            format!("`{field}` is not UTF-8 once percent-decoded"),
        )
        .with_details(json!({ "field": field, "reason": "not UTF-8" }))
    };
    let text = std::str::from_utf8(bytes).map_err(|_| not_utf8("body"))?;
    let pairs = ccgate_core::platform::form::try_form_pairs(text).map_err(|e| not_utf8(&e.name))?;
    let mut r = SendRequest::default();
    for (k, v) in pairs {
        match k.as_str() {
            "phone" => r.phone = Some(v),
            "text" => r.text = Some(v),
            "sender" => r.sender = Some(v),
            "phones" | "phones[]" => r.phones.get_or_insert_with(Vec::new).extend(
                v.split(',')
                    .map(|p| p.trim().to_string())
                    .filter(|p| !p.is_empty()),
            ),
            _ => {
                return Err(
                    ApiError::new(ErrorCode::UnknownField, format!("unknown field `{k}`"))
                        .with_details(json!({ "field": k })),
                )
            }
        }
    }
    Ok(r)
}

/// `POST /api/v1/sms/send`: 200 when the submission finished (up to 100 recipients), 202 when a
/// big batch was stored and is being submitted in the background. `Idempotency-Key` makes a retry
/// answer the first answer again instead of sending twice.
#[utoipa::path(
    post,
    path = "/v1/sms/send",
    params(IdempotencyKey),
    request_body(
        description = "`{phone, text, sender?}`, `{phones: [...], text, sender?}` or `{messages: [{phone, text}], sender?}`; or the same flat fields as a form (`phones` repeated or comma-separated). Up to 10 000 recipients, 16 MiB.",
        content(
            (SendRequest = "application/json"),
            (SendRequest = "application/x-www-form-urlencoded"),
        )
    ),
    responses(
        (status = 200, description = "Every message was handed to a gateway (or refused), recipient by recipient.", body = SendOutcome),
        (status = 202, description = "A big batch was stored and is being submitted in the background (`submitted: false`).", body = SendOutcome),
        (status = 400, description = "`invalid_parameter`, `invalid_phone`, `batch_too_large`, `unknown_field`, `invalid_json`"),
        (status = 409, description = "`idempotency_in_progress`"),
        (status = 413, description = "`payload_too_large`: over 16 MiB"),
        (status = 415, description = "`unsupported_media_type`"),
        (status = 422, description = "`idempotency_key_reused`"),
        (status = 429, description = "`quota_exceeded`: the parts of the valid messages do not fit what is left of `sms_parts_per_day` or `sms_parts_per_month`; nothing was stored or sent"),
        (status = 503, description = "`sms_gateway_not_configured`"),
    )
)]
pub async fn send(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    headers: HeaderMap,
    request: axum::extract::Request,
) -> Response {
    let too_large = || {
        ApiError::new(
            ErrorCode::PayloadTooLarge,
            "the request body is larger than 16 MiB",
        )
        .into_response()
    };
    // Refused from the head when it declares too much, before any of the body is read.
    if crate::rest::extract::declared_over(&headers, SEND_BODY_LIMIT) {
        return too_large();
    }
    let body = Bytes::from_request(request, &()).await;
    let bytes = match body {
        Ok(b) => b,
        Err(e) if e.status() == StatusCode::PAYLOAD_TOO_LARGE => return too_large(),
        Err(_) => {
            return ApiError::new(ErrorCode::InvalidJson, "the request body could not be read")
                .into_response()
        }
    };
    // Shape errors are answered before the key is claimed: nothing to replay.
    let req = match parse_send(&headers, &bytes) {
        Ok(r) => r,
        Err(e) => return e.into_response(),
    };
    let (st, user_id) = (state.clone(), caller.user_id);
    let charge = ccgate_core::limits::Charge::new(
        state.limits.clone(),
        user_id,
        caller.limits.clone(),
        state.live.current().utc_offset_minutes,
    );
    idempotency::once(
        &state.db,
        user_id,
        "sms.send",
        &headers,
        &bytes,
        move || async move {
            let out = service::send(&st.db, &st.sms, user_id, req, &charge).await?;
            let status = if out.submitted {
                StatusCode::OK
            } else {
                StatusCode::ACCEPTED
            };
            Ok((status, serde_json::to_value(out).unwrap_or(Value::Null)))
        },
    )
    .await
}

/// `GET /api/v1/sms/getStatus?id=ID[,ID…]&history=true`: the caller's messages as stored, after
/// a message that is not final and whose stored status is older than
/// [`service::LIVE_STATUS_STALE`] (2 s) was asked about at its provider — one status call per
/// gateway for all such ids (in the provider's batch size), a message at most once per
/// [`service::LIVE_STATUS_GAP`] (3 s), the read waiting for the answers at most
/// [`service::LIVE_STATUS_TIMEOUT`] (1.5 s) and then answering from the store. What the provider
/// says is stored like a polled report (history source `read`; a final status is never
/// replaced). SMPP gateways have no status query: their messages are answered from the store.
#[utoipa::path(
    get,
    path = "/v1/sms/getStatus",
    params(StatusQuery),
    responses(
        (status = 200, description = "The messages as stored (after asking the provider about stale ones).", body = StatusAnswer),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`not_found`: the one id asked for is not the caller's message"),
    )
)]
pub async fn get_status(
    State(state): State<Services>,
    Extension(caller): Extension<Arc<Caller>>,
    RawQuery(q): RawQuery,
) -> Result<Json<StatusAnswer>, ApiError> {
    let p = Params::parse_for::<StatusQuery>(q.as_deref())?;
    let ids: Vec<String> = p
        .required("id")?
        .split(',')
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect();
    if ids.is_empty() || ids.len() > MAX_STATUS_IDS {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("id: 1 to {MAX_STATUS_IDS} message ids, comma-separated"),
        )
        .with_details(json!({ "field": "id" })));
    }
    if ids
        .iter()
        .any(|i| i.len() > 40 || !i.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return Err(
            ApiError::new(ErrorCode::InvalidParameter, "id: not a message id")
                .with_details(json!({ "field": "id" })),
        );
    }
    let history = match p.opt("history") {
        None | Some("false") | Some("0") => false,
        Some("true") | Some("1") => true,
        Some(_) => {
            return Err(
                ApiError::new(ErrorCode::InvalidParameter, "history: true or false")
                    .with_details(json!({ "field": "history" })),
            )
        }
    };
    let items = service::read_status(&state.db, &state.sms, caller.user_id, &ids, history).await?;
    if ids.len() == 1 && items.is_empty() {
        return Err(ApiError::new(ErrorCode::NotFound, "no such message"));
    }
    let found: std::collections::HashSet<&str> = items.iter().map(|v| v.id.as_str()).collect();
    let not_found: Vec<String> = ids
        .iter()
        .filter(|i| !found.contains(i.as_str()))
        .cloned()
        .collect();
    let total = items.len();
    Ok(Json(StatusAnswer {
        items,
        total,
        not_found,
    }))
}

/// `POST /callbacks/sms/{gateway}/{token}`: a delivery report from the gateway (outside the API
/// keys; the secret token in the URL is the credential). 200 with an empty body when accepted,
/// 404 for a wrong gateway or token, 400 for a body that is not a report.
pub async fn callback(
    State(state): State<Services>,
    Path((gateway, token)): Path<(String, String)>,
    body: Bytes,
) -> Response {
    let Ok(gateway) = gateway.parse::<i64>() else {
        return StatusCode::NOT_FOUND.into_response();
    };
    let form = ccgate_core::platform::form::form_pairs(&String::from_utf8_lossy(&body));
    match service::callback(&state.db, &state.sms, gateway, &token, &form).await {
        Ok(Some(_)) => StatusCode::OK.into_response(),
        Ok(None) => StatusCode::NOT_FOUND.into_response(),
        Err(ccgate_core::ServiceError::Invalid { message, .. }) => {
            (StatusCode::BAD_REQUEST, message).into_response()
        }
        Err(e) => {
            tracing::error!(error = %e, "SMS delivery report failed");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
