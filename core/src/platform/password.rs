//! Password hashing: argon2id with the crate's default (OWASP) parameters, PHC strings in storage.
//! Hashing is CPU-heavy, so the async wrappers run it on the blocking pool.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use std::sync::OnceLock;

use crate::platform::error::ServiceError;
use crate::platform::secret::Secret;

pub const MIN_LEN: usize = 8;
pub const MAX_LEN: usize = 256;

/// Check a new password's length (in characters).
pub fn validate_new(password: &str) -> Result<(), ServiceError> {
    let n = password.chars().count();
    if n < MIN_LEN {
        return Err(ServiceError::invalid(
            "password",
            format!("must be at least {MIN_LEN} characters"),
        ));
    }
    if n > MAX_LEN {
        return Err(ServiceError::invalid(
            "password",
            format!("must be at most {MAX_LEN} characters"),
        ));
    }
    Ok(())
}

/// Hash a password to a PHC string (`$argon2id$v=19$…`) with a fresh random salt.
pub fn hash_blocking(password: &str) -> Result<String, ServiceError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| ServiceError::Internal(format!("argon2 hash: {e}")))
}

/// Verify a password against a stored PHC string. A malformed hash verifies as false.
pub fn verify_blocking(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(parsed) => Argon2::default()
            .verify_password(password.as_bytes(), &parsed)
            .is_ok(),
        Err(_) => false,
    }
}

pub async fn hash(password: Secret<String>) -> Result<String, ServiceError> {
    tokio::task::spawn_blocking(move || hash_blocking(password.expose()))
        .await
        .map_err(|e| ServiceError::Internal(format!("hash task: {e}")))?
}

/// Verify on the blocking pool. With `phc == None` (unknown user) a dummy hash is checked so the
/// answer takes as long as for a real user and timing does not reveal which usernames exist.
pub async fn verify(password: Secret<String>, phc: Option<String>) -> bool {
    tokio::task::spawn_blocking(move || match phc {
        Some(h) => verify_blocking(password.expose(), &h),
        None => {
            let _ = verify_blocking(password.expose(), dummy_hash());
            false
        }
    })
    .await
    .unwrap_or(false)
}

fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("dummy password that no account has").unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_then_verify() {
        let h = hash_blocking("correct horse battery").unwrap();
        assert!(h.starts_with("$argon2id$v=19$"), "{h}");
        assert!(verify_blocking("correct horse battery", &h));
        assert!(!verify_blocking("correct horse batterY", &h));
        assert!(!verify_blocking("", &h));
    }

    #[test]
    fn salts_differ() {
        let a = hash_blocking("same password").unwrap();
        let b = hash_blocking("same password").unwrap();
        assert_ne!(a, b);
        assert!(verify_blocking("same password", &a) && verify_blocking("same password", &b));
    }

    #[test]
    fn malformed_hash_is_false_not_panic() {
        assert!(!verify_blocking("x", "not a phc string"));
        assert!(!verify_blocking("x", ""));
    }

    #[test]
    fn length_rules() {
        assert!(validate_new("1234567").is_err());
        assert!(validate_new("12345678").is_ok());
        assert!(validate_new("пароль12").is_ok());
        assert!(validate_new(&"x".repeat(257)).is_err());
    }

    #[tokio::test]
    async fn async_verify_unknown_user_is_false() {
        assert!(!verify(Secret::new("anything".into()), None).await);
    }
}
