//! The limits card of a user's page: requests per minute (overall and per method), `cc/add`
//! contacts per day, SMS parts per day and per month, with what has been used of each in its
//! current window; a quota used to [`WARN_AT_PERCENT`] or more is marked. Checked on the server
//! (`ccgate_core::access::limits::Limits::parse`), in force on the user's next request.

use leptos::prelude::*;

use crate::api::{LimitsView, SetUserLimits, UsageRow};
use crate::components::error_text;
use crate::error::AppError;
use crate::i18n::{use_strings, Strings};
use crate::time::use_time;

/// A quota this full is marked on the page.
pub const WARN_AT_PERCENT: u64 = 80;

/// Is `used` of `limit` at the warning mark?
pub fn near_limit(used: u64, limit: u64) -> bool {
    limit > 0 && used * 100 >= limit * WARN_AT_PERCENT
}

/// The title of a stored limit name.
pub fn title(s: &Strings, name: &str) -> String {
    match name {
        "requests_per_minute" => s.limits_per_minute.to_string(),
        "calls_per_day" => s.limits_calls_per_day.to_string(),
        "sms_parts_per_day" => s.limits_sms_per_day.to_string(),
        "sms_parts_per_month" => s.limits_sms_per_month.to_string(),
        other => match other.strip_prefix("requests_per_minute:") {
            Some(m) => s.limits_method_row.replace("{method}", m),
            None => other.to_string(),
        },
    }
}

fn limits_error(s: &Strings, e: &AppError) -> String {
    match e {
        AppError::Invalid { field, message } => {
            let entry = message.split('`').nth(1).unwrap_or("");
            let what = if field == "per_method" {
                s.limits_bad_method
            } else {
                s.limits_bad_number
            };
            let label = if field == "per_method" {
                s.limits_per_method.to_string()
            } else {
                title(s, field)
            };
            format!("{label}: {}", what.replace("{entry}", entry))
        }
        other => error_text(s, other),
    }
}

#[component]
fn UsageLine(row: UsageRow) -> impl IntoView {
    let s = use_strings();
    let t = use_time();
    let quota = !row.name.starts_with("requests_per_minute");
    let warn = quota && near_limit(row.used, row.limit);
    let name = row.name.clone();
    view! {
        <li class:warn=warn data-testid=format!("usage-{}", row.name) data-warn=warn.to_string()>
            {move || title(s(), &name)} ": " {row.used} " / " {row.limit}
            " · " {move || s().limits_resets} " " {move || t(row.reset_at)}
            {warn.then(|| view! { " — " <strong>{move || s().limits_warning}</strong> })}
        </li>
    }
}

#[component]
pub fn LimitsCard(uid: i64, limits: LimitsView, version: RwSignal<u32>) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let save = ServerAction::<SetUserLimits>::new();
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            version.update(|v| *v += 1);
        }
    });
    let usage = limits.usage.clone();
    let any_warning = usage
        .iter()
        .any(|u| !u.name.starts_with("requests_per_minute") && near_limit(u.used, u.limit));
    let field = move |name: &'static str, label: fn(&Strings) -> &'static str, value: String| {
        view! {
            <label>
                <span>{move || label(s())}</span>
                <input name=name value=value inputmode="numeric" data-testid=format!("limit-{name}") />
            </label>
        }
    };
    view! {
        <section class="card" data-testid="limits-card">
            <h2>{move || s().limits_title}</h2>
            <p class="muted">{move || s().limits_hint}</p>
            {any_warning.then(|| view! {
                <div class="alert warn" role="status" data-testid="limits-warning">{move || s().limits_warning_banner}</div>
            })}
            {if usage.is_empty() {
                view! { <p class="muted">{move || s().limits_none}</p> }.into_any()
            } else {
                view! {
                    <ul class="usage" data-testid="limits-usage">
                        {usage.into_iter().map(|row| view! { <UsageLine row /> }).collect_view()}
                    </ul>
                }.into_any()
            }}
            <ActionForm action=save attr:class="form">
                <input type="hidden" name="id" value=uid />
                <div class="form inline">
                    {field("per_minute", |s| s.limits_per_minute, limits.per_minute.clone())}
                    {field("calls_per_day", |s| s.limits_calls_per_day, limits.calls_per_day.clone())}
                    {field("sms_parts_per_day", |s| s.limits_sms_per_day, limits.sms_parts_per_day.clone())}
                    {field("sms_parts_per_month", |s| s.limits_sms_per_month, limits.sms_parts_per_month.clone())}
                </div>
                <label class="grow">
                    <span>{move || s().limits_per_method}</span>
                    <textarea name="per_method" rows="3" placeholder="cc.add=10" data-testid="limit-per_method"
                        prop:value=limits.per_method.clone()>{limits.per_method.clone()}</textarea>
                </label>
                <button type="submit" class="primary" data-testid="limits-save" disabled=move || ro.get()>{move || s().save}</button>
            </ActionForm>
            {move || {
                save.value().get().and_then(|r| r.err()).map(|e| {
                    view! {
                        <div class="alert error" role="alert" data-testid="limits-error">
                            {move || limits_error(s(), &e)}
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
    fn the_warning_mark_is_eighty_percent() {
        assert!(!near_limit(79, 100));
        assert!(near_limit(80, 100));
        assert!(near_limit(4, 5));
        assert!(!near_limit(3, 5));
        assert!(!near_limit(0, 0));
    }

    #[test]
    fn refusals_name_the_field_in_both_languages() {
        let e = AppError::Invalid {
            field: "calls_per_day".into(),
            message: "`ten`: expected a whole number from 1 to 1000000000, or nothing for no limit"
                .into(),
        };
        assert!(limits_error(&RU, &e).starts_with(RU.limits_calls_per_day));
        assert!(limits_error(&EN, &e).contains("ten"));
        let e = AppError::Invalid {
            field: "per_method".into(),
            message: "`cc.nope=1`: expected module.method=N".into(),
        };
        assert!(limits_error(&EN, &e).starts_with(EN.limits_per_method));
        assert_eq!(
            title(&EN, "requests_per_minute:cc.add"),
            "cc.add: requests per minute"
        );
    }
}
