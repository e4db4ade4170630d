//! A built report: its period, rates, the table with its totals row, `badRequest`'s error-code
//! tables, and the report server's answer as text when it holds no rows.

use leptos::prelude::*;

use crate::api::reports::ReportTable;
use crate::i18n::use_strings;
use crate::time::{parse_rfc3339, use_time};

#[component]
pub fn ReportView(t: ReportTable) -> impl IntoView {
    let s = use_strings();
    let period = {
        let (from, to, n, tz) = (
            t.from_date.clone(),
            t.to_date.clone(),
            t.days,
            t.utc_offset.clone(),
        );
        move || {
            s().rep_period
                .replace("{from}", &from)
                .replace("{to}", &to)
                .replace("{n}", &n.to_string())
                .replace("{tz}", &tz)
        }
    };
    let summary = t
        .summary
        .iter()
        .map(|(k, v)| {
            let (k, v) = (k.clone(), v.clone());
            let testid = format!("rep-summary-{k}");
            view! {
                <span class="summary-item" data-testid=testid>
                    {move || s().column(&k)}": "<strong>{v}</strong>
                </span>
            }
        })
        .collect_view();
    let text = t.text.clone().map(|text| {
        view! {
            <h2>{move || s().rep_upstream_text}</h2>
            <pre class="code" data-testid="rep-text">{text}</pre>
        }
    });
    let body = if t.empty {
        view! { <p class="muted" data-testid="rep-empty">{move || s().rep_empty}</p> }.into_any()
    } else if t.rows.is_empty() {
        ().into_any()
    } else {
        view! {
            <Grid columns=t.columns.clone() numeric=t.numeric.clone() rows=t.rows.clone() totals=t.totals.clone() testid="rep-table" />
            {t
                .sections
                .iter()
                .filter(|sec| !sec.rows.is_empty())
                .map(|sec| {
                    let title = sec.title.clone();
                    let numeric = sec.columns.iter().map(|c| c != "error_code").collect::<Vec<_>>();
                    view! {
                        <h2 class="section-title">{move || s().column(&title)}</h2>
                        <Grid columns=sec.columns.clone() numeric rows=sec.rows.clone() totals=None testid="rep-section" />
                    }
                })
                .collect_view()}
        }
        .into_any()
    };
    view! {
        <div class="report-head">
            <span class="muted" data-testid="rep-period">{period}</span>
            {summary}
        </div>
        {body}
        {text}
    }
}

#[component]
fn Grid(
    columns: Vec<String>,
    numeric: Vec<bool>,
    rows: Vec<Vec<String>>,
    totals: Option<Vec<String>>,
    testid: &'static str,
) -> impl IntoView {
    let s = use_strings();
    let t = use_time();
    let num = move |i: usize| numeric.get(i).copied().unwrap_or(false);
    let head = columns
        .iter()
        .enumerate()
        .map(|(i, c)| {
            let c = c.clone();
            view! { <th class:num=num(i)>{move || s().column(&c)}</th> }
        })
        .collect_view();
    let body = rows
        .into_iter()
        .map(|r| {
            let cells = r
                .into_iter()
                .enumerate()
                .map(|(i, c)| {
                    if i == 0 && c.is_empty() {
                        view! { <td class="muted">{move || s().rep_no_key}</td> }.into_any()
                    } else if let Some(ms) = parse_rfc3339(&c) {
                        // A time (`last_request_at`): in the panel's zone and language.
                        view! { <td class="time" data-testid="time">{move || t(ms)}</td> }
                            .into_any()
                    } else {
                        view! { <td class:num=num(i)>{c}</td> }.into_any()
                    }
                })
                .collect_view();
            view! { <tr data-testid="rep-row">{cells}</tr> }
        })
        .collect_view();
    let foot = totals.map(|t| {
        let cells = t
            .into_iter()
            .enumerate()
            .map(|(i, c)| {
                if i == 0 {
                    view! { <td>{move || s().rep_total}</td> }.into_any()
                } else {
                    view! { <td class:num=num(i)>{c}</td> }.into_any()
                }
            })
            .collect_view();
        view! { <tfoot><tr data-testid="rep-totals">{cells}</tr></tfoot> }
    });
    view! {
        <div class="table-wrap">
            <table class="table compact" data-testid=testid>
                <thead><tr>{head}</tr></thead>
                <tbody>{body}</tbody>
                {foot}
            </table>
        </div>
    }
}
