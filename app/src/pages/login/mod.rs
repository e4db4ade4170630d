//! The sign-in page: the password, then — for an admin with a second factor — the code.

use leptos::prelude::*;

use crate::api::{Login, LoginCode, LoginStep};
use crate::components::error_text;
use crate::components::LangSwitch;
use crate::i18n::use_strings;

#[component]
pub fn LoginPage() -> impl IntoView {
    let s = use_strings();
    let action = ServerAction::<Login>::new();
    let code_action = ServerAction::<LoginCode>::new();
    let show_password = RwSignal::new(false);

    // On success the server function redirects to `/` (the router follows it client-side); a
    // second factor answers `Code` instead, and the page asks for it.
    let error = move || {
        action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(s(), &e))
    };
    let code_step = move || matches!(action.value().get(), Some(Ok(LoginStep::Code)));
    let code_error = move || {
        code_action
            .value()
            .get()
            .and_then(|r| r.err())
            .map(|e| error_text(s(), &e))
    };

    view! {
        <main class="centered login-page">
            <div class="card narrow">
                <div class="login-head">
                    <span class="brand-mark">"☎"</span>
                    <LangSwitch />
                </div>
                <p class="muted">{move || s().app_title}</p>
                <Show
                    when=code_step
                    fallback=move || view! { <h1>{move || s().login_title}</h1> }
                >
                    <h1>{move || s().login_code_title}</h1>
                    <p class="muted">{move || s().login_code_hint}</p>
                    <ActionForm action=code_action attr:class="form" attr:data-testid="code-form">
                        <label>
                            <span>{move || s().login_code_label}</span>
                            <input
                                name="code"
                                autocomplete="one-time-code"
                                required
                                autofocus
                                data-testid="totp-code"
                            />
                        </label>
                        <Show when=move || code_error().is_some()>
                            <div class="alert error" role="alert" data-testid="code-error">
                                {code_error}
                            </div>
                        </Show>
                        <div class="form inline">
                            <button
                                type="submit"
                                class="primary"
                                data-testid="code-submit"
                                disabled=move || code_action.pending().get()
                            >
                                {move || s().login_code_submit}
                            </button>
                            <a href="/login" rel="external" data-testid="code-restart">{move || s().login_code_restart}</a>
                        </div>
                    </ActionForm>
                </Show>
                <ActionForm
                    action=action
                    attr:class="form"
                    attr:data-testid="login-form"
                    attr:hidden=code_step
                >
                    <label>
                        <span>{move || s().login_username}</span>
                        <input
                            name="username"
                            autocomplete="username"
                            required
                            autofocus
                            data-testid="username"
                        />
                    </label>
                    <label>
                        <span>{move || s().login_password}</span>
                        <div class="password-row">
                            <input
                                name="password"
                                type=move || if show_password.get() { "text" } else { "password" }
                                autocomplete="current-password"
                                required
                                data-testid="password"
                            />
                            <button
                                type="button"
                                class="ghost"
                                data-testid="toggle-password"
                                on:click=move |_| show_password.update(|v| *v = !*v)
                            >
                                {move || {
                                    if show_password.get() {
                                        s().login_hide_password
                                    } else {
                                        s().login_show_password
                                    }
                                }}
                            </button>
                        </div>
                    </label>
                    <Show when=move || error().is_some()>
                        <div class="alert error" role="alert" data-testid="login-error">
                            {error}
                        </div>
                    </Show>
                    <button
                        type="submit"
                        class="primary"
                        data-testid="login-submit"
                        disabled=move || action.pending().get()
                    >
                        {move || if action.pending().get() { s().login_busy } else { s().login_submit }}
                    </button>
                </ActionForm>
            </div>
        </main>
    }
}
