//! «Безопасность» (`/security`): the signed-in admin's own account — its role and its second
//! factor: enrol (QR code and key shown once, switched on by a first right code, recovery codes
//! shown once), or switch it off with a code or the password. Reached from the admin's name in
//! the header and from «Входы».

use leptos::prelude::*;

use crate::api::{security_status, TotpBegin, TotpConfirm, TotpDisable, TotpEnrolment};
use crate::components::ErrorAlert;
use crate::i18n::use_strings;

#[component]
pub fn SecurityPage() -> impl IntoView {
    let s = use_strings();
    let begin = ServerAction::<TotpBegin>::new();
    let confirm = ServerAction::<TotpConfirm>::new();
    let disable = ServerAction::<TotpDisable>::new();
    // Read again after each change.
    let status = Resource::new(
        move || {
            (
                confirm.version().get(),
                disable.version().get(),
                begin.version().get(),
            )
        },
        |_| security_status(),
    );
    // What is shown once: the started enrolment until it is confirmed, then the recovery codes
    // until the factor is switched off.
    let enrolment = RwSignal::new(None::<TotpEnrolment>);
    let codes = RwSignal::new(None::<Vec<String>>);
    Effect::new(move |_| {
        if let Some(Ok(e)) = begin.value().get() {
            enrolment.set(Some(e));
            codes.set(None);
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(c)) = confirm.value().get() {
            enrolment.set(None);
            codes.set(Some(c));
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = disable.value().get() {
            codes.set(None);
        }
    });

    view! {
        <h1>{move || s().sec_title}</h1>
        <Transition fallback=move || view! { <p class="muted">{move || s().loading}</p> }>
            {move || {
                status
                    .get()
                    .map(|r| match r {
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                        Ok(v) => {
                            let role = if v.role == "admin" { s().role_admin } else { s().role_viewer };
                            let account = s()
                                .sec_account
                                .replace("{name}", &v.username)
                                .replace("{role}", role);
                            let on = v.totp_enabled;
                            let left = v.recovery_left;
                            view! {
                                <p class="muted" data-testid="sec-account">{account}</p>
                                <section class="card" data-testid="totp-card">
                                    <h2>{move || s().sec_totp_title}</h2>
                                    <p data-testid="totp-state" data-on=on.to_string()>
                                        {move || {
                                            if on {
                                                s().sec_totp_on.replace("{n}", &left.to_string())
                                            } else {
                                                s().sec_totp_off.to_string()
                                            }
                                        }}
                                    </p>
                                    {if on {
                                        view! { <DisableForm disable /> }.into_any()
                                    } else {
                                        view! { <EnrolForm begin confirm enrolment=enrolment.into() /> }
                                            .into_any()
                                    }}
                                </section>
                            }
                                .into_any()
                        }
                    })
            }}
        </Transition>
        {move || {
            codes
                .get()
                .map(|codes| {
                    view! {
                        <section class="card">
                            <div class="secret-box" data-testid="recovery-codes">
                                <p>{move || s().sec_codes_title}</p>
                                <span class="muted">{move || s().sec_codes_note}</span>
                                <ul class="recovery-codes">
                                    {codes.into_iter().map(|c| view! { <li><code>{c}</code></li> }).collect_view()}
                                </ul>
                            </div>
                        </section>
                    }
                })
        }}
    }
}

#[component]
fn EnrolForm(
    begin: ServerAction<TotpBegin>,
    confirm: ServerAction<TotpConfirm>,
    enrolment: Signal<Option<TotpEnrolment>>,
) -> impl IntoView {
    let s = use_strings();
    view! {
        <Show
            when=move || enrolment.get().is_some()
            fallback=move || {
                view! {
                    <button
                        class="primary"
                        data-testid="totp-enable"
                        disabled=move || begin.pending().get()
                        on:click=move |_| {
                            begin.dispatch(TotpBegin {});
                        }
                    >
                        {move || s().sec_enable}
                    </button>
                }
            }
        >
            {move || {
                enrolment
                    .get()
                    .map(|e| {
                        view! {
                            <p class="muted">{move || s().sec_scan}</p>
                            <div class="totp-qr" data-testid="totp-qr" inner_html=e.qr_svg></div>
                            <p>
                                {move || s().sec_secret} ": "
                                <code class="totp-secret" data-testid="totp-secret">{e.secret}</code>
                            </p>
                        }
                    })
            }}
            <ActionForm action=confirm attr:class="form inline">
                <label>
                    <span>{move || s().sec_code}</span>
                    <input name="code" autocomplete="one-time-code" required data-testid="totp-confirm-code" />
                </label>
                <button type="submit" class="primary" data-testid="totp-confirm" disabled=move || confirm.pending().get()>
                    {move || s().sec_confirm}
                </button>
            </ActionForm>
        </Show>
        {move || begin.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
        {move || confirm.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
    }
}

#[component]
fn DisableForm(disable: ServerAction<TotpDisable>) -> impl IntoView {
    let s = use_strings();
    view! {
        <ActionForm action=disable attr:class="form inline">
            <label>
                <span>{move || s().sec_disable_label}</span>
                <input name="proof" type="password" autocomplete="off" required data-testid="totp-disable-proof" />
            </label>
            <button type="submit" class="ghost danger" data-testid="totp-disable" disabled=move || disable.pending().get()>
                {move || s().sec_disable}
            </button>
        </ActionForm>
        {move || disable.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
    }
}
