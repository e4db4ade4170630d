//! API users («Пользователи API»): the integrators that call `/api/v1`.

use serde::{Deserialize, Serialize};

use crate::access::audit::{like_pattern, Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::net::CidrList;
use crate::platform::query::Filter as Where;
use crate::platform::time::now_ms;

/// A valid API user login: 3–64 characters, Latin letters, digits, `.`, `_`, `-`, starting with a
/// letter or digit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Login(String);

impl Login {
    pub fn parse(s: &str) -> Result<Login, ServiceError> {
        let s = s.trim();
        let n = s.chars().count();
        if !(3..=64).contains(&n) {
            return Err(ServiceError::invalid("login", "must be 3 to 64 characters"));
        }
        let mut chars = s.chars();
        let first_ok = chars.next().is_some_and(|c| c.is_ascii_alphanumeric());
        if !first_ok
            || !s
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-'))
        {
            return Err(ServiceError::invalid(
                "login",
                "may contain Latin letters, digits, . _ - and must start with a letter or digit",
            ));
        }
        Ok(Login(s.to_string()))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Status {
    Active,
    Blocked,
}

impl Status {
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Active => "active",
            Status::Blocked => "blocked",
        }
    }
    pub fn parse(s: &str) -> Result<Status, ServiceError> {
        match s {
            "active" => Ok(Status::Active),
            "blocked" => Ok(Status::Blocked),
            _ => Err(ServiceError::invalid("status", "must be active or blocked")),
        }
    }
}

pub fn validate_note(note: &str) -> Result<String, ServiceError> {
    let note = note.trim();
    if note.chars().count() > 1000 {
        return Err(ServiceError::invalid(
            "note",
            "must be at most 1000 characters",
        ));
    }
    Ok(note.to_string())
}

/// Blocks an allow-list may hold.
pub const MAX_IP_BLOCKS: usize = 100;

/// An allow-list as typed (blocks separated by commas, spaces or lines) in its stored form.
pub fn validate_ip_allow(text: &str) -> Result<CidrList, ServiceError> {
    let list = CidrList::parse(text).map_err(|e| ServiceError::invalid("ip_allow", e))?;
    if list.len() > MAX_IP_BLOCKS {
        return Err(ServiceError::invalid(
            "ip_allow",
            format!("at most {MAX_IP_BLOCKS} blocks"),
        ));
    }
    Ok(list)
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct ApiUser {
    pub id: i64,
    pub login: String,
    pub note: String,
    pub status: String,
    pub created_at: i64,
    pub updated_at: i64,
    pub key_count: i64,
    pub permission_count: i64,
    /// The addresses it may call from, canonical (`10.0.0.0/8, 2001:db8::/32`); empty: any.
    pub ip_allow: String,
}

const SELECT: &str = "SELECT u.id, u.login, u.note, u.status, u.created_at, u.updated_at, u.ip_allow, \
    (SELECT COUNT(*) FROM api_keys k WHERE k.user_id = u.id AND k.revoked_at IS NULL) AS key_count, \
    (SELECT COUNT(*) FROM api_permissions p WHERE p.user_id = u.id) AS permission_count \
    FROM api_users u";

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    pub id: Option<i64>,
    pub login: Option<String>,
    pub note: Option<String>,
    pub status: Option<String>,
}

/// A text criterion as given: trimmed, `None` when blank.
fn given(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

impl Filter {
    /// The `WHERE` clause of this filter (an unknown status is refused).
    fn to_where(&self) -> Result<Where, ServiceError> {
        let status = given(&self.status).map(Status::parse).transpose()?;
        let mut w = Where::new();
        w.and_opt("u.id = ?", self.id)
            .and_opt(
                "u.login LIKE ? ESCAPE '!'",
                given(&self.login).map(like_pattern),
            )
            .and_opt(
                "u.note LIKE ? ESCAPE '!'",
                given(&self.note).map(like_pattern),
            )
            .and_opt("u.status = ?", status.map(Status::as_str));
        Ok(w)
    }
}

/// A unique-constraint failure on `login` becomes a 409-style conflict naming the login.
fn taken_is_conflict<T>(res: Result<T, sqlx::Error>, login: &Login) -> Result<T, ServiceError> {
    res.map_err(|e| {
        if is_unique_violation(&e) {
            ServiceError::Conflict(format!("login `{}` is taken", login.as_str()))
        } else {
            e.into()
        }
    })
}

pub async fn list(
    db: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<ApiUser>, i64), ServiceError> {
    let w = f.to_where()?;
    let sql = format!("{SELECT}{} ORDER BY u.id LIMIT ? OFFSET ?", w.sql());
    let count_sql = format!("SELECT COUNT(*) FROM api_users u{}", w.sql());
    let items = w
        .bind(sqlx::query_as::<_, ApiUser>(&sql))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    let total = w
        .bind(sqlx::query_scalar::<_, i64>(&count_sql))
        .fetch_one(&db.pool)
        .await?;
    Ok((items, total))
}

pub async fn get(db: &Db, id: i64) -> Result<ApiUser, ServiceError> {
    sqlx::query_as(&format!("{SELECT} WHERE u.id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(ServiceError::NotFound("API user"))
}

pub async fn by_login(db: &Db, login: &str) -> Result<ApiUser, ServiceError> {
    sqlx::query_as(&format!("{SELECT} WHERE u.login = ?"))
        .bind(login.trim())
        .fetch_optional(&db.pool)
        .await?
        .ok_or(ServiceError::NotFound("API user"))
}

pub async fn create(
    db: &Db,
    actor: &Actor,
    login: &str,
    note: &str,
) -> Result<ApiUser, ServiceError> {
    let login = Login::parse(login)?;
    let note = validate_note(note)?;
    let now = now_ms();
    let mut tx = AuditedWrite::begin(db, actor).await?;
    let res = sqlx::query(
        "INSERT INTO api_users (login, note, status, created_at, updated_at) VALUES (?, ?, 'active', ?, ?)",
    )
    .bind(login.as_str())
    .bind(&note)
    .bind(now)
    .bind(now)
    .execute(tx.conn())
    .await;
    taken_is_conflict(res, &login)?;
    tx.record("user.create", login.as_str(), None, Some(&note))
        .await?;
    tx.commit().await?;
    by_login(db, login.as_str()).await
}

/// Change login and/or note.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    login: &str,
    note: &str,
) -> Result<ApiUser, ServiceError> {
    let login = Login::parse(login)?;
    let note = validate_note(note)?;
    let before = get(db, id).await?;
    let mut tx = AuditedWrite::begin(db, actor).await?;
    let res = sqlx::query("UPDATE api_users SET login = ?, note = ?, updated_at = ? WHERE id = ?")
        .bind(login.as_str())
        .bind(&note)
        .bind(now_ms())
        .bind(id)
        .execute(tx.conn())
        .await;
    taken_is_conflict(res, &login)?;
    let old = format!("login={} note={}", before.login, before.note);
    let new = format!("login={} note={}", login.as_str(), note);
    tx.record("user.update", &before.login, Some(&old), Some(&new))
        .await?;
    tx.commit().await?;
    get(db, id).await
}

/// Block or unblock. Takes effect on the user's next request.
pub async fn set_status(
    db: &Db,
    actor: &Actor,
    id: i64,
    status: Status,
) -> Result<ApiUser, ServiceError> {
    let before = get(db, id).await?;
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query("UPDATE api_users SET status = ?, updated_at = ? WHERE id = ?")
        .bind(status.as_str())
        .bind(now_ms())
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.record(
        "user.status",
        &before.login,
        Some(&before.status),
        Some(status.as_str()),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

/// Replace the addresses a user may call from (`text` as [`validate_ip_allow`] reads it; empty:
/// any address). In force on the user's next request, on every instance.
pub async fn set_ip_allow(
    db: &Db,
    actor: &Actor,
    id: i64,
    text: &str,
) -> Result<ApiUser, ServiceError> {
    let list = validate_ip_allow(text)?.to_string();
    let before = get(db, id).await?;
    if before.ip_allow == list {
        return Ok(before);
    }
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query("UPDATE api_users SET ip_allow = ?, updated_at = ? WHERE id = ?")
        .bind(&list)
        .bind(now_ms())
        .bind(id)
        .execute(tx.conn())
        .await?;
    let shown = |s: &str| {
        if s.is_empty() {
            "any".to_string()
        } else {
            s.to_string()
        }
    };
    tx.record(
        "user.ip_allow",
        &before.login,
        Some(&shown(&before.ip_allow)),
        Some(&shown(&list)),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn logins_parse() {
        assert!(Login::parse("crm-1").is_ok());
        assert!(Login::parse("Bitrix24.prod").is_ok());
        assert!(Login::parse("ab").is_err());
        assert!(Login::parse("-crm").is_err());
        assert!(Login::parse("crm user").is_err());
        assert!(Login::parse("срм").is_err());
    }

    #[test]
    fn allow_lists_validate() {
        assert_eq!(
            validate_ip_allow("10.0.0.1/8\n::1").unwrap().to_string(),
            "10.0.0.0/8, ::1/128"
        );
        assert!(validate_ip_allow("").unwrap().is_empty());
        let e = validate_ip_allow("10.0.0.0/8, nonsense").unwrap_err();
        assert!(e.to_string().contains("`nonsense`"), "{e}");
        let many: Vec<String> = (0..=MAX_IP_BLOCKS)
            .map(|i| format!("10.0.{i}.0/24"))
            .collect();
        assert!(validate_ip_allow(&many.join(",")).is_err());
    }

    #[test]
    fn list_filters() {
        let f = Filter {
            id: Some(3),
            login: Some(" crm ".into()),
            note: Some(" ".into()),
            status: Some("blocked".into()),
        };
        assert_eq!(
            f.to_where().unwrap().sql(),
            " WHERE u.id = ? AND u.login LIKE ? ESCAPE '!' AND u.status = ?"
        );
        let bad = Filter {
            status: Some("gone".into()),
            ..Default::default()
        };
        assert!(bad.to_where().is_err());
    }
}
