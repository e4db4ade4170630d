//! The signed-in admin's own account on the «Безопасность» page: its role and its second factor
//! (`ccgate_core::access::admins::totp`): enrol (secret and QR code shown once, in force after a
//! first right code, recovery codes shown once), switch off with a code or the password. Every
//! admin manages its own second factor, a viewer too.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SecurityView {
    pub username: String,
    /// `admin` or `viewer`.
    pub role: String,
    pub totp_enabled: bool,
    /// Recovery codes not used yet.
    pub recovery_left: i64,
}

/// A started enrolment, shown this once: the secret as text, the `otpauth://` address and its QR
/// code (an `<svg>` element made on the server).
#[derive(Clone, PartialEq, Serialize, Deserialize)]
pub struct TotpEnrolment {
    pub secret: String,
    pub uri: String,
    pub qr_svg: String,
}

/// Never printed, not even in a debug log.
impl std::fmt::Debug for TotpEnrolment {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("TotpEnrolment(***)")
    }
}

#[server(endpoint = "security/status")]
pub async fn security_status() -> Result<SecurityView, AppError> {
    let admin = crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let st = ccgate_core::access::admins::totp::status(&state.db, admin.id).await?;
    Ok(SecurityView {
        username: admin.username,
        role: admin.role.as_str().to_string(),
        totp_enabled: st.enabled,
        recovery_left: st.recovery_left,
    })
}

/// Start enrolling: a new secret (replacing one not confirmed), not in force until confirmed.
#[server(endpoint = "security/totp/begin")]
pub async fn totp_begin() -> Result<TotpEnrolment, AppError> {
    let (state, admin, _) = crate::ssr::require_self().await?;
    let e = ccgate_core::access::admins::totp::begin(&state.db, &admin).await?;
    Ok(TotpEnrolment {
        secret: e.secret.expose().clone(),
        uri: e.uri.expose().clone(),
        qr_svg: e.qr_svg.expose().clone(),
    })
}

/// Switch the second factor on with the app's current code; answers the recovery codes, shown
/// this once.
#[server(endpoint = "security/totp/confirm")]
pub async fn totp_confirm(code: String) -> Result<Vec<String>, AppError> {
    let (state, admin, actor) = crate::ssr::require_self().await?;
    let codes =
        ccgate_core::access::admins::totp::confirm(&state.db, &actor, admin.id, &code).await?;
    tracing::info!(admin = %admin.username, "second factor switched on");
    Ok(codes.into_iter().map(|c| c.expose().clone()).collect())
}

/// Switch the second factor off: `proof` is a current code, a recovery code or the password.
/// Throttled like a sign-in.
#[server(endpoint = "security/totp/disable")]
pub async fn totp_disable(proof: String) -> Result<(), AppError> {
    use ccgate_core::access::admins::totp::{disable, OffAttempt};
    use ccgate_core::access::admins::LoginOutcome;
    let (state, admin, actor) = crate::ssr::require_self().await?;
    let outcome = disable(
        &state.db,
        &actor,
        &admin,
        OffAttempt {
            proof: proof.into(),
            ip: crate::ssr::client_ip()
                .await
                .unwrap_or_else(|| "unknown".into()),
            user_agent: crate::ssr::user_agent().await,
        },
    )
    .await?;
    match outcome {
        LoginOutcome::Ok(_) | LoginOutcome::SecondFactor(_) => {
            tracing::info!(admin = %admin.username, "second factor switched off");
            Ok(())
        }
        LoginOutcome::BadCredentials => Err(AppError::BadCode.with_status()),
        LoginOutcome::Throttled { retry_after_secs } => {
            Err(AppError::Throttled(retry_after_secs).with_status())
        }
    }
}
