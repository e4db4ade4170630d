//! The list of API users: per-column filters, paging, add, block / unblock.

use leptos::prelude::*;
use leptos_router::hooks::use_navigate;

use super::{status_text, PAGE};
use crate::api::{list_users, CreateUser, SetUserBlocked};
use crate::components::tables::status_badge;
use crate::components::{error_text, ErrorAlert, Pager};
use crate::i18n::use_strings;

#[component]
pub fn UsersPage() -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
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
            <button class="primary" data-testid="add-user" disabled=move || ro.get() on:click=move |_| adding.update(|a| *a = !*a)>
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
                    <button type="submit" class="primary" data-testid="create-user" disabled=move || ro.get()>
                        {move || s().create}
                    </button>
                </ActionForm>
                {move || {
                    create
                        .value()
                        .get()
                        .and_then(|r| r.err())
                        .map(|e| view! { <ErrorAlert e /> })
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
                                                        <span class=status_badge(blocked)>
                                                            {move || status_text(s(), &status)}
                                                        </span>
                                                    </td>
                                                    <td>{u.key_count}</td>
                                                    <td>{u.permission_count}</td>
                                                    <td>
                                                        <button
                                                            class="ghost"
                                                            disabled=move || ro.get()
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
