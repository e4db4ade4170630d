#![recursion_limit = "256"]
//! The admin panel: Leptos components, pages and server functions.
//!
//! Built twice: with `ssr` (linked into the `server` binary, renders HTML and runs server
//! functions) and with `hydrate` (the browser bundle, via `frontend`). Never both at once.
//!
//! `api/` holds the server functions (one file per core module), `components/` the widgets the
//! pages share, `pages/` one folder per page, `i18n/` every UI string.

pub mod api;
pub mod components;
#[cfg(feature = "ssr")]
pub mod csp;
pub mod error;
pub mod i18n;
#[cfg(feature = "ssr")]
pub mod manual;
pub mod pages;
#[cfg(feature = "ssr")]
pub mod ssr;
pub mod time;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, Title};
use leptos_router::components::{ParentRoute, Route, Router, Routes};
use leptos_router::path;

use crate::i18n::{initial_lang, strings};

/// Page paths that need a signed-in admin. The server redirects to `/login` without a session;
/// server functions check the session themselves as well.
pub const PROTECTED_PAGES: &[&str] = &[
    "/",
    "/settings",
    "/users",
    "/journal",
    "/reports",
    "/stats",
    "/docs/key",
    "/audit",
    "/signins",
    "/security",
];

/// Is `path` a page that needs a signed-in admin (including `/users/{id}`)?
pub fn is_protected_page(path: &str) -> bool {
    PROTECTED_PAGES.contains(&path) || path.starts_with("/users/")
}

pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    csp::set_page_policy();
    view! {
        <!DOCTYPE html>
        <html>
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <link rel="icon" type="image/svg+xml" href="/favicon.svg" />
                <AutoReload options=options.clone() />
                <leptos_meta::HashedStylesheet options=options.clone() id="leptos" />
                <HydrationScripts options />
                <leptos_meta::MetaTags />
            </head>
            <body data-utc-offset={time::initial_zone().0.to_string()}>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    let lang = RwSignal::new(initial_lang());
    provide_context(lang);
    // The title and `<html lang>` are written into the page by leptos_meta after the app has
    // rendered, outside the request's reactive arena: on the server they must not read a signal
    // (under concurrent requests that read panicked and cut the page off), so they take the
    // request's language as a plain value; in the browser they follow the switch.
    let first_lang = lang.get_untracked();
    let page_lang = move || {
        if cfg!(feature = "ssr") {
            first_lang
        } else {
            lang.get()
        }
    };
    provide_context(time::initial_zone());

    view! {
        <Title text=move || strings(page_lang()).app_title />
        <leptos_meta::Html attr:lang=move || page_lang().code() />
        <Router>
            <Routes fallback=pages::NotFound>
                <Route path=path!("/login") view=pages::login::LoginPage />
                <ParentRoute path=path!("/docs") view=pages::docs::DocsShell>
                    <Route path=path!("") view=pages::docs::DocsIndex />
                    <Route path=path!("panel") view=|| view! { <pages::docs::ManualPage name="panel" /> } />
                    <Route path=path!("connect") view=|| view! { <pages::docs::ManualPage name="connect" /> } />
                    <Route path=path!("api") view=pages::docs::ApiReferencePage />
                    <Route path=path!("errors") view=pages::docs::ErrorsPage />
                    <Route path=path!("install") view=|| view! { <pages::docs::ManualPage name="install" /> } />
                </ParentRoute>
                <ParentRoute path=path!("") view=pages::layout::Layout>
                    <Route path=path!("") view=pages::dashboard::DashboardPage />
                    <Route path=path!("settings") view=pages::settings::SettingsPage />
                    <Route path=path!("users") view=pages::users::UsersPage />
                    <Route path=path!("users/:id") view=pages::users::UserPage />
                    <Route path=path!("journal") view=pages::journal::JournalPage />
                    <Route path=path!("reports") view=pages::reports::ReportsPage />
                    <Route path=path!("stats") view=pages::stats::StatsPage />
                    <Route path=path!("docs/key") view=pages::docs::KeyAccessPage />
                    <Route path=path!("audit") view=pages::audit::AuditPage />
                    <Route path=path!("signins") view=pages::signins::SignInsPage />
                    <Route path=path!("security") view=pages::security::SecurityPage />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
