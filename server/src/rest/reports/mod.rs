//! `reports` module handlers: parse the query, call `ccgate_core::reports`, map the answer. Thin
//! by rule. `request`, `badRequest`, `users` and `sms` take the common report parameters and
//! answer JSON or CSV (`format=csv`, `bom=true`); `demoReport` forwards its query to the external
//! report server of Settings → «Отчеты ЦОВ» and answers in our envelope.

use axum::extract::{RawQuery, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Json;
use ccgate_core::platform::time::now_ms;
use ccgate_core::reports::{self, params::PARAMS, Output, Report};
use ccgate_core::Services;

use crate::rest::error::ApiError;
use crate::rest::params::Params;
use crate::rest::ModuleRoutes;

/// The `reports` module's routes.
pub fn routes() -> ModuleRoutes {
    ModuleRoutes::new("reports")
        .method(
            "request",
            "",
            get(|s: State<Services>, q: RawQuery| counter_report(s, q, Report::Request)),
        )
        .method(
            "badRequest",
            "",
            get(|s: State<Services>, q: RawQuery| counter_report(s, q, Report::BadRequest)),
        )
        .method(
            "users",
            "",
            get(|s: State<Services>, q: RawQuery| counter_report(s, q, Report::Users)),
        )
        .method(
            "sms",
            "",
            get(|s: State<Services>, q: RawQuery| counter_report(s, q, Report::Sms)),
        )
        .method("demoReport", "", get(demo_report))
}

/// `GET /api/v1/reports/{request,badRequest,users,sms}`: `from`, `until`, `group_by`, `user`,
/// `format`, `bom`.
async fn counter_report(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
    report: Report,
) -> Result<Response, ApiError> {
    let p = Params::parse(q.as_deref(), PARAMS)?;
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

/// `GET /api/v1/reports/demoReport`: any query, forwarded to the report server.
async fn demo_report(
    State(state): State<Services>,
    RawQuery(q): RawQuery,
) -> Result<Json<reports::demo::DemoAnswer>, ApiError> {
    let settings = state.live.current().reports.clone();
    Ok(Json(reports::demo::fetch(&settings, q.as_deref()).await?))
}
