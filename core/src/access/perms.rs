//! Per-user permissions on catalogue methods. Deny by default: a new user holds none.

use std::collections::BTreeSet;

use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;

/// A `module.method` pair that exists in the catalogue.
pub type Perm = (&'static str, &'static str);

pub fn parse(dotted: &str) -> Result<Perm, ServiceError> {
    ccgate_catalogue::parse_dotted(dotted).ok_or_else(|| {
        ServiceError::invalid(
            "permission",
            format!("`{dotted}` is not a module.method of the catalogue"),
        )
    })
}

pub fn dotted(p: &Perm) -> String {
    format!("{}.{}", p.0, p.1)
}

pub async fn of_user(db: &Db, user_id: i64) -> Result<BTreeSet<String>, ServiceError> {
    let rows: Vec<(String, String)> =
        sqlx::query_as("SELECT module, method FROM api_permissions WHERE user_id = ?")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(rows
        .into_iter()
        .filter(|(m, x)| ccgate_catalogue::method(m, x).is_some())
        .map(|(m, x)| format!("{m}.{x}"))
        .collect())
}

/// Replace a user's permissions with exactly `wanted`.
pub async fn set(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    wanted: &[Perm],
) -> Result<BTreeSet<String>, ServiceError> {
    let user = crate::access::users::get(db, user_id).await?;
    let before = of_user(db, user_id).await?;
    let after: BTreeSet<String> = wanted.iter().map(dotted).collect();
    if before == after {
        return Ok(after);
    }
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query("DELETE FROM api_permissions WHERE user_id = ?")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    for (m, x) in wanted.iter().collect::<BTreeSet<_>>() {
        sqlx::query("INSERT INTO api_permissions (user_id, module, method) VALUES (?, ?, ?)")
            .bind(user_id)
            .bind(*m)
            .bind(*x)
            .execute(tx.conn())
            .await?;
    }
    let old = before.iter().cloned().collect::<Vec<_>>().join(",");
    let new = after.iter().cloned().collect::<Vec<_>>().join(",");
    tx.record("perms.set", &user.login, Some(&old), Some(&new))
        .await?;
    tx.commit().await?;
    Ok(after)
}

pub async fn grant(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    add: &[Perm],
) -> Result<BTreeSet<String>, ServiceError> {
    let mut all: Vec<Perm> = current(db, user_id).await?;
    all.extend_from_slice(add);
    set(db, actor, user_id, &all).await
}

pub async fn revoke(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    remove: &[Perm],
) -> Result<BTreeSet<String>, ServiceError> {
    let all: Vec<Perm> = current(db, user_id)
        .await?
        .into_iter()
        .filter(|p| !remove.contains(p))
        .collect();
    set(db, actor, user_id, &all).await
}

/// Give `to_user` exactly the permissions `from_user` holds.
pub async fn copy(
    db: &Db,
    actor: &Actor,
    from_user: i64,
    to_user: i64,
) -> Result<BTreeSet<String>, ServiceError> {
    let from = current(db, from_user).await?;
    set(db, actor, to_user, &from).await
}

async fn current(db: &Db, user_id: i64) -> Result<Vec<Perm>, ServiceError> {
    Ok(of_user(db, user_id)
        .await?
        .iter()
        .filter_map(|d| ccgate_catalogue::parse_dotted(d))
        .collect())
}
