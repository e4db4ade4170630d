//! «Онлайн статистика ЦОВ»: the source of `stats.get` / `stats.all` (built in or the call
//! center's statistics server: URL, timeout, cache); «Проверить подключение» asks that source;
//! below, the projects (`stats_projects.rs`).

use leptos::prelude::*;

use super::registry::{Check, RegistryBlock};
use super::stats_projects::StatsProjects;
use crate::api::CheckStatsSource;

#[component]
pub fn StatsBlock() -> impl IntoView {
    let check = Check::of(CheckStatsSource {});
    view! {
        <RegistryBlock
            block="stats"
            title=|s| s.stats_block_title
            hint=|s| s.stats_block_hint
            check
        >
            <StatsProjects />
        </RegistryBlock>
    }
}
