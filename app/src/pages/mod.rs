#[cfg(feature = "hydrate")]
pub mod charts;
pub mod dashboard;
pub mod docs;
pub mod journal;
pub mod layout;
pub mod login;
pub mod settings;
pub mod users;

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{use_strings, Strings};

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

/// A user-facing message for a server-function error, in the current language.
pub fn error_text(s: &Strings, e: &AppError) -> String {
    match e {
        AppError::BadCredentials => s.err_bad_credentials.to_string(),
        AppError::Throttled(n) => s.err_throttled.replace("{n}", &n.to_string()),
        AppError::Unauthorized => s.err_unauthorized.to_string(),
        AppError::Invalid { field, message } => format!("{field}: {message}"),
        AppError::Conflict(m) => m.clone(),
        AppError::NotFound(what) => what.clone(),
        AppError::Failed { message, .. } => message.clone(),
        AppError::Internal => s.err_internal.to_string(),
        AppError::ServerFn(_) => s.err_network.to_string(),
    }
}

/// Send the browser to `path` with a full page load (fresh server render of the new state).
pub fn hard_navigate(_path: &str) {
    #[cfg(feature = "hydrate")]
    if let Some(w) = web_sys::window() {
        let _ = w.location().set_href(_path);
    }
}
