//! Admin sign-in and sign-out, the current admin, the sign-in log (`ccgate_core::access::admins`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AdminInfo {
    pub id: i64,
    pub username: String,
    /// `admin` or `viewer` (read only).
    pub role: String,
}

impl AdminInfo {
    /// May this admin change anything? (The server decides; the pages only disable controls.)
    pub fn read_only(&self) -> bool {
        self.role != "admin"
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignIn {
    /// Unix ms (the page formats it: `crate::time`).
    pub at: i64,
    pub username: String,
    pub ip: String,
    pub user_agent: String,
    pub result: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInPage {
    pub items: Vec<SignIn>,
    pub total: i64,
}

#[cfg(feature = "ssr")]
impl From<ccgate_core::access::admins::LoginLogEntry> for SignIn {
    fn from(r: ccgate_core::access::admins::LoginLogEntry) -> Self {
        SignIn {
            at: r.at,
            username: r.username,
            ip: r.ip,
            user_agent: r.user_agent,
            result: r.result,
        }
    }
}

/// Where a right password leads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum LoginStep {
    /// Signed in (the browser is sent to the dashboard).
    SignedIn,
    /// The admin has a second factor: the page asks for its code ([`login_code`]).
    Code,
}

/// An outcome of a sign-in step as the panel answers it.
#[cfg(feature = "ssr")]
async fn answer(
    outcome: ccgate_core::access::admins::LoginOutcome,
    wrong: AppError,
) -> Result<LoginStep, AppError> {
    use crate::ssr::{respond_with, session};
    use ccgate_core::access::admins::LoginOutcome;
    match outcome {
        LoginOutcome::Ok(admin) => {
            crate::ssr::start_session(&session().await?, &admin).await?;
            tracing::info!(admin = %admin.username, "admin signed in");
            leptos_axum::redirect("/");
            Ok(LoginStep::SignedIn)
        }
        LoginOutcome::SecondFactor(admin) => {
            crate::ssr::start_pending(&session().await?, &admin).await?;
            Ok(LoginStep::Code)
        }
        LoginOutcome::BadCredentials => {
            respond_with(http::StatusCode::UNAUTHORIZED);
            Err(wrong)
        }
        LoginOutcome::Throttled { retry_after_secs } => {
            respond_with(http::StatusCode::TOO_MANY_REQUESTS);
            Err(AppError::Throttled(retry_after_secs))
        }
    }
}

/// Sign in. On success the session id is rotated and the browser is sent to the dashboard; an
/// admin with a second factor gets a half-open session that only [`login_code`] completes.
#[server(endpoint = "login")]
pub async fn login(username: String, password: String) -> Result<LoginStep, AppError> {
    use crate::ssr::{client_ip, state};
    use ccgate_core::access::admins::{self, LoginAttempt};

    let state = state()?;
    let ip = client_ip().await.unwrap_or_else(|| "unknown".into());
    let user_agent = crate::ssr::user_agent().await;
    let outcome = admins::login(
        &state.db,
        LoginAttempt {
            username,
            password: password.into(),
            ip,
            user_agent,
        },
    )
    .await?;
    answer(outcome, AppError::BadCredentials).await
}

/// The sign-in's second step: the code of the authenticator app (or a recovery code) after a
/// right password. Throttled like passwords; a code counts once.
#[server(endpoint = "login/code")]
pub async fn login_code(code: String) -> Result<LoginStep, AppError> {
    use crate::ssr::{client_ip, pending_signin, session, state};
    use ccgate_core::access::admins::totp::{second_step, CodeAttempt};

    let state = state()?;
    let Some((admin_id, session_epoch)) = pending_signin(&session().await?).await? else {
        // No password step, or it is too old: start again.
        return Err(AppError::Unauthorized.with_status());
    };
    let outcome = second_step(
        &state.db,
        CodeAttempt {
            admin_id,
            session_epoch,
            code: code.into(),
            ip: client_ip().await.unwrap_or_else(|| "unknown".into()),
            user_agent: crate::ssr::user_agent().await,
        },
    )
    .await?;
    answer(outcome, AppError::BadCode).await
}

/// Sign out: the session is deleted from the store, so its cookie is worthless afterwards.
#[server(endpoint = "logout")]
pub async fn logout() -> Result<(), AppError> {
    let session = crate::ssr::session().await?;
    session.flush().await.map_err(|e| {
        tracing::error!(error = %e, "session flush failed");
        AppError::Internal
    })?;
    leptos_axum::redirect("/login");
    Ok(())
}

/// Who is signed in (`None` when nobody is).
#[server(endpoint = "current_admin")]
pub async fn current_admin() -> Result<Option<AdminInfo>, AppError> {
    match crate::ssr::require_admin().await {
        Ok(a) => Ok(Some(AdminInfo {
            id: a.id,
            username: a.username,
            role: a.role.as_str().to_string(),
        })),
        Err(AppError::Unauthorized) => {
            // Asking is not an error; undo the 401 the guard set.
            crate::ssr::respond_with(http::StatusCode::OK);
            Ok(None)
        }
        Err(e) => Err(e),
    }
}

/// The newest sign-in attempts (admin only).
#[server(endpoint = "signins")]
pub async fn signins(limit: i64, offset: i64) -> Result<SignInPage, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let (rows, total) = ccgate_core::access::admins::login_log(&state.db, limit, offset).await?;
    Ok(SignInPage {
        items: rows.into_iter().map(SignIn::from).collect(),
        total,
    })
}
