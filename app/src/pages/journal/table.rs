//! The journal page's table of requests, with its pager.

use leptos::prelude::*;

use crate::api::{JournalPage, JOURNAL_PAGE};
use crate::components::tables::{method_label, or_dash, outcome_badge};
use crate::components::{ErrorAlert, Pager};
use crate::error::AppError;
use crate::i18n::use_strings;
use crate::time::use_time;

#[component]
pub fn JournalTable(
    page: Resource<Result<JournalPage, AppError>>,
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
                                    let which = method_label(&r.module, &r.method);
                                    let title = r.path.clone();
                                    view! {
                                        <tr data-testid="journal-row">
                                            <td class="mono time" data-testid="time">{move || t(r.at)}</td>
                                            <td>{or_dash(r.user)}</td>
                                            <td class="mono">{which}</td>
                                            <td><span class=outcome_badge(&r.outcome)>{r.status}</span></td>
                                            <td class="mono">{r.error_code.unwrap_or_default()}</td>
                                            <td class="num">{format!("{:.2}", r.latency_ms)}</td>
                                            <td class="mono">{r.client_ip}</td>
                                            <td class="mono ua" title=title>{r.http_method} " " {r.path}</td>
                                            <td class="mono small">{r.request_id}</td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="journal">
                                        <thead>
                                            <tr>
                                                <th>{move || s().col_time}</th>
                                                <th>{move || s().col_user}</th>
                                                <th>{move || s().col_method}</th>
                                                <th>{move || s().col_status}</th>
                                                <th>{move || s().col_code}</th>
                                                <th>{move || s().col_latency}</th>
                                                <th>{move || s().col_ip}</th>
                                                <th>{move || s().col_path}</th>
                                                <th>{move || s().col_request_id}</th>
                                            </tr>
                                        </thead>
                                        <tbody>{rows}</tbody>
                                    </table>
                                </div>
                                <Pager offset total=p.total count page=JOURNAL_PAGE />
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
