//! The «Аудит» page's table of changes, with its pager.

use leptos::prelude::*;

use super::actor_text;
use crate::api::{AuditPage, AUDIT_PAGE};
use crate::components::tables::or_dash;
use crate::components::{ErrorAlert, Pager};
use crate::error::AppError;
use crate::i18n::use_strings;
use crate::time::use_time;

#[component]
pub fn AuditTable(
    page: Resource<Result<AuditPage, AppError>>,
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
                                    let actor = r.actor.clone();
                                    let action = r.action.clone();
                                    view! {
                                        <tr data-testid="audit-row">
                                            <td class="mono time" data-testid="time">{move || t(r.at)}</td>
                                            <td data-testid="actor">{move || actor_text(s(), &actor)}</td>
                                            <td class="mono" data-testid="ip">{or_dash(r.ip)}</td>
                                            <td data-testid="action">
                                                {move || s().audit_action(&action)}
                                                <div class="mono small muted">{r.action.clone()}</div>
                                            </td>
                                            <td class="mono" data-testid="target">{r.target}</td>
                                            <td class="change" data-testid="change">
                                                <span class="mono old">{or_dash(r.old_value)}</span>
                                                " → "
                                                <span class="mono new">{or_dash(r.new_value)}</span>
                                            </td>
                                        </tr>
                                    }
                                })
                                .collect_view();
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="audit">
                                        <thead>
                                            <tr>
                                                <th>{move || s().col_time}</th>
                                                <th>{move || s().col_actor}</th>
                                                <th>{move || s().col_ip}</th>
                                                <th>{move || s().col_action}</th>
                                                <th>{move || s().col_target}</th>
                                                <th class="wide">{move || s().col_change}</th>
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
