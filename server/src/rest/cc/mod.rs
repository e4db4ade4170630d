//! `cc` module handlers: parse, call `ccgate_core::cc`, map errors. Thin by rule.

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Json;
use ccgate_core::cc::queues as cc;

use crate::rest::ModuleRoutes;

pub mod add;

/// The `cc` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("cc")
        .method("add", "", axum::routing::post(add::add))
        .method("add", "/{id}", get(add::status).delete(add::cancel))
        .method("queues", "", get(queues))
        .method("queue", "", get(queue))
        .method("tiers", "", get(tiers))
        .method("tier", "", get(tier))
        .method("audio", "", get(audio))
        .method("cdr", "", get(cdr_list))
        .method("cdr", "/{uuid}", get(cdr_one))
}
use serde_json::{json, Value};

use ccgate_core::Services;

use crate::rest::error::{ApiError, ErrorCode};
use crate::rest::params::Params;

async fn client(state: &Services) -> std::sync::Arc<ccgate_core::freeswitch::client::FsClient> {
    state.fs.client(&state.live.current()).await
}

/// `GET /api/v1/cc/queues`
pub async fn queues(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let items = cc::queues(&*client(&state).await).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

/// `GET /api/v1/cc/queue?name=`
pub async fn queue(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["name"])?;
    let detail = cc::queue(&*client(&state).await, p.required("name")?).await?;
    Ok(Json(serde_json::to_value(detail).unwrap_or(Value::Null)))
}

/// `GET /api/v1/cc/tiers?queue=&agent=`
pub async fn tiers(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["queue", "agent"])?;
    let items = cc::tiers(&*client(&state).await, p.opt("queue"), p.opt("agent")).await?;
    let total = items.len();
    Ok(Json(json!({ "items": items, "total": total })))
}

/// `GET /api/v1/cc/tier?queue=&agent=`
pub async fn tier(
    State(state): State<Services>,
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
    State(state): State<Services>,
    RawQuery(q): RawQuery,
    headers: axum::http::HeaderMap,
) -> Result<axum::response::Response, ApiError> {
    use axum::http::{header, StatusCode};
    use ccgate_core::cc::recordings::{self, RecError};
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
    let candidates = match ccgate_core::cc::cdr::index::get(&state.db, &uuid).await? {
        Some((_, vars)) => ccgate_core::cc::cdr::index::recording_candidates(&vars),
        None => Vec::new(),
    };
    let u = uuid.clone();
    let found = tokio::task::spawn_blocking(move || recordings::locate(&root, &u, &candidates))
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

fn cdr_json(r: &ccgate_core::cc::cdr::index::Row) -> Value {
    use ccgate_core::platform::time::rfc3339;
    json!({
        "uuid": r.uuid,
        "direction": r.direction,
        "caller_id_name": r.caller_id_name,
        "caller_id_number": r.caller_id_number,
        "destination_number": r.destination_number,
        "start": rfc3339(r.start_ms),
        "answer": r.answer_ms.map(rfc3339),
        "end": rfc3339(r.end_ms),
        "duration": r.duration,
        "billsec": r.billsec,
        "hangup_cause": r.hangup_cause,
        "queue": r.queue,
    })
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// `GET /api/v1/cc/cdr`: filters `from`, `until`, `number`, `direction`, `hangup_cause`, `queue`,
/// `uuid`; `limit`/`offset`; `order` (start, duration, billsec) and `direction`… of sorting as
/// `sort` (asc/desc); `format=csv` (with `bom=true` for Excel).
pub async fn cdr_list(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<axum::response::Response, ApiError> {
    use axum::response::IntoResponse;
    use ccgate_core::cc::cdr::index::{list, Filter, Order};
    let p = Params::parse(
        q.as_deref(),
        &[
            "from",
            "until",
            "number",
            "direction",
            "hangup_cause",
            "queue",
            "uuid",
            "limit",
            "offset",
            "order",
            "sort",
            "format",
            "bom",
        ],
    )?;
    let tz = state.live.current().utc_offset_minutes;
    let time = |name: &str| -> Result<Option<i64>, ApiError> {
        p.opt(name)
            .map(|v| {
                ccgate_core::platform::time::parse_input(v, tz).ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!("{name}: expected RFC 3339 or YYYY-MM-DD"),
                    )
                    .with_details(json!({ "field": name }))
                })
            })
            .transpose()
    };
    let int = |name: &str, default: i64, max: i64| -> Result<i64, ApiError> {
        match p.opt(name) {
            None => Ok(default),
            Some(v) => v
                .parse::<i64>()
                .ok()
                .filter(|n| (0..=max).contains(n))
                .ok_or_else(|| {
                    ApiError::new(
                        ErrorCode::InvalidParameter,
                        format!("{name}: expected a whole number from 0 to {max}"),
                    )
                    .with_details(json!({ "field": name }))
                }),
        }
    };
    let f = Filter {
        from_ms: time("from")?,
        until_ms: time("until")?,
        number: p
            .opt("number")
            .map(|n| n.trim().trim_start_matches('+').to_string()),
        direction: p.opt("direction").map(String::from),
        hangup_cause: p.opt("hangup_cause").map(|s| s.to_ascii_uppercase()),
        queue: p.opt("queue").map(String::from),
        uuid: p.opt("uuid").map(String::from),
    };
    if let (Some(a), Some(b)) = (f.from_ms, f.until_ms) {
        if a >= b {
            return Err(ApiError::new(
                ErrorCode::InvalidRange,
                "from must be before until",
            ));
        }
    }
    let order = match p.opt("order").unwrap_or("start") {
        "start" => Order::Start,
        "duration" => Order::Duration,
        "billsec" => Order::Billsec,
        _ => {
            return Err(ApiError::new(
                ErrorCode::InvalidParameter,
                "order: start, duration or billsec",
            )
            .with_details(json!({ "field": "order" })))
        }
    };
    let desc = match p.opt("sort").unwrap_or("desc") {
        "desc" => true,
        "asc" => false,
        _ => {
            return Err(
                ApiError::new(ErrorCode::InvalidParameter, "sort: asc or desc")
                    .with_details(json!({ "field": "sort" })),
            )
        }
    };
    let limit = int("limit", 100, 1000)?.max(1);
    let offset = int("offset", 0, i64::MAX)?;
    let (rows, total) = list(&state.db, &state.cdr_totals, &f, order, desc, limit, offset).await?;
    if p.opt("format") == Some("csv") {
        let mut out = String::new();
        if p.opt("bom") == Some("true") {
            out.push('\u{feff}');
        }
        out.push_str("uuid,direction,caller_id_name,caller_id_number,destination_number,start,answer,end,duration,billsec,hangup_cause,queue\r\n");
        for r in &rows {
            let j = cdr_json(r);
            let cells: Vec<String> = [
                "uuid",
                "direction",
                "caller_id_name",
                "caller_id_number",
                "destination_number",
                "start",
                "answer",
                "end",
                "duration",
                "billsec",
                "hangup_cause",
                "queue",
            ]
            .iter()
            .map(|k| match &j[*k] {
                Value::String(s) => csv_field(s),
                Value::Null => String::new(),
                other => other.to_string(),
            })
            .collect();
            out.push_str(&cells.join(","));
            out.push_str("\r\n");
        }
        return Ok((
            [(axum::http::header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            out,
        )
            .into_response());
    } else if let Some(other) = p.opt("format").filter(|f| *f != "json") {
        return Err(ApiError::new(
            ErrorCode::InvalidParameter,
            format!("format: json or csv, not {other}"),
        )
        .with_details(json!({ "field": "format" })));
    }
    let items: Vec<Value> = rows.iter().map(cdr_json).collect();
    Ok(
        Json(json!({ "items": items, "total": total, "limit": limit, "offset": offset }))
            .into_response(),
    )
}

/// `GET /api/v1/cc/cdr/{uuid}`: one CDR with all its variables.
pub async fn cdr_one(
    State(state): State<Services>,
    axum::extract::Path(uuid): axum::extract::Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    let uuid = ccgate_core::cc::recordings::parse_uuid(&uuid).map_err(|e| {
        ApiError::new(ErrorCode::InvalidParameter, e.to_string())
            .with_details(json!({ "field": "uuid" }))
    })?;
    match ccgate_core::cc::cdr::index::get(&state.db, &uuid).await? {
        Some((row, vars)) => {
            let mut v = cdr_json(&row);
            v["variables"] = vars;
            Ok(Json(v))
        }
        None => Err(ApiError::new(
            ErrorCode::CdrNotFound,
            "no CDR for that call",
        )),
    }
}
