//! `stats` module handlers: `stats/get?project=NAME` and `stats/all`, both with optional
//! `from` / `until` (RFC 3339, or `YYYY-MM-DD` in `general.utc_offset`; default: today so far).
//! Thin by rule: parse, call `ccgate_core::stats::service`, map the answer.
//!
//! Built-in source (`stats.source=builtin`, the default), `GET /api/v1/stats/get?project=support@default`:
//!
//! ```json
//! {
//!   "source": "builtin",
//!   "as_of": "2026-12-02T10:00:00Z",
//!   "project": {"name": "support@default", "title": "support@default",
//!               "queues": ["support@default"], "service_level_seconds": 20, "defined": false},
//!   "live": {
//!     "calls_waiting": 1, "longest_wait_seconds": 12, "calls_with_agent": 1,
//!     "agents": {"total": 3, "on_call": 1, "available": 2, "on_break": 1, "logged_out": 0,
//!                "by_status": {"available": 2, "available_on_demand": 0, "logged_out": 0, "on_break": 1},
//!                "by_state": {"idle": 0, "in_a_queue_call": 1, "receiving": 0, "reserved": 0, "waiting": 2}}
//!   },
//!   "period": {
//!     "from": "2026-12-01T21:00:00Z", "until": "2026-12-02T10:00:00Z",
//!     "offered": 40, "answered": 36, "abandoned": 4, "abandon_rate": 10.0,
//!     "abandoned_by_reason": {"BREAK_OUT": 3, "EXIT_WITH_KEY": 0, "NO_AGENT_TIMEOUT": 0, "TIMEOUT": 1},
//!     "service_level_seconds": 20, "answered_within_threshold": 31, "service_level": 77.5,
//!     "avg_wait_seconds": 9.4, "max_wait_seconds": 48.0, "avg_talk_seconds": 131.2,
//!     "outbound": {"total": 5, "by_status": {"answered": 0, "busy": 1, "cancelled": 0, "completed": 3,
//!                  "dialing": 0, "expired": 0, "failed": 0, "no_answer": 1, "queued": 0}}
//!   },
//!   "sms": {"created": 120, "sent": 118, "delivered": 111}
//! }
//! ```
//!
//! `GET /api/v1/stats/all`: `{"source", "as_of", "items": [<project, live, period> per project],
//! "total": <number of projects>, "overall": {"queues": [...], "live": {...}, "period": {...}},
//! "sms": {...}}`; `overall` counts each queue once.
//!
//! External source (`stats.source=external`): the statistics server's answer in our envelope,
//! `{"source": "external", "method": "stats.get", "project": "support", "fetched_at": "…",
//! "content_type": "application/json", "data": <its JSON>}` (`"text": "…"` instead of `data` when
//! it is not JSON).
//!
//! Errors: unknown project 404 `project_not_found` (built-in only: the external server answers
//! for its own projects); FreeSWITCH or the statistics server unreachable 503
//! `upstream_unavailable`, too slow 504 `upstream_timeout`, a bad answer 502 `upstream_error`;
//! `from` not before `until` 422 `invalid_range`.

use axum::extract::{RawQuery, State};
use axum::routing::get;
use axum::Json;
use ccgate_core::stats::service::{self, Request};
use ccgate_core::Services;
use serde_json::Value;

use crate::rest::error::ApiError;
use crate::rest::params::Params;
use crate::rest::ModuleRoutes;

/// The `stats` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("stats")
        .method("get", "", get(one))
        .method("all", "", get(all))
}

fn request(p: &Params) -> Request<'_> {
    Request {
        from: p.opt("from"),
        until: p.opt("until"),
    }
}

/// `GET /api/v1/stats/get?project=NAME[&from=&until=]`
pub async fn one(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["project", "from", "until"])?;
    let project = p.required("project")?;
    Ok(Json(service::get(&state, project, &request(&p)).await?))
}

/// `GET /api/v1/stats/all[?from=&until=]`
pub async fn all(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse(q.as_deref(), &["from", "until"])?;
    Ok(Json(service::all(&state, &request(&p)).await?))
}
