//! Settings → «SMS»: the SMS gateways (add, edit, make active, remove, test).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::CheckResult;
use crate::error::AppError;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SmsGatewayRow {
    pub id: i64,
    pub name: String,
    pub kind: String,
    pub url: String,
    pub reserve_url: String,
    pub sender: String,
    pub login: String,
    pub has_password: bool,
    pub rate_limit: i64,
    pub max_parts: i64,
    pub timeout_ms: i64,
    pub priority: i64,
    /// A PEM file of CA certificates trusted besides the system's store (empty: none).
    pub ca_file: String,
    pub active: bool,
    pub enabled: bool,
    /// Delivery-report URL path to give the provider (carries the secret token).
    pub callback_path: String,
}

/// The form's fields in the order shown; `password` is write-only (empty keeps the stored one).
pub const SMS_FIELDS: &[&str] = &[
    "name",
    "kind",
    "url",
    "reserve_url",
    "sender",
    "login",
    "password",
    "rate_limit",
    "max_parts",
    "timeout_ms",
    "priority",
    "ca_file",
    "enabled",
];

impl SmsGatewayRow {
    /// The row as form values (password empty).
    pub fn values(&self) -> Vec<(String, String)> {
        vec![
            ("name".into(), self.name.clone()),
            ("kind".into(), self.kind.clone()),
            ("url".into(), self.url.clone()),
            ("reserve_url".into(), self.reserve_url.clone()),
            ("sender".into(), self.sender.clone()),
            ("login".into(), self.login.clone()),
            ("password".into(), String::new()),
            ("rate_limit".into(), self.rate_limit.to_string()),
            ("max_parts".into(), self.max_parts.to_string()),
            ("timeout_ms".into(), self.timeout_ms.to_string()),
            ("priority".into(), self.priority.to_string()),
            ("ca_file".into(), self.ca_file.clone()),
            ("enabled".into(), self.enabled.to_string()),
        ]
    }
}

/// A gateway input as form values, in [`SMS_FIELDS`] order (password empty).
#[cfg(feature = "ssr")]
fn form_values(i: &ccgate_core::sms::gateways::GatewayInput) -> Vec<(String, String)> {
    vec![
        ("name".into(), i.name.clone()),
        ("kind".into(), i.kind.clone()),
        ("url".into(), i.url.clone()),
        ("reserve_url".into(), i.reserve_url.clone()),
        ("sender".into(), i.sender.clone()),
        ("login".into(), i.login.clone()),
        ("password".into(), String::new()),
        ("rate_limit".into(), i.rate_limit.to_string()),
        ("max_parts".into(), i.max_parts.to_string()),
        ("timeout_ms".into(), i.timeout_ms.to_string()),
        ("priority".into(), i.priority.to_string()),
        ("ca_file".into(), i.ca_file.clone()),
        ("enabled".into(), i.enabled.to_string()),
    ]
}

#[cfg(feature = "ssr")]
impl From<ccgate_core::sms::gateways::Gateway> for SmsGatewayRow {
    fn from(g: ccgate_core::sms::gateways::Gateway) -> Self {
        SmsGatewayRow {
            has_password: g.has_password(),
            callback_path: g.callback_path(),
            id: g.id,
            name: g.name,
            kind: g.kind.as_str().to_string(),
            url: g.url,
            reserve_url: g.reserve_url,
            sender: g.sender,
            login: g.login,
            rate_limit: g.rate_limit,
            max_parts: g.max_parts,
            timeout_ms: g.timeout_ms,
            priority: g.priority,
            ca_file: g.ca_file,
            active: g.active,
            enabled: g.enabled,
        }
    }
}

/// The form's values as the service's input; the service validates them further.
#[cfg(feature = "ssr")]
fn input(
    values: Vec<(String, String)>,
) -> Result<ccgate_core::sms::gateways::GatewayInput, ccgate_core::platform::error::ServiceError> {
    use ccgate_core::platform::error::ServiceError;
    if let Some((k, _)) = values
        .iter()
        .find(|(k, _)| !SMS_FIELDS.contains(&k.as_str()))
    {
        return Err(ServiceError::invalid(
            "values",
            format!("unknown field `{k}`"),
        ));
    }
    let get = |k: &str| {
        values
            .iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    let num = |k: &'static str| {
        get(k)
            .parse::<i64>()
            .map_err(|_| ServiceError::invalid(k, "expected a whole number"))
    };
    let password = values
        .iter()
        .find(|(n, _)| n == "password")
        .map(|(_, v)| v.clone())
        .filter(|p| !p.is_empty());
    Ok(ccgate_core::sms::gateways::GatewayInput {
        name: get("name"),
        kind: get("kind"),
        url: get("url"),
        reserve_url: get("reserve_url"),
        sender: get("sender"),
        login: get("login"),
        password,
        rate_limit: num("rate_limit")?,
        max_parts: num("max_parts")?,
        timeout_ms: num("timeout_ms")?,
        priority: num("priority")?,
        enabled: get("enabled") != "false",
        ca_file: get("ca_file"),
    })
}

#[server(endpoint = "sms/gateways")]
pub async fn sms_gateways() -> Result<Vec<SmsGatewayRow>, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    Ok(ccgate_core::sms::gateways::list(&state.db)
        .await?
        .into_iter()
        .map(SmsGatewayRow::from)
        .collect())
}

/// The form of a new gateway: the defaults core declares once (the CLI starts from the same).
#[server(endpoint = "sms/gateways/defaults")]
pub async fn sms_gateway_defaults() -> Result<Vec<(String, String)>, AppError> {
    crate::ssr::require_admin().await?;
    Ok(form_values(
        &ccgate_core::sms::gateways::GatewayInput::default(),
    ))
}

/// Add (`id` none) or change a gateway; the next message uses the change.
#[server(endpoint = "sms/gateways/save", input = Json)]
pub async fn save_sms_gateway(
    id: Option<i64>,
    values: Vec<(String, String)>,
) -> Result<SmsGatewayRow, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let input = input(values)?;
    let g = match id {
        None => ccgate_core::sms::gateways::create(&state.db, &actor, &input).await?,
        Some(id) => ccgate_core::sms::gateways::update(&state.db, &actor, id, &input).await?,
    };
    Ok(g.into())
}

#[server(endpoint = "sms/gateways/activate")]
pub async fn activate_sms_gateway(id: i64) -> Result<SmsGatewayRow, AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    let g = ccgate_core::sms::gateways::activate(&state.db, &actor, id).await?;
    Ok(g.into())
}

#[server(endpoint = "sms/gateways/delete")]
pub async fn delete_sms_gateway(id: i64) -> Result<(), AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    ccgate_core::sms::gateways::delete(&state.db, &actor, id).await?;
    Ok(())
}

/// «Проверить»: a balance query with the stored credentials.
#[server(endpoint = "sms/gateways/test")]
pub async fn test_sms_gateway(id: i64) -> Result<CheckResult, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let g = ccgate_core::sms::gateways::get(&state.db, id).await?;
    Ok(
        match ccgate_core::sms::service::test_gateway(&state.sms, &g).await {
            Ok(balance) => CheckResult {
                ok: true,
                message: format!("OK: {balance}"),
            },
            Err(e) => CheckResult {
                ok: false,
                message: format!("{}: {}", e.code, e.message),
            },
        },
    )
}
