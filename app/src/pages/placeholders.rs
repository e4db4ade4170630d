//! Sections whose content arrives with their modules; the navigation and layout are real.

use leptos::prelude::*;

use crate::i18n::{use_strings, Strings};

#[component]
fn Section(
    title: fn(&Strings) -> &'static str,
    intro: fn(&Strings) -> &'static str,
) -> impl IntoView {
    let s = use_strings();
    view! {
        <h1>{move || title(s())}</h1>
        <p class="muted">{move || intro(s())}</p>
        <section class="card">
            <p>{move || s().coming_soon}</p>
        </section>
    }
}

#[component]
pub fn DocsPage() -> impl IntoView {
    view! { <Section title=|s| s.docs_title intro=|s| s.docs_intro /> }
}
