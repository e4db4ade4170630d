//! A prose chapter of the manual, rendered on the server from its Markdown.

use leptos::prelude::*;

use crate::api::docs::{manual_chapter, Chapter};
use crate::i18n::{use_lang, use_strings};

/// The chapter `name` (`panel`, `connect`, `install`) in the current language, with its contents.
#[component]
pub fn ManualPage(name: &'static str) -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let chapter = Resource::new(
        move || lang.get(),
        move |l| manual_chapter(name.to_string(), l.code().to_string()),
    );
    view! {
        <Transition fallback=move || view! { <p class="muted">{s().docs_loading}</p> }>
            {move || {
                chapter
                    .get()
                    .map(|r| match r {
                        Ok(c) => view! { <ChapterView chapter=c /> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn ChapterView(chapter: Chapter) -> impl IntoView {
    let s = use_strings();
    let toc = chapter
        .toc
        .iter()
        .map(|t| {
            let href = format!("#{}", t.id);
            view! {
                <li class=format!("toc-{}", t.level)>
                    <a href=href>{t.text.clone()}</a>
                </li>
            }
        })
        .collect_view();
    view! {
        <div class="manual-layout">
            <nav class="card manual-toc" data-testid="manual-toc">
                <h2>{move || s().docs_contents}</h2>
                <ul>{toc}</ul>
            </nav>
            <article class="card manual" data-testid="manual">
                <div inner_html=chapter.html></div>
            </article>
        </div>
    }
    .into_any()
}
