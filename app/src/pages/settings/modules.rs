//! «Модули»: the catalogue as a [`ModuleTree`] of switches; a switched-off module or method
//! answers `method_disabled` to everyone.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::api::SaveModuleSwitches;
use crate::components::{ErrorAlert, ModuleTree, TreeState};
use crate::i18n::use_strings;

#[component]
pub fn ModulesBlock(values: Vec<(String, bool)>) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let state = RwSignal::new(values.into_iter().collect::<BTreeMap<String, bool>>());
    let save = ServerAction::<SaveModuleSwitches>::new();
    view! {
        <section class="card" data-testid="modules-block">
            <h2>{move || s().modules_title}</h2>
            <p class="muted">{move || s().modules_hint}</p>
            <ModuleTree state=TreeState::Switches(state) testid="switch" />
            <div class="form inline">
                <button
                    class="primary"
                    data-testid="save-modules"
                    disabled=move || ro.get() || save.pending().get()
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
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
        </section>
    }
}
