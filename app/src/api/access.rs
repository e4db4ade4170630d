//! Access control: API users, their keys and permissions, module switches and the settings
//! blocks (`ccgate_core::access`).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserRow {
    pub id: i64,
    pub login: String,
    pub note: String,
    pub status: String,
    /// Unix ms (the page formats them: `crate::time`).
    pub created: i64,
    pub updated: i64,
    pub key_count: i64,
    pub permission_count: i64,
    /// The addresses it may call from (`10.0.0.0/8, ::1/128`); empty: any.
    pub ip_allow: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsersPage {
    pub items: Vec<UserRow>,
    pub total: i64,
    pub offset: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct KeyRow {
    pub id: i64,
    pub name: String,
    pub prefix: String,
    /// Unix ms (the page formats them: `crate::time`).
    pub created: i64,
    pub expires: Option<i64>,
    pub state: String,
    pub last_used: Option<i64>,
    pub last_used_ip: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NewKey {
    pub key: KeyRow,
    /// The plain key: shown once, stored nowhere.
    pub secret: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UserDetail {
    pub user: UserRow,
    pub keys: Vec<KeyRow>,
    /// `module.method` the user holds.
    pub granted: Vec<String>,
    /// Other users to copy permissions from: (id, login).
    pub others: Vec<(i64, String)>,
    pub limits: LimitsView,
}

/// One limit and what is used of it in its current window.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct UsageRow {
    /// As stored: `requests_per_minute`, `requests_per_minute:cc.add`, `calls_per_day`, …
    pub name: String,
    pub used: u64,
    pub limit: u64,
    /// Unix ms when the window ends.
    pub reset_at: i64,
}

/// A user's limits as the form shows them (empty: no limit) and their usage.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct LimitsView {
    pub per_minute: String,
    /// `module.method=N`, one per line.
    pub per_method: String,
    pub calls_per_day: String,
    pub sms_parts_per_day: String,
    pub sms_parts_per_month: String,
    pub usage: Vec<UsageRow>,
}

/// One setting as the Settings page shows it. Secrets never leave the server: `value` is empty
/// and `is_set` tells whether one is stored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SettingView {
    pub name: String,
    pub title_ru: String,
    pub title_en: String,
    pub secret: bool,
    pub choices: Vec<String>,
    pub value: String,
    pub is_set: bool,
}

#[cfg(feature = "ssr")]
mod from_core {
    use super::*;
    use ccgate_core::access::{keys::KeyInfo, settings::Def, settings::Kind, users::ApiUser};
    use ccgate_core::platform::time::now_ms;

    impl From<ApiUser> for UserRow {
        fn from(u: ApiUser) -> Self {
            UserRow {
                id: u.id,
                login: u.login,
                note: u.note,
                status: u.status,
                created: u.created_at,
                updated: u.updated_at,
                key_count: u.key_count,
                permission_count: u.permission_count,
                ip_allow: u.ip_allow,
            }
        }
    }

    impl From<KeyInfo> for KeyRow {
        fn from(k: KeyInfo) -> Self {
            KeyRow {
                id: k.id,
                state: k.state(now_ms()).to_string(),
                name: k.name,
                prefix: k.prefix,
                created: k.created_at,
                expires: k.expires_at,
                last_used: k.last_used_at,
                last_used_ip: k.last_used_ip,
            }
        }
    }

    impl LimitsView {
        pub fn new(
            l: &ccgate_core::access::limits::Limits,
            usage: Vec<ccgate_core::limits::Standing>,
        ) -> Self {
            let n = |v: Option<u64>| v.map(|v| v.to_string()).unwrap_or_default();
            LimitsView {
                per_minute: n(l.per_minute),
                per_method: l.per_method_text(),
                calls_per_day: n(l.calls_per_day),
                sms_parts_per_day: n(l.sms_parts_per_day),
                sms_parts_per_month: n(l.sms_parts_per_month),
                usage: usage
                    .into_iter()
                    .map(|s| UsageRow {
                        name: s.name,
                        used: s.used,
                        limit: s.limit,
                        reset_at: s.reset_at,
                    })
                    .collect(),
            }
        }
    }

    impl SettingView {
        /// The setting `d` with its stored value `v` (a secret's value stays on the server).
        pub fn new(d: Def, v: String) -> Self {
            let secret = d.kind == Kind::Secret;
            SettingView {
                choices: match &d.kind {
                    Kind::Choice(c) => c.clone(),
                    _ => vec![],
                },
                is_set: !v.is_empty(),
                value: if secret { String::new() } else { v },
                secret,
                name: d.name,
                title_ru: d.title_ru,
                title_en: d.title_en,
            }
        }
    }
}

#[server(endpoint = "users/list")]
pub async fn list_users(
    id: Option<i64>,
    login: String,
    note: String,
    status: String,
    limit: i64,
    offset: i64,
) -> Result<UsersPage, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let f = ccgate_core::access::users::Filter {
        id,
        login: Some(login),
        note: Some(note),
        status: Some(status),
    };
    let (items, total) = ccgate_core::access::users::list(&state.db, &f, limit, offset).await?;
    Ok(UsersPage {
        items: items.into_iter().map(UserRow::from).collect(),
        total,
        offset: offset.max(0),
    })
}

#[server(endpoint = "users/create")]
pub async fn create_user(login: String, note: String) -> Result<UserRow, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let u = ccgate_core::access::users::create(&state.db, &actor, &login, &note).await?;
    crate::ssr::apply(&state).await?;
    Ok(u.into())
}

#[server(endpoint = "users/update")]
pub async fn update_user(id: i64, login: String, note: String) -> Result<UserRow, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let u = ccgate_core::access::users::update(&state.db, &actor, id, &login, &note).await?;
    crate::ssr::apply(&state).await?;
    Ok(u.into())
}

#[server(endpoint = "users/status")]
pub async fn set_user_blocked(id: i64, blocked: bool) -> Result<UserRow, AppError> {
    use ccgate_core::access::users::Status;
    let (state, actor) = crate::ssr::require_actor().await?;
    let status = if blocked {
        Status::Blocked
    } else {
        Status::Active
    };
    let u = ccgate_core::access::users::set_status(&state.db, &actor, id, status).await?;
    crate::ssr::apply(&state).await?;
    Ok(u.into())
}

/// Replace the addresses a user may call from (blocks separated by commas, spaces or lines;
/// empty: any address).
#[server(endpoint = "users/ip_allow")]
pub async fn set_user_ip_allow(id: i64, ip_allow: String) -> Result<UserRow, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let u = ccgate_core::access::users::set_ip_allow(&state.db, &actor, id, &ip_allow).await?;
    crate::ssr::apply(&state).await?;
    Ok(u.into())
}

#[server(endpoint = "users/get")]
pub async fn get_user(id: i64) -> Result<UserDetail, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let user = ccgate_core::access::users::get(&state.db, id).await?;
    let keys = ccgate_core::access::keys::list(&state.db, id).await?;
    let granted = ccgate_core::access::perms::of_user(&state.db, id).await?;
    let (all, _) =
        ccgate_core::access::users::list(&state.db, &Default::default(), 1000, 0).await?;
    let limits = ccgate_core::access::limits::of_user(&state.db, id).await?;
    let offset = state.live.current().utc_offset_minutes;
    let usage = state
        .limits
        .usage(id, &limits, ccgate_core::platform::time::now_ms(), offset);
    Ok(UserDetail {
        user: user.into(),
        keys: keys.into_iter().map(KeyRow::from).collect(),
        granted: granted.into_iter().collect(),
        others: all
            .into_iter()
            .filter(|u| u.id != id)
            .map(|u| (u.id, u.login))
            .collect(),
        limits: LimitsView::new(&limits, usage),
    })
}

/// Replace a user's limits: each value empty (no limit) or a whole number; `per_method` is
/// `module.method=N` items, one per line.
#[server(endpoint = "users/limits")]
pub async fn set_user_limits(
    id: i64,
    per_minute: String,
    per_method: String,
    calls_per_day: String,
    sms_parts_per_day: String,
    sms_parts_per_month: String,
) -> Result<(), AppError> {
    use ccgate_core::access::limits::{self, Limits};
    let (state, actor) = crate::ssr::require_actor().await?;
    let l = Limits::parse(
        &per_minute,
        &per_method,
        &calls_per_day,
        &sms_parts_per_day,
        &sms_parts_per_month,
    )?;
    limits::set(&state.db, &actor, id, &l).await?;
    crate::ssr::apply(&state).await
}

/// `expires` is empty (never) or a date `YYYY-MM-DD` (end of that day in the configured zone is
/// not implied: the key stops working at its start) or RFC 3339.
#[server(endpoint = "keys/create")]
pub async fn create_key(user_id: i64, name: String, expires: String) -> Result<NewKey, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let offset = state.live.current().utc_offset_minutes;
    let expires_at = super::time_input("expires", &expires, offset, "expected YYYY-MM-DD")?;
    let (k, secret) =
        ccgate_core::access::keys::create(&state.db, &actor, user_id, &name, expires_at).await?;
    crate::ssr::apply(&state).await?;
    Ok(NewKey {
        key: k.into(),
        secret: secret.expose().clone(),
    })
}

#[server(endpoint = "keys/revoke")]
pub async fn revoke_key(key_id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    ccgate_core::access::keys::revoke(&state.db, &actor, key_id).await?;
    crate::ssr::apply(&state).await
}

#[server(endpoint = "keys/rotate")]
pub async fn rotate_key(key_id: i64, grace_secs: i64) -> Result<NewKey, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let (k, secret) =
        ccgate_core::access::keys::rotate(&state.db, &actor, key_id, grace_secs).await?;
    crate::ssr::apply(&state).await?;
    Ok(NewKey {
        key: k.into(),
        secret: secret.expose().clone(),
    })
}

#[server(endpoint = "perms/save", input = Json)]
pub async fn save_permissions(user_id: i64, granted: Vec<String>) -> Result<Vec<String>, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let wanted = granted
        .iter()
        .map(|d| ccgate_core::access::perms::parse(d))
        .collect::<Result<Vec<_>, _>>()?;
    let set = ccgate_core::access::perms::set(&state.db, &actor, user_id, &wanted).await?;
    crate::ssr::apply(&state).await?;
    Ok(set.into_iter().collect())
}

#[server(endpoint = "perms/copy")]
pub async fn copy_permissions(from_user: i64, to_user: i64) -> Result<Vec<String>, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let set = ccgate_core::access::perms::copy(&state.db, &actor, from_user, to_user).await?;
    crate::ssr::apply(&state).await?;
    Ok(set.into_iter().collect())
}

/// Module and method switches: `(setting name, on)` for every catalogue entry.
#[server(endpoint = "settings/modules")]
pub async fn module_switches() -> Result<Vec<(String, bool)>, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let values = ccgate_core::access::settings::effective(&state.db).await?;
    Ok(ccgate_core::access::settings::registry()
        .into_iter()
        .filter(|d| d.block == "modules")
        .map(|d| {
            let on = values.get(&d.name).map(|v| v == "true").unwrap_or(true);
            (d.name, on)
        })
        .collect())
}

#[server(endpoint = "settings/modules/save", input = Json)]
pub async fn save_module_switches(values: Vec<(String, bool)>) -> Result<usize, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let changes: Vec<(String, String)> = values
        .into_iter()
        .map(|(k, on)| (k, on.to_string()))
        .collect();
    let n = ccgate_core::access::settings::set_many(&state.db, &actor, &changes).await?;
    crate::ssr::apply(&state).await?;
    Ok(n)
}

#[server(endpoint = "settings/block")]
pub async fn settings_block(block: String) -> Result<Vec<SettingView>, AppError> {
    use ccgate_core::access::settings::{effective, registry};
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let values = effective(&state.db).await?;
    Ok(registry()
        .into_iter()
        .filter(|d| d.block == block)
        .map(|d| {
            let v = values.get(&d.name).cloned().unwrap_or_default();
            SettingView::new(d, v)
        })
        .collect())
}

/// Save settings; an empty value for a secret keeps the stored one.
#[server(endpoint = "settings/save", input = Json)]
pub async fn save_settings(values: Vec<(String, String)>) -> Result<usize, AppError> {
    use ccgate_core::access::settings::{def, Kind};
    let (state, actor) = crate::ssr::require_actor().await?;
    let mut changes = Vec::new();
    for (name, value) in values {
        let d = def(&name)?;
        if d.kind == Kind::Secret && value.is_empty() {
            continue;
        }
        changes.push((name, value));
    }
    let n = ccgate_core::access::settings::set_many(&state.db, &actor, &changes).await?;
    crate::ssr::apply(&state).await?;
    Ok(n)
}
