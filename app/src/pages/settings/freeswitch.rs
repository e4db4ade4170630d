//! «FreeSWITCH»: server, ports, credentials (write-only), paths; «Проверить подключение».

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::{settings_block, CheckFreeswitch, SaveSettings, SettingView};
use crate::components::ErrorAlert;
use crate::i18n::{use_lang, use_strings};

/// The block, loaded from the `freeswitch` settings.
#[component]
pub fn FreeswitchBlock() -> impl IntoView {
    let s = use_strings();
    let data = Resource::new(|| (), |_| settings_block("freeswitch".into()));
    view! {
        <section class="card" data-testid="freeswitch-block">
            <h2>"FreeSWITCH"</h2>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(items) => view! { <SettingsForm items /> }.into_any(),
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}

#[component]
fn SettingsForm(items: Vec<SettingView>) -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let values: RwSignal<BTreeMap<String, String>> = RwSignal::new(
        items
            .iter()
            .map(|i| (i.name.clone(), i.value.clone()))
            .collect(),
    );
    let save = ServerAction::<SaveSettings>::new();
    let check = ServerAction::<CheckFreeswitch>::new();
    let fields = items
        .into_iter()
        .map(|it| {
            let name = it.name.clone();
            let n2 = name.clone();
            let title_ru = it.title_ru.clone();
            let title_en = it.title_en.clone();
            let label = move || lang.get().pick(&title_ru, &title_en).clone();
            let testid = format!("setting-{name}");
            let input = if !it.choices.is_empty() {
                let options = it
                    .choices
                    .iter()
                    .map(|c| view! { <option value=c.clone() selected=*c == it.value>{c.clone()}</option> })
                    .collect_view();
                view! {
                    <select data-testid=testid on:change=move |ev| values.update(|m| { m.insert(n2.clone(), event_target_value(&ev)); })>
                        {options}
                    </select>
                }
                .into_any()
            } else {
                let placeholder = if it.secret && it.is_set { "••••••••" } else { "" };
                view! {
                    <input
                        type=if it.secret { "password" } else { "text" }
                        autocomplete="off"
                        placeholder=placeholder
                        value=it.value.clone()
                        data-testid=testid
                        on:input=move |ev| values.update(|m| { m.insert(n2.clone(), event_target_value(&ev)); })
                    />
                }
                .into_any()
            };
            view! {
                <label>
                    <span>{label}</span>
                    {input}
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="form settings-grid">{fields}</div>
        <div class="form inline">
            <button
                class="primary"
                data-testid="save-freeswitch"
                disabled=move || save.pending().get()
                on:click=move |_| {
                    save.dispatch(SaveSettings { values: values.get_untracked().into_iter().collect() });
                }
            >
                {move || if save.pending().get() { s().saving } else { s().save }}
            </button>
            <button class="ghost" data-testid="check-freeswitch" disabled=move || check.pending().get() on:click=move |_| { check.dispatch(CheckFreeswitch {}); }>
                {move || s().fs_check}
            </button>
            <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                <span class="ok-text">{move || s().saved}</span>
            </Show>
        </div>
        {move || {
            check.value().get().map(|r| match r {
                Ok(c) if c.ok => view! { <div class="alert ok" data-testid="check-result">{c.message}</div> }.into_any(),
                Ok(c) => view! { <div class="alert error" data-testid="check-result">{c.message}</div> }.into_any(),
                Err(e) => view! { <ErrorAlert e /> }.into_any(),
            })
        }}
        {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
    }
}
