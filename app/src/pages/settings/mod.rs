//! Settings, one block per file: «FreeSWITCH» (`freeswitch.rs`), «SMS» (`sms.rs`), «Онлайн
//! статистика ЦОВ» (`stats.rs`, its projects in `stats_projects.rs`), «Отчеты ЦОВ» (`reports.rs`), «База данных» (`database.rs`: the journal's retention, then what the database is) and «Модули» (`modules.rs`: switch
//! whole modules or single methods off for everyone). Blocks of plain settings are drawn from the
//! settings registry by `registry.rs` (also the settings of «База данных»).

mod database;
mod freeswitch;
mod modules;
mod registry;
mod reports;
mod sms;
mod stats;
mod stats_projects;

use leptos::prelude::*;

use crate::api::module_switches;
use crate::components::ErrorAlert;
use crate::i18n::use_strings;
use database::DatabaseBlock;
use freeswitch::FreeswitchBlock;
use modules::ModulesBlock;
use reports::ReportsBlock;
use sms::SmsBlock;
use stats::StatsBlock;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let s = use_strings();
    let data = Resource::new(|| (), |_| module_switches());
    view! {
        <h1>{move || s().settings_title}</h1>
        <p class="muted">{move || s().settings_intro}</p>
        <a class="back" href="/audit?action=setting." data-testid="settings-audit">{move || s().audit_settings_link}</a>
        <FreeswitchBlock />
        <SmsBlock />
        <StatsBlock />
        <ReportsBlock />
        <DatabaseBlock />
        <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(values) => view! { <ModulesBlock values /> }.into_any(),
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
                }
            })}
        </Transition>
    }
}
