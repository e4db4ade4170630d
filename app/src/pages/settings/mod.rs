//! Settings, one block per file: «FreeSWITCH» (`freeswitch.rs`), «SMS» (`sms.rs`) and «Модули»
//! (`modules.rs`: switch whole modules or single methods off for everyone).

mod freeswitch;
mod modules;
mod sms;

use leptos::prelude::*;

use crate::api::module_switches;
use crate::components::ErrorAlert;
use crate::i18n::use_strings;
use freeswitch::FreeswitchBlock;
use modules::ModulesBlock;
use sms::SmsBlock;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let s = use_strings();
    let data = Resource::new(|| (), |_| module_switches());
    view! {
        <h1>{move || s().settings_title}</h1>
        <p class="muted">{move || s().settings_intro}</p>
        <FreeswitchBlock />
        <SmsBlock />
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
