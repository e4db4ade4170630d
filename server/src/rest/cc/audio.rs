//! `cc/audio?uuid=`: a call's recording, whole or one byte range, found and opened by
//! `ccgate_core::cc::audio`.

use axum::body::Body;
use axum::extract::{RawQuery, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use ccgate_core::cc::{audio, CcError};
use ccgate_core::Services;
use utoipa::IntoParams;

use crate::rest::error::ApiError;
use crate::rest::params::Params;

fn value(s: impl AsRef<str>) -> HeaderValue {
    HeaderValue::from_str(s.as_ref()).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// `cc/audio`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AudioQuery {
    /// The call's UUID (as in `cc/cdr`).
    #[param(
        example = "0b9f3c1e-5a8d-4c2b-9e7f-1a2b3c4d5e6f",
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    uuid: String,
}

/// The call's recording (WAV or MP3), whole or one byte range (`Range: bytes=…`).
#[utoipa::path(
    get,
    path = "/v1/cc/audio",
    params(
        AudioQuery,
        ("Range" = Option<String>, Header, description = "One byte range, e.g. `bytes=0-1023` or `bytes=-500`.", example = "bytes=0-1023"),
    ),
    responses(
        (status = 200, description = "The whole recording.", content(
            (Vec<u8> = "audio/wav"),
            (Vec<u8> = "audio/mpeg"),
        )),
        (status = 206, description = "The byte range asked for (`Content-Range: bytes start-end/length`).", content(
            (Vec<u8> = "audio/wav"),
            (Vec<u8> = "audio/mpeg"),
        )),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`recording_not_found`"),
        (status = 416, description = "`range_not_satisfiable`: the file is shorter (`Content-Range: bytes */length`)"),
    )
)]
pub async fn audio(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
    headers: HeaderMap,
) -> Result<Response, ApiError> {
    let p = Params::parse_for::<AudioQuery>(q.as_deref())?;
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
