//! `cc/cdr` (a filtered, ordered page of CDRs as JSON or CSV) and `cc/cdr/{uuid}` (one CDR with
//! its variables), through `ccgate_core::cc::cdr::query`.

use axum::extract::{Path, RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccgate_core::cc::cdr::query::{self, Detail, Format, ListQuery};
use ccgate_core::Services;

use crate::rest::error::ApiError;
use crate::rest::params::Params;

/// `GET /api/v1/cc/cdr`: filters `from`, `until`, `number`, `direction`, `hangup_cause`, `queue`,
/// `uuid`; `limit`/`offset`; `order` (start, duration, billsec) and `sort` (asc/desc);
/// `format=csv` (with `bom=true` for Excel).
pub async fn list(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), ListQuery::PARAMS)?;
    let tz = state.live.current().utc_offset_minutes;
    let req = ListQuery::parse(|name| p.opt(name), tz)?;
    let page = query::list(&state.db, &state.cdr_totals, &req).await?;
    Ok(match req.format {
        Format::Csv { bom } => (
            [(header::CONTENT_TYPE, "text/csv; charset=utf-8")],
            page.to_csv(bom),
        )
            .into_response(),
        Format::Json => Json(page).into_response(),
    })
}

/// `GET /api/v1/cc/cdr/{uuid}`: one CDR with all its variables.
pub async fn one(
    State(state): State<Services>,
    Path(uuid): Path<String>,
    RawQuery(q): RawQuery,
) -> Result<Json<Detail>, ApiError> {
    Params::parse(q.as_deref(), &[])?;
    Ok(Json(query::one(&state.db, &uuid).await?))
}
