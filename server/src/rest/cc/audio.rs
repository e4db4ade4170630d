//! `cc/audio?uuid=`: a call's recording, whole or one byte range, found and opened by
//! `ccgate_core::cc::audio`.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ccgate_core::cc::{audio, CcError};
use ccgate_core::Services;

use crate::rest::error::ApiError;
use crate::rest::params::Params;

fn value(s: impl AsRef<str>) -> HeaderValue {
    HeaderValue::from_str(s.as_ref()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `GET /api/v1/cc/audio?uuid=`: the call's recording, with byte ranges.
pub async fn audio(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), &["uuid"])?;
    let uuid = p.required("uuid")?;
    let range = headers.get(header::RANGE).and_then(|v| v.to_str().ok());
    let rec = match audio::open(&state.db, &state.live.current(), uuid, range).await {
        Ok(r) => r,
        Err(e @ CcError::RangeNotSatisfiable { len }) => {
            let mut r = ApiError::from(e).into_response_parts();
            r.headers_mut()
                .insert(header::CONTENT_RANGE, value(format!("bytes */{len}")));
            return Ok(r);
        }
        Err(e) => return Err(e.into()),
    };
    let body = Body::from_stream(tokio_util::io::ReaderStream::new(rec.body));
    let mut resp = Response::new(body);
    let h = resp.headers_mut();
    h.insert(header::CONTENT_TYPE, value(rec.content_type));
    h.insert(header::ACCEPT_RANGES, value("bytes"));
    h.insert(header::CONTENT_LENGTH, value(rec.count.to_string()));
    h.insert(
        header::CONTENT_DISPOSITION,
        value(format!("attachment; filename=\"{}\"", rec.filename)),
    );
    if let Some((start, end)) = rec.range {
        h.insert(
            header::CONTENT_RANGE,
            value(format!("bytes {start}-{end}/{}", rec.len)),
        );
        *resp.status_mut() = StatusCode::PARTIAL_CONTENT;
    }
    Ok(resp)
}
