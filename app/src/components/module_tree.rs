//! The catalogue as a tree of checkboxes — one box per module, one per method — used by
//! Settings → «Модули» (switches) and by an API user's permission editor (grants).

use std::collections::{BTreeMap, BTreeSet};

use ccgate_catalogue::{Method, Module};
use leptos::prelude::*;

use crate::i18n::use_lang;

/// What the boxes of a [`ModuleTree`] stand for, and the state they edit.
#[derive(Clone, Copy)]
pub enum TreeState {
    /// The granted `module.method` names. A module box ticks or clears all its methods and shows
    /// all / none / partial (indeterminate).
    Grants(RwSignal<BTreeSet<String>>),
    /// Setting name → on (absent: on). A module box is a switch of its own
    /// (`modules.{m}.enabled`; methods `methods.{m}.{x}.enabled`), and a module switched off is
    /// shown greyed.
    Switches(RwSignal<BTreeMap<String, bool>>),
}

impl TreeState {
    fn method_key(self, m: &Module, x: &Method) -> String {
        match self {
            TreeState::Grants(_) => format!("{}.{}", m.name, x.name),
            TreeState::Switches(_) => format!("methods.{}.{}.enabled", m.name, x.name),
        }
    }

    /// The keys a module's box reads and writes: all its methods, or its own switch.
    fn module_keys(self, m: &Module) -> Vec<String> {
        match self {
            TreeState::Grants(_) => m.methods.iter().map(|x| self.method_key(m, x)).collect(),
            TreeState::Switches(_) => vec![format!("modules.{}.enabled", m.name)],
        }
    }

    fn is_on(self, key: &str) -> bool {
        match self {
            TreeState::Grants(s) => s.with(|s| s.contains(key)),
            TreeState::Switches(s) => s.with(|s| s.get(key).copied().unwrap_or(true)),
        }
    }

    fn count_on(self, keys: &[String]) -> usize {
        keys.iter().filter(|k| self.is_on(k)).count()
    }

    fn set(self, keys: &[String], on: bool) {
        match self {
            TreeState::Grants(s) => s.update(|s| {
                for k in keys {
                    if on {
                        s.insert(k.clone());
                    } else {
                        s.remove(k);
                    }
                }
            }),
            TreeState::Switches(s) => s.update(|s| {
                for k in keys {
                    s.insert(k.clone(), on);
                }
            }),
        }
    }
}

/// One `<div class="perm-tree">` of every catalogue module. Boxes are named
/// `{testid}-module-{module}` and `{testid}-{module}.{method}`.
#[component]
pub fn ModuleTree(state: TreeState, testid: &'static str) -> impl IntoView {
    let lang = use_lang();
    let modules = ccgate_catalogue::MODULES
        .iter()
        .map(|m| {
            let keys = StoredValue::new(state.module_keys(m));
            let total = keys.with_value(|k| k.len());
            let count = move || keys.with_value(|k| state.count_on(k));
            let greyed = move || matches!(state, TreeState::Switches(_)) && count() < total;
            let methods = m
                .methods
                .iter()
                .map(|x| {
                    let key = StoredValue::new(state.method_key(m, x));
                    view! {
                        <label class="check">
                            <input
                                type="checkbox"
                                checked=untrack(move || key.with_value(|k| state.is_on(k)))
                                prop:checked=move || key.with_value(|k| state.is_on(k))
                                data-testid=format!("{testid}-{}.{}", m.name, x.name)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    key.with_value(|k| state.set(std::slice::from_ref(k), on));
                                }
                            />
                            <span class="mono">{x.name}</span>
                            <span class="muted">{move || lang.get().pick(x.title_ru, x.title_en)}</span>
                        </label>
                    }
                })
                .collect_view();
            view! {
                <div class="perm-module" class:off=greyed>
                    <label class="check module">
                        <input
                            type="checkbox"
                            checked=untrack(move || count() == total)
                            prop:checked=move || count() == total
                            prop:indeterminate=move || { let c = count(); c > 0 && c < total }
                            data-testid=format!("{testid}-module-{}", m.name)
                            on:change=move |ev| {
                                let on = event_target_checked(&ev);
                                keys.with_value(|k| state.set(k, on));
                            }
                        />
                        <strong>{move || lang.get().pick(m.title_ru, m.title_en)}</strong>
                        <span class="mono muted">{m.name}</span>
                    </label>
                    <div class="perm-methods">{methods}</div>
                </div>
            }
        })
        .collect_view();
    view! { <div class="perm-tree">{modules}</div> }
}
