//! `cc/cdr` (a filtered, ordered page of CDRs as JSON or CSV) and `cc/cdr/{uuid}` (one CDR with
//! its variables), through `ccgate_core::cc::cdr::query`.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccgate_core::cc::cdr::query::{self, Detail, Format, ListQuery, Page};
use ccgate_core::Services;
use utoipa::IntoParams;

use super::queues::NoParams;
use crate::rest::error::ApiError;
use crate::rest::extract::ApiPath;
use crate::rest::params::Params;

/// The parameters of `cc/cdr` (the names `ListQuery::parse` reads).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct CdrQuery {
    /// Calls that started at or after this instant: RFC 3339, or `YYYY-MM-DD` in the configured zone.
    #[param(
        example = "2026-12-01",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    from: Option<String>,
    /// Calls that started before this instant (same forms as `from`; after `from`).
    #[param(
        example = "2026-12-02T00:00:00Z",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    until: Option<String>,
    /// Caller or destination number (a leading `+` is ignored).
    #[param(example = "79161234567")]
    number: Option<String>,
    /// `inbound` or `outbound`, as FreeSWITCH wrote it.
    #[param(example = "inbound")]
    direction: Option<String>,
    /// FreeSWITCH's hangup cause (case-insensitive).
    #[param(example = "NORMAL_CLEARING")]
    hangup_cause: Option<String>,
    /// mod_callcenter's queue of the call.
    #[param(example = "support@default")]
    queue: Option<String>,
    /// One call's UUID.
    #[param(
        pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
    )]
    uuid: Option<String>,
    /// Page size.
    #[param(default = 100, minimum = 0, maximum = 1000)]
    limit: Option<i64>,
    /// Rows to skip.
    #[param(default = 0, minimum = 0)]
    offset: Option<i64>,
    /// Sort key (default `start`).
    #[param(inline)]
    order: Option<CdrOrder>,
    /// Sort direction (default `desc`).
    #[param(inline)]
    sort: Option<SortDirection>,
    /// `csv`: the page as CSV (a header of the JSON keys, CRLF lines).
    #[param(inline)]
    format: Option<OutputFormat>,
    /// With `format=csv`: start with a byte-order mark (for Excel).
    #[param(default = false)]
    bom: Option<bool>,
}

/// What `cc/cdr` orders by.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum CdrOrder {
    Start,
    Duration,
    Billsec,
}

#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum SortDirection {
    Asc,
    Desc,
}

/// `json` (the default) or `csv`.
#[derive(utoipa::ToSchema)]
#[schema(rename_all = "lowercase")]
#[allow(dead_code)]
pub enum OutputFormat {
    Json,
    Csv,
}

/// A filtered, ordered page of CDRs.
#[utoipa::path(
    get,
    path = "/v1/cc/cdr",
    params(CdrQuery),
    responses(
        (status = 200, description = "One page of matching calls and the number of all matches.", content(
            (Page = "application/json"),
            (String = "text/csv", example = "uuid,direction,caller_id_name,…\r\n"),
        )),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 422, description = "`invalid_range`: `from` is not before `until`"),
    )
)]
pub async fn list(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    let p = Params::parse_for::<CdrQuery>(q.as_deref())?;
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

/// One CDR with all its variables.
#[utoipa::path(
    get,
    path = "/v1/cc/cdr/{uuid}",
    params(
        ("uuid" = String, Path, description = "The call's UUID.", example = "2ef035a7-a803-451e-b017-16ad795f0b5f", pattern = "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"),
        NoParams,
    ),
    responses(
        (status = 200, description = "The CDR.", body = Detail),
        (status = 400, description = "`unknown_field`, `invalid_parameter`"),
        (status = 404, description = "`cdr_not_found`"),
    )
)]
pub async fn one(
    State(state): State<Services>,
    ApiPath(uuid): ApiPath,
    RawQuery(q): RawQuery,
) -> Result<Json<Detail>, ApiError> {
    Params::parse_for::<NoParams>(q.as_deref())?;
    Ok(Json(query::one(&state.db, &uuid).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_parameters_are_those_read() {
        let mut doc = crate::rest::params::names_of::<CdrQuery>().to_vec();
        let mut read = ListQuery::PARAMS.to_vec();
        doc.sort();
        read.sort();
        assert_eq!(doc, read);
    }
}
