//! SMS gateways (aggregator accounts) kept in the database: several entries, one active, the
//! others an ordered failover list (by priority). Changes are audited (the password masked) and
//! apply to the next message: every send reads the list afresh. A new gateway's defaults are
//! declared once, in [`GatewayInput::default`]: the panel's form and the CLI both start from it.

use rand::Rng;
use serde::{Deserialize, Serialize};
use sqlx::Row;

use super::providers::GatewayKind;
use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;

/// SMS Traffic's main and reserve send URLs (the defaults of a new gateway).
pub const SMSTRAFFIC_URL: &str = "https://api.smstraffic.ru/multi.php";
pub const SMSTRAFFIC_RESERVE_URL: &str = "https://api2.smstraffic.ru/multi.php";

#[derive(Debug, Clone, Serialize)]
pub struct Gateway {
    pub id: i64,
    pub name: String,
    pub kind: GatewayKind,
    pub url: String,
    pub reserve_url: String,
    pub sender: String,
    pub login: String,
    #[serde(skip)]
    pub password: Secret<String>,
    /// Parts per second.
    pub rate_limit: i64,
    pub max_parts: i64,
    /// Answer timeout of one request, ms.
    pub timeout_ms: i64,
    /// Lower first in the failover order.
    pub priority: i64,
    /// A PEM file of CA certificates trusted for this gateway besides the system's CA store (a
    /// provider behind a private CA); empty: the system's store only.
    pub ca_file: String,
    pub active: bool,
    pub enabled: bool,
    #[serde(skip)]
    pub callback_token: Secret<String>,
    pub created_at: i64,
    pub updated_at: i64,
}

impl Gateway {
    pub fn has_password(&self) -> bool {
        !self.password.expose().is_empty()
    }
    /// The delivery-report URL path (secret: it carries the token).
    pub fn callback_path(&self) -> String {
        format!(
            "/callbacks/sms/{}/{}",
            self.id,
            self.callback_token.expose()
        )
    }
}

/// What an admin edits. `password: None` (or empty on update) keeps the stored one. `kind` is
/// the text given: [`validate`] refuses one that is not a [`GatewayKind`].
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct GatewayInput {
    pub name: String,
    pub kind: String,
    pub url: String,
    #[serde(default)]
    pub reserve_url: String,
    #[serde(default)]
    pub sender: String,
    #[serde(default)]
    pub login: String,
    #[serde(default)]
    pub password: Option<String>,
    pub rate_limit: i64,
    pub max_parts: i64,
    #[serde(default = "default_timeout")]
    pub timeout_ms: i64,
    pub priority: i64,
    #[serde(default = "yes")]
    pub enabled: bool,
    /// An absolute path to a PEM file of CA certificates (empty: none); see [`Gateway::ca_file`].
    #[serde(default)]
    pub ca_file: String,
}

/// The defaults of a new gateway, declared once: SMS Traffic with its main and reserve URL, 20
/// parts per second, at most 10 parts, a 30 s answer timeout, priority 10, enabled.
impl Default for GatewayInput {
    fn default() -> Self {
        GatewayInput {
            name: String::new(),
            kind: GatewayKind::SmsTraffic.as_str().to_string(),
            url: SMSTRAFFIC_URL.to_string(),
            reserve_url: SMSTRAFFIC_RESERVE_URL.to_string(),
            sender: String::new(),
            login: String::new(),
            password: None,
            rate_limit: 20,
            max_parts: 10,
            timeout_ms: 30_000,
            priority: 10,
            enabled: true,
            ca_file: String::new(),
        }
    }
}

fn yes() -> bool {
    GatewayInput::default().enabled
}

fn default_timeout() -> i64 {
    GatewayInput::default().timeout_ms
}

fn check_url(
    field: &'static str,
    kind: GatewayKind,
    u: &str,
    required: bool,
) -> Result<String, ServiceError> {
    let u = u.trim();
    if u.is_empty() && !required {
        return Ok(String::new());
    }
    if kind == GatewayKind::Smpp {
        return match super::providers::smpp::host_of(u) {
            Some(_) => Ok(u.to_string()),
            None => Err(ServiceError::invalid(field, "expected smpp://host:port")),
        };
    }
    if !(u.starts_with("http://") || u.starts_with("https://"))
        || u.len() > 1024
        || u.contains(char::is_whitespace)
    {
        return Err(ServiceError::invalid(
            field,
            "expected an http:// or https:// URL",
        ));
    }
    Ok(u.to_string())
}

/// A CA file must be an absolute path to a readable PEM file of CA certificates (checked when it
/// is saved; a file that later disappears makes the gateway answer `upstream_tls_error`).
fn check_ca_file(kind: GatewayKind, path: &str) -> Result<String, ServiceError> {
    let path = path.trim();
    if path.is_empty() {
        return Ok(String::new());
    }
    if kind == GatewayKind::Smpp {
        return Err(ServiceError::invalid(
            "ca_file",
            "a CA file is for HTTPS gateways; SMPP does not use TLS",
        ));
    }
    if path.len() > 1024 || !std::path::Path::new(path).is_absolute() {
        return Err(ServiceError::invalid(
            "ca_file",
            "an absolute path to a PEM file of CA certificates",
        ));
    }
    crate::platform::http::read_ca_file(std::path::Path::new(path))
        .map_err(|e| ServiceError::invalid("ca_file", e))?;
    Ok(path.to_string())
}

pub fn validate(input: &GatewayInput) -> Result<GatewayInput, ServiceError> {
    let name = input.name.trim();
    if name.is_empty()
        || name.len() > 64
        || !name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(ServiceError::invalid(
            "name",
            "1 to 64 of Latin letters, digits, - _ .",
        ));
    }
    let kind = GatewayKind::parse(&input.kind).ok_or_else(|| {
        let kinds: Vec<&str> = GatewayKind::ALL.iter().map(|k| k.as_str()).collect();
        ServiceError::invalid("kind", format!("expected one of {}", kinds.join(", ")))
    })?;
    let sender = if input.sender.trim().is_empty() {
        String::new()
    } else {
        super::sender::parse(&input.sender)
            .map_err(|e| ServiceError::invalid("sender", e.to_string()))?
    };
    if !(1..=100_000).contains(&input.rate_limit) {
        return Err(ServiceError::invalid(
            "rate_limit",
            "parts per second from 1 to 100000",
        ));
    }
    if !(1..=255).contains(&input.max_parts) {
        return Err(ServiceError::invalid("max_parts", "from 1 to 255"));
    }
    if !(100..=300_000).contains(&input.timeout_ms) {
        return Err(ServiceError::invalid("timeout_ms", "from 100 to 300000"));
    }
    if !(0..=1_000_000).contains(&input.priority) {
        return Err(ServiceError::invalid("priority", "from 0 to 1000000"));
    }
    if input.login.len() > 255 || input.password.as_ref().is_some_and(|p| p.len() > 255) {
        return Err(ServiceError::invalid("login", "at most 255 characters"));
    }
    if kind == GatewayKind::Smpp {
        // SMPP 3.4 field sizes (system_id 16, password 9 octets with the terminating NUL).
        if input.login.trim().is_empty()
            || input.login.trim().len() > 15
            || !input.login.trim().is_ascii()
        {
            return Err(ServiceError::invalid(
                "login",
                "the SMPP system_id: 1 to 15 ASCII characters",
            ));
        }
        if input
            .password
            .as_ref()
            .is_some_and(|p| p.len() > 8 || !p.is_ascii())
        {
            return Err(ServiceError::invalid(
                "password",
                "an SMPP password is at most 8 ASCII characters",
            ));
        }
    }
    Ok(GatewayInput {
        name: name.to_string(),
        kind: kind.as_str().to_string(),
        url: check_url("url", kind, &input.url, true)?,
        reserve_url: check_url("reserve_url", kind, &input.reserve_url, false)?,
        sender,
        login: input.login.trim().to_string(),
        password: input.password.clone(),
        rate_limit: input.rate_limit,
        max_parts: input.max_parts,
        timeout_ms: input.timeout_ms,
        priority: input.priority,
        enabled: input.enabled,
        ca_file: check_ca_file(kind, &input.ca_file)?,
    })
}

const COLUMNS: &str = "id, name, kind, url, reserve_url, sender, login, password, rate_limit, max_parts, timeout_ms, priority, ca_file, active, enabled, callback_token, created_at, updated_at";

/// A stored row; a kind this build does not know is an error (never read as another kind).
fn of_row(r: &sqlx::any::AnyRow) -> Result<Gateway, ServiceError> {
    let name: String = r.try_get("name")?;
    let kind: String = r.try_get("kind")?;
    let kind = GatewayKind::parse(&kind).ok_or_else(|| {
        ServiceError::Internal(format!("SMS gateway `{name}` has an unknown kind `{kind}`"))
    })?;
    Ok(Gateway {
        id: r.try_get("id")?,
        name,
        kind,
        url: r.try_get("url")?,
        reserve_url: r.try_get("reserve_url")?,
        sender: r.try_get("sender")?,
        login: r.try_get("login")?,
        password: Secret::new(r.try_get("password")?),
        rate_limit: r.try_get("rate_limit")?,
        max_parts: r.try_get("max_parts")?,
        timeout_ms: r.try_get("timeout_ms")?,
        priority: r.try_get("priority")?,
        ca_file: r.try_get("ca_file")?,
        active: r.try_get::<i64, _>("active")? != 0,
        enabled: r.try_get::<i64, _>("enabled")? != 0,
        callback_token: Secret::new(r.try_get("callback_token")?),
        created_at: r.try_get("created_at")?,
        updated_at: r.try_get("updated_at")?,
    })
}

/// All gateways: the active one first, then by priority and name.
pub async fn list(db: &Db) -> Result<Vec<Gateway>, ServiceError> {
    let rows = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sms_gateways ORDER BY active DESC, priority, name"
    ))
    .fetch_all(&db.pool)
    .await?;
    rows.iter().map(of_row).collect()
}

/// The gateways a message tries, in order: the active one, then the other enabled ones by
/// priority. Empty when no gateway is active.
pub async fn failover_order(db: &Db) -> Result<Vec<Gateway>, ServiceError> {
    let all = list(db).await?;
    if !all.iter().any(|g| g.active && g.enabled) {
        return Ok(Vec::new());
    }
    Ok(all.into_iter().filter(|g| g.enabled).collect())
}

pub async fn get(db: &Db, id: i64) -> Result<Gateway, ServiceError> {
    let row = sqlx::query(&format!("SELECT {COLUMNS} FROM sms_gateways WHERE id = ?"))
        .bind(id)
        .fetch_optional(&db.pool)
        .await?
        .ok_or(ServiceError::NotFound("SMS gateway"))?;
    of_row(&row)
}

pub async fn by_name(db: &Db, name: &str) -> Result<Gateway, ServiceError> {
    let row = sqlx::query(&format!(
        "SELECT {COLUMNS} FROM sms_gateways WHERE name = ?"
    ))
    .bind(name)
    .fetch_optional(&db.pool)
    .await?
    .ok_or(ServiceError::NotFound("SMS gateway"))?;
    of_row(&row)
}

/// What the audit log shows of a gateway (password masked).
fn describe(g: &GatewayInput, has_password: bool) -> String {
    format!(
        "kind={} url={} reserve_url={} sender={} login={} password={} rate_limit={} max_parts={} timeout_ms={} priority={} enabled={} ca_file={}",
        g.kind,
        g.url,
        g.reserve_url,
        g.sender,
        g.login,
        if has_password { "***" } else { "" },
        g.rate_limit,
        g.max_parts,
        g.timeout_ms,
        g.priority,
        g.enabled,
        g.ca_file
    )
}

fn token() -> String {
    let n: u128 = rand::thread_rng().gen();
    format!("{n:032x}")
}

fn conflict(e: sqlx::Error) -> ServiceError {
    if is_unique_violation(&e) {
        ServiceError::Conflict("an SMS gateway with this name exists".into())
    } else {
        e.into()
    }
}

/// Add a gateway. The first one becomes active.
pub async fn create(db: &Db, actor: &Actor, input: &GatewayInput) -> Result<Gateway, ServiceError> {
    let g = validate(input)?;
    let now = now_ms();
    let password = g.password.clone().unwrap_or_default();
    let mut tx = AuditedWrite::begin(db, actor).await?;
    let count: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM sms_gateways")
        .fetch_one(tx.conn())
        .await?;
    sqlx::query(
        "INSERT INTO sms_gateways (name, kind, url, reserve_url, sender, login, password, rate_limit, max_parts, timeout_ms, priority, ca_file, active, enabled, callback_token, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    )
    .bind(&g.name)
    .bind(&g.kind)
    .bind(&g.url)
    .bind(&g.reserve_url)
    .bind(&g.sender)
    .bind(&g.login)
    .bind(&password)
    .bind(g.rate_limit)
    .bind(g.max_parts)
    .bind(g.timeout_ms)
    .bind(g.priority)
    .bind(&g.ca_file)
    .bind(i64::from(count == 0))
    .bind(i64::from(g.enabled))
    .bind(token())
    .bind(now)
    .bind(now)
    .execute(tx.conn())
    .await
    .map_err(conflict)?;
    tx.record(
        "sms_gateway.create",
        &g.name,
        None,
        Some(&describe(&g, !password.is_empty())),
    )
    .await?;
    tx.commit().await?;
    by_name(db, &g.name).await
}

/// Change a gateway; an absent or empty password keeps the stored one.
pub async fn update(
    db: &Db,
    actor: &Actor,
    id: i64,
    input: &GatewayInput,
) -> Result<Gateway, ServiceError> {
    let g = validate(input)?;
    let old = get(db, id).await?;
    let password = match &g.password {
        Some(p) if !p.is_empty() => p.clone(),
        _ => old.password.expose().clone(),
    };
    let old_input = GatewayInput {
        name: old.name.clone(),
        kind: old.kind.as_str().to_string(),
        url: old.url.clone(),
        reserve_url: old.reserve_url.clone(),
        sender: old.sender.clone(),
        login: old.login.clone(),
        password: None,
        rate_limit: old.rate_limit,
        max_parts: old.max_parts,
        timeout_ms: old.timeout_ms,
        priority: old.priority,
        enabled: old.enabled,
        ca_file: old.ca_file.clone(),
    };
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query(
        "UPDATE sms_gateways SET name = ?, kind = ?, url = ?, reserve_url = ?, sender = ?, login = ?, password = ?, rate_limit = ?, max_parts = ?, timeout_ms = ?, priority = ?, ca_file = ?, enabled = ?, updated_at = ? WHERE id = ?",
    )
    .bind(&g.name)
    .bind(&g.kind)
    .bind(&g.url)
    .bind(&g.reserve_url)
    .bind(&g.sender)
    .bind(&g.login)
    .bind(&password)
    .bind(g.rate_limit)
    .bind(g.max_parts)
    .bind(g.timeout_ms)
    .bind(g.priority)
    .bind(&g.ca_file)
    .bind(i64::from(g.enabled))
    .bind(now_ms())
    .bind(id)
    .execute(tx.conn())
    .await
    .map_err(conflict)?;
    let password_changed = password != *old.password.expose();
    let mut new_desc = describe(&g, !password.is_empty());
    if password_changed {
        new_desc.push_str(" (password changed)");
    }
    tx.record(
        "sms_gateway.update",
        &g.name,
        Some(&describe(&old_input, old.has_password())),
        Some(&new_desc),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

/// Make one gateway the active one (the next message goes through it).
pub async fn activate(db: &Db, actor: &Actor, id: i64) -> Result<Gateway, ServiceError> {
    let g = get(db, id).await?;
    let previous = list(db).await?.into_iter().find(|x| x.active);
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query(
        "UPDATE sms_gateways SET active = CASE WHEN id = ? THEN 1 ELSE 0 END, updated_at = ?",
    )
    .bind(id)
    .bind(now_ms())
    .execute(tx.conn())
    .await?;
    tx.record(
        "sms_gateway.activate",
        &g.name,
        previous.as_ref().map(|p| p.name.as_str()),
        Some(&g.name),
    )
    .await?;
    tx.commit().await?;
    get(db, id).await
}

pub async fn delete(db: &Db, actor: &Actor, id: i64) -> Result<(), ServiceError> {
    let g = get(db, id).await?;
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query("DELETE FROM sms_gateways WHERE id = ?")
        .bind(id)
        .execute(tx.conn())
        .await?;
    tx.record("sms_gateway.delete", &g.name, Some(g.kind.as_str()), None)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
#[path = "gateways_tests.rs"]
mod tests;
