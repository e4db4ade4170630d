//! The widgets (users, modules, methods, requests, bad requests, errors) and the four top lists.

use leptos::prelude::*;

use super::links::{journal_href, share};
use crate::api::dashboard::{DashData, TopLine};
use crate::i18n::{use_strings, Strings};

#[component]
pub fn Widgets(d: DashData) -> impl IntoView {
    let s = use_strings();
    let t = d.totals;
    let all = journal_href(&d, &[]);
    let bad = journal_href(&d, &[("outcome", "bad")]);
    let errors = journal_href(&d, &[("outcome", "error")]);
    view! {
        <section class="widgets" data-testid="widgets">
            <a class="widget" href="/users" data-testid="w-users">
                <span class="w-title">{move || s().dash_w_users}</span>
                <span class="w-value">
                    <span data-testid="w-users-active">{d.users_active}</span>
                    " / "
                    <span data-testid="w-users-blocked">{d.users_blocked}</span>
                </span>
                <span class="w-sub">{move || s().dash_w_users_sub}</span>
            </a>
            <a class="widget" href="/settings" data-testid="w-modules">
                <span class="w-title">{move || s().dash_w_modules}</span>
                <span class="w-value">{format!("{} / {}", d.modules_enabled, d.modules_total)}</span>
                <span class="w-sub">{move || s().dash_w_enabled_sub}</span>
            </a>
            <a class="widget" href="/settings" data-testid="w-methods">
                <span class="w-title">{move || s().dash_w_methods}</span>
                <span class="w-value">{format!("{} / {}", d.methods_enabled, d.methods_total)}</span>
                <span class="w-sub">{move || s().dash_w_enabled_sub}</span>
            </a>
            <a class="widget" href=all data-testid="w-requests">
                <span class="w-title">{move || s().dash_w_requests}</span>
                <span class="w-value" data-testid="w-requests-value">{t.total()}</span>
                <span class="w-sub">{move || s().dash_w_requests_sub}</span>
            </a>
            <a class="widget warn" href=bad data-testid="w-bad">
                <span class="w-title">{move || s().dash_w_bad}</span>
                <span class="w-value">
                    <span data-testid="w-bad-value">{t.bad}</span>
                    <span class="w-share" data-testid="w-bad-share">{share(t.bad, t.total())}</span>
                </span>
                <span class="w-sub">{move || s().dash_w_bad_sub}</span>
            </a>
            <a class="widget bad" href=errors data-testid="w-errors">
                <span class="w-title">{move || s().dash_w_errors}</span>
                <span class="w-value" data-testid="w-errors-value">{t.error}</span>
                <span class="w-sub">{move || s().dash_w_errors_sub}</span>
            </a>
        </section>
    }
}

#[component]
pub fn Tops(d: DashData) -> impl IntoView {
    let s = use_strings();
    let list = |title: fn(&Strings) -> &'static str,
                rows: Vec<TopLine>,
                users: bool,
                by_bad: bool,
                testid: &'static str| {
        let body = if rows.is_empty() {
            view! { <p class="muted">{move || s().dash_top_empty}</p> }.into_any()
        } else {
            let items = rows
                .into_iter()
                .map(|r| {
                    let mut filters: Vec<(&str, &str)> = Vec::new();
                    if users {
                        filters.push(("user", &r.name));
                    } else {
                        filters.push(("module", &r.module));
                        filters.push(("method", &r.method));
                    }
                    if by_bad {
                        filters.push(("outcome", "bad"));
                    }
                    let href = journal_href(&d, &filters);
                    let name = r.name.clone();
                    let label = move || {
                        if !name.is_empty() {
                            name.clone()
                        } else if users {
                            s().dash_anonymous.to_string()
                        } else {
                            s().dash_unknown_route.to_string()
                        }
                    };
                    let n = if by_bad {
                        r.counts.bad
                    } else {
                        r.counts.total()
                    };
                    view! {
                        <tr>
                            <td class="mono"><a href=href>{label}</a></td>
                            <td class="num">{n}</td>
                        </tr>
                    }
                })
                .collect_view();
            view! {
                <table class="table compact" data-testid=testid>
                    <thead>
                        <tr>
                            <th>{move || if users { s().col_user } else { s().col_method }}</th>
                            <th class="num">
                                {move || if by_bad { s().dash_col_bad } else { s().dash_col_requests }}
                            </th>
                        </tr>
                    </thead>
                    <tbody>{items}</tbody>
                </table>
            }
                .into_any()
        };
        view! {
            <div class="card">
                <h2>{move || title(s())}</h2>
                {body}
            </div>
        }
    };
    view! {
        <section class="tops">
            {list(|s| s.dash_top_users, d.top_users.clone(), true, false, "top-users")}
            {list(|s| s.dash_top_users_bad, d.top_users_bad.clone(), true, true, "top-users-bad")}
            {list(|s| s.dash_top_methods, d.top_methods.clone(), false, false, "top-methods")}
            {list(|s| s.dash_top_methods_bad, d.top_methods_bad.clone(), false, true, "top-methods-bad")}
        </section>
    }
}
