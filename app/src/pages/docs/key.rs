//! «Что может этот ключ»: pick an API user and see, method by method, whether a call with one of
//! its keys runs today or which error it gets and what to change. The verdicts come from the same
//! live snapshot and checks as the REST pipeline (`ccgate_core::access::explain`).

use ccgate_catalogue::errors::ErrorCode;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::errors::error_doc;
use crate::api::docs::{key_access, UserAccess};
use crate::api::list_users;
use crate::components::error_text;
use crate::i18n::{use_lang, use_strings, Strings};
use crate::pages::users::status_text;
use crate::time::use_time;

/// What to change for a refusal.
fn remedy(s: &Strings, code: &str) -> &'static str {
    match code {
        "user_blocked" => s.key_why_blocked,
        "method_disabled" => s.key_why_disabled,
        _ => s.key_why_denied,
    }
}

#[component]
pub fn KeyAccessPage() -> impl IntoView {
    let s = use_strings();
    let q = use_query_map();
    let initial = q
        .read_untracked()
        .get("user")
        .and_then(|v| v.parse::<i64>().ok());
    let picked = RwSignal::new(initial);
    let users = Resource::new(
        || (),
        |_| list_users(None, String::new(), String::new(), String::new(), 1000, 0),
    );
    let access = Resource::new(
        move || picked.get(),
        |id| async move {
            match id {
                Some(id) => key_access(id).await.map(Some),
                None => Ok(None),
            }
        },
    );
    view! {
        <h1>{move || s().key_title}</h1>
        <p class="muted">{move || s().docs_key_about}</p>
        <section class="card">
            <label class="field">
                <span>{move || s().key_user}</span>
                <Transition fallback=|| ()>
                    <select
                        data-testid="key-user"
                        on:change=move |ev| picked.set(event_target_value(&ev).parse().ok())
                    >
                        <option value="">{move || s().key_pick}</option>
                        {move || {
                            users
                                .get()
                                .and_then(|r| r.ok())
                                .map(|page| {
                                    page.items
                                        .into_iter()
                                        .map(|u| {
                                            let selected = Some(u.id) == picked.get_untracked();
                                            view! {
                                                <option value=u.id.to_string() selected=selected>
                                                    {u.login}
                                                </option>
                                            }
                                        })
                                        .collect_view()
                                })
                        }}
                    </select>
                </Transition>
            </label>
        </section>
        <Transition fallback=move || view! { <p class="muted">{s().docs_loading}</p> }>
            {move || {
                access
                    .get()
                    .map(|r| match r {
                        Ok(Some(a)) => view! { <AccessView access=a /> }.into_any(),
                        Ok(None) => ().into_any(),
                        Err(e) => view! { <p class="error">{error_text(&s(), &e)}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn AccessView(access: UserAccess) -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let time = use_time();
    let total = access.methods.len();
    let allowed = access
        .methods
        .iter()
        .filter(|m| m.refusal.is_none())
        .count();
    let active_keys: Vec<_> = access
        .keys
        .iter()
        .filter(|k| k.state == "active")
        .cloned()
        .collect();
    let status = access.status.clone();
    let ip_allow = access.ip_allow.clone();
    let limits = access.limits.clone();
    let keys = if active_keys.is_empty() {
        view! { <p class="warning" data-testid="key-no-keys">{move || s().key_no_keys}</p> }
            .into_any()
    } else {
        let rows = active_keys
            .into_iter()
            .map(|k| {
                let expires = k.expires;
                view! {
                    <tr>
                        <td>{k.name}</td>
                        <td class="mono">{format!("{}…", k.prefix)}</td>
                        <td class="time">
                            {move || expires.map(time).unwrap_or_default()}
                        </td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="table">
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let rows = access
        .methods
        .into_iter()
        .map(|m| {
            let name = format!("{}.{}", m.module, m.method);
            let label = name.clone();
            let refusal = m.refusal.clone();
            let denied = refusal.is_some();
            let code = refusal
                .as_deref()
                .and_then(|r| ErrorCode::ALL.iter().copied().find(|c| c.as_str() == r));
            view! {
                <tr data-testid="key-method" data-method=name class:denied=denied>
                    <td class="mono">{label}</td>
                    {match refusal {
                        None => view! {
                            <td class="ok">{move || s().key_allowed}</td>
                            <td></td>
                        }
                        .into_any(),
                        Some(r) => {
                            let status = code.map(|c| c.status()).unwrap_or(403);
                            let href = format!("/docs/errors#{r}");
                            let r2 = r.clone();
                            view! {
                                <td class="mono">
                                    {status} " " <a href=href>{r}</a>
                                </td>
                                <td>
                                    {move || code.map(|c| error_doc(lang.get(), c)).unwrap_or("")}
                                    " "
                                    <strong>{move || remedy(&s(), &r2)}</strong>
                                </td>
                            }
                            .into_any()
                        }
                    }}
                </tr>
            }
        })
        .collect_view();
    let user_href = format!("/users/{}", access.user_id);
    view! {
        <section class="card" data-testid="key-access">
            <h2>
                {access.login.clone()} " · " {move || status_text(&s(), &status)} " · "
                <a href=user_href>{move || s().key_edit_user}</a>
            </h2>
            <h3>{move || s().key_keys}</h3>
            {keys}
            <p data-testid="key-ip">
                {move || {
                    if ip_allow.is_empty() {
                        s().key_ip_any.to_string()
                    } else {
                        s().key_ip_only.replace("{list}", &ip_allow)
                    }
                }}
            </p>
            <p data-testid="key-limits">
                {move || {
                    if limits.is_empty() {
                        s().key_no_limits.to_string()
                    } else {
                        s().key_limits.replace("{list}", &limits)
                    }
                }}
            </p>
            <h3>{move || s().key_methods}</h3>
            <p data-testid="key-summary">
                {move || {
                    s()
                        .key_allowed_count
                        .replace("{n}", &allowed.to_string())
                        .replace("{total}", &total.to_string())
                }}
            </p>
            <div class="table-wrap">
                <table class="table">
                    <tbody>{rows}</tbody>
                </table>
            </div>
        </section>
    }
    .into_any()
}
