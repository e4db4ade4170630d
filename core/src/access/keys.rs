//! API keys: shown once at creation, stored as SHA-256 hashes (keys are 238-bit random strings, so
//! a fast hash is safe and keeps every request cheap), listed by name and prefix.

use rand::distributions::{Alphanumeric, DistString};
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;

pub const KEY_PREFIX: &str = "ccg_";
const RANDOM_LEN: usize = 40;
/// Characters of the key kept in clear for display (`ccg_` + 8).
pub const SHOWN_PREFIX_LEN: usize = 12;

pub fn generate() -> Secret<String> {
    Secret::new(format!(
        "{KEY_PREFIX}{}",
        Alphanumeric.sample_string(&mut rand::thread_rng(), RANDOM_LEN)
    ))
}

/// The stored form of a key: SHA-256, 64 lowercase hex digits (every API request hashes its key,
/// so this formats nothing).
pub fn hash(key: &str) -> String {
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let digest = Sha256::digest(key.as_bytes());
    let mut s = String::with_capacity(64);
    for b in digest {
        s.push(HEX[usize::from(b >> 4)] as char);
        s.push(HEX[usize::from(b & 15)] as char);
    }
    s
}

#[cfg(test)]
mod hash_tests {
    #[test]
    fn hex_of_sha256() {
        // SHA-256("abc"), FIPS 180-2 appendix B.1.
        assert_eq!(
            super::hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}

/// Does this look like one of our keys at all (cheap check before hashing)?
pub fn well_formed(key: &str) -> bool {
    key.len() == KEY_PREFIX.len() + RANDOM_LEN
        && key.starts_with(KEY_PREFIX)
        && key[KEY_PREFIX.len()..]
            .bytes()
            .all(|b| b.is_ascii_alphanumeric())
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct KeyInfo {
    pub id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub created_at: i64,
    pub expires_at: Option<i64>,
    pub revoked_at: Option<i64>,
    pub last_used_at: Option<i64>,
    pub last_used_ip: Option<String>,
}

impl KeyInfo {
    /// `active`, `expired` or `revoked` at `now`.
    pub fn state(&self, now: i64) -> &'static str {
        if self.revoked_at.is_some() {
            "revoked"
        } else if self.expires_at.is_some_and(|e| e <= now) {
            "expired"
        } else {
            "active"
        }
    }
}

pub fn validate_name(name: &str) -> Result<String, ServiceError> {
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 100 {
        return Err(ServiceError::invalid("name", "must be 1 to 100 characters"));
    }
    Ok(n.to_string())
}

const SELECT: &str = "SELECT id, user_id, name, prefix, created_at, expires_at, revoked_at, \
    last_used_at, last_used_ip FROM api_keys";

pub async fn list(db: &Db, user_id: i64) -> Result<Vec<KeyInfo>, ServiceError> {
    Ok(
        sqlx::query_as(&format!("{SELECT} WHERE user_id = ? ORDER BY id"))
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?,
    )
}

pub async fn get(db: &Db, id: i64) -> Result<KeyInfo, ServiceError> {
    sqlx::query_as(&format!("{SELECT} WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(ServiceError::NotFound("API key"))
}

/// Create a key for a user. The plain key is returned once and stored nowhere.
pub async fn create(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    name: &str,
    expires_at: Option<i64>,
) -> Result<(KeyInfo, Secret<String>), ServiceError> {
    let name = validate_name(name)?;
    let now = now_ms();
    if expires_at.is_some_and(|e| e <= now) {
        return Err(ServiceError::invalid("expires_at", "must be in the future"));
    }
    let user = crate::access::users::get(db, user_id).await?;
    let key = generate();
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query(
        "INSERT INTO api_keys (user_id, name, prefix, key_hash, created_at, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(user_id)
    .bind(&name)
    .bind(&key.expose()[..SHOWN_PREFIX_LEN])
    .bind(hash(key.expose()))
    .bind(now)
    .bind(expires_at)
    .execute(tx.conn())
    .await?;
    // Not last_insert_id(): the Any driver does not report it for SQLite.
    let id: i64 = sqlx::query_scalar("SELECT id FROM api_keys WHERE key_hash = ?")
        .bind(hash(key.expose()))
        .fetch_one(tx.conn())
        .await?;
    tx.record(
        "key.create",
        &format!("{}/{}", user.login, name),
        None,
        Some(&key.expose()[..SHOWN_PREFIX_LEN]),
    )
    .await?;
    tx.commit().await?;
    Ok((get(db, id).await?, key))
}

pub async fn revoke(db: &Db, actor: &Actor, key_id: i64) -> Result<KeyInfo, ServiceError> {
    let k = get(db, key_id).await?;
    if k.revoked_at.is_some() {
        return Ok(k);
    }
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ?")
        .bind(now_ms())
        .bind(key_id)
        .execute(tx.conn())
        .await?;
    tx.record("key.revoke", &format!("{}#{}", k.prefix, k.id), None, None)
        .await?;
    tx.commit().await?;
    get(db, key_id).await
}

/// Issue a new key with the same name and expiry; the old one stays valid for `grace_secs`
/// (0 = revoked at once).
pub async fn rotate(
    db: &Db,
    actor: &Actor,
    key_id: i64,
    grace_secs: i64,
) -> Result<(KeyInfo, Secret<String>), ServiceError> {
    if !(0..=30 * 86_400).contains(&grace_secs) {
        return Err(ServiceError::invalid(
            "grace_secs",
            "must be from 0 to 2592000 (30 days)",
        ));
    }
    let old = get(db, key_id).await?;
    let now = now_ms();
    if old.state(now) != "active" {
        return Err(ServiceError::Conflict(
            "only an active key can be rotated".into(),
        ));
    }
    let (new, secret) = create(db, actor, old.user_id, &old.name, old.expires_at).await?;
    let mut tx = AuditedWrite::begin(db, actor).await?;
    if grace_secs == 0 {
        sqlx::query("UPDATE api_keys SET revoked_at = ? WHERE id = ?")
            .bind(now)
            .bind(key_id)
            .execute(tx.conn())
            .await?;
    } else {
        let until = now + grace_secs * 1000;
        let until = old.expires_at.map_or(until, |e| e.min(until));
        sqlx::query("UPDATE api_keys SET expires_at = ? WHERE id = ?")
            .bind(until)
            .bind(key_id)
            .execute(tx.conn())
            .await?;
    }
    tx.record(
        "key.rotate",
        &format!("{}#{}", old.prefix, old.id),
        Some(&old.prefix),
        Some(&format!("{} grace={}s", new.prefix, grace_secs)),
    )
    .await?;
    tx.commit().await?;
    Ok((new, secret))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_have_the_expected_shape() {
        let k = generate();
        assert!(well_formed(k.expose()), "{}", k.expose());
        assert_eq!(k.expose().len(), 44);
        assert_ne!(generate().expose(), k.expose());
        assert!(!well_formed("ccg_short"));
        assert!(!well_formed(&format!("xyz_{}", "a".repeat(40))));
        assert_eq!(
            hash("abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
