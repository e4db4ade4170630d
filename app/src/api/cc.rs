//! The contact center's settings block: the FreeSWITCH connection test (`ccgate_core::cc`).

use leptos::prelude::*;

use super::CheckResult;
use crate::error::AppError;

/// «Проверить подключение»: run `status` on FreeSWITCH with the saved settings.
#[server(endpoint = "settings/check_freeswitch")]
pub async fn check_freeswitch() -> Result<CheckResult, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let snap = state.live.current();
    let client = state.fs.client(&snap).await;
    Ok(match ccgate_core::cc::queues::check(&client).await {
        Ok(version) => CheckResult {
            ok: true,
            message: version,
        },
        Err(e) => CheckResult {
            ok: false,
            message: e.to_string(),
        },
    })
}
