//! Settings. Block «Модули»: switch whole modules or single methods off for everyone.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::{
    module_switches, settings_block, sms_gateways, ActivateSmsGateway, CheckFreeswitch,
    DeleteSmsGateway, SaveModuleSwitches, SaveSettings, SaveSmsGateway, SettingView,
    SmsGatewayDefaults, SmsGatewayRow, TestSmsGateway,
};
use crate::i18n::{sms_text, use_lang, use_strings, Lang, SmsText};
use crate::pages::error_text;

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

/// «FreeSWITCH»: server, ports, credentials (write-only), paths; «Проверить подключение».
#[component]
fn FreeswitchBlock() -> impl IntoView {
    let s = use_strings();
    let data = Resource::new(|| (), |_| settings_block("freeswitch".into()));
    view! {
        <section class="card" data-testid="freeswitch-block">
            <h2>"FreeSWITCH"</h2>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(items) => view! { <SettingsForm items /> }.into_any(),
                        Err(e) => view! { <div class="alert error">{error_text(s(), &e)}</div> }.into_any(),
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
            let label = move || if lang.get() == Lang::En { title_en.clone() } else { title_ru.clone() };
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
                {move || if lang.get() == Lang::En { "Test connection" } else { "Проверить подключение" }}
            </button>
            <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                <span class="ok-text">{move || s().saved}</span>
            </Show>
        </div>
        {move || {
            check.value().get().map(|r| match r {
                Ok(c) if c.ok => view! { <div class="alert ok" data-testid="check-result">{c.message}</div> }.into_any(),
                Ok(c) => view! { <div class="alert error" data-testid="check-result">{c.message}</div> }.into_any(),
                Err(e) => view! { <div class="alert error">{error_text(s(), &e)}</div> }.into_any(),
            })
        }}
        {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <div class="alert error">{error_text(s(), &e)}</div> })}
    }
}

/// «SMS»: the gateways, «+ настройка» to add one, make active, test (balance), edit, remove.
#[component]
fn SmsBlock() -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let t = move |x: SmsText| sms_text(lang.get(), x);
    let save = ServerAction::<SaveSmsGateway>::new();
    let activate = ServerAction::<ActivateSmsGateway>::new();
    let delete = ServerAction::<DeleteSmsGateway>::new();
    let test = ServerAction::<TestSmsGateway>::new();
    let defaults = ServerAction::<SmsGatewayDefaults>::new();
    let data = Resource::new(
        move || {
            (
                save.version().get(),
                activate.version().get(),
                delete.version().get(),
            )
        },
        |_| sms_gateways(),
    );
    // The open form: None = closed, Some((id, values)).
    let editing: RwSignal<Option<(Option<i64>, BTreeMap<String, String>)>> = RwSignal::new(None);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            editing.set(None);
        }
    });
    let open = move |id: Option<i64>, values: Vec<(String, String)>| {
        editing.set(Some((id, values.into_iter().collect())));
    };
    // «+ настройка» opens the form with the server's defaults of a new gateway.
    Effect::new(move |_| {
        if let Some(Ok(values)) = defaults.value().get() {
            open(None, values);
        }
    });
    view! {
        <section class="card" data-testid="sms-block">
            <h2>{move || t(SmsText::Title)}</h2>
            <p class="muted">{move || t(SmsText::Hint)}</p>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="sms-none">{move || t(SmsText::None)}</p> }.into_any(),
                        Ok(rows) => {
                            let items = rows
                                .into_iter()
                                .map(|g: SmsGatewayRow| {
                                    let id = g.id;
                                    let values = g.values();
                                    let state = if g.active {
                                        SmsText::Active
                                    } else if g.enabled {
                                        SmsText::Failover
                                    } else {
                                        SmsText::Disabled
                                    };
                                    let active = g.active;
                                    view! {
                                        <tr data-testid=format!("sms-gateway-{}", g.name)>
                                            <td><strong>{g.name.clone()}</strong></td>
                                            <td class="mono">{g.kind.clone()}</td>
                                            <td class="mono">{g.url.clone()}</td>
                                            <td>{g.sender.clone()}</td>
                                            <td>{g.rate_limit}</td>
                                            <td>{g.priority}</td>
                                            <td data-testid="sms-state">{move || t(state)}</td>
                                            <td class="actions">
                                                <Show when=move || !active>
                                                    <button class="ghost" data-testid="sms-activate" on:click=move |_| { activate.dispatch(ActivateSmsGateway { id }); }>
                                                        {move || t(SmsText::Activate)}
                                                    </button>
                                                </Show>
                                                <button class="ghost" data-testid="sms-test" on:click=move |_| { test.dispatch(TestSmsGateway { id }); }>
                                                    {move || t(SmsText::Test)}
                                                </button>
                                                <button class="ghost" data-testid="sms-edit" on:click={
                                                    let values = values.clone();
                                                    move |_| open(Some(id), values.clone())
                                                }>
                                                    {move || t(SmsText::Edit)}
                                                </button>
                                                <button class="ghost danger" data-testid="sms-delete" on:click=move |_| { delete.dispatch(DeleteSmsGateway { id }); }>
                                                    {move || t(SmsText::Delete)}
                                                </button>
                                            </td>
                                        </tr>
                                        <tr class="muted">
                                            <td colspan="8" class="mono">{move || t(SmsText::Callback)}": "{g.callback_path.clone()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <table class="grid">
                                    <thead>
                                        <tr>
                                            <th>{move || t(SmsText::FieldName)}</th>
                                            <th>{move || t(SmsText::FieldKind)}</th>
                                            <th>{move || t(SmsText::FieldUrl)}</th>
                                            <th>{move || t(SmsText::FieldSender)}</th>
                                            <th>{move || t(SmsText::FieldRate)}</th>
                                            <th>{move || t(SmsText::FieldPriority)}</th>
                                            <th></th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>{items}</tbody>
                                </table>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <div class="alert error">{error_text(s(), &e)}</div> }.into_any(),
                    }
                })}
            </Transition>
            {move || {
                test.value().get().map(|r| match r {
                    Ok(c) if c.ok => view! { <div class="alert ok" data-testid="sms-test-result">{c.message}</div> }.into_any(),
                    Ok(c) => view! { <div class="alert error" data-testid="sms-test-result">{c.message}</div> }.into_any(),
                    Err(e) => view! { <div class="alert error">{error_text(s(), &e)}</div> }.into_any(),
                })
            }}
            {move || {
                activate.value().get().and_then(|r| r.err())
                    .or_else(|| delete.value().get().and_then(|r| r.err()))
                    .or_else(|| defaults.value().get().and_then(|r| r.err()))
                    .map(|e| view! { <div class="alert error">{error_text(s(), &e)}</div> })
            }}
            <div class="form inline">
                <button class="primary" data-testid="sms-add" on:click=move |_| { defaults.dispatch(SmsGatewayDefaults {}); }>
                    {move || t(SmsText::Add)}
                </button>
            </div>
            {move || editing.get().map(|(id, values)| view! { <SmsGatewayForm id values editing save /> })}
        </section>
    }
}

#[component]
fn SmsGatewayForm(
    id: Option<i64>,
    values: BTreeMap<String, String>,
    editing: RwSignal<Option<(Option<i64>, BTreeMap<String, String>)>>,
    save: ServerAction<SaveSmsGateway>,
) -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let t = move |x: SmsText| sms_text(lang.get(), x);
    let form = RwSignal::new(values.clone());
    let fields = crate::api::SMS_FIELDS
        .iter()
        .map(|name| {
            let name = name.to_string();
            let label = match name.as_str() {
                "name" => SmsText::FieldName,
                "kind" => SmsText::FieldKind,
                "url" => SmsText::FieldUrl,
                "reserve_url" => SmsText::FieldReserveUrl,
                "sender" => SmsText::FieldSender,
                "login" => SmsText::FieldLogin,
                "password" => SmsText::FieldPassword,
                "rate_limit" => SmsText::FieldRate,
                "max_parts" => SmsText::FieldMaxParts,
                "timeout_ms" => SmsText::FieldTimeout,
                "priority" => SmsText::FieldPriority,
                _ => SmsText::FieldEnabled,
            };
            let value = values.get(&name).cloned().unwrap_or_default();
            let testid = format!("sms-field-{name}");
            let n2 = name.clone();
            let input = match name.as_str() {
                "kind" => view! {
                    <select data-testid=testid on:change=move |ev| form.update(|m| { m.insert(n2.clone(), event_target_value(&ev)); })>
                        <option value="smstraffic" selected=value == "smstraffic">"SMS Traffic (HTTP)"</option>
                        <option value="smsc" selected=value == "smsc">"SMSC.ru (HTTP)"</option>
                        <option value="smpp" selected=value == "smpp">"SMPP 3.4"</option>
                    </select>
                }
                .into_any(),
                "enabled" => view! {
                    <input type="checkbox" checked=value != "false" data-testid=testid
                        on:change=move |ev| form.update(|m| { m.insert(n2.clone(), event_target_checked(&ev).to_string()); }) />
                }
                .into_any(),
                "password" => view! {
                    <input type="password" autocomplete="new-password" data-testid=testid
                        placeholder=if id.is_some() { "••••••••" } else { "" }
                        on:input=move |ev| form.update(|m| { m.insert(n2.clone(), event_target_value(&ev)); }) />
                }
                .into_any(),
                _ => view! {
                    <input type="text" autocomplete="off" value=value data-testid=testid
                        on:input=move |ev| form.update(|m| { m.insert(n2.clone(), event_target_value(&ev)); }) />
                }
                .into_any(),
            };
            view! {
                <label>
                    <span>{move || t(label)}</span>
                    {input}
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="form settings-grid" data-testid="sms-form">{fields}</div>
        {move || {
            (form.with(|m| m.get("kind").map(String::as_str) == Some("smpp")))
                .then(|| view! { <p class="hint" data-testid="sms-smpp-hint">{t(SmsText::SmppHint)}</p> })
        }}
        <div class="form inline">
            <button
                class="primary"
                data-testid="sms-save"
                disabled=move || save.pending().get()
                on:click=move |_| {
                    save.dispatch(SaveSmsGateway { id, values: form.get_untracked().into_iter().collect() });
                }
            >
                {move || if save.pending().get() { s().saving } else { s().save }}
            </button>
            <button class="ghost" data-testid="sms-cancel" on:click=move |_| editing.set(None)>{move || s().cancel}</button>
        </div>
        {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <div class="alert error" data-testid="sms-form-error">{error_text(s(), &e)}</div> })}
    }
}
