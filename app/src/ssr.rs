//! Server-only glue for server functions: the shared state and the session guard.
//! Compiled only with the `ssr` feature; the browser bundle never sees sqlx or axum.

use axum::extract::FromRef;
use ccgate_core::access::admins::Admin;
use ccgate_core::access::audit::Actor;
use ccgate_core::Services;
use leptos::prelude::*;
use leptos_axum::ResponseOptions;
use tower_sessions::Session;

use crate::error::AppError;

/// Session key holding the signed-in admin's id.
pub const SESSION_ADMIN_ID: &str = "admin_id";

/// What a server function may need: the Leptos options and the same [`Services`] the REST API
/// holds. Derefs to `Services`, so `state.db`, `state.live`… read as before. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
}

impl std::ops::Deref for AppState {
    type Target = Services;
    fn deref(&self) -> &Services {
        &self.services
    }
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
        Some(id) => ccgate_core::access::admins::get(&state.db, id).await?,
        None => None,
    };
    admin.ok_or_else(|| {
        set_status(http::StatusCode::UNAUTHORIZED);
        AppError::Unauthorized
    })
}

/// The signed-in admin as the actor of an audited change, with the state to make it on.
pub async fn require_actor() -> Result<(AppState, Actor), AppError> {
    let admin = require_admin().await?;
    Ok((state()?, Actor::Admin(admin.username)))
}

/// Apply a change to the running gateway at once (reload the live snapshot).
pub async fn apply(state: &AppState) -> Result<(), AppError> {
    Ok(state.live.reload().await?)
}

/// Mark the current server-function response with an HTTP status.
pub fn respond_with(status: http::StatusCode) {
    set_status(status);
}
