//! `POST /_control`: switching modes and delivery settings of a running fake from outside.

use std::sync::Arc;
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};

use super::{lock, Fake};
use crate::shared::{field, parse_form, Mode};

/// `POST /_control`: `mode=normal|error|http|stall|queue_nothing`, `code=` (error/http),
/// `ms=` (stall), `status_stall_ms=` (status queries only; 0 = none), `deliver_after_ms=`, `callback_url=`, `block_phone=`, `forbid_originator=`.
pub(super) async fn control(State(fake): State<Arc<Fake>>, body: Bytes) -> Response {
    let form = parse_form(&String::from_utf8_lossy(&body));
    let get = |k: &str| field(&form, k).map(str::to_string);
    let num = |k: &str| get(k).and_then(|v| v.parse::<u64>().ok());
    if let Some(mode) = get("mode") {
        let m = match mode.as_str() {
            "normal" => Mode::Normal,
            "error" => Mode::Error(num("code").unwrap_or(1000) as u32),
            "http" => Mode::Http(num("code").unwrap_or(503) as u16),
            "stall" => Mode::Stall(Duration::from_millis(num("ms").unwrap_or(60_000))),
            "queue_nothing" => Mode::QueueNothing,
            _ => return (StatusCode::BAD_REQUEST, "unknown mode\n").into_response(),
        };
        fake.set_mode(m);
    }
    if let Some(ms) = num("status_stall_ms") {
        fake.set_status_stall((ms > 0).then(|| Duration::from_millis(ms)));
    }
    if let Some(ms) = get("deliver_after_ms") {
        fake.set_deliver_after(ms.parse().ok().map(Duration::from_millis));
    }
    if let Some(url) = get("callback_url") {
        fake.set_callback_url((!url.is_empty()).then_some(url));
    }
    if let Some(p) = get("block_phone") {
        fake.block_phone(&p);
    }
    if let Some(o) = get("forbid_originator") {
        fake.forbid_originator(&o);
    }
    let st = lock(&fake.state);
    format!(
        "ok sends={} status_queries={} sms={}\n",
        st.sends,
        st.status_queries,
        st.sms.len()
    )
    .into_response()
}
