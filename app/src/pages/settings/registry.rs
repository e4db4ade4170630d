//! A settings block drawn from the settings registry (`settings_block`): one field per definition
//! (a choice as a select, a secret as a write-only password field showing only whether one is
//! set), «Сохранить», and the block's «Проверить подключение». Used by «FreeSWITCH»,
//! «Онлайн статистика ЦОВ», «Отчеты ЦОВ» and «База данных».

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::{settings_block, CheckResult, SaveSettings, SettingView};
use crate::components::ErrorAlert;
use crate::error::AppError;
use crate::i18n::{use_lang, use_strings, Strings};

/// A block's «Проверить подключение»: start it, whether it runs, what it said.
#[derive(Clone, Copy)]
pub struct Check {
    pub run: Callback<()>,
    pub pending: Signal<bool>,
    pub value: Signal<Option<Result<CheckResult, AppError>>>,
}

impl Check {
    /// The check behind the server function `S`, called with `input` (the checks take no
    /// arguments: `Check::of(CheckFreeswitch {})`).
    pub fn of<S>(input: S) -> Check
    where
        S: leptos::server_fn::ServerFn<Output = CheckResult, Error = AppError>
            + Send
            + Sync
            + Clone
            + 'static,
    {
        let action = ServerAction::<S>::new();
        Check {
            run: Callback::new(move |_| {
                action.dispatch(input.clone());
            }),
            pending: action.pending().into(),
            value: action.value().into(),
        }
    }
}

/// The block `block` of the registry, titled and explained in the page's language.
#[component]
pub fn RegistryBlock(
    block: &'static str,
    title: fn(&Strings) -> &'static str,
    #[prop(optional)] hint: Option<fn(&Strings) -> &'static str>,
    check: Check,
    /// More of the block below its settings (the statistics projects).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let s = use_strings();
    let data = Resource::new(move || (), move |_| settings_block(block.into()));
    view! {
        <section class="card" data-testid=format!("{block}-block")>
            <h2>{move || title(s())}</h2>
            {hint.map(|h| view! { <p class="muted">{move || h(s())}</p> })}
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(items) => view! { <SettingsForm block items check /> }.into_any(),
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                    }
                })}
            </Transition>
            {children.map(|c| c())}
        </section>
    }
}

#[component]
fn SettingsForm(block: &'static str, items: Vec<SettingView>, check: Check) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let lang = use_lang();
    let values: RwSignal<BTreeMap<String, String>> = RwSignal::new(
        items
            .iter()
            .map(|i| (i.name.clone(), i.value.clone()))
            .collect(),
    );
    let save = ServerAction::<SaveSettings>::new();
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
                data-testid=format!("save-{block}")
                disabled=move || ro.get() || save.pending().get()
                on:click=move |_| {
                    save.dispatch(SaveSettings { values: values.get_untracked().into_iter().collect() });
                }
            >
                {move || if save.pending().get() { s().saving } else { s().save }}
            </button>
            <button class="ghost" data-testid=format!("check-{block}") disabled=move || check.pending.get() on:click=move |_| check.run.run(())>
                {move || s().fs_check}
            </button>
            <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                <span class="ok-text">{move || s().saved}</span>
            </Show>
        </div>
        {move || {
            check.value.get().map(|r| match r {
                Ok(c) if c.ok => view! { <div class="alert ok" data-testid="check-result">{c.message}</div> }.into_any(),
                Ok(c) => view! { <div class="alert error" data-testid="check-result">{c.message}</div> }.into_any(),
                Err(e) => view! { <ErrorAlert e /> }.into_any(),
            })
        }}
        {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
    }
}
