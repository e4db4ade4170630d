//! The optional second factor of an admin: a TOTP code (RFC 6238, `platform::totp`) or one of ten
//! one-time recovery codes, asked after the password.
//!
//! * **Stored** in `admins` (`totp_secret` base32, `totp_enabled`, `totp_last_step`) and
//!   `admin_recovery_codes` (SHA-256 of each code, `used_at` once used). The secret leaves the
//!   server once, at enrolment ([`begin`]); recovery codes once, at confirmation ([`confirm`]).
//! * **Enrolment**: [`begin`] stores a new secret, not yet in force; [`confirm`] switches it on
//!   with a first right code and makes the recovery codes. Both are refused while it is on.
//! * **A code counts once**: accepting one moves `totp_last_step` to its step with a conditional
//!   UPDATE, so the same code (or an older one) is refused afterwards, also by a parallel request;
//!   a recovery code is spent the same way (`used_at IS NULL` in the UPDATE).
//! * **Throttled like passwords**: the sign-in's second step ([`second_step`]) and switching the
//!   factor off ([`disable`], which needs a code or the password) are decided and logged by the
//!   sign-in throttle (`signin.rs`) under the admin's username and the client's address.
//! * **Off**: [`disable`] from the panel, or [`reset`] (`ccgate admin totp reset`) for an admin
//!   locked out. Switching on and off is audited as `admin.totp`.

use serde::{Deserialize, Serialize};

use super::signin::{reserve, settle, slow_down, Reservation};
use super::{signed_in, Admin, LoginOutcome, Username};
use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::password;
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;
use crate::platform::totp;

/// What the issuer of the authenticator app's entry reads.
pub const ISSUER: &str = "ccgate";

/// The second factor of one admin, as its own Security card shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotpStatus {
    pub enabled: bool,
    /// Recovery codes not used yet.
    pub recovery_left: i64,
}

/// A started enrolment: the secret, shown this once, as text and as an `otpauth://` QR code.
pub struct Enrolment {
    pub secret: Secret<String>,
    pub uri: Secret<String>,
    /// An `<svg>` element.
    pub qr_svg: Secret<String>,
}

pub async fn status(db: &Db, admin_id: i64) -> Result<TotpStatus, ServiceError> {
    let enabled: Option<i64> = sqlx::query_scalar("SELECT totp_enabled FROM admins WHERE id = ?")
        .bind(admin_id)
        .fetch_optional(&db.pool)
        .await?;
    let enabled = enabled.ok_or(ServiceError::NotFound("admin"))? != 0;
    let recovery_left = sqlx::query_scalar(
        "SELECT COUNT(*) FROM admin_recovery_codes WHERE admin_id = ? AND used_at IS NULL",
    )
    .bind(admin_id)
    .fetch_one(&db.pool)
    .await?;
    Ok(TotpStatus {
        enabled,
        recovery_left,
    })
}

/// Does `admin_id` sign in with a second factor?
pub async fn enabled(db: &Db, admin_id: i64) -> Result<bool, ServiceError> {
    Ok(status(db, admin_id).await?.enabled)
}

/// Start an enrolment: a new secret is stored (replacing one not confirmed) but not in force
/// until [`confirm`]. Refused while the second factor is on.
pub async fn begin(db: &Db, admin: &Admin) -> Result<Enrolment, ServiceError> {
    let secret = totp::new_secret();
    let r = sqlx::query("UPDATE admins SET totp_secret = ? WHERE id = ? AND totp_enabled = 0")
        .bind(secret.expose())
        .bind(admin.id)
        .execute(&db.pool)
        .await?;
    if r.rows_affected() == 0 {
        return Err(already_on());
    }
    let uri = totp::otpauth_uri(ISSUER, &admin.username, secret.expose());
    let qr_svg = totp::qr_svg(&uri)
        .ok_or_else(|| ServiceError::Internal("the QR code could not be made".into()))?;
    Ok(Enrolment {
        secret,
        uri: Secret::new(uri),
        qr_svg: Secret::new(qr_svg),
    })
}

fn already_on() -> ServiceError {
    ServiceError::Conflict("the second factor is already on: switch it off first".into())
}

/// Switch the second factor on with a first right `code` of the secret from [`begin`]; returns
/// the new recovery codes (any older ones are void), to be shown this once.
pub async fn confirm(
    db: &Db,
    actor: &Actor,
    admin_id: i64,
    code: &str,
) -> Result<Vec<Secret<String>>, ServiceError> {
    let mut w = AuditedWrite::begin(db, actor).await?;
    let row: Option<(String, Option<String>, i64)> =
        sqlx::query_as("SELECT username, totp_secret, totp_enabled FROM admins WHERE id = ?")
            .bind(admin_id)
            .fetch_optional(w.conn())
            .await?;
    let (username, secret, enabled) = row.ok_or(ServiceError::NotFound("admin"))?;
    if enabled != 0 {
        return Err(already_on());
    }
    let key = secret
        .as_deref()
        .and_then(totp::decode_secret)
        .ok_or_else(|| ServiceError::Conflict("start the enrolment first".into()))?;
    let step = totp::matching_step(&key, code, now_ms()).ok_or_else(|| {
        ServiceError::invalid(
            "code",
            "not the current code: check the phone's time and type the code the app shows now",
        )
    })?;
    sqlx::query("UPDATE admins SET totp_enabled = 1, totp_last_step = ? WHERE id = ?")
        .bind(step)
        .bind(admin_id)
        .execute(w.conn())
        .await?;
    sqlx::query("DELETE FROM admin_recovery_codes WHERE admin_id = ?")
        .bind(admin_id)
        .execute(w.conn())
        .await?;
    let codes = totp::new_recovery_codes();
    for c in &codes {
        sqlx::query("INSERT INTO admin_recovery_codes (admin_id, code_hash) VALUES (?, ?)")
            .bind(admin_id)
            .bind(totp::recovery_hash(c.expose()))
            .execute(w.conn())
            .await?;
    }
    w.record("admin.totp", &username, Some("off"), Some("on"))
        .await?;
    w.commit().await?;
    Ok(codes)
}

/// Accept `code` for `admin_id` if its second factor is on: a TOTP code of a step newer than the
/// last one accepted, or an unused recovery code (spent now). Never the same code twice.
async fn accept(db: &Db, admin_id: i64, code: &str) -> Result<bool, ServiceError> {
    let row: Option<(Option<String>, i64)> =
        sqlx::query_as("SELECT totp_secret, totp_enabled FROM admins WHERE id = ?")
            .bind(admin_id)
            .fetch_optional(&db.pool)
            .await?;
    let Some((Some(secret), 1)) = row else {
        return Ok(false);
    };
    if totp::is_code(code) {
        let Some(key) = totp::decode_secret(&secret) else {
            return Err(ServiceError::Internal(format!(
                "the stored second factor of admin {admin_id} does not decode"
            )));
        };
        let Some(step) = totp::matching_step(&key, code, now_ms()) else {
            return Ok(false);
        };
        let r = sqlx::query(
            "UPDATE admins SET totp_last_step = ? \
             WHERE id = ? AND totp_enabled = 1 AND totp_last_step < ?",
        )
        .bind(step)
        .bind(admin_id)
        .bind(step)
        .execute(&db.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    } else {
        let r = sqlx::query(
            "UPDATE admin_recovery_codes SET used_at = ? \
             WHERE admin_id = ? AND code_hash = ? AND used_at IS NULL",
        )
        .bind(now_ms())
        .bind(admin_id)
        .bind(totp::recovery_hash(code))
        .execute(&db.pool)
        .await?;
        Ok(r.rows_affected() == 1)
    }
}

/// The sign-in's second step: the admin whose password was right (`admin_id` under
/// `session_epoch`, kept by the half-open session) types a code.
pub struct CodeAttempt {
    pub admin_id: i64,
    pub session_epoch: i64,
    pub code: Secret<String>,
    pub ip: String,
    pub user_agent: String,
}

/// Check the second step, throttled and logged like a password (see `signin.rs`): `Ok(admin)`
/// only for a right code not used before; `BadCredentials` also when the admin is gone or its
/// password changed since the first step.
pub async fn second_step(db: &Db, attempt: CodeAttempt) -> Result<LoginOutcome, ServiceError> {
    let Some(admin) = signed_in(db, attempt.admin_id, attempt.session_epoch).await? else {
        return Ok(LoginOutcome::BadCredentials);
    };
    let (log_id, slow) =
        match throttle(db, &admin.username, &attempt.ip, &attempt.user_agent).await? {
            Ok(checked) => checked,
            Err(refused) => return Ok(refused),
        };
    let ok = slow_down(slow, accept(db, admin.id, attempt.code.expose())).await?;
    if !ok {
        return Ok(LoginOutcome::BadCredentials);
    }
    let admin = settle(db, log_id, admin).await?;
    Ok(LoginOutcome::Ok(admin))
}

/// An attempt with a code (or the password, to switch off) for `username`, decided against the
/// sign-in throttle and logged like a sign-in: its log row and whether to answer slowly, or the
/// refusal to answer with.
async fn throttle(
    db: &Db,
    username: &str,
    ip: &str,
    user_agent: &str,
) -> Result<Result<(i64, bool), LoginOutcome>, ServiceError> {
    Ok(
        match reserve(db, now_ms(), username, ip, user_agent).await? {
            Reservation::Refused { wait_ms } => Err(LoginOutcome::throttled(wait_ms)),
            Reservation::Check { log_id, slow } => Ok((log_id, slow)),
        },
    )
}

/// Proof for switching the second factor off: a current code (or a recovery code) or the
/// admin's password.
pub struct OffAttempt {
    pub proof: Secret<String>,
    pub ip: String,
    pub user_agent: String,
}

/// Switch `admin`'s second factor off from the panel: `proof` must be a code not used before or
/// the password. Throttled and logged like a sign-in; audited.
pub async fn disable(
    db: &Db,
    actor: &Actor,
    admin: &Admin,
    attempt: OffAttempt,
) -> Result<LoginOutcome, ServiceError> {
    if !enabled(db, admin.id).await? {
        return Err(ServiceError::Conflict("the second factor is off".into()));
    }
    let (log_id, slow) =
        match throttle(db, &admin.username, &attempt.ip, &attempt.user_agent).await? {
            Ok(checked) => checked,
            Err(refused) => return Ok(refused),
        };
    let proof = attempt.proof;
    let ok = slow_down(slow, async {
        if accept(db, admin.id, proof.expose()).await? {
            return Ok(true);
        }
        let phc: Option<String> =
            sqlx::query_scalar("SELECT password_hash FROM admins WHERE id = ?")
                .bind(admin.id)
                .fetch_optional(&db.pool)
                .await?;
        Ok::<_, ServiceError>(password::verify(proof, phc).await)
    })
    .await?;
    if !ok {
        return Ok(LoginOutcome::BadCredentials);
    }
    let admin = settle(db, log_id, admin.clone()).await?;
    off(db, actor, &admin.username).await?;
    Ok(LoginOutcome::Ok(admin))
}

/// Switch admin `username`'s second factor off without a code (`ccgate admin totp reset`, for an
/// admin who lost the phone and the recovery codes). Audited; `false` if it was not on.
pub async fn reset(db: &Db, actor: &Actor, username: &str) -> Result<bool, ServiceError> {
    off(db, actor, username).await
}

async fn off(db: &Db, actor: &Actor, username: &str) -> Result<bool, ServiceError> {
    let username = Username::parse(username)?;
    let mut w = AuditedWrite::begin(db, actor).await?;
    let row: Option<(i64, i64)> =
        sqlx::query_as("SELECT id, totp_enabled FROM admins WHERE username = ?")
            .bind(username.as_str())
            .fetch_optional(w.conn())
            .await?;
    let (id, was_on) = row.ok_or(ServiceError::NotFound("admin"))?;
    sqlx::query(
        "UPDATE admins SET totp_enabled = 0, totp_secret = NULL, totp_last_step = 0 WHERE id = ?",
    )
    .bind(id)
    .execute(w.conn())
    .await?;
    sqlx::query("DELETE FROM admin_recovery_codes WHERE admin_id = ?")
        .bind(id)
        .execute(w.conn())
        .await?;
    if was_on != 0 {
        w.record("admin.totp", username.as_str(), Some("on"), Some("off"))
            .await?;
    }
    w.commit().await?;
    Ok(was_on != 0)
}
