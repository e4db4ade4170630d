//! Sign-in: the throttle, the password check and the sign-in log (`admin_login_log`).
//!
//! **Throttling rules**, counted from the log within [`THROTTLE_WINDOW_MS`] (15 minutes):
//!
//! * **Username and IP.** After [`PAIR_MAX_FAILURES`] failures of one username from one IP since
//!   that pair's last success, that pair's attempts are refused (`throttled`) without checking the
//!   password, until the oldest of those failures leaves the window.
//! * **IP.** After [`IP_MAX_FAILURES`] failures from one IP, whatever the usernames (a success
//!   does not clear them), every attempt from it is refused the same way.
//! * **Username alone is never refused**: that would let anyone lock an admin out. After
//!   [`USER_SLOW_AFTER_FAILURES`] failures for a username from any IPs since its last success,
//!   each attempt for it is answered no sooner than [`USER_SLOWDOWN_MS`] after it came, whatever
//!   the outcome. The right password from an IP that has not failed always opens.
//!
//! **Atomic.** Deciding and recording an attempt are one write transaction that starts by locking
//! the one row of `admin_login_lock` (held for a few short queries, never during a password
//! check): concurrent attempts, also of other instances on the same database, are decided one
//! after the other, each seeing the rows of those before it. An attempt allowed to check its
//! password is recorded as `fail` *before* the check and turned into `ok` if the password is
//! right, so a check in flight counts against the limits (and one cut short stays a failure).
//!
//! **Second factor.** For an admin with TOTP on, a right password is logged `password_ok`, not
//! `ok`: it clears no failures, so wrong codes (`totp::second_step`, each reserved here like a
//! password attempt) reach the same limits however often the password is typed again.

use std::time::Duration;

use serde::{Deserialize, Serialize};

use super::Admin;
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;
use crate::platform::password;
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;

pub const THROTTLE_WINDOW_MS: i64 = 15 * 60 * 1000;
/// Failures of one username from one IP after which that pair is refused unchecked.
pub const PAIR_MAX_FAILURES: usize = 5;
/// Failures from one IP, over all usernames, after which that IP is refused unchecked.
pub const IP_MAX_FAILURES: usize = 20;
// The pair's limit must bite before the IP's, or it would never matter.
const _: () = assert!(PAIR_MAX_FAILURES < IP_MAX_FAILURES);
/// Failures of one username (any IPs) after which its attempts are slowed down, never refused.
pub const USER_SLOW_AFTER_FAILURES: usize = 5;
/// How long a slowed-down attempt takes at least.
pub const USER_SLOWDOWN_MS: u64 = 1000;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct LoginLogEntry {
    pub id: i64,
    pub at: i64,
    pub username: String,
    pub ip: String,
    pub user_agent: String,
    /// `ok`, `fail` (the password or code was checked and wrong, or the check never finished),
    /// `throttled` (refused without checking) or `password_ok` (the password was right and the
    /// second factor's code was asked next; that step has a row of its own).
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
    /// The admin as of this sign-in: its `session_epoch` is the one the password was checked
    /// under, for the session to keep.
    Ok(Admin),
    /// The password was right, but the admin has a second factor on: the session may only wait
    /// for its code (`totp::second_step`), it is not signed in. Logged as `password_ok`, which
    /// (unlike `ok`) does not clear the throttle's count of failures.
    SecondFactor(Admin),
    BadCredentials,
    Throttled {
        retry_after_secs: u64,
    },
}

impl LoginOutcome {
    pub(super) fn throttled(wait_ms: i64) -> LoginOutcome {
        LoginOutcome::Throttled {
            retry_after_secs: ((wait_ms + 999) / 1000) as u64,
        }
    }
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

    let (log_id, slow) = match reserve(db, now, &username, &ip, &user_agent).await? {
        Reservation::Refused { wait_ms } => return Ok(LoginOutcome::throttled(wait_ms)),
        Reservation::Check { log_id, slow } => (log_id, slow),
    };

    #[derive(sqlx::FromRow)]
    struct Row {
        #[sqlx(flatten)]
        admin: Admin,
        password_hash: String,
    }
    let row: Option<Row> = sqlx::query_as(&format!(
        "SELECT {}, password_hash FROM admins WHERE username = ?",
        super::COLUMNS
    ))
    .bind(&username)
    .fetch_optional(&db.pool)
    .await?;
    let (admin, phc) = match row {
        Some(r) => (Some(r.admin), Some(r.password_hash)),
        None => (None, None),
    };
    let ok = slow_down(slow, async {
        Ok::<_, ServiceError>(password::verify(attempt.password, phc).await)
    })
    .await?;
    match (ok, admin) {
        (true, Some(admin)) => {
            if super::totp::enabled(db, admin.id).await? {
                sqlx::query("UPDATE admin_login_log SET result = 'password_ok' WHERE id = ?")
                    .bind(log_id)
                    .execute(&db.pool)
                    .await?;
                return Ok(LoginOutcome::SecondFactor(admin));
            }
            Ok(LoginOutcome::Ok(settle(db, log_id, admin).await?))
        }
        // Already logged as `fail`.
        _ => Ok(LoginOutcome::BadCredentials),
    }
}

/// Run a check (a password's, a code's), answering no sooner than [`USER_SLOWDOWN_MS`] after it
/// started if `slow`.
pub(super) async fn slow_down<T>(
    slow: bool,
    check: impl std::future::Future<Output = Result<T, ServiceError>>,
) -> Result<T, ServiceError> {
    if !slow {
        return check.await;
    }
    let started = tokio::time::Instant::now();
    let r = check.await;
    tokio::time::sleep_until(started + Duration::from_millis(USER_SLOWDOWN_MS)).await;
    r
}

/// A successful attempt: its log row (reserved as `fail`) becomes `ok` and the admin's last
/// sign-in is now.
pub(super) async fn settle(db: &Db, log_id: i64, mut admin: Admin) -> Result<Admin, ServiceError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    sqlx::query("UPDATE admin_login_log SET result = 'ok' WHERE id = ?")
        .bind(log_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE admins SET last_login_at = ? WHERE id = ?")
        .bind(now)
        .bind(admin.id)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    admin.last_login_at = Some(now);
    Ok(admin)
}

pub(super) enum Reservation {
    /// Refused without a password check (logged `throttled`).
    Refused { wait_ms: i64 },
    /// Logged as `fail` under `log_id`; check the password (answering no sooner than
    /// [`USER_SLOWDOWN_MS`] if `slow`).
    Check { log_id: i64, slow: bool },
}

/// Decide an attempt against the throttle and record it, in one write transaction serialised by
/// the lock row (see the module's doc).
pub(super) async fn reserve(
    db: &Db,
    now: i64,
    username: &str,
    ip: &str,
    user_agent: &str,
) -> Result<Reservation, ServiceError> {
    let mut tx = db.begin_write().await?;
    // First statement: wait for the lock. On MySQL this also makes the reads below see every
    // attempt committed before (InnoDB takes a transaction's snapshot at its first plain read).
    sqlx::query("UPDATE admin_login_lock SET at = ? WHERE id = 1")
        .bind(now)
        .execute(&mut *tx)
        .await?;
    let since = now - THROTTLE_WINDOW_MS;

    let pair_ok = last_ok(&mut tx, "username = ? AND ip = ?", &[username, ip]).await?;
    let pair = failures(
        &mut tx,
        "username = ? AND ip = ?",
        &[username, ip],
        since,
        pair_ok,
        PAIR_MAX_FAILURES,
    )
    .await?;
    let by_ip = failures(&mut tx, "ip = ?", &[ip], since, 0, IP_MAX_FAILURES).await?;
    let wait = wait_ms(&pair, PAIR_MAX_FAILURES, now).max(wait_ms(&by_ip, IP_MAX_FAILURES, now));

    let result = if wait > 0 { "throttled" } else { "fail" };
    sqlx::query(
        "INSERT INTO admin_login_log (at, username, ip, user_agent, result) VALUES (?, ?, ?, ?, ?)",
    )
    .bind(now)
    .bind(username)
    .bind(ip)
    .bind(user_agent)
    .bind(result)
    .execute(&mut *tx)
    .await?;
    if wait > 0 {
        tx.commit().await?;
        return Ok(Reservation::Refused { wait_ms: wait });
    }
    // The Any driver reports no last insert id for SQLite; ask the connection itself.
    let log_id: i64 = sqlx::query_scalar(match db.backend {
        Backend::Sqlite => "SELECT last_insert_rowid()",
        Backend::MySql => "SELECT CAST(LAST_INSERT_ID() AS SIGNED)",
    })
    .fetch_one(&mut *tx)
    .await?;

    let user_ok = last_ok(&mut tx, "username = ?", &[username]).await?;
    let by_user = failures(
        &mut tx,
        "username = ?",
        &[username],
        since,
        user_ok,
        USER_SLOW_AFTER_FAILURES + 1,
    )
    .await?;
    tx.commit().await?;
    // This attempt's own row is among them.
    let slow = by_user.len() > USER_SLOW_AFTER_FAILURES;
    Ok(Reservation::Check { log_id, slow })
}

type Tx = sqlx::Transaction<'static, sqlx::Any>;

/// The id of the newest successful sign-in matching `filter` (0: none). `filter` is one of a few
/// fixed conditions of this module, never input.
async fn last_ok(tx: &mut Tx, filter: &str, binds: &[&str]) -> Result<i64, ServiceError> {
    let sql = format!("SELECT MAX(id) FROM admin_login_log WHERE {filter} AND result = 'ok'");
    let mut q = sqlx::query_scalar(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    let id: Option<i64> = q.fetch_one(&mut **tx).await?;
    Ok(id.unwrap_or(0))
}

/// The times of the newest `limit` failures matching `filter`, newer than `since` and after the
/// row `after_id`, newest first.
async fn failures(
    tx: &mut Tx,
    filter: &str,
    binds: &[&str],
    since: i64,
    after_id: i64,
    limit: usize,
) -> Result<Vec<i64>, ServiceError> {
    let sql = format!(
        "SELECT at FROM admin_login_log WHERE {filter} AND result = 'fail' AND at > ? AND id > ? \
         ORDER BY at DESC LIMIT {limit}"
    );
    let mut q = sqlx::query_scalar(&sql);
    for b in binds {
        q = q.bind(*b);
    }
    Ok(q.bind(since).bind(after_id).fetch_all(&mut **tx).await?)
}

/// Milliseconds until fewer than `max` of `fails` (newest first) are in the window (0: not
/// throttled).
fn wait_ms(fails: &[i64], max: usize, now: i64) -> i64 {
    match fails.get(max - 1) {
        Some(oldest) => (oldest + THROTTLE_WINDOW_MS - now).max(1),
        None => 0,
    }
}

/// The newest sign-in attempts first (the dashboard's card; the «Входы» page filters them with
/// [`super::log::search`]).
pub async fn login_log(
    db: &Db,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LoginLogEntry>, i64), ServiceError> {
    super::log::search(db, &super::log::LoginLogFilter::default(), limit, offset).await
}
