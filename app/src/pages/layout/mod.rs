//! The product shell after sign-in: header, navigation, language switch, content.

use leptos::prelude::*;
use leptos_router::components::{Outlet, A};

use crate::api::{current_admin, Logout};
use crate::components::{LangSwitch, ReadOnly};
use crate::i18n::use_strings;
use crate::pages::hard_navigate;
use crate::time::{use_zone, zone_label, Zone};

/// The product shell after sign-in: header, navigation, language switch, content.
#[component]
pub fn Layout() -> impl IntoView {
    let s = use_strings();
    let admin = Resource::new(|| (), |_| current_admin());
    let logout = ServerAction::<Logout>::new();
    let menu_open = RwSignal::new(false);
    let Zone(zone) = use_zone();
    // Known in the browser once the admin is: pages disable their changing controls with it.
    let read_only = RwSignal::new(false);
    provide_context(ReadOnly(read_only.into()));
    Effect::new(move |_| {
        if let Some(Ok(Some(a))) = admin.get() {
            read_only.set(a.read_only());
        }
    });

    // Logout redirects to `/login` from the server function.
    // A session that ended elsewhere (logout in another tab, expiry) sends the user to sign in.
    Effect::new(move |_| {
        if let Some(Ok(None)) = admin.get() {
            hard_navigate("/login");
        }
    });

    let signed_in = move || admin.get().and_then(|r| r.ok()).flatten();
    let admin_name = move || {
        signed_in()
            // The role is named when it limits: a viewer's (the nav stays one line for admins).
            .map(|a| {
                if a.read_only() {
                    format!("{} ({})", a.username, s().role_viewer)
                } else {
                    a.username
                }
            })
            .unwrap_or_default()
    };

    view! {
        <div class="app">
            <header class="topbar">
                <a class="brand" href="/">
                    <span class="brand-mark">"☎"</span>
                    <span>{move || s().app_title}</span>
                </a>
                <button
                    type="button"
                    class="menu-toggle"
                    data-testid="menu-toggle"
                    aria-expanded=move || menu_open.get().to_string()
                    on:click=move |_| menu_open.update(|v| *v = !*v)
                >
                    {move || s().nav_menu}
                </button>
                <nav class="nav" class:open=move || menu_open.get() data-testid="nav">
                    <A href="/" exact=true>
                        {move || s().nav_dashboard}
                    </A>
                    <A href="/settings">{move || s().nav_settings}</A>
                    <A href="/users">{move || s().nav_users}</A>
                    <A href="/journal">{move || s().nav_journal}</A>
                    <A href="/reports">{move || s().nav_reports}</A>
                    <A href="/stats">{move || s().nav_live_stats}</A>
                    <A href="/docs">{move || s().nav_docs}</A>
                    <A href="/audit">{move || s().nav_audit}</A>
                    <A href="/signins">{move || s().nav_signins}</A>
                    // The admin's own account: role and second factor («Безопасность»).
                    <a
                        href="/security"
                        class="admin-name"
                        data-testid="admin-name"
                        title=move || s().sec_link_title
                    >
                        <Transition fallback=|| ()>{admin_name}</Transition>
                    </a>
                    <ActionForm action=logout attr:class="logout-form">
                        <button type="submit" class="nav-button" data-testid="logout">
                            {move || s().nav_logout}
                        </button>
                    </ActionForm>
                    <LangSwitch />
                </nav>
            </header>
            <main class="content">
                <Transition fallback=|| ()>
                    {move || {
                        signed_in()
                            .filter(|a| a.read_only())
                            .map(|_| {
                                view! {
                                    <div class="alert warn read-only-note" data-testid="read-only-note">
                                        {move || s().read_only_note}
                                    </div>
                                }
                            })
                    }}
                </Transition>
                <Outlet />
            </main>
            // Every time on the panel's pages is in this zone (`crate::time`).
            <footer class="footer muted" data-testid="zone">
                {move || s().time_zone.replace("{tz}", &zone_label(zone))}
            </footer>
        </div>
    }
}
