//! «Отчеты ЦОВ»: the call center's historical report server (`reports.demo_url`, login, password
//! write-only, timeout); «Проверить подключение» asks it with the saved settings.

use leptos::prelude::*;

use super::registry::{Check, RegistryBlock};
use crate::api::CheckReportsServer;

#[component]
pub fn ReportsBlock() -> impl IntoView {
    let check = ServerAction::<CheckReportsServer>::new();
    let check = Check {
        run: Callback::new(move |_| {
            check.dispatch(CheckReportsServer {});
        }),
        pending: check.pending().into(),
        value: check.value().into(),
    };
    view! {
        <RegistryBlock
            block="reports"
            title=|s| s.rep_block_title
            hint=|s| s.rep_block_hint
            check
        />
    }
}
