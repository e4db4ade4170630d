//! Admin roles: `admin` changes everything, `viewer` reads the panel and changes nothing. The
//! role is a column of `admins` read with the admin at every request (`super::signed_in`), never
//! kept in a session, so a change applies at once to sessions already open.

use serde::{Deserialize, Serialize};

use super::Username;
use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    /// Everything the panel can do.
    Admin,
    /// Every page, read only: the server refuses each change.
    Viewer,
}

impl Role {
    pub const ALL: [Role; 2] = [Role::Admin, Role::Viewer];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Admin => "admin",
            Role::Viewer => "viewer",
        }
    }

    pub fn parse(s: &str) -> Result<Role, ServiceError> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s.trim())
            .ok_or_else(|| ServiceError::invalid("role", "must be `admin` or `viewer`"))
    }

    /// May this role change anything (settings, users, keys, gateways…)?
    pub fn can_edit(self) -> bool {
        self == Role::Admin
    }
}

impl std::fmt::Display for Role {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// How a stored role reads back; anything else in the column is an error, never a guess.
impl TryFrom<String> for Role {
    type Error = ServiceError;
    fn try_from(s: String) -> Result<Role, ServiceError> {
        Role::parse(&s)
    }
}

/// Give admin `username` the role `role` (`ccgate admin role`), audited as `admin.role`. The last
/// admin with role `admin` cannot become a viewer: nobody could change anything any more. Returns
/// the role it had.
pub async fn set_role(
    db: &Db,
    actor: &Actor,
    username: &str,
    role: Role,
) -> Result<Role, ServiceError> {
    let username = Username::parse(username)?;
    let mut w = AuditedWrite::begin(db, actor).await?;
    // The admins with role `admin`, locked until commit: two demotions at once are decided one
    // after the other (SQLite's write lock, taken by `begin`, already serialises every writer).
    let admins_sql = match db.backend {
        Backend::Sqlite => "SELECT username FROM admins WHERE role = 'admin'",
        Backend::MySql => "SELECT username FROM admins WHERE role = 'admin' FOR UPDATE",
    };
    let admins: Vec<String> = sqlx::query_scalar(admins_sql).fetch_all(w.conn()).await?;
    let old: Option<String> = sqlx::query_scalar("SELECT role FROM admins WHERE username = ?")
        .bind(username.as_str())
        .fetch_optional(w.conn())
        .await?;
    let old = Role::try_from(old.ok_or(ServiceError::NotFound("admin"))?)?;
    if old == role {
        w.commit().await?;
        return Ok(old);
    }
    if old == Role::Admin && admins.iter().all(|a| a == username.as_str()) {
        return Err(ServiceError::Conflict(format!(
            "`{}` is the last admin with role `admin`: give another admin that role first",
            username.as_str()
        )));
    }
    sqlx::query("UPDATE admins SET role = ? WHERE username = ?")
        .bind(role.as_str())
        .bind(username.as_str())
        .execute(w.conn())
        .await?;
    w.record(
        "admin.role",
        username.as_str(),
        Some(old.as_str()),
        Some(role.as_str()),
    )
    .await?;
    w.commit().await?;
    Ok(old)
}
