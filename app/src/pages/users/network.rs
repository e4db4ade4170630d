//! The allow-list card of a user's page: the addresses (CIDR blocks) the user may call the API
//! from, checked on the server (`ccgate_core::access::users::validate_ip_allow`) and in force on
//! the user's next request. Its errors are shown in the card, in the page's language.

use leptos::prelude::*;

use crate::api::SetUserIpAllow;
use crate::components::error_text;
use crate::error::AppError;
use crate::i18n::{use_strings, Strings};

/// What the user sees for a refused list: the entry that could not be read, in their language.
fn ip_allow_error(s: &Strings, e: &AppError) -> String {
    match e {
        AppError::Invalid { field, message } if field == "ip_allow" => {
            // The core names the entry in backticks: "`10.0.0.0/33` is not …".
            match message.split('`').nth(1) {
                Some(entry) if message.starts_with('`') => {
                    s.ip_allow_invalid.replace("{entry}", entry)
                }
                _ => s.ip_allow_too_many.to_string(),
            }
        }
        other => error_text(s, other),
    }
}

#[component]
pub fn IpAllowCard(uid: i64, current: String, version: RwSignal<u32>) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let save = ServerAction::<SetUserIpAllow>::new();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1);
        }
    });
    let shown = current.clone();
    // One block per line in the box.
    let text = current.replace(", ", "\n");
    let initial = text.clone();
    view! {
        <section class="card" data-testid="ip-allow-card">
            <h2>{move || s().ip_allow_title}</h2>
            <p class="muted">{move || s().ip_allow_hint}</p>
            <p data-testid="ip-allow-current">
                {move || {
                    if shown.is_empty() {
                        s().ip_allow_any.to_string()
                    } else {
                        format!("{} {}", s().ip_allow_current, shown)
                    }
                }}
            </p>
            <ActionForm action=save attr:class="form">
                <input type="hidden" name="id" value=uid />
                <label class="grow">
                    <span>{move || s().ip_allow_title}</span>
                    <textarea
                        name="ip_allow"
                        rows="3"
                        data-testid="ip-allow"
                        placeholder="10.0.0.0/8, 2001:db8::/32"
                        prop:value=text
                    >
                        {initial}
                    </textarea>
                </label>
                <button type="submit" class="primary" data-testid="ip-allow-save" disabled=move || ro.get()>{move || s().save}</button>
            </ActionForm>
            {move || {
                save.value()
                    .get()
                    .and_then(|r| r.err())
                    .map(|e| {
                        view! {
                            <div class="alert error" role="alert" data-testid="ip-allow-error">
                                {move || ip_allow_error(s(), &e)}
                            </div>
                        }
                    })
            }}
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, RU};

    #[test]
    fn refusals_name_the_entry_in_both_languages() {
        let e = AppError::Invalid {
            field: "ip_allow".into(),
            message: "`10.0.0.0/33` is not an IPv4 or IPv6 address or CIDR block".into(),
        };
        assert!(ip_allow_error(&RU, &e).starts_with("Не удалось прочитать «10.0.0.0/33»"));
        assert!(ip_allow_error(&EN, &e).starts_with("Cannot read “10.0.0.0/33”"));
        let many = AppError::Invalid {
            field: "ip_allow".into(),
            message: "at most 100 blocks".into(),
        };
        assert_eq!(ip_allow_error(&EN, &many), EN.ip_allow_too_many);
    }
}
