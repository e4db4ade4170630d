//! Who changed what: one row per change to users, keys, permissions, settings, SMS gateways,
//! statistics projects and admins' roles (with the admin's client address for changes made in
//! the panel), the generation counter that tells running instances to reload, and the listing of
//! the «Аудит» page ([`search`]: actor, action, target and time filters, newest first).

use serde::{Deserialize, Serialize};
use sqlx::any::Any;
use sqlx::Transaction;

use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::query::Filter as Where;

/// Who made a change: an admin of the panel (with the client address the request came from, when
/// known) or the command line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Actor {
    Admin { name: String, ip: Option<String> },
    Cli,
}

impl Actor {
    /// An admin without a known client address.
    pub fn admin(name: impl Into<String>) -> Actor {
        Actor::Admin {
            name: name.into(),
            ip: None,
        }
    }

    /// What the audit row and `settings.updated_by` name: `admin:<name>` or `cli`.
    pub fn label(&self) -> String {
        match self {
            Actor::Admin { name, .. } => format!("admin:{name}"),
            Actor::Cli => "cli".to_string(),
        }
    }

    /// The client address the change came from (the command line has none).
    pub fn ip(&self) -> Option<&str> {
        match self {
            Actor::Admin { ip, .. } => ip.as_deref(),
            Actor::Cli => None,
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
            "INSERT INTO audit_log (at, actor, ip, action, target, old_value, new_value) \
             VALUES (?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(crate::platform::time::now_ms())
        .bind(self.actor.label())
        .bind(
            self.actor
                .ip()
                .map(|ip| ip.chars().take(64).collect::<String>()),
        )
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
    /// [`Actor::label`]: `admin:<name>` or `cli`.
    pub actor: String,
    /// The admin's client address (none for the command line and for rows older than the column).
    pub ip: Option<String>,
    pub action: String,
    pub target: String,
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

/// What the «Аудит» page filters by; blank texts are no criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// The actor's label exactly (`admin:<name>`, `cli`).
    pub actor: Option<String>,
    /// An action (`user.create`); one ending in `.` is a prefix (`setting.`, `key.`).
    pub action: Option<String>,
    /// A substring of the target (a login, a setting's name, a gateway's name…).
    pub target: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

/// A text criterion as given: trimmed, `None` when blank.
fn given(o: &Option<String>) -> Option<String> {
    o.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

impl Filter {
    fn to_where(&self) -> Where {
        let mut w = Where::new();
        w.and_opt("actor = ?", given(&self.actor));
        match given(&self.action) {
            Some(prefix) if prefix.ends_with('.') => {
                let mut pattern = like_pattern(&prefix);
                pattern.remove(0); // anchored at the start
                w.and_opt("action LIKE ? ESCAPE '!'", Some(pattern));
            }
            exact => {
                w.and_opt("action = ?", exact);
            }
        }
        w.and_opt(
            "target LIKE ? ESCAPE '!'",
            given(&self.target).map(|t| like_pattern(&t)),
        )
        .and_opt("at >= ?", self.from_ms)
        .and_opt("at < ?", self.until_ms);
        w
    }
}

const SELECT_ENTRIES: &str =
    "SELECT id, at, actor, ip, action, target, old_value, new_value FROM audit_log";

/// One page of changes matching `f`, newest first, and how many match in all.
pub async fn search(
    db: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), ServiceError> {
    let w = f.to_where();
    let sql = format!(
        "{SELECT_ENTRIES}{} ORDER BY id DESC LIMIT ? OFFSET ?",
        w.sql()
    );
    let items = w
        .bind(sqlx::query_as::<_, AuditEntry>(&sql))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    let count_sql = format!("SELECT COUNT(*) FROM audit_log{}", w.sql());
    let total = w
        .bind(sqlx::query_scalar::<_, i64>(&count_sql))
        .fetch_one(&db.pool)
        .await?;
    Ok((items, total))
}

/// The newest changes, unfiltered.
pub async fn list(
    db: &Db,
    limit: i64,
    offset: i64,
) -> Result<(Vec<AuditEntry>, i64), ServiceError> {
    search(db, &Filter::default(), limit, offset).await
}

/// The actions and the actors that occur in the log, each sorted: the choices of the page's
/// filters.
pub async fn choices(db: &Db) -> Result<(Vec<String>, Vec<String>), ServiceError> {
    let actions = sqlx::query_scalar("SELECT DISTINCT action FROM audit_log ORDER BY action")
        .fetch_all(&db.pool)
        .await?;
    let actors = sqlx::query_scalar("SELECT DISTINCT actor FROM audit_log ORDER BY actor")
        .fetch_all(&db.pool)
        .await?;
    Ok((actions, actors))
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
#[path = "audit_tests.rs"]
mod tests;
