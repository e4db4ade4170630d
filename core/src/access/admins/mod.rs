//! Admin accounts of the panel: creation, passwords, the session epoch that ends an admin's
//! sessions, (`role`) the roles `admin` and `viewer`, (`signin`) sign-in with throttling and the
//! sign-in log, (`totp`) the optional second factor, and (`log`) that log read back with filters.
//!
//! **Session epoch.** Every admin row carries `session_epoch`; a session stores it at sign-in
//! and is an admin's only while it still matches ([`signed_in`]). Changing a password
//! ([`set_password`]) bumps it, so every session of that admin opened before ends at its next
//! request — pages, server functions, the SSE feed and the CSV download alike. A removed admin
//! has no row, so its sessions end the same way.

use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};

use crate::platform::db::Db;
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::password;
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;

mod log;
mod role;
mod signin;
pub mod totp;
pub use log::{search as search_login_log, LoginLogFilter, RESULTS as LOGIN_RESULTS};
pub use role::{set_role, Role};
pub use signin::{
    login, login_log, LoginAttempt, LoginLogEntry, LoginOutcome, IP_MAX_FAILURES,
    PAIR_MAX_FAILURES, THROTTLE_WINDOW_MS, USER_SLOWDOWN_MS, USER_SLOW_AFTER_FAILURES,
};

/// The columns of [`Admin`], in its order.
const COLUMNS: &str = "id, username, created_at, last_login_at, session_epoch, role";

/// A valid admin username: 1–64 characters from `A-Z a-z 0-9 . _ @ -`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Username(String);

impl Username {
    pub fn parse(s: &str) -> Result<Username, ServiceError> {
        let s = s.trim();
        if s.is_empty() || s.chars().count() > 64 {
            return Err(ServiceError::invalid(
                "username",
                "must be 1 to 64 characters",
            ));
        }
        if !s
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '@' | '-'))
        {
            return Err(ServiceError::invalid(
                "username",
                "may contain only Latin letters, digits and . _ @ -",
            ));
        }
        Ok(Username(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Admin {
    pub id: i64,
    pub username: String,
    pub created_at: i64,
    pub last_login_at: Option<i64>,
    /// Bumped by every password change; a session opened under another value is not this
    /// admin's any more.
    pub session_epoch: i64,
    /// Read with the admin at every request, so a change applies to open sessions at once.
    #[sqlx(try_from = "String")]
    pub role: Role,
}

pub async fn count(db: &Db) -> Result<i64, ServiceError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admins")
        .fetch_one(&db.pool)
        .await?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Admin>, ServiceError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM admins WHERE id = ?"))
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

/// The admin a session signed in as `id` under `session_epoch` still belongs to: `None` when the
/// admin is gone or its password changed since (the session must be ended).
pub async fn signed_in(
    db: &Db,
    id: i64,
    session_epoch: i64,
) -> Result<Option<Admin>, ServiceError> {
    Ok(sqlx::query_as(&format!(
        "SELECT {COLUMNS} FROM admins WHERE id = ? AND session_epoch = ?"
    ))
    .bind(id)
    .bind(session_epoch)
    .fetch_optional(&db.pool)
    .await?)
}

pub async fn list(db: &Db) -> Result<Vec<Admin>, ServiceError> {
    Ok(
        sqlx::query_as(&format!("SELECT {COLUMNS} FROM admins ORDER BY username"))
            .fetch_all(&db.pool)
            .await?,
    )
}

/// A new admin with role `admin`.
pub async fn create(db: &Db, username: &str, pw: Secret<String>) -> Result<Admin, ServiceError> {
    create_with_role(db, username, pw, Role::Admin).await
}

/// A new admin with `role` (`ccgate admin create --role`).
pub async fn create_with_role(
    db: &Db,
    username: &str,
    pw: Secret<String>,
    role: Role,
) -> Result<Admin, ServiceError> {
    let username = Username::parse(username)?;
    password::validate_new(pw.expose())?;
    let hash = password::hash(pw).await?;
    let now = now_ms();
    let res = sqlx::query(
        "INSERT INTO admins (username, password_hash, created_at, role) VALUES (?, ?, ?, ?)",
    )
    .bind(username.as_str())
    .bind(&hash)
    .bind(now)
    .bind(role.as_str())
    .execute(&db.pool)
    .await;
    match res {
        Ok(_) => sqlx::query_as(&format!("SELECT {COLUMNS} FROM admins WHERE username = ?"))
            .bind(username.as_str())
            .fetch_one(&db.pool)
            .await
            .map_err(Into::into),
        Err(e) if is_unique_violation(&e) => Err(ServiceError::Conflict(format!(
            "admin `{}` already exists",
            username.as_str()
        ))),
        Err(e) => Err(e.into()),
    }
}

/// Change a password (`ccgate admin passwd`). Also bumps the admin's session epoch: every session
/// of that admin ends. (A panel form changing one's own password would have to store the new epoch
/// in its own session to keep it.)
pub async fn set_password(db: &Db, username: &str, pw: Secret<String>) -> Result<(), ServiceError> {
    let username = Username::parse(username)?;
    password::validate_new(pw.expose())?;
    let hash = password::hash(pw).await?;
    let r = sqlx::query(
        "UPDATE admins SET password_hash = ?, session_epoch = session_epoch + 1 WHERE username = ?",
    )
    .bind(&hash)
    .bind(username.as_str())
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 0 {
        return Err(ServiceError::NotFound("admin"));
    }
    Ok(())
}

/// What start-up did about the first admin account.
pub enum Bootstrap {
    /// At least one admin exists; nothing done.
    Existing,
    /// Created from the given credentials, or with a generated password (to print once).
    Created {
        username: String,
        generated_password: Option<Secret<String>>,
    },
}

/// Create the first admin if there is none: `username`/`password` if given (e.g. from
/// `CCGATE_ADMIN_USER`/`CCGATE_ADMIN_PASSWORD`), else `admin` with a generated password.
pub async fn bootstrap(
    db: &Db,
    username: Option<String>,
    pw: Option<Secret<String>>,
) -> Result<Bootstrap, ServiceError> {
    if count(db).await? > 0 {
        return Ok(Bootstrap::Existing);
    }
    let username = username.unwrap_or_else(|| "admin".to_string());
    let (pw, generated) = match pw {
        Some(p) => (p, false),
        None => (
            Secret::new(Alphanumeric.sample_string(&mut rand::thread_rng(), 20)),
            true,
        ),
    };
    create(db, &username, pw.clone()).await?;
    Ok(Bootstrap::Created {
        username,
        generated_password: generated.then_some(pw),
    })
}

#[cfg(test)]
mod tests;
