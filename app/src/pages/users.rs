//! «Пользователи API»: the list with per-column filters and paging, and one user's page with
//! details, keys and the permission editor.

use std::collections::BTreeSet;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};

use crate::api::{
    get_user, list_users, CopyPermissions, CreateKey, CreateUser, RevokeKey, RotateKey,
    SavePermissions, SetUserBlocked, UpdateUser, UserDetail,
};
use crate::i18n::{use_strings, Strings};
use crate::pages::error_text;

const PAGE: i64 = 20;

pub fn status_text(s: &Strings, status: &str) -> &'static str {
    if status == "blocked" {
        s.status_blocked
    } else {
        s.status_active
    }
}

/// "Показаны записи 1-4 из 4."
pub fn shown_text(s: &Strings, offset: i64, count: usize, total: i64) -> String {
    if total == 0 {
        return s.users_none.to_string();
    }
    s.users_shown
        .replace("{a}", &(offset + 1).to_string())
        .replace("{b}", &(offset + count as i64).to_string())
        .replace("{n}", &total.to_string())
}

#[component]
pub fn Pager(offset: RwSignal<i64>, total: i64, count: usize, page: i64) -> impl IntoView {
    let s = use_strings();
    let at = offset.get_untracked();
    view! {
        <div class="pager">
            <span class="muted" data-testid="shown">{move || shown_text(s(), at, count, total)}</span>
            <span class="spacer"></span>
            <button class="ghost" disabled=at == 0 on:click=move |_| offset.set((at - page).max(0))>
                {move || s().prev}
            </button>
            <button class="ghost" disabled=at + (count as i64) >= total on:click=move |_| offset.set(at + page)>
                {move || s().next}
            </button>
        </div>
    }
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let s = use_strings();
    let f_id = RwSignal::new(String::new());
    let f_login = RwSignal::new(String::new());
    let f_note = RwSignal::new(String::new());
    let f_status = RwSignal::new(String::new());
    let offset = RwSignal::new(0i64);
    let version = RwSignal::new(0u32);
    let page = Resource::new(
        move || {
            (
                f_id.get(),
                f_login.get(),
                f_note.get(),
                f_status.get(),
                offset.get(),
                version.get(),
            )
        },
        |(id, login, note, status, offset, _)| {
            list_users(id.trim().parse().ok(), login, note, status, PAGE, offset)
        },
    );
    let adding = RwSignal::new(false);
    let create = ServerAction::<CreateUser>::new();
    let toggle = ServerAction::<SetUserBlocked>::new();
    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(Ok(u)) = create.value().get() {
            navigate(&format!("/users/{}", u.id), Default::default());
        }
    });
    Effect::new(move |_| {
        if toggle.version().get() > 0 {
            version.update(|v| *v += 1);
        }
    });
    let filter = move |sig: RwSignal<String>| {
        move |ev| {
            sig.set(event_target_value(&ev));
            offset.set(0);
        }
    };

    view! {
        <div class="page-head">
            <h1>{move || s().users_title}</h1>
            <button class="primary" data-testid="add-user" on:click=move |_| adding.update(|a| *a = !*a)>
                {move || s().users_add}
            </button>
        </div>
        <p class="muted">{move || s().users_intro}</p>
        <Show when=move || adding.get()>
            <section class="card">
                <ActionForm action=create attr:class="form inline" attr:data-testid="new-user-form">
                    <label>
                        <span>{move || s().col_login}</span>
                        <input name="login" required data-testid="new-login" />
                    </label>
                    <label class="grow">
                        <span>{move || s().col_note}</span>
                        <input name="note" data-testid="new-note" />
                    </label>
                    <button type="submit" class="primary" data-testid="create-user">
                        {move || s().create}
                    </button>
                </ActionForm>
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(|r| r.err())
                        .map(|e| view! { <div class="alert error">{error_text(s(), &e)}</div> })
                }}
            </section>
        </Show>
        <section class="card">
            <div class="table-wrap">
                <table class="table" data-testid="users">
                    <thead>
                        <tr>
                            <th>{move || s().col_id}</th>
                            <th>{move || s().col_login}</th>
                            <th>{move || s().col_note}</th>
                            <th>{move || s().col_status}</th>
                            <th>{move || s().col_keys}</th>
                            <th>{move || s().col_perms}</th>
                            <th>{move || s().col_actions}</th>
                        </tr>
                        <tr class="filters">
                            <th>
                                <input class="filter" size="4" on:input=filter(f_id) data-testid="filter-id" />
                            </th>
                            <th>
                                <input class="filter" placeholder=move || s().filter_placeholder on:input=filter(f_login) data-testid="filter-login" />
                            </th>
                            <th>
                                <input class="filter" placeholder=move || s().filter_placeholder on:input=filter(f_note) />
                            </th>
                            <th>
                                <select class="filter" on:change=filter(f_status) data-testid="filter-status">
                                    <option value="">{move || s().status_any}</option>
                                    <option value="active">{move || s().status_active}</option>
                                    <option value="blocked">{move || s().status_blocked}</option>
                                </select>
                            </th>
                            <th></th>
                            <th></th>
                            <th></th>
                        </tr>
                    </thead>
                    <Transition fallback=|| ()>
                        {move || Suspend::new(async move {
                            match page.await {
                                Ok(p) => {
                                    let count = p.items.len();
                                    let rows = p
                                        .items
                                        .into_iter()
                                        .map(|u| {
                                            let blocked = u.status == "blocked";
                                            let status = u.status.clone();
                                            let id = u.id;
                                            view! {
                                                <tr data-testid="user-row">
                                                    <td class="mono">{u.id}</td>
                                                    <td><a href=format!("/users/{}", u.id)>{u.login}</a></td>
                                                    <td>{u.note}</td>
                                                    <td>
                                                        <span class=if blocked { "badge bad" } else { "badge ok" }>
                                                            {move || status_text(s(), &status)}
                                                        </span>
                                                    </td>
                                                    <td>{u.key_count}</td>
                                                    <td>{u.permission_count}</td>
                                                    <td>
                                                        <button
                                                            class="ghost"
                                                            on:click=move |_| {
                                                                toggle.dispatch(SetUserBlocked { id, blocked: !blocked });
                                                            }
                                                        >
                                                            {move || if blocked { s().unblock } else { s().block }}
                                                        </button>
                                                    </td>
                                                </tr>
                                            }
                                        })
                                        .collect_view();
                                    view! {
                                        <tbody>{rows}</tbody>
                                        <tfoot>
                                            <tr>
                                                <td colspan="7">
                                                    <Pager offset total=p.total count page=PAGE />
                                                </td>
                                            </tr>
                                        </tfoot>
                                    }
                                        .into_any()
                                }
                                Err(e) => {
                                    view! {
                                        <tbody>
                                            <tr>
                                                <td colspan="7" class="alert error">{error_text(s(), &e)}</td>
                                            </tr>
                                        </tbody>
                                    }
                                        .into_any()
                                }
                            }
                        })}
                    </Transition>
                </table>
            </div>
        </section>
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let s = use_strings();
    let params = use_params_map();
    let id = move || {
        params
            .read()
            .get("id")
            .and_then(|v| v.parse::<i64>().ok())
            .unwrap_or(0)
    };
    let version = RwSignal::new(0u32);
    let detail = Resource::new(move || (id(), version.get()), |(id, _)| get_user(id));
    let new_secret = RwSignal::new(None::<String>);

    view! {
        <a href="/users" class="back">{move || s().user_back}</a>
        <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
            {move || Suspend::new(async move {
                match detail.await {
                    Ok(d) => view! { <UserView d version new_secret /> }.into_any(),
                    Err(e) => view! { <div class="alert error">{error_text(s(), &e)}</div> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn UserView(
    d: UserDetail,
    version: RwSignal<u32>,
    new_secret: RwSignal<Option<String>>,
) -> impl IntoView {
    let s = use_strings();
    let user = d.user.clone();
    let uid = user.id;
    let blocked = user.status == "blocked";
    let update = ServerAction::<UpdateUser>::new();
    let toggle = ServerAction::<SetUserBlocked>::new();
    let create_key = ServerAction::<CreateKey>::new();
    let revoke = ServerAction::<RevokeKey>::new();
    let rotate = ServerAction::<RotateKey>::new();
    let bump = move || version.update(|v| *v += 1);
    Effect::new(move |_| {
        if let Some(Ok(k)) = create_key.value().get() {
            new_secret.set(Some(k.secret));
            bump();
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(k)) = rotate.value().get() {
            new_secret.set(Some(k.secret));
            bump();
        }
    });
    Effect::new(move |_| {
        if matches!(revoke.value().get(), Some(Ok(())))
            || matches!(toggle.value().get(), Some(Ok(_)))
        {
            bump();
        }
    });
    let errors = move || {
        [
            update.value().get().and_then(|r| r.err()),
            toggle.value().get().and_then(|r| r.err()),
            create_key.value().get().and_then(|r| r.err()),
            revoke.value().get().and_then(|r| r.err()),
            rotate.value().get().and_then(|r| r.err()),
        ]
        .into_iter()
        .flatten()
        .map(|e| error_text(s(), &e))
        .collect::<Vec<_>>()
    };
    let copied = RwSignal::new(false);
    let status = user.status.clone();

    view! {
        <div class="page-head">
            <h1>
                {move || s().user_title} " " <span data-testid="user-login">{user.login.clone()}</span>
            </h1>
            <span class=if blocked { "badge bad" } else { "badge ok" }>{move || status_text(s(), &status)}</span>
            <button
                class="ghost"
                data-testid="toggle-block"
                on:click=move |_| {
                    toggle.dispatch(SetUserBlocked { id: uid, blocked: !blocked });
                }
            >
                {move || if blocked { s().unblock } else { s().block }}
            </button>
        </div>
        <For each=errors key=|e| e.clone() let:e>
            <div class="alert error" role="alert">{e}</div>
        </For>
        <section class="card">
            <ActionForm action=update attr:class="form inline">
                <input type="hidden" name="id" value=uid />
                <label>
                    <span>{move || s().col_login}</span>
                    <input name="login" value=user.login.clone() required />
                </label>
                <label class="grow">
                    <span>{move || s().col_note}</span>
                    <input name="note" value=user.note.clone() />
                </label>
                <button type="submit" class="primary">{move || s().save}</button>
            </ActionForm>
            <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                <p class="ok-text">{move || s().saved}</p>
            </Show>
        </section>

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
                <button type="submit" class="primary" data-testid="create-key">{move || s().key_create}</button>
            </ActionForm>
            {if d.keys.is_empty() {
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
                                {d
                                    .keys
                                    .clone()
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
                                                <td class="mono">{k.created}</td>
                                                <td class="mono">
                                                    {k.expires.unwrap_or_else(|| "—".into())}
                                                </td>
                                                <td class="mono">
                                                    {match (k.last_used, k.last_used_ip) {
                                                        (Some(at), ip) => format!("{at} {}", ip.unwrap_or_default()),
                                                        _ => "—".into(),
                                                    }}
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
                                                                <button type="submit" class="ghost">{move || s().key_rotate}</button>
                                                            </ActionForm>
                                                            <ActionForm action=revoke attr:class="inline-form">
                                                                <input type="hidden" name="key_id" value=k.id />
                                                                <button type="submit" class="ghost danger">{move || s().key_revoke}</button>
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

        <PermissionEditor user_id=uid login=d.user.login.clone() granted=d.granted.clone() others=d.others.clone() version />
    }
}

/// «Модули пользователя X»: the catalogue as a tree; module boxes show all / none / partial.
#[component]
fn PermissionEditor(
    user_id: i64,
    login: String,
    granted: Vec<String>,
    others: Vec<(i64, String)>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let s = use_strings();
    let initial: BTreeSet<String> = granted.into_iter().collect();
    let selected = RwSignal::new(initial.clone());
    let save = ServerAction::<SavePermissions>::new();
    let copy = ServerAction::<CopyPermissions>::new();
    let copy_from = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(now)) = copy.value().get() {
            selected.set(now.into_iter().collect());
            version.update(|v| *v += 1);
        }
    });
    let lang = crate::i18n::use_lang();
    let modules = ccgate_catalogue::MODULES
        .iter()
        .map(|m| {
            let names: Vec<String> = m.methods.iter().map(|x| format!("{}.{}", m.name, x.name)).collect();
            let all_names = names.clone();
            let count = move || selected.with(|sel| all_names.iter().filter(|n| sel.contains(*n)).count());
            let total = names.len();
            let names_toggle = names.clone();
            let count2 = count.clone();
            let init_all = names.iter().all(|n| initial.contains(n));
            let methods = m
                .methods
                .iter()
                .map(|x| {
                    let name = format!("{}.{}", m.name, x.name);
                    let n2 = name.clone();
                    let n3 = name.clone();
                    let init = initial.contains(&name);
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                checked=init
                                prop:checked=move || selected.with(|sel| sel.contains(&n2))
                                data-testid=format!("perm-{name}")
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    selected.update(|sel| {
                                        if on { sel.insert(n3.clone()); } else { sel.remove(&n3); }
                                    });
                                }
                            />
                            <span class="mono">{x.name}</span>
                            <span class="muted">
                                {move || if lang.get() == crate::i18n::Lang::En { x.title_en } else { x.title_ru }}
                            </span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <div class="perm-module">
                    <label class="check module">
                        <input
                            type="checkbox"
                            checked=init_all
                            prop:checked=move || count() == total
                            prop:indeterminate=move || { let c = count2(); c > 0 && c < total }
                            data-testid=format!("perm-module-{}", m.name)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                selected.update(|sel| {
                                    for n in &names_toggle {
                                        if on { sel.insert(n.clone()); } else { sel.remove(n); }
                                    }
                                });
                            }
                        />
                        <strong>
                            {move || if lang.get() == crate::i18n::Lang::En { m.title_en } else { m.title_ru }}
                        </strong>
                        <span class="mono muted">{m.name}</span>
                    </label>
                    <div class="perm-methods">{methods}</div>
                </div>
            }
        })
        .collect_view();
    let has_others = !others.is_empty();
    // Built afresh each time <Show> renders (views are not Clone in every build mode).
    let other_options = move || {
        others
            .iter()
            .map(|(id, login)| view! { <option value=id.to_string()>{login.clone()}</option> })
            .collect_view()
    };

    view! {
        <section class="card" data-testid="perm-editor">
            <h2>{move || s().perms_title} " " {login}</h2>
            <p class="muted">{move || s().perms_hint}</p>
            <div class="perm-tree">{modules}</div>
            <div class="form inline">
                <button
                    class="primary"
                    data-testid="save-perms"
                    disabled=move || save.pending().get()
                    on:click=move |_| {
                        save.dispatch(SavePermissions {
                            user_id,
                            granted: selected.get_untracked().into_iter().collect(),
                        });
                    }
                >
                    {move || if save.pending().get() { s().saving } else { s().save }}
                </button>
                <Show when=move || matches!(save.value().get(), Some(Ok(_)))>
                    <span class="ok-text" data-testid="perms-saved">{move || s().saved}</span>
                </Show>
                <Show when=move || has_others>
                    <span class="spacer"></span>
                    <select on:change=move |ev| copy_from.set(event_target_value(&ev))>
                        <option value="">{move || s().perms_copy_from}</option>
                        {other_options()}
                    </select>
                    <button
                        class="ghost"
                        disabled=move || copy_from.get().is_empty()
                        on:click=move |_| {
                            if let Ok(from) = copy_from.get_untracked().parse::<i64>() {
                                copy.dispatch(CopyPermissions { from_user: from, to_user: user_id });
                            }
                        }
                    >
                        {move || s().perms_copy}
                    </button>
                </Show>
            </div>
            {move || {
                save.value()
                    .get()
                    .and_then(|r| r.err())
                    .or_else(|| copy.value().get().and_then(|r| r.err()))
                    .map(|e| view! { <div class="alert error">{error_text(s(), &e)}</div> })
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
