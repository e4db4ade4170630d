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

/// `GET /api/v1/cc/audio?uuid=`: the call's recording, with byte ranges.
pub async fn audio(
    State(state): State<AppState>,
    RawQuery(q): RawQuery,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{header, StatusCode};
    use ccgate_core::recordings::{self, RecError};
    use tokio::io::{AsyncReadExt, AsyncSeekExt};

    let p = Params::parse(q.as_deref(), &["uuid"])?;
    let uuid = recordings::parse_uuid(p.required("uuid")?).map_err(|e| {
        ApiError::new(ErrorCode::InvalidParameter, e.to_string())
            .with_details(json!({ "field": "uuid" }))
    })?;
    let root = std::path::PathBuf::from(
        state
            .live
            .current()
            .settings
            .get("freeswitch.wav_path")
            .cloned()
            .unwrap_or_default(),
    );
    let u = uuid.clone();
    let found = tokio::task::spawn_blocking(move || recordings::locate(&root, &u, &[]))
        .await
        .map_err(|_| ApiError::new(ErrorCode::InternalError, "internal error"))?;
    let path = match found {
        Ok(p) => p,
        Err(RecError::RootUnavailable) => {
            tracing::warn!("the configured recordings directory cannot be read");
            return Err(ApiError::new(
                ErrorCode::RecordingNotFound,
                "no recording of that call",
            ));
        }
        Err(_) => {
            return Err(ApiError::new(
                ErrorCode::RecordingNotFound,
                "no recording of that call",
            ))
        }
    };
    let mut file = tokio::fs::File::open(&path)
        .await
        .map_err(|_| ApiError::new(ErrorCode::RecordingNotFound, "no recording of that call"))?;
    let len = file.metadata().await.map(|m| m.len()).unwrap_or(0);
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let (status, start, end) = match recordings::parse_range(range, len) {
        Ok(None) => (StatusCode::OK, 0, len.saturating_sub(1)),
        Ok(Some((a, b))) => (StatusCode::PARTIAL_CONTENT, a, b),
        Err(()) => {
            let mut r = ApiError::new(
                ErrorCode::RangeNotSatisfiable,
                format!("the recording has {len} bytes"),
            )
            .into_response_parts();
            r.headers_mut().insert(
                header::CONTENT_RANGE,
                format!("bytes */{len}").parse().unwrap(),
            );
            return Ok(r);
        }
    };
    let count = if len == 0 { 0 } else { end - start + 1 };
    file.seek(std::io::SeekFrom::Start(start))
        .await
        .map_err(|_| ApiError::new(ErrorCode::InternalError, "internal error"))?;
    let body = axum::body::Body::from_stream(tokio_util::io::ReaderStream::new(file.take(count)));
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("wav")
        .to_ascii_lowercase();
    let mut resp = axum::response::Response::new(body);
    *resp.status_mut() = status;
    let h = resp.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        recordings::content_type(&path).parse().unwrap(),
    );
    h.insert(header::ACCEPT_RANGES, "bytes".parse().unwrap());
    h.insert(header::CONTENT_LENGTH, count.to_string().parse().unwrap());
    h.insert(
        header::CONTENT_DISPOSITION,
        format!("attachment; filename=\"{uuid}.{ext}\"")
            .parse()
            .unwrap(),
    );
    if status == StatusCode::PARTIAL_CONTENT {
        h.insert(
            header::CONTENT_RANGE,
            format!("bytes {start}-{end}/{len}").parse().unwrap(),
        );
    }
    Ok(resp)
}
