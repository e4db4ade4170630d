//! The keys card of a user's page: create (the plain key shown once), rotate with a grace
//! period, revoke.

use leptos::prelude::*;

use crate::api::{CreateKey, KeyRow, RevokeKey, RotateKey};
use crate::i18n::use_strings;
use crate::time::use_time;

/// The key list and the new-key form; the actions belong to the page, which shows their errors.
#[component]
pub fn KeysCard(
    uid: i64,
    keys: Vec<KeyRow>,
    new_secret: RwSignal<Option<String>>,
    create_key: ServerAction<CreateKey>,
    revoke: ServerAction<RevokeKey>,
    rotate: ServerAction<RotateKey>,
) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let t = use_time();
    let copied = RwSignal::new(false);
    view! {
        <section class="card">
            <h2>{move || s().keys_title}</h2>
            {move || {
                new_secret
                    .get()
                    .map(|secret| {
                        let for_copy = secret.clone();
                        view! {
                            <div class="secret-box" data-testid="new-key">
                                <p>{move || s().key_shown_once}</p>
                                <code data-testid="new-key-value">{secret}</code>
                                <button
                                    class="ghost"
                                    on:click=move |_| {
                                        copy_to_clipboard(&for_copy);
                                        copied.set(true);
                                    }
                                >
                                    {move || if copied.get() { s().key_copied } else { s().key_copy }}
                                </button>
                            </div>
                        }
                    })
            }}
            <ActionForm action=create_key attr:class="form inline" attr:data-testid="new-key-form">
                <input type="hidden" name="user_id" value=uid />
                <label>
                    <span>{move || s().key_name}</span>
                    <input name="name" value="main" required data-testid="key-name" />
                </label>
                <label>
                    <span>{move || s().key_expires}</span>
                    <input name="expires" type="date" />
                </label>
                <button type="submit" class="primary" data-testid="create-key" disabled=move || ro.get()>{move || s().key_create}</button>
            </ActionForm>
            {if keys.is_empty() {
                view! { <p class="muted">{move || s().no_keys}</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap">
                        <table class="table" data-testid="keys">
                            <thead>
                                <tr>
                                    <th>{move || s().key_name}</th>
                                    <th>{move || s().col_prefix}</th>
                                    <th>{move || s().col_status}</th>
                                    <th>{move || s().col_created}</th>
                                    <th>{move || s().col_expires}</th>
                                    <th>{move || s().col_last_used}</th>
                                    <th>{move || s().col_actions}</th>
                                </tr>
                            </thead>
                            <tbody>
                                {keys
                                    .into_iter()
                                    .map(|k| {
                                        let active = k.state == "active";
                                        let state = k.state.clone();
                                        let badge = match k.state.as_str() {
                                            "active" => "badge ok",
                                            "expired" => "badge warn",
                                            _ => "badge bad",
                                        };
                                        view! {
                                            <tr>
                                                <td>{k.name}</td>
                                                <td class="mono">{k.prefix}"…"</td>
                                                <td>
                                                    <span class=badge>
                                                        {move || match state.as_str() {
                                                            "active" => s().key_state_active,
                                                            "expired" => s().key_state_expired,
                                                            _ => s().key_state_revoked,
                                                        }}
                                                    </span>
                                                </td>
                                                <td class="mono time" data-testid="time">{move || t(k.created)}</td>
                                                <td class="mono time">
                                                    {move || k.expires.map(t).unwrap_or_else(|| "—".into())}
                                                </td>
                                                <td class="mono time">
                                                    {
                                                        let ip = k.last_used_ip.unwrap_or_default();
                                                        move || match k.last_used {
                                                        Some(at) => format!("{} {ip}", t(at)),
                                                            None => "—".into(),
                                                        }
                                                    }
                                                </td>
                                                <td>
                                                    <Show when=move || active>
                                                        <div class="row-actions">
                                                            <ActionForm action=rotate attr:class="inline-form">
                                                                <input type="hidden" name="key_id" value=k.id />
                                                                <select name="grace_secs" title=move || s().key_grace>
                                                                    <option value="0">{move || s().key_grace_none}</option>
                                                                    <option value="3600">{move || s().key_grace_hour}</option>
                                                                    <option value="86400" selected>{move || s().key_grace_day}</option>
                                                                    <option value="604800">{move || s().key_grace_week}</option>
                                                                </select>
                                                                <button type="submit" class="ghost" disabled=move || ro.get()>{move || s().key_rotate}</button>
                                                            </ActionForm>
                                                            <ActionForm action=revoke attr:class="inline-form">
                                                                <input type="hidden" name="key_id" value=k.id />
                                                                <button type="submit" class="ghost danger" disabled=move || ro.get()>{move || s().key_revoke}</button>
                                                            </ActionForm>
                                                        </div>
                                                    </Show>
                                                </td>
                                            </tr>
                                        }
                                    })
                                    .collect_view()}
                            </tbody>
                        </table>
                    </div>
                }
                    .into_any()
            }}
        </section>
    }
}

fn copy_to_clipboard(_text: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.navigator().clipboard().write_text(_text);
    }
}
