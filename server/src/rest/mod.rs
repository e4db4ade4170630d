//! The public REST API under `/api`. Handlers are thin: parse, call a `ccgate_core` service, map
//! the result. Unknown routes answer a JSON 404 in the common error shape.

pub mod error;

use axum::extract::OriginalUri;
use axum::Router;

use app::ssr::AppState;
use error::{ApiError, ErrorCode};

pub fn router() -> Router<AppState> {
    Router::new().fallback(not_found)
}

async fn not_found(OriginalUri(uri): OriginalUri) -> ApiError {
    ApiError::new(
        ErrorCode::NotFound,
        format!("no such API route: {}", uri.path()),
    )
}
