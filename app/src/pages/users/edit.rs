//! One API user's page: login and note, block / unblock, then the keys, the addresses it may call
//! from (`network.rs`), its limits (`limits.rs`) and the permissions.

use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

use super::keys::KeysCard;
use super::limits::LimitsCard;
use super::network::IpAllowCard;
use super::permissions::PermissionEditor;
use super::status_text;
use crate::api::{
    get_user, CreateKey, RevokeKey, RotateKey, SetUserBlocked, UpdateUser, UserDetail,
};
use crate::components::tables::status_badge;
use crate::components::{error_text, ErrorAlert};
use crate::i18n::use_strings;

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
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
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
    let ro = crate::components::use_read_only();
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
    let status = user.status.clone();

    view! {
        <div class="page-head">
            <h1>
                {move || s().user_title} " " <span data-testid="user-login">{user.login.clone()}</span>
            </h1>
            <span class=status_badge(blocked)>{move || status_text(s(), &status)}</span>
            <button
                class="ghost"
                data-testid="toggle-block"
                disabled=move || ro.get()
                on:click=move |_| {
                    toggle.dispatch(SetUserBlocked { id: uid, blocked: !blocked });
                }
            >
                {move || if blocked { s().unblock } else { s().block }}
            </button>
            <a href=format!("/docs/key?user={uid}") data-testid="user-key-access">
                {move || s().docs_nav_key}
            </a>
        </div>
        <a class="back" href=format!("/audit?target={}", user.login) data-testid="user-audit">{move || s().audit_user_link}</a>
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
                <button type="submit" class="primary" disabled=move || ro.get()>{move || s().save}</button>
            </ActionForm>
            <Show when=move || matches!(update.value().get(), Some(Ok(_)))>
                <p class="ok-text">{move || s().saved}</p>
            </Show>
        </section>

        <KeysCard uid keys=d.keys.clone() new_secret create_key revoke rotate />

        <IpAllowCard uid current=d.user.ip_allow.clone() version />

        <LimitsCard uid limits=d.limits.clone() version />

        <PermissionEditor user_id=uid login=d.user.login.clone() granted=d.granted.clone() others=d.others.clone() version />
    }
}
