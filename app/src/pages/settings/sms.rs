//! «SMS»: the gateways, «+ настройка» to add one, make active, test (balance), edit, remove.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::{
    sms_gateways, ActivateSmsGateway, DeleteSmsGateway, SaveSmsGateway, SmsGatewayDefaults,
    SmsGatewayRow, TestSmsGateway, SMS_FIELDS,
};
use crate::components::{error_text, ErrorAlert};
use crate::i18n::{use_strings, Strings};

/// The block: the gateway table, its actions and the open form.
#[component]
pub fn SmsBlock() -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
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
            <h2>{move || s().sms_title}</h2>
            <p class="muted">{move || s().sms_hint}</p>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(rows) if rows.is_empty() => view! { <p class="muted" data-testid="sms-none">{move || s().sms_none}</p> }.into_any(),
                        Ok(rows) => {
                            let items = rows
                                .into_iter()
                                .map(|g: SmsGatewayRow| {
                                    let id = g.id;
                                    let values = g.values();
                                    let state: fn(&Strings) -> &'static str = if g.active {
                                        |s| s.sms_active
                                    } else if g.enabled {
                                        |s| s.sms_failover
                                    } else {
                                        |s| s.sms_disabled
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
                                            <td data-testid="sms-state">{move || state(s())}</td>
                                            <td class="actions">
                                                <Show when=move || !active>
                                                    <button class="ghost" data-testid="sms-activate" disabled=move || ro.get() on:click=move |_| { activate.dispatch(ActivateSmsGateway { id }); }>
                                                        {move || s().sms_activate}
                                                    </button>
                                                </Show>
                                                <button class="ghost" data-testid="sms-test" on:click=move |_| { test.dispatch(TestSmsGateway { id }); }>
                                                    {move || s().sms_test}
                                                </button>
                                                <button class="ghost" data-testid="sms-edit" disabled=move || ro.get() on:click={
                                                    let values = values.clone();
                                                    move |_| open(Some(id), values.clone())
                                                }>
                                                    {move || s().sms_edit}
                                                </button>
                                                <button class="ghost danger" data-testid="sms-delete" disabled=move || ro.get() on:click=move |_| { delete.dispatch(DeleteSmsGateway { id }); }>
                                                    {move || s().sms_delete}
                                                </button>
                                            </td>
                                        </tr>
                                        <tr class="muted">
                                            <td colspan="8" class="mono">{move || s().sms_callback}": "{g.callback_path.clone()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <table class="grid">
                                    <thead>
                                        <tr>
                                            <th>{move || s().sms_field_name}</th>
                                            <th>{move || s().sms_field_kind}</th>
                                            <th>{move || s().sms_field_url}</th>
                                            <th>{move || s().sms_field_sender}</th>
                                            <th>{move || s().sms_field_rate}</th>
                                            <th>{move || s().sms_field_priority}</th>
                                            <th></th>
                                            <th></th>
                                        </tr>
                                    </thead>
                                    <tbody>{items}</tbody>
                                </table>
                            }
                            .into_any()
                        }
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                    }
                })}
            </Transition>
            {move || {
                test.value().get().map(|r| match r {
                    Ok(c) if c.ok => view! { <div class="alert ok" data-testid="sms-test-result">{c.message}</div> }.into_any(),
                    Ok(c) => view! { <div class="alert error" data-testid="sms-test-result">{c.message}</div> }.into_any(),
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
                })
            }}
            {move || {
                activate.value().get().and_then(|r| r.err())
                    .or_else(|| delete.value().get().and_then(|r| r.err()))
                    .or_else(|| defaults.value().get().and_then(|r| r.err()))
                    .map(|e| view! { <ErrorAlert e /> })
            }}
            <div class="form inline">
                <button class="primary" data-testid="sms-add" disabled=move || ro.get() on:click=move |_| { defaults.dispatch(SmsGatewayDefaults {}); }>
                    {move || s().sms_add}
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
    let ro = crate::components::use_read_only();
    let form = RwSignal::new(values.clone());
    let fields = SMS_FIELDS
        .iter()
        .map(|name| {
            let name = name.to_string();
            let label: fn(&Strings) -> &'static str = match name.as_str() {
                "name" => |s: &Strings| s.sms_field_name,
                "kind" => |s: &Strings| s.sms_field_kind,
                "url" => |s: &Strings| s.sms_field_url,
                "reserve_url" => |s: &Strings| s.sms_field_reserve_url,
                "sender" => |s: &Strings| s.sms_field_sender,
                "login" => |s: &Strings| s.sms_field_login,
                "password" => |s: &Strings| s.sms_field_password,
                "rate_limit" => |s: &Strings| s.sms_field_rate,
                "max_parts" => |s: &Strings| s.sms_field_max_parts,
                "timeout_ms" => |s: &Strings| s.sms_field_timeout,
                "priority" => |s: &Strings| s.sms_field_priority,
                "ca_file" => |s: &Strings| s.sms_field_ca_file,
                _ => |s: &Strings| s.sms_field_enabled,
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
                "ca_file" => view! {
                    <input type="text" autocomplete="off" value=value data-testid=testid
                        placeholder="/etc/ssl/private-ca/provider.pem"
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
                    <span>{move || label(s())}</span>
                    {input}
                </label>
            }
        })
        .collect_view();
    view! {
        <div class="form settings-grid" data-testid="sms-form">{fields}</div>
        {move || {
            (form.with(|m| m.get("kind").map(String::as_str) == Some("smpp")))
                .then(|| view! { <p class="hint" data-testid="sms-smpp-hint">{s().sms_smpp_hint}</p> })
        }}
        <div class="form inline">
            <button
                class="primary"
                data-testid="sms-save"
                disabled=move || ro.get() || save.pending().get()
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
