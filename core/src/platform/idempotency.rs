//! `Idempotency-Key` for side-effecting methods (`cc.add`, `sms.send`): scoped to the API user and the
//! method, kept at least 24 h. The first request claims the key with an INSERT (the primary key makes
//! concurrent duplicates lose the race, so exactly one of them does the work); the answer it produced
//! is stored and replayed to later requests with the same key and body.

use sha2::{Digest, Sha256};

use crate::platform::db::Db;
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::time::now_ms;

/// How long a finished key is kept (the conventions promise at least 24 h).
pub const RETENTION_MS: i64 = 48 * 3600 * 1000;
/// A claim unfinished for this long belonged to a process that died: the key is free again.
pub const STALE_CLAIM_MS: i64 = 10 * 60 * 1000;

/// A validated `Idempotency-Key`: 1–255 printable ASCII characters.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Key(String);

impl Key {
    pub fn parse(s: &str) -> Result<Key, ServiceError> {
        if s.is_empty() || s.len() > 255 {
            return Err(ServiceError::invalid(
                "Idempotency-Key",
                "must be 1 to 255 characters",
            ));
        }
        if !s.bytes().all(|b| (0x20..0x7f).contains(&b)) {
            return Err(ServiceError::invalid(
                "Idempotency-Key",
                "must be printable ASCII characters",
            ));
        }
        Ok(Key(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

/// SHA-256 (hex) of a request body, as compared between retries.
pub fn request_hash(body: &[u8]) -> String {
    hex(&Sha256::digest(body))
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// The claim of a key by the request that does the work.
#[derive(Debug)]
#[must_use = "finish or abandon the claim"]
pub struct Pending {
    user_id: i64,
    method: String,
    key: String,
}

#[derive(Debug)]
pub enum Begin {
    /// This request owns the key: do the work, then [`finish`] (or [`abandon`] when it failed
    /// before any side effect).
    Fresh(Pending),
    /// The same request was answered before: send this again.
    Replay { status: u16, body: Vec<u8> },
    /// The first request with this key is still running.
    InProgress,
    /// The key was used with another body.
    Reused,
}

/// Claim `key` for (`user_id`, `method`), or tell what happened to it before.
pub async fn begin(
    db: &Db,
    user_id: i64,
    method: &str,
    key: &Key,
    request_hash: &str,
) -> Result<Begin, ServiceError> {
    let now = now_ms();
    // Expired keys are free again, and so is a claim still "running" long after any request could
    // (its process died mid-request).
    sqlx::query(
        "DELETE FROM idempotency_keys WHERE user_id = ? AND method = ? AND idem_key = ? \
         AND (created_ms < ? OR (state = 0 AND created_ms < ?))",
    )
    .bind(user_id)
    .bind(method)
    .bind(key.as_str())
    .bind(now - RETENTION_MS)
    .bind(now - STALE_CLAIM_MS)
    .execute(&db.pool)
    .await?;
    let inserted = sqlx::query(
        "INSERT INTO idempotency_keys (user_id, method, idem_key, request_hash, state, status, body, created_ms) \
         VALUES (?, ?, ?, ?, 0, 0, ?, ?)",
    )
    .bind(user_id)
    .bind(method)
    .bind(key.as_str())
    .bind(request_hash)
    .bind(Vec::<u8>::new())
    .bind(now)
    .execute(&db.pool)
    .await;
    match inserted {
        Ok(_) => {
            return Ok(Begin::Fresh(Pending {
                user_id,
                method: method.to_string(),
                key: key.as_str().to_string(),
            }))
        }
        Err(e) if is_unique_violation(&e) => {}
        Err(e) => return Err(e.into()),
    }
    let row: Option<(String, i64, i64, Vec<u8>)> = sqlx::query_as(
        "SELECT request_hash, state, status, body FROM idempotency_keys \
         WHERE user_id = ? AND method = ? AND idem_key = ?",
    )
    .bind(user_id)
    .bind(method)
    .bind(key.as_str())
    .fetch_optional(&db.pool)
    .await?;
    Ok(match row {
        // Abandoned between our INSERT and SELECT: the caller may simply retry.
        None => Begin::InProgress,
        Some((hash, _, _, _)) if hash != request_hash => Begin::Reused,
        Some((_, 0, _, _)) => Begin::InProgress,
        Some((_, _, status, body)) => Begin::Replay {
            status: status as u16,
            body,
        },
    })
}

/// Store the answer of the request that owned the key.
pub async fn finish(
    db: &Db,
    pending: Pending,
    status: u16,
    body: &[u8],
) -> Result<(), ServiceError> {
    sqlx::query(
        "UPDATE idempotency_keys SET state = 1, status = ?, body = ? \
         WHERE user_id = ? AND method = ? AND idem_key = ?",
    )
    .bind(status as i64)
    .bind(body.to_vec())
    .bind(pending.user_id)
    .bind(&pending.method)
    .bind(&pending.key)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Release the key: the request failed before doing anything, so a retry may do the work.
pub async fn abandon(db: &Db, pending: Pending) -> Result<(), ServiceError> {
    sqlx::query("DELETE FROM idempotency_keys WHERE user_id = ? AND method = ? AND idem_key = ?")
        .bind(pending.user_id)
        .bind(&pending.method)
        .bind(&pending.key)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// Drop keys past their retention (called by a background task).
pub async fn purge(db: &Db) -> Result<u64, ServiceError> {
    let r = sqlx::query("DELETE FROM idempotency_keys WHERE created_ms < ?")
        .bind(now_ms() - RETENTION_MS)
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}

/// Purge expired keys hourly.
pub fn spawn_purge(db: Db) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if let Err(e) = purge(&db).await {
                tracing::warn!(error = %e, "cannot purge expired idempotency keys");
            }
            tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_syntax() {
        assert!(Key::parse("a").is_ok());
        assert!(Key::parse(&"x".repeat(255)).is_ok());
        assert!(Key::parse("").is_err());
        assert!(Key::parse(&"x".repeat(256)).is_err());
        assert!(Key::parse("tab\there").is_err());
        assert!(Key::parse("кириллица").is_err());
        assert!(Key::parse("order-42 retry #1").is_ok());
    }

    #[test]
    fn hash_is_stable_hex() {
        let h = request_hash(b"{}");
        assert_eq!(h.len(), 64);
        assert_eq!(h, request_hash(b"{}"));
        assert_ne!(h, request_hash(b"{ }"));
    }
}
