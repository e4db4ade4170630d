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
use axum::Json;
use ccgate_core::stats::external::ExternalAnswer;
use ccgate_core::stats::service::{self, AllAnswer, GetAnswer, Request};
use ccgate_core::Services;
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::rest::error::ApiError;
use crate::rest::params::Params;
use crate::rest::ModuleRoutes;

/// The `stats` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("stats")
        .method("get", routes!(one))
        .method("all", routes!(all))
}

/// `stats/get`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct GetQuery {
    /// The project's name (before any is defined: a queue's name).
    #[param(example = "support@default")]
    project: String,
    /// Start of the period: RFC 3339, or `YYYY-MM-DD` in the configured zone (default: the start
    /// of `until`'s day).
    #[param(
        example = "2026-12-01",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    from: Option<String>,
    /// End of the period (default: now); at most 366 days after `from`.
    #[param(
        example = "2026-12-02T10:00:00Z",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    until: Option<String>,
}

/// `stats/all`.
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct AllQuery {
    /// As in `stats/get`.
    #[param(
        example = "2026-12-01",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    from: Option<String>,
    /// As in `stats/get`.
    #[param(
        example = "2026-12-02T10:00:00Z",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    until: Option<String>,
}

/// `stats/get`: the built-in figures (`stats.source=builtin`), or the statistics server's
/// answer in our envelope (`external`). The service answers one of the two as JSON.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum StatsGet {
    Builtin(GetAnswer),
    External(ExternalAnswer),
}

/// `stats/all`, built in or forwarded.
#[derive(serde::Serialize, ToSchema)]
#[serde(untagged)]
#[allow(dead_code)]
pub enum StatsAll {
    Builtin(AllAnswer),
    External(ExternalAnswer),
}

fn request(p: &Params) -> Request<'_> {
    Request {
        from: p.opt("from"),
        until: p.opt("until"),
    }
}

/// `GET /api/v1/stats/get?project=NAME[&from=&until=]`
#[utoipa::path(
    get,
    path = "/v1/stats/get",
    params(GetQuery),
    responses(
        (status = 200, description = "The project's live and period figures.", body = StatsGet),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`project_not_found`"),
        (status = 422, description = "`invalid_range`: `from` is not before `until`"),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`, `upstream_tls_error`: FreeSWITCH or the statistics server refused or answered badly"),
        (status = 503, description = "`upstream_unavailable`"),
        (status = 504, description = "`upstream_timeout`"),
    )
)]
pub async fn one(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse_for::<GetQuery>(q.as_deref())?;
    let project = p.required("project")?;
    Ok(Json(service::get(&state, project, &request(&p)).await?))
}

/// `GET /api/v1/stats/all[?from=&until=]`
#[utoipa::path(
    get,
    path = "/v1/stats/all",
    params(AllQuery),
    responses(
        (status = 200, description = "Every project's figures and the overall ones.", body = StatsAll),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 422, description = "`invalid_range`: `from` is not before `until`"),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`, `upstream_tls_error`"),
        (status = 503, description = "`upstream_unavailable`"),
        (status = 504, description = "`upstream_timeout`"),
    )
)]
pub async fn all(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<Value>, ApiError> {
    let p = Params::parse_for::<AllQuery>(q.as_deref())?;
    Ok(Json(service::all(&state, &request(&p)).await?))
}
