//! The online statistics' settings block: «Проверить подключение» asks the configured source
//! (`ccgate_core::stats`) for `stats.all`, as an integrator would.

use leptos::prelude::*;

use super::CheckResult;
use crate::error::AppError;

/// «Проверить подключение»: `stats.all` from the source of Settings → «Онлайн статистика ЦОВ»
/// (built in: FreeSWITCH's mod_callcenter and the CDR index; external: the statistics server).
#[server(endpoint = "settings/check_stats")]
pub async fn check_stats_source() -> Result<CheckResult, AppError> {
    use ccgate_core::platform::error::PublicError;
    use ccgate_core::stats::service::{all, Request};
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let req = Request {
        from: None,
        until: None,
    };
    Ok(match all(&state, &req).await {
        Ok(v) => CheckResult {
            ok: true,
            message: match v["source"].as_str() {
                Some("external") => "external: the statistics server answered".to_string(),
                _ => format!(
                    "builtin: {} project(s) over {} queue(s)",
                    v["total"],
                    v["overall"]["queues"].as_array().map_or(0, Vec::len)
                ),
            },
        },
        Err(e) => CheckResult {
            ok: false,
            message: format!("{}: {}", e.code().as_str(), e.public_message()),
        },
    })
}
