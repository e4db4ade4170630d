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
/// Session key holding the admin's `session_epoch` at sign-in: once the admin's differs (its
/// password changed) the session is not the admin's any more (`core::access::admins`).
pub const SESSION_ADMIN_EPOCH: &str = "admin_epoch";

/// Session keys of a half-open sign-in: the password was right, the second factor's code is still
/// awaited. Such a session is no admin's ([`session_admin`] reads only [`SESSION_ADMIN_ID`]).
pub const SESSION_PENDING_ID: &str = "pending_admin_id";
pub const SESSION_PENDING_EPOCH: &str = "pending_admin_epoch";
/// When the password was right (Unix ms): the code must follow within [`PENDING_MS`].
pub const SESSION_PENDING_AT: &str = "pending_at";
/// How long a half-open sign-in waits for its code.
pub const PENDING_MS: i64 = 5 * 60 * 1000;

/// What a server function may need: the Leptos options and the same [`Services`] the REST API
/// holds. Derefs to `Services`, so `state.db`, `state.live`… read as before. Cheap to clone.
#[derive(Clone, FromRef)]
pub struct AppState {
    pub leptos_options: LeptosOptions,
    pub services: Services,
    /// The REST API's OpenAPI document (`/api/v1/openapi.json`), which the «Модули API» page
    /// shows.
    pub api_document: std::sync::Arc<serde_json::Value>,
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

/// The admin `session` is signed in as, if it still is: the admin exists and its session epoch is
/// the one stored at sign-in. A session that is no longer valid (password changed, admin removed)
/// is deleted from the store, so its cookie is worthless from now on. Pages (the page guard),
/// server functions, the SSE feed and the CSV download all ask this.
pub async fn session_admin(
    db: &ccgate_core::Db,
    session: &Session,
) -> Result<Option<Admin>, AppError> {
    let internal = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session load failed");
        AppError::Internal
    };
    let Some(id) = session
        .get::<i64>(SESSION_ADMIN_ID)
        .await
        .map_err(internal)?
    else {
        return Ok(None);
    };
    let epoch = session
        .get::<i64>(SESSION_ADMIN_EPOCH)
        .await
        .map_err(internal)?;
    let admin = match epoch {
        Some(epoch) => ccgate_core::access::admins::signed_in(db, id, epoch).await?,
        // A session from before epochs were kept.
        None => None,
    };
    if admin.is_none() {
        tracing::info!(admin_id = id, "stale admin session ended");
        session.flush().await.map_err(internal)?;
    }
    Ok(admin)
}

fn write_failed(e: tower_sessions::session::Error) -> AppError {
    tracing::error!(error = %e, "session write failed");
    AppError::Internal
}

/// Make `session` the admin's: a new session id (no fixation), the admin's id and session epoch
/// (and no half-open sign-in any more).
pub async fn start_session(session: &Session, admin: &Admin) -> Result<(), AppError> {
    let internal = write_failed;
    session.cycle_id().await.map_err(internal)?;
    for key in [
        SESSION_PENDING_ID,
        SESSION_PENDING_EPOCH,
        SESSION_PENDING_AT,
    ] {
        session.remove_value(key).await.map_err(internal)?;
    }
    session
        .insert(SESSION_ADMIN_ID, admin.id)
        .await
        .map_err(internal)?;
    session
        .insert(SESSION_ADMIN_EPOCH, admin.session_epoch)
        .await
        .map_err(internal)
}

/// Open a half-signed-in `session` for `admin`, whose password was right and whose second factor
/// is on: a new session id, and only what the code step needs; no admin id.
pub async fn start_pending(session: &Session, admin: &Admin) -> Result<(), AppError> {
    session.cycle_id().await.map_err(write_failed)?;
    session
        .remove_value(SESSION_ADMIN_ID)
        .await
        .map_err(write_failed)?;
    session
        .insert(SESSION_PENDING_ID, admin.id)
        .await
        .map_err(write_failed)?;
    session
        .insert(SESSION_PENDING_EPOCH, admin.session_epoch)
        .await
        .map_err(write_failed)?;
    session
        .insert(SESSION_PENDING_AT, ccgate_core::platform::time::now_ms())
        .await
        .map_err(write_failed)
}

/// The admin id and session epoch of `session`'s half-open sign-in, if it has one that is not
/// older than [`PENDING_MS`].
pub async fn pending_signin(session: &Session) -> Result<Option<(i64, i64)>, AppError> {
    let read = |e: tower_sessions::session::Error| {
        tracing::error!(error = %e, "session load failed");
        AppError::Internal
    };
    let id = session.get::<i64>(SESSION_PENDING_ID).await.map_err(read)?;
    let epoch = session
        .get::<i64>(SESSION_PENDING_EPOCH)
        .await
        .map_err(read)?;
    let at = session.get::<i64>(SESSION_PENDING_AT).await.map_err(read)?;
    let fresh = at.is_some_and(|at| ccgate_core::platform::time::now_ms() - at <= PENDING_MS);
    Ok(match (id, epoch) {
        (Some(id), Some(epoch)) if fresh => Some((id, epoch)),
        _ => None,
    })
}

/// The client's `User-Agent`, as the sign-in log keeps it.
pub async fn user_agent() -> String {
    leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default()
        .get(http::header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string()
}

/// The signed-in admin, of any role, or a 401 `Unauthorized`. Every server function that reads
/// data calls this first: server functions are public HTTP endpoints. A function that changes
/// anything calls [`require_editor`] (or [`require_actor`]) instead.
pub async fn require_admin() -> Result<Admin, AppError> {
    let state = state()?;
    let session = session().await?;
    session_admin(&state.db, &session).await?.ok_or_else(|| {
        set_status(http::StatusCode::UNAUTHORIZED);
        AppError::Unauthorized
    })
}

/// The signed-in admin if its role may change things, else a 403 `Forbidden` (a viewer); 401
/// without a session. The role is the one stored now, read with the session check.
pub async fn require_editor() -> Result<Admin, AppError> {
    let admin = require_admin().await?;
    if !admin.role.can_edit() {
        tracing::info!(admin = %admin.username, role = %admin.role, "change refused to a read-only admin");
        return Err(AppError::Forbidden.with_status());
    }
    Ok(admin)
}

/// The signed-in admin as the actor of an audited change (with the client address the audit row
/// keeps), with the state to make it on; refused to a viewer as [`require_editor`] does.
pub async fn require_actor() -> Result<(AppState, Actor), AppError> {
    let admin = require_editor().await?;
    let actor = Actor::Admin {
        name: admin.username,
        ip: client_ip().await,
    };
    Ok((state()?, actor))
}

/// The signed-in admin, of any role, as the actor of a change to its own account (its second
/// factor), with the state to make it on.
pub async fn require_self() -> Result<(AppState, Admin, Actor), AppError> {
    let admin = require_admin().await?;
    let actor = Actor::Admin {
        name: admin.username.clone(),
        ip: client_ip().await,
    };
    Ok((state()?, admin, actor))
}

/// The address of the client this request came from, as the sign-in log and the audit log keep
/// it: the connection's peer, or the address a trusted proxy forwarded (`trusted_proxies`).
pub async fn client_ip() -> Option<String> {
    use axum::extract::ConnectInfo;
    use std::net::SocketAddr;
    let state = state().ok()?;
    let headers = leptos_axum::extract::<http::HeaderMap>()
        .await
        .unwrap_or_default();
    // The same client address as the API's: the peer, or what a trusted proxy forwarded.
    leptos_axum::extract::<ConnectInfo<SocketAddr>>()
        .await
        .ok()
        .map(|ConnectInfo(a)| {
            ccgate_core::platform::net::client_addr(
                a.ip(),
                headers
                    .get_all("x-forwarded-for")
                    .iter()
                    .filter_map(|v| v.to_str().ok()),
                &state.config.trusted_proxies,
            )
            .to_string()
        })
}

/// Apply a change to the running gateway at once (reload the live snapshot).
pub async fn apply(state: &AppState) -> Result<(), AppError> {
    Ok(state.live.reload().await?)
}

/// Mark the current server-function response with an HTTP status.
pub fn respond_with(status: http::StatusCode) {
    set_status(status);
}
