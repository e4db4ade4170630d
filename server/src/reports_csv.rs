//! `GET /admin/reports.csv?report=&from=&until=&group_by=`: the «Отчёты» page's «Скачать CSV».
//! Admin session required (401 without one); admins are not API users, so no API key is involved.
//! The dates are the page's (`until` is the last day included); the body is the report's CSV with
//! a byte-order mark (Excel reads Cyrillic with it), served as an attachment.

use app::ssr::AppState;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use tower_sessions::Session;

pub use app::api::reports::CSV_PATH as PATH;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct CsvQuery {
    report: String,
    from: String,
    until: String,
    group_by: String,
}

pub async fn download(
    State(state): State<AppState>,
    session: Session,
    Query(q): Query<CsvQuery>,
) -> Response {
    let admin = app::ssr::session_admin(&state.db, &session).await;
    if !matches!(admin, Ok(Some(_))) {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    match app::api::reports::csv(&state, &q.report, &q.from, &q.until, &q.group_by).await {
        Ok((body, name)) => (
            [
                (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_string()),
                (
                    header::CONTENT_DISPOSITION,
                    format!("attachment; filename=\"{name}\""),
                ),
                (header::CACHE_CONTROL, "no-store".to_string()),
            ],
            body,
        )
            .into_response(),
        Err(e) => {
            let status = match &e {
                app::error::AppError::Invalid { .. } => StatusCode::BAD_REQUEST,
                app::error::AppError::Failed { status, .. } => {
                    StatusCode::from_u16(*status).unwrap_or(StatusCode::BAD_GATEWAY)
                }
                _ => StatusCode::INTERNAL_SERVER_ERROR,
            };
            (status, e.to_string()).into_response()
        }
    }
}
