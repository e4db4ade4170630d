//! Who changed what: one row per change to users, keys, permissions and settings, and the
//! generation counter that tells running instances to reload.

use serde::{Deserialize, Serialize};
use sqlx::any::Any;
use sqlx::Transaction;

use crate::platform::db::Db;
use crate::platform::error::ServiceError;

/// Who made a change: an admin of the panel or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Admin(String),
    Cli,
}

impl Actor {
    pub fn label(&self) -> String {
        match self {
            Actor::Admin(name) => format!("admin:{name}"),
            Actor::Cli => "cli".to_string(),
        }
    }
}

pub type Tx<'a> = Transaction<'a, Any>;

/// A write to users, keys, permissions, settings or SMS gateways: one transaction, an audit row
/// per change, and — on commit, if anything was recorded — a bump of the `state_generation`
/// counter that makes every running instance reload its snapshot. Audit rows and the bump can only
/// be written through this type, so neither can be forgotten.
pub struct AuditedWrite<'a> {
    tx: Tx<'static>,
    actor: &'a Actor,
    recorded: usize,
}

impl<'a> AuditedWrite<'a> {
    /// Open the write transaction (taking SQLite's write lock first, see [`Db::begin_write`]).
    pub async fn begin(db: &Db, actor: &'a Actor) -> Result<AuditedWrite<'a>, ServiceError> {
        Ok(AuditedWrite {
            tx: db.begin_write().await?,
            actor,
            recorded: 0,
        })
    }

    /// The transaction's connection, for the change itself.
    pub fn conn(&mut self) -> &mut sqlx::AnyConnection {
        &mut self.tx
    }

    /// Note one change: `action` such as `user.create`, `target` the object's name, the values
    /// before and after as people may see them (secrets already masked).
    pub async fn record(
        &mut self,
        action: &str,
        target: &str,
        old_value: Option<&str>,
        new_value: Option<&str>,
    ) -> Result<(), ServiceError> {
        sqlx::query(
            "INSERT INTO audit_log (at, actor, action, target, old_value, new_value) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(crate::platform::time::now_ms())
        .bind(self.actor.label())
        .bind(action)
        .bind(target)
        .bind(old_value)
        .bind(new_value)
        .execute(&mut *self.tx)
        .await?;
        self.recorded += 1;
        Ok(())
    }

    /// Commit; returns how many changes were recorded. Nothing recorded: nothing to reload.
    pub async fn commit(mut self) -> Result<usize, ServiceError> {
        if self.recorded > 0 {
            sqlx::query("UPDATE state_generation SET value = value + 1 WHERE id = 1")
                .execute(&mut *self.tx)
                .await?;
        }
        self.tx.commit().await?;
        Ok(self.recorded)
    }
}

pub async fn generation(db: &Db) -> Result<i64, ServiceError> {
    Ok(
        sqlx::query_scalar("SELECT value FROM state_generation WHERE id = 1")
            .fetch_one(&db.pool)
            .await?,
    )
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct AuditEntry {
    pub id: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub target: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

pub async fn list(
    db: &Db,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), ServiceError> {
    let items = sqlx::query_as(
        "SELECT id, at, actor, action, target, old_value, new_value FROM audit_log \
         ORDER BY id DESC LIMIT ? OFFSET ?",
    )
    .bind(limit.clamp(1, 1000))
    .bind(offset.max(0))
    .fetch_all(&db.pool)
    .await?;
    let total = sqlx::query_scalar("SELECT COUNT(*) FROM audit_log")
        .fetch_one(&db.pool)
        .await?;
    Ok((items, total))
}

/// Escape a user-supplied substring for `LIKE ? ESCAPE '!'` (same on SQLite and MariaDB).
pub fn like_pattern(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('%');
    for c in s.chars() {
        if matches!(c, '!' | '%' | '_') {
            out.push('!');
        }
        out.push(c);
    }
    out.push('%');
    out
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_escaping() {
        assert_eq!(super::like_pattern("a_b%c!"), "%a!_b!%c!!%");
    }
}
