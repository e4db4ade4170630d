//! One folder per page: `login`, `layout` (the shell after sign-in), `dashboard`, `settings`,
//! `users`, `journal`, `reports`, `stats` («Онлайн статистика»), `docs`, `audit` («Аудит»),
//! `signins` («Входы»), `security` («Безопасность»: the admin's own second factor).

pub mod audit;
pub mod dashboard;
pub mod docs;
pub mod journal;
pub mod layout;
pub mod login;
pub mod reports;
pub mod security;
pub mod settings;
pub mod signins;
pub mod stats;
pub mod users;

use leptos::prelude::*;

use crate::i18n::use_strings;

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    crate::ssr::respond_with(http::StatusCode::NOT_FOUND);
    let s = use_strings();
    view! {
        <main class="centered">
            <div class="card narrow">
                <h1>{move || s().not_found_title}</h1>
                <a href="/">{move || s().not_found_back}</a>
            </div>
        </main>
    }
}

/// Send the browser to `path` with a full page load (fresh server render of the new state).
pub fn hard_navigate(_path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(_path);
    }
}
