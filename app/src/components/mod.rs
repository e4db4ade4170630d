//! Widgets shared by the pages: the pager, table cells, the module/method checkbox tree, the
//! language switch, error alerts, and (browser only) the dashboard's charts.

#[cfg(feature = "hydrate")]
pub mod charts;
pub mod lang_switch;
pub mod module_tree;
pub mod pager;
pub mod tables;

pub use lang_switch::LangSwitch;
pub use module_tree::{ModuleTree, TreeState};
pub use pager::Pager;

use leptos::prelude::*;

use crate::error::AppError;
use crate::i18n::{use_strings, Strings};

/// Is the signed-in admin read only (role `viewer`)? Provided by the layout once it knows; pages
/// disable their changing controls with it. The server refuses a viewer's changes whatever the
/// page shows.
#[derive(Clone, Copy)]
pub struct ReadOnly(pub Signal<bool>);

/// The layout's [`ReadOnly`] (false outside the layout, and until the admin is known).
pub fn use_read_only() -> Signal<bool> {
    use_context::<ReadOnly>()
        .map(|r| r.0)
        .unwrap_or_else(|| Signal::stored(false))
}

/// A user-facing message for a server-function error, in the current language.
pub fn error_text(s: &Strings, e: &AppError) -> String {
    match e {
        AppError::BadCredentials => s.err_bad_credentials.to_string(),
        AppError::BadCode => s.err_bad_code.to_string(),
        AppError::Throttled(n) => s.err_throttled.replace("{n}", &n.to_string()),
        AppError::Unauthorized => s.err_unauthorized.to_string(),
        AppError::Forbidden => s.err_forbidden.to_string(),
        AppError::Invalid { field, message } => format!("{field}: {message}"),
        AppError::Conflict(m) => m.clone(),
        AppError::NotFound(what) => what.clone(),
        AppError::Failed { message, .. } => message.clone(),
        AppError::Internal => s.err_internal.to_string(),
        AppError::ServerFn(_) => s.err_network.to_string(),
    }
}

/// `<div class="alert error">` with the error's message in the current language.
#[component]
pub fn ErrorAlert(e: AppError) -> impl IntoView {
    let s = use_strings();
    view! { <div class="alert error">{move || error_text(s(), &e)}</div> }
}
