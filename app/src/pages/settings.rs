//! Settings. Block «Модули»: switch whole modules or single methods off for everyone.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::{module_switches, SaveModuleSwitches};
use crate::i18n::{use_lang, use_strings, Lang};
use crate::pages::error_text;

#[component]
pub fn SettingsPage() -> impl IntoView {
    let s = use_strings();
    let data = Resource::new(|| (), |_| module_switches());
    view! {
        <h1>{move || s().settings_title}</h1>
        <p class="muted">{move || s().settings_intro}</p>
        <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(values) => view! { <ModulesBlock values /> }.into_any(),
                    Err(e) => view! { <div class="alert error">{error_text(s(), &e)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn ModulesBlock(values: Vec<(String, bool)>) -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let initial: BTreeMap<String, bool> = values.into_iter().collect();
    let state = RwSignal::new(initial.clone());
    let save = ServerAction::<SaveModuleSwitches>::new();
    let switch = move |key: String, label: AnyView, testid: String, class: &'static str| {
        let k2 = key.clone();
        let init = initial.get(&key).copied().unwrap_or(true);
        view! {
            <label class=format!("check {class}")>
                <input
                    type="checkbox"
                    checked=init
                    prop:checked=move || state.with(|m| m.get(&key).copied().unwrap_or(true))
                    data-testid=testid
                    on:change=move |ev| {
                        let on = event_target_checked(&ev);
                        state.update(|m| {
                            m.insert(k2.clone(), on);
                        });
                    }
                />
                {label}
            </label>
        }
    };
    let blocks = ccgate_catalogue::MODULES
        .iter()
        .map(|m| {
            let mkey = format!("modules.{}.enabled", m.name);
            let mkey2 = mkey.clone();
            let module_on = move || state.with(|st| st.get(&mkey2).copied().unwrap_or(true));
            let title = view! {
                <strong>{move || if lang.get() == Lang::En { m.title_en } else { m.title_ru }}</strong>
                <span class="mono muted">{m.name}</span>
            }
            .into_any();
            let head = switch(mkey, title, format!("switch-module-{}", m.name), "module");
            let methods = m
                .methods
                .iter()
                .map(|x| {
                    let label = view! {
                        <span class="mono">{x.name}</span>
                        <span class="muted">{move || if lang.get() == Lang::En { x.title_en } else { x.title_ru }}</span>
                    }
                    .into_any();
                    switch(
                        format!("methods.{}.{}.enabled", m.name, x.name),
                        label,
                        format!("switch-{}.{}", m.name, x.name),
                        "",
                    )
                })
                .collect_view();
            view! {
                <div class="perm-module" class:off=move || !module_on()>
                    {head}
                    <div class="perm-methods">{methods}</div>
                </div>
            }
        })
        .collect_view();
    view! {
        <section class="card" data-testid="modules-block">
            <h2>{move || s().modules_title}</h2>
            <p class="muted">{move || s().modules_hint}</p>
            <div class="perm-tree">{blocks}</div>
            <div class="form inline">
                <button
                    class="primary"
                    data-testid="save-modules"
                    disabled=move || save.pending().get()
                    on:click=move |_| {
                        save.dispatch(SaveModuleSwitches {
                            values: state.get_untracked().into_iter().collect(),
                        });
                    }
                >
                    {move || if save.pending().get() { s().saving } else { s().save }}
                </button>
                <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                    <span class="ok-text" data-testid="modules-saved">{move || s().saved}</span>
                </Show>
            </div>
            {move || {
                save.value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| view! { <div class="alert error">{error_text(s(), &e)}</div> })
            }}
        </section>
    }
}
