//! «Модули пользователя X»: the permission editor of a user's page, the catalogue as a
//! [`ModuleTree`] of grants, with «copy from another user».

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::api::{CopyPermissions, SavePermissions};
use crate::components::{ErrorAlert, ModuleTree, TreeState};
use crate::i18n::use_strings;

/// The editor of `user_id`'s grants; «Сохранить» sends the whole set.
#[component]
pub fn PermissionEditor(
    user_id: i64,
    login: String,
    granted: Vec<String>,
    others: Vec<(i64, String)>,
    version: RwSignal<u32>,
) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let selected = RwSignal::new(granted.into_iter().collect::<BTreeSet<String>>());
    let save = ServerAction::<SavePermissions>::new();
    let copy = ServerAction::<CopyPermissions>::new();
    let copy_from = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(now)) = copy.value().get() {
            selected.set(now.into_iter().collect());
            version.update(|v| *v += 1);
        }
    });
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
            <ModuleTree state=TreeState::Grants(selected) testid="perm" />
            <div class="form inline">
                <button
                    class="primary"
                    data-testid="save-perms"
                    disabled=move || ro.get() || save.pending().get()
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
                        disabled=move || ro.get() || copy_from.get().is_empty()
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
                    .map(|e| view! { <ErrorAlert e /> })
            }}
        </section>
    }
}
