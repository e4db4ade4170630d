//! Server-only glue for server functions: the shared state and the session guard.
//! Compiled only with the `ssr` feature; the browser bundle never sees sqlx or axum.

use std::sync::Arc;

use axum::extract::FromRef;
use ccgate_core::admin::Admin;
use ccgate_core::journal::JournalHandle;
use ccgate_core::live::Live;
use ccgate_core::{Config, Db};
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::error::AppError;

/// Session key holding the signed-in admin's id.
pub const SESSION_ADMIN_ID: &str = "admin_id";

/// Everything a request handler or server function may need. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub db: Db,
    pub config: Arc<Config>,
    /// Users, keys, permissions and settings as of now (reloaded on every change).
    pub live: Arc<Live>,
    pub journal: JournalHandle,
    /// The FreeSWITCH client for the current settings.
    pub fs: Arc<ccgate_core::cc::FsHub>,
    /// The outbound call list's pacing worker (`cc.add`).
    pub dialer: Arc<ccgate_core::dialer::Dialer>,
    /// SMS gateways' HTTP client and pacers.
    pub sms: Arc<ccgate_core::sms::service::SmsHub>,
    /// The dashboard's aggregates of closed days.
    pub dash_cache: Arc<ccgate_core::dashboard::Cache>,
    /// Totals of CDR searches until the CDR index next changes.
    pub cdr_totals: Arc<ccgate_core::cdr_index::Totals>,
}

pub fn state() -> Result<AppState, AppError> {
    use_context::<AppState>().ok_or_else(|| {
        tracing::error!("AppState missing from the server function context");
        AppError::Internal
    })
}

pub async fn session() -> Result<Session, AppError> {
    leptos_axum::extract::<Session>().await.map_err(|e| {
        tracing::error!(error = %e, "session extractor failed");
        AppError::Internal
    })
}

fn set_status(status: http::StatusCode) {
    if let Some(opts) = use_context::<ResponseOptions>() {
        opts.set_status(status);
    }
}

/// The signed-in admin, or a 401 `Unauthorized`. Every server function that touches data calls
/// this first: server functions are public HTTP endpoints.
pub async fn require_admin() -> Result<Admin, AppError> {
    let state = state()?;
    let session = session().await?;
    let id: Option<i64> = session.get(SESSION_ADMIN_ID).await.map_err(|e| {
        tracing::error!(error = %e, "session load failed");
        AppError::Internal
    })?;
    let admin = match id {
        Some(id) => ccgate_core::admin::get(&state.db, id).await?,
        None => None,
    };
    admin.ok_or_else(|| {
        set_status(http::StatusCode::UNAUTHORIZED);
        AppError::Unauthorized
    })
}

/// Mark the current server-function response with an HTTP status.
pub fn respond_with(status: http::StatusCode) {
    set_status(status);
}
