//! The «Входы» page's table of sign-in attempts, with its pager.

use leptos::prelude::*;

use crate::api::{SignInListPage, AUDIT_PAGE};
use crate::components::tables::{signin_badge, signin_text};
use crate::components::{ErrorAlert, Pager};
use crate::error::AppError;
use crate::i18n::use_strings;
use crate::time::use_time;

#[component]
pub fn SignInTable(
    page: Resource<Result<SignInListPage, AppError>>,
    offset: RwSignal<i64>,
) -> impl IntoView {
    let s = use_strings();
    let t = use_time();
    view! {
        <section class="card">
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) => {
                            let count = p.items.len();
                            let rows = p
                                .items
                                .into_iter()
                                .map(|r| {
                                    let result = r.result.clone();
                                    view! {
                                        <tr data-testid="signin-row">
                                            <td class="mono time" data-testid="time">{move || t(r.at)}</td>
                                            <td data-testid="username">{r.username}</td>
                                            <td class="mono" data-testid="ip">{r.ip}</td>
                                            <td>
                                                <span class=signin_badge(&r.result) data-testid="result">
                                                    {move || signin_text(s(), &result)}
                                                </span>
                                            </td>
                                            <td class="ua" title=r.user_agent.clone()>{r.user_agent.clone()}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="signin-log">
                                        <thead>
                                            <tr>
                                                <th>{move || s().col_time}</th>
                                                <th>{move || s().col_username_tried}</th>
                                                <th>{move || s().col_ip}</th>
                                                <th>{move || s().col_result}</th>
                                                <th class="wide">{move || s().col_browser}</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pager offset total=p.total count page=AUDIT_PAGE />
                            }
                                .into_any()
                        }
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
