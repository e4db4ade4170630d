//! Admin accounts of the panel: creation, passwords, sign-in with throttling, and the sign-in log.

use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};

use crate::platform::db::Db;
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::password;
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;

/// After this many failures for one username or one IP within [`THROTTLE_WINDOW_MS`], further
/// attempts are refused without checking the password.
pub const THROTTLE_MAX_FAILURES: usize = 5;
pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;

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
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LoginLogEntry {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub ip: String,
    pub user_agent: String,
    /// `ok`, `fail` or `throttled`.
    pub result: String,
}

pub struct LoginAttempt {
    pub username: String,
    pub password: Secret<String>,
    pub ip: String,
    pub user_agent: String,
}

#[derive(Debug)]
pub enum LoginOutcome {
    Ok(Admin),
    BadCredentials,
    Throttled { retry_after_secs: u64 },
}

pub async fn count(db: &Db) -> Result<i64, ServiceError> {
    Ok(sqlx::query_scalar("SELECT COUNT(*) FROM admins")
        .fetch_one(&db.pool)
        .await?)
}

pub async fn get(db: &Db, id: i64) -> Result<Option<Admin>, ServiceError> {
    Ok(
        sqlx::query_as("SELECT id, username, created_at, last_login_at FROM admins WHERE id = ?")
            .bind(id)
            .fetch_optional(&db.pool)
            .await?,
    )
}

pub async fn list(db: &Db) -> Result<Vec<Admin>, ServiceError> {
    Ok(sqlx::query_as(
        "SELECT id, username, created_at, last_login_at FROM admins ORDER BY username",
    )
    .fetch_all(&db.pool)
    .await?)
}

pub async fn create(db: &Db, username: &str, pw: Secret<String>) -> Result<Admin, ServiceError> {
    let username = Username::parse(username)?;
    password::validate_new(pw.expose())?;
    let hash = password::hash(pw).await?;
    let now = now_ms();
    let res =
        sqlx::query("INSERT INTO admins (username, password_hash, created_at) VALUES (?, ?, ?)")
            .bind(username.as_str())
            .bind(&hash)
            .bind(now)
            .execute(&db.pool)
            .await;
    match res {
        Ok(_) => sqlx::query_as(
            "SELECT id, username, created_at, last_login_at FROM admins WHERE username = ?",
        )
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

pub async fn set_password(db: &Db, username: &str, pw: Secret<String>) -> Result<(), ServiceError> {
    let username = Username::parse(username)?;
    password::validate_new(pw.expose())?;
    let hash = password::hash(pw).await?;
    let r = sqlx::query("UPDATE admins SET password_hash = ? WHERE username = ?")
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

fn clip(s: &str, max_chars: usize) -> String {
    s.chars().take(max_chars).collect()
}

/// Check credentials, with throttling and a log row for every attempt.
pub async fn login(db: &Db, attempt: LoginAttempt) -> Result<LoginOutcome, ServiceError> {
    let now = now_ms();
    let username = clip(attempt.username.trim(), 64);
    let ip = clip(&attempt.ip, 64);
    let user_agent = clip(&attempt.user_agent, 512);

    let wait_user = throttle_wait(db, "username", &username, now).await?;
    let wait_ip = throttle_wait(db, "ip", &ip, now).await?;
    let wait = wait_user.max(wait_ip);
    if wait > 0 {
        log_attempt(db, now, &username, &ip, &user_agent, "throttled").await?;
        return Ok(LoginOutcome::Throttled {
            retry_after_secs: ((wait + 999) / 1000) as u64,
        });
    }

    let row: Option<(i64, String)> =
        sqlx::query_as("SELECT id, password_hash FROM admins WHERE username = ?")
            .bind(&username)
            .fetch_optional(&db.pool)
            .await?;
    let (id, phc) = match row {
        Some((id, h)) => (Some(id), Some(h)),
        None => (None, None),
    };
    let ok = password::verify(attempt.password, phc).await;
    match (ok, id) {
        (true, Some(id)) => {
            log_attempt(db, now, &username, &ip, &user_agent, "ok").await?;
            sqlx::query("UPDATE admins SET last_login_at = ? WHERE id = ?")
                .bind(now)
                .bind(id)
                .execute(&db.pool)
                .await?;
            let admin = get(db, id).await?.ok_or(ServiceError::NotFound("admin"))?;
            Ok(LoginOutcome::Ok(admin))
        }
        _ => {
            log_attempt(db, now, &username, &ip, &user_agent, "fail").await?;
            Ok(LoginOutcome::BadCredentials)
        }
    }
}

/// Milliseconds to wait before `column = value` may try again (0 = not throttled). Failures count
/// within the window and only after the last success for the same key.
async fn throttle_wait(db: &Db, column: &str, value: &str, now: i64) -> Result<i64, ServiceError> {
    // `column` is one of two fixed identifiers, never user input.
    debug_assert!(column == "username" || column == "ip");
    let last_ok: Option<i64> = sqlx::query_scalar(&format!(
        "SELECT MAX(at) FROM admin_login_log WHERE {column} = ? AND result = 'ok'"
    ))
    .bind(value)
    .fetch_one(&db.pool)
    .await?;
    let since = (now - THROTTLE_WINDOW_MS).max(last_ok.unwrap_or(i64::MIN));
    let fails: Vec<i64> = sqlx::query_scalar(&format!(
        "SELECT at FROM admin_login_log WHERE {column} = ? AND result = 'fail' AND at > ? \
         ORDER BY at DESC LIMIT {THROTTLE_MAX_FAILURES}"
    ))
    .bind(value)
    .bind(since)
    .fetch_all(&db.pool)
    .await?;
    if fails.len() < THROTTLE_MAX_FAILURES {
        return Ok(0);
    }
    let oldest = fails[THROTTLE_MAX_FAILURES - 1];
    Ok((oldest + THROTTLE_WINDOW_MS - now).max(1))
}

async fn log_attempt(
    db: &Db,
    at: i64,
    username: &str,
    ip: &str,
    user_agent: &str,
    result: &str,
) -> Result<(), ServiceError> {
    sqlx::query(
        "INSERT INTO admin_login_log (at, username, ip, user_agent, result) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(at)
    .bind(username)
    .bind(ip)
    .bind(user_agent)
    .bind(result)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// The newest sign-in attempts first.
pub async fn login_log(
    db: &Db,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LoginLogEntry>, i64), ServiceError> {
    let limit = limit.clamp(1, 1000);
    let offset = offset.max(0);
    let items = sqlx::query_as(
        "SELECT id, at, username, ip, user_agent, result FROM admin_login_log \
         ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
    )
    .bind(limit)
    .bind(offset)
    .fetch_all(&db.pool)
    .await?;
    let total = sqlx::query_scalar("SELECT COUNT(*) FROM admin_login_log")
        .fetch_one(&db.pool)
        .await?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_parse() {
        assert!(Username::parse("admin").is_ok());
        assert!(Username::parse(" ops.lead@cc-1 ").is_ok());
        assert!(Username::parse("").is_err());
        assert!(Username::parse("has space").is_err());
        assert!(Username::parse("админ").is_err());
        assert!(Username::parse(&"a".repeat(65)).is_err());
    }
}

#[cfg(test)]
#[path = "admins_tests.rs"]
mod signin_tests;
