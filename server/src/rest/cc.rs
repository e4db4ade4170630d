//! `cc` module handlers: parse, call `ccgate_core::cc`, map errors. Thin by rule.

use axum::extract::{RawQuery, State};
use axum::Json;
use ccgate_core::cc::{self, CcError};
use ccgate_core::freeswitch::client::TransportError;
use serde_json::{json, Value};

use app::ssr::AppState;

use super::error::{ApiError, ErrorCode};
use super::params::Params;

impl From<CcError> for ApiError {
    fn from(e: CcError) -> Self {
        match e {
            CcError::Transport(TransportError::Unavailable(_)) => ApiError::new(
                ErrorCode::UpstreamUnavailable,
                "FreeSWITCH cannot be reached",
            ),
            CcError::Transport(TransportError::AuthFailed) => ApiError::new(
                ErrorCode::UpstreamAuthFailed,
                "FreeSWITCH refused the gateway's credentials",
            ),
            CcError::Transport(TransportError::Timeout) => ApiError::new(
                ErrorCode::UpstreamTimeout,
                "FreeSWITCH did not answer in time",
            ),
            CcError::Transport(TransportError::Protocol(detail)) | CcError::Upstream(detail) => {
                tracing::warn!(%detail, "unexpected FreeSWITCH answer");
                ApiError::new(
                    ErrorCode::UpstreamError,
                    "FreeSWITCH answered something unexpected",
                )
            }
            CcError::QueueNotFound => ApiError::new(ErrorCode::QueueNotFound, "no such queue"),
            CcError::AgentNotFound => ApiError::new(ErrorCode::AgentNotFound, "no such agent"),
            CcError::TierNotFound => ApiError::new(ErrorCode::TierNotFound, "no such tier"),
            CcError::Invalid { field, message } => {
                ApiError::new(ErrorCode::InvalidParameter, format!("{field}: {message}"))
                    .with_details(json!({ "field": field, "reason": message }))
            }
        }
    }
}

async fn client(state: &AppState) -> std::sync::Arc<ccgate_core::freeswitch::client::FsClient> {
    state.fs.client(&state.live.current()).await
}

/// `GET /api/v1/cc/queues`
pub async fn queues(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let items = cc::queues(&*client(&state).await).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

/// `GET /api/v1/cc/queue?name=`
pub async fn queue(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["name"])?;
    let detail = cc::queue(&*client(&state).await, p.required("name")?).await?;
    Ok(Json(serde_json::to_value(detail).unwrap_or(Value::Null)))
}

/// `GET /api/v1/cc/tiers?queue=&agent=`
pub async fn tiers(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["queue", "agent"])?;
    let items = cc::tiers(&*client(&state).await, p.opt("queue"), p.opt("agent")).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

/// `GET /api/v1/cc/tier?queue=&agent=`
pub async fn tier(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["queue", "agent"])?;
    let t = cc::tier(
        &*client(&state).await,
        p.required("queue")?,
        p.required("agent")?,
    )
    .await?;
    Ok(Json(serde_json::to_value(t).unwrap_or(Value::Null)))
}
