//! «Документация»: the manual. Its chapters are public (they hold nothing secret, and an
//! integrator reads them without an account): prose chapters from Markdown (`manual.rs`), the
//! per-method reference from the OpenAPI document (`reference.rs`), the error codes from the
//! catalogue (`errors.rs`). «Что может этот ключ» (`key.rs`) needs a signed-in admin and lives in
//! the panel's layout.

mod errors;
mod key;
mod manual;
mod reference;

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::components::LangSwitch;
use crate::i18n::{use_strings, Strings};
pub use errors::{ErrorTable, ErrorsPage};
pub use key::KeyAccessPage;
pub use manual::ManualPage;
pub use reference::ApiReferencePage;

/// The interactive reference (a vendored viewer of the OpenAPI document, served from `public/`).
pub const INTERACTIVE_REFERENCE: &str = "/api-reference.html";
/// The OpenAPI document.
pub const OPENAPI_DOCUMENT: &str = "/api/v1/openapi.json";

/// The manual's chapters in reading order: (path, title, one line about it).
fn chapters(s: &Strings) -> [(&'static str, &'static str, &'static str); 6] {
    [
        ("/docs/panel", s.docs_nav_panel, s.docs_panel_about),
        ("/docs/connect", s.docs_nav_connect, s.docs_connect_about),
        ("/docs/api", s.docs_nav_api, s.docs_api_about),
        ("/docs/errors", s.docs_nav_errors, s.docs_errors_about),
        ("/docs/install", s.docs_nav_install, s.docs_install_about),
        ("/docs/key", s.docs_nav_key, s.docs_key_about),
    ]
}

/// The manual's frame: its own header with every chapter, the language switch and the way back.
#[component]
pub fn DocsShell() -> impl IntoView {
    let s = use_strings();
    let menu_open = RwSignal::new(false);
    view! {
        <div class="app docs">
            <header class="topbar">
                <a class="brand" href="/docs">
                    <span class="brand-mark">"☎"</span>
                    <span>{move || s().docs_title}</span>
                </a>
                <button
                    type="button"
                    class="menu-toggle"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|v| *v = !*v)
                >
                    {move || s().nav_menu}
                </button>
                <nav class="nav" class:open=move || menu_open.get() data-testid="docs-nav">
                    <A href="/docs" exact=true>
                        {move || s().docs_nav_overview}
                    </A>
                    {move || {
                        chapters(&s())
                            .into_iter()
                            .take(5)
                            .map(|(href, title, _)| view! { <A href=href>{title}</A> })
                            .collect_view()
                    }}
                    <a href="/" rel="external">
                        {move || s().docs_back}
                    </a>
                    <LangSwitch />
                </nav>
            </header>
            <main class="content docs-content">
                <Outlet />
            </main>
        </div>
    }
}

/// `/docs`: what the manual holds, and the shortest way to a first call.
#[component]
pub fn DocsIndex() -> impl IntoView {
    let s = use_strings();
    view! {
        <h1>{move || s().docs_title}</h1>
        <p class="muted">{move || s().docs_intro}</p>
        <div class="docs-chapters" data-testid="docs-chapters">
            {move || {
                chapters(&s())
                    .into_iter()
                    .map(|(href, title, about)| {
                        view! {
                            <a class="card docs-chapter" href=href>
                                <h2>{title}</h2>
                                <p class="muted">{about}</p>
                            </a>
                        }
                    })
                    .collect_view()
            }}
        </div>
        <section class="card">
            <h2>{move || s().docs_quick_start}</h2>
            <pre class="code">
                "curl -H 'Authorization: Bearer ccg_…' http://HOST/api/v1/me\n"
                "curl -H 'X-API-Key: ccg_…' 'http://HOST/api/v1/cc/queues'\n"
                "curl -u login:ccg_… http://HOST/api/v1/me"
            </pre>
            <p>{move || s().docs_requests_text}</p>
            <p>
                {move || s().docs_machine}
                " "
                <a href=OPENAPI_DOCUMENT rel="external" data-testid="docs-openapi">
                    {OPENAPI_DOCUMENT}
                </a>
                " · "
                <a href=INTERACTIVE_REFERENCE rel="external" data-testid="docs-reference">
                    {move || s().docs_nav_reference}
                </a>
            </p>
        </section>
    }
}
