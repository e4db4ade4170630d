//! `reports` module handlers: parse the query, call `ccgate_core::reports`, map the answer. Thin
//! by rule. `request`, `badRequest`, `users` and `sms` take the common report parameters and
//! answer JSON or CSV (`format=csv`, `bom=true`); `demoReport` forwards its query to the external
//! report server of Settings → «Отчеты ЦОВ» and answers in our envelope.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccgate_core::platform::time::now_ms;
use ccgate_core::reports::demo::DemoAnswer;
use ccgate_core::reports::requests::{BadReport, RequestReport};
use ccgate_core::reports::sms::SmsReport;
use ccgate_core::reports::users::UsersReport;
use ccgate_core::reports::{self, Output, Report};
use ccgate_core::Services;
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::routes;

use crate::rest::cc::cdr::OutputFormat;
use crate::rest::error::ApiError;
use crate::rest::params::Params;
use crate::rest::ModuleRoutes;

/// The `reports` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("reports")
        .method("request", routes!(request))
        .method("badRequest", routes!(bad_request))
        .method("users", routes!(users))
        .method("sms", routes!(sms))
        .method("demoReport", routes!(demo_report))
}

/// The parameters every counter report takes (the names `reports::params::PARAMS` reads).
#[derive(IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct ReportParams {
    /// First day: RFC 3339 or `YYYY-MM-DD` in the configured zone, widened to its whole day
    /// (default: the day before `until`'s last day, i.e. that day alone).
    #[param(
        example = "2026-11-01",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    from: Option<String>,
    /// End, exclusive: the last day is the one holding the instant before it (default: through
    /// today). At most 366 days.
    #[param(
        example = "2026-12-01",
        pattern = "^[0-9]{4}-[0-9]{2}-[0-9]{2}(T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?(Z|[+-][0-9]{2}:[0-9]{2}))?$"
    )]
    until: Option<String>,
    /// The grouping; each report offers some (`request`/`badRequest`: day, user, module, method,
    /// status, error_code; `users`: user; `sms`: day, status, gateway, user), the first its default.
    #[param(inline)]
    group_by: Option<GroupByName>,
    /// Only this API user's requests (a login).
    #[param(example = "crm")]
    user: Option<String>,
    #[param(inline)]
    format: Option<OutputFormat>,
    /// With `format=csv`: start with a byte-order mark (for Excel).
    #[param(default = false)]
    bom: Option<bool>,
}

/// A report grouping (`reports::params::GroupBy`).
#[derive(ToSchema)]
#[schema(rename_all = "snake_case")]
#[allow(dead_code)]
pub enum GroupByName {
    Day,
    User,
    Module,
    Method,
    Status,
    ErrorCode,
    Gateway,
}

/// `GET /api/v1/reports/{request,badRequest,users,sms}`: `from`, `until`, `group_by`, `user`,
/// `format`, `bom`.
async fn counter_report(
    state: Services,
    q: Option<String>,
    report: Report,
) -> Result<Response, ApiError> {
    let p = Params::parse_for::<ReportParams>(q.as_deref())?;
    let snap = state.live.current();
    let cache = Some(&*state.reports_cache);
    let out = reports::build(
        &state.db,
        cache,
        &snap,
        report,
        |name| p.opt(name),
        now_ms(),
    )
    .await?;
    Ok(match out {
        Output::Json(v) => Json(v).into_response(),
        Output::Csv(body) => {
            ([(header::CONTENT_TYPE, "text/csv; charset=utf-8")], body).into_response()
        }
    })
}

/// All requests, grouped.
#[utoipa::path(
    get,
    path = "/v1/reports/request",
    params(ReportParams),
    responses(
        (status = 200, description = "Requests by outcome (2xx/3xx ok, 4xx bad, 5xx error) per group.", content(
            (RequestReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`unknown_field`, `invalid_parameter`, `range_too_large`"),
        (status = 422, description = "`invalid_range`"),
    )
)]
async fn request(State(s): State<Services>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    counter_report(s, q, Report::Request).await
}

/// Bad requests (4xx) by error code, 5xx counted apart.
#[utoipa::path(
    get,
    path = "/v1/reports/badRequest",
    params(ReportParams),
    responses(
        (status = 200, description = "Bad requests per group and by error code.", content(
            (BadReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`unknown_field`, `invalid_parameter`, `range_too_large`"),
        (status = 422, description = "`invalid_range`"),
    )
)]
async fn bad_request(
    State(s): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Response, ApiError> {
    counter_report(s, q, Report::BadRequest).await
}

/// Requests, SMS and calls per API user.
#[utoipa::path(
    get,
    path = "/v1/reports/users",
    params(ReportParams),
    responses(
        (status = 200, description = "One row per API user.", content(
            (UsersReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`unknown_field`, `invalid_parameter`, `range_too_large`"),
        (status = 422, description = "`invalid_range`"),
    )
)]
async fn users(State(s): State<Services>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    counter_report(s, q, Report::Users).await
}

/// SMS by day, status, gateway or user.
#[utoipa::path(
    get,
    path = "/v1/reports/sms",
    params(ReportParams),
    responses(
        (status = 200, description = "Messages, parts and delivery per group.", content(
            (SmsReport = "application/json"),
            (String = "text/csv"),
        )),
        (status = 400, description = "`unknown_field`, `invalid_parameter`, `range_too_large`"),
        (status = 422, description = "`invalid_range`"),
    )
)]
async fn sms(State(s): State<Services>, RawQuery(q): RawQuery) -> Result<Response, ApiError> {
    counter_report(s, q, Report::Sms).await
}

/// `GET /api/v1/reports/demoReport`: any query, forwarded as it came to the report server of
/// Settings → «Отчеты ЦОВ» (HTTP Basic with its login and password).
#[utoipa::path(
    get,
    path = "/v1/reports/demoReport",
    responses(
        (status = 200, description = "The report server's answer in our envelope (`data` when it is JSON, else `text`).", body = DemoAnswer),
        (status = 502, description = "`upstream_auth_failed`, `upstream_error`, `upstream_tls_error`: the report server refused the credentials, answered an error status or something unusable, or its certificate did not verify"),
        (status = 503, description = "`not_configured`, `upstream_unavailable`: no report server URL in Settings, or it cannot be reached"),
        (status = 504, description = "`upstream_timeout`"),
    )
)]
async fn demo_report(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<DemoAnswer>, ApiError> {
    let settings = state.live.current().reports.clone();
    Ok(Json(reports::demo::fetch(&settings, q.as_deref()).await?))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn documented_parameters_are_those_read() {
        let mut doc = crate::rest::params::names_of::<ReportParams>().to_vec();
        let mut read = reports::params::PARAMS.to_vec();
        doc.sort();
        read.sort();
        assert_eq!(doc, read);
        let names: Vec<&str> = reports::params::GroupBy::ALL
            .iter()
            .map(|g| g.as_str())
            .collect();
        assert_eq!(
            names,
            [
                "day",
                "user",
                "module",
                "method",
                "status",
                "error_code",
                "gateway"
            ]
        );
    }
}
