//! The header's language switch.

use leptos::prelude::*;

use crate::i18n::{remember_lang, strings, use_lang, Lang};

/// Switch the UI language: remembered in a cookie, applied at once without a reload.
#[component]
pub fn LangSwitch() -> impl IntoView {
    let lang = use_lang();
    let switch = move |_| {
        let next: Lang = lang.get_untracked().other();
        remember_lang(next);
        lang.set(next);
    };
    view! {
        <button type="button" class="lang-switch" data-testid="lang-switch" on:click=switch>
            {move || strings(lang.get()).lang_switch_label}
        </button>
    }
}
