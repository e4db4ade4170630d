//! «Отчеты ЦОВ»: the call center's historical report server (`reports.demo_url`, login, password
//! write-only, timeout); «Проверить подключение» asks it with the saved settings.

use leptos::prelude::*;

use super::registry::{Check, RegistryBlock};
use crate::api::CheckReportsServer;

#[component]
pub fn ReportsBlock() -> impl IntoView {
    let check = Check::of(CheckReportsServer {});
    view! {
        <RegistryBlock
            block="reports"
            title=|s| s.rep_block_title
            hint=|s| s.rep_block_hint
            check
        />
    }
}
