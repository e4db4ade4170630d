//! «Последние запросы»: the newest journal rows of the period, live rows first.

use leptos::prelude::*;

use super::links::journal_href;
use crate::api::dashboard::{DashData, LiveLine, LATEST};
use crate::components::tables::{method_label, or_dash, outcome_badge};
use crate::i18n::use_strings;
use crate::time::use_time;

#[component]
pub fn Latest(d: DashData, rows: Vec<LiveLine>) -> impl IntoView {
    let s = use_strings();
    let t = use_time();
    // Live rows newer than the fetched ones (a fetch absorbs what was heard before it).
    let newest = d.latest.first().map(|r| r.at).unwrap_or_default();
    let mut all: Vec<LiveLine> = if d.includes_today {
        rows.into_iter().filter(|r| r.at > newest).collect()
    } else {
        vec![]
    };
    all.extend(d.latest.iter().cloned());
    all.truncate(LATEST);
    let href = journal_href(&d, &[]);
    let body = if all.is_empty() {
        view! { <p class="muted">{move || s().dash_latest_empty}</p> }.into_any()
    } else {
        let items = all
            .into_iter()
            .map(|r| {
                let badge = outcome_badge(&r.outcome);
                let which = method_label(&r.module, &r.method);
                view! {
                    <tr data-testid="latest-row" data-outcome=r.outcome.clone()>
                        <td class="mono time" data-testid="time">{move || t(r.at)}</td>
                        <td>{or_dash(r.user)}</td>
                        <td class="mono">{which}</td>
                        <td><span class=badge>{r.status}</span></td>
                        <td class="mono">{r.error_code.unwrap_or_default()}</td>
                        <td class="num">{format!("{:.2}", r.latency_ms)}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="table" data-testid="latest">
                    <thead>
                        <tr>
                            <th>{move || s().col_time}</th>
                            <th>{move || s().col_user}</th>
                            <th>{move || s().col_method}</th>
                            <th>{move || s().col_status}</th>
                            <th>{move || s().col_code}</th>
                            <th class="num">{move || s().col_latency}</th>
                        </tr>
                    </thead>
                    <tbody>{items}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    view! {
        <section class="card">
            <div class="card-head">
                <h2>{move || s().dash_latest}</h2>
                <a href=href data-testid="open-journal">{move || s().dash_open_journal}</a>
            </div>
            {body}
        </section>
    }
}
