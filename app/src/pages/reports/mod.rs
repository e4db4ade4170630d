//! «Отчёты»: pick a report, its first and last day and a grouping; «Показать» builds it (the last
//! seven days by day on arrival), «Скачать CSV» downloads the same report from the panel's CSV
//! route. The table and the side tables are in `table.rs`, the chart (browser only) in `chart.rs`.
//! Dates are checked here first, so a wrong range is said in the page's language.

#[cfg(feature = "hydrate")]
mod chart;
mod table;

use leptos::prelude::*;

use crate::api::reports::{
    csv_href, date_of, day_number, reports_meta, ReportChoices, ReportKind, RunReport, MAX_DAYS,
};
use crate::components::ErrorAlert;
use crate::i18n::{use_strings, Strings};
use table::ReportView;

/// The report asked for.
#[derive(Clone, Debug, PartialEq)]
struct Ask {
    report: String,
    from: String,
    until: String,
    group_by: String,
}

impl Ask {
    /// A message (in the page's language) when the dates cannot make a report.
    fn invalid(&self, s: &Strings) -> Option<&'static str> {
        let (Some(a), Some(b)) = (day_number(&self.from), day_number(&self.until)) else {
            return Some(s.rep_err_date);
        };
        if a > b {
            Some(s.rep_err_order)
        } else if b - a + 1 > MAX_DAYS {
            Some(s.rep_err_too_long)
        } else {
            None
        }
    }

    fn href(&self) -> String {
        csv_href(&self.report, &self.from, &self.until, &self.group_by)
    }
}

#[component]
pub fn ReportsPage() -> impl IntoView {
    let s = use_strings();
    let meta = Resource::new(|| (), |_| reports_meta());
    view! {
        // ECharts, vendored from npm (see scripts/vendor-echarts), for the report's chart.
        <leptos_meta::Script src="/echarts.common.min.js" defer="defer" />
        <h1>{move || s().reports_title}</h1>
        <p class="muted">{move || s().reports_intro}</p>
        <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
            {move || Suspend::new(async move {
                match meta.await {
                    Ok(m) => view! { <Reports m /> }.into_any(),
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
                }
            })}
        </Transition>
    }
}

#[component]
fn Reports(m: ReportChoices) -> impl IntoView {
    let s = use_strings();
    let kinds = StoredValue::new(m.kinds.clone());
    let today = day_number(&m.today).unwrap_or_default();
    let draft = RwSignal::new(Ask {
        report: "request".into(),
        from: date_of(today - 6),
        until: m.today.clone(),
        group_by: "day".into(),
    });
    // What the result shows (its CSV is the same report).
    let shown: RwSignal<Option<Ask>> = RwSignal::new(None);
    let invalid: RwSignal<Option<&'static str>> = RwSignal::new(None);
    let run = ServerAction::<RunReport>::new();
    let go = move || {
        let a = draft.get_untracked();
        let bad = a.invalid(s());
        invalid.set(bad);
        if bad.is_none() {
            run.dispatch(RunReport {
                report: a.report.clone(),
                from: a.from.clone(),
                until: a.until.clone(),
                group_by: a.group_by.clone(),
            });
            shown.set(Some(a));
        }
    };
    // The last seven days on arrival (in the browser, once hydrated).
    Effect::new(move |done: Option<bool>| {
        if done != Some(true) {
            go();
        }
        true
    });
    let kind_of = move |name: &str| -> Option<ReportKind> {
        kinds.with_value(|k| k.iter().find(|k| k.name == name).cloned())
    };
    let groups = move || {
        draft
            .with(|d| kind_of(&d.report))
            .map(|k| k.groups)
            .unwrap_or_default()
    };
    let demo_configured = kind_of("demoReport").is_some_and(|k| k.configured);
    let options = m
        .kinds
        .iter()
        .map(|k| {
            let name = k.name.clone();
            let n2 = name.clone();
            let configured = k.configured;
            view! {
                <option value=name.clone() disabled=!configured selected=name == "request">
                    {move || {
                        let t = s().report(&n2);
                        if configured { t } else { format!("{t} ({})", s().rep_not_configured) }
                    }}
                </option>
            }
        })
        .collect_view();
    let on_report = move |ev| {
        let name = event_target_value(&ev);
        let first = kind_of(&name)
            .and_then(|k| k.groups.first().cloned())
            .unwrap_or_default();
        draft.update(|d| {
            d.report = name;
            d.group_by = first;
        });
    };
    let date_input =
        move |get: fn(&Ask) -> String, set: fn(&mut Ask, String), testid: &'static str| {
            view! {
                <input
                    type="date"
                    data-testid=testid
                    required
                    prop:value=move || draft.with(get)
                    on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
                />
            }
        };

    #[cfg(feature = "hydrate")]
    chart::start(run, s);

    view! {
        <section class="card">
            <form
                class="form filters-grid report-form"
                on:submit=move |ev| {
                    ev.prevent_default();
                    go();
                }
            >
                <label>
                    <span>{move || s().rep_report}</span>
                    <select class="filter" data-testid="rep-kind" on:change=on_report>
                        {options}
                    </select>
                </label>
                <label>
                    <span>{move || s().rep_from}</span>
                    {date_input(|a| a.from.clone(), |a, v| a.from = v, "rep-from")}
                </label>
                <label>
                    <span>{move || s().rep_until}</span>
                    {date_input(|a| a.until.clone(), |a, v| a.until = v, "rep-until")}
                </label>
                <label>
                    <span>{move || s().rep_group_by}</span>
                    <select
                        class="filter"
                        data-testid="rep-group"
                        disabled=move || { groups().len() < 2 }
                        prop:value=move || draft.with(|d| d.group_by.clone())
                        on:change=move |ev| draft.update(|d| d.group_by = event_target_value(&ev))
                    >
                        {move || {
                            let g = groups();
                            if g.is_empty() {
                                view! { <option value="">"—"</option> }.into_any()
                            } else {
                                g.into_iter()
                                    .map(|g| {
                                        let v = g.clone();
                                        view! { <option value=v>{move || s().group(&g)}</option> }
                                    })
                                    .collect_view()
                                    .into_any()
                            }
                        }}
                    </select>
                </label>
                <div class="filter-buttons">
                    <button type="submit" class="primary" data-testid="rep-show" disabled=move || run.pending().get()>
                        {move || s().rep_show}
                    </button>
                    <a
                        class="button ghost"
                        class:disabled=move || shown.get().is_none()
                        data-testid="rep-csv"
                        download=""
                        href=move || shown.get().map(|a| a.href()).unwrap_or_default()
                    >
                        {move || s().rep_download}
                    </a>
                </div>
            </form>
            {move || invalid.get().map(|m| view! { <div class="alert error spaced" data-testid="rep-invalid">{m}</div> })}
            {(!demo_configured).then(|| view! { <p class="hint" data-testid="rep-demo-hint">{move || s().rep_demo_hint}</p> })}
        </section>
        // The chart's container stays put; the chart is drawn into it in the browser.
        <section
            class="card"
            class:hidden=move || !matches!(run.value().get(), Some(Ok(t)) if t.chart.is_some() && !t.empty)
        >
            <h2>{move || s().rep_chart}</h2>
            <div id="rep-chart" class="chart" data-testid="rep-chart"></div>
        </section>
        <section class="card" data-testid="rep-result">
            <Show when=move || run.pending().get()>
                <p class="muted loading-line" data-testid="rep-loading">{move || s().rep_loading}</p>
            </Show>
            {move || {
                run.value().get().map(|r| match r {
                    Ok(t) => view! { <ReportView t /> }.into_any(),
                    Err(e) => view! { <div data-testid="rep-error"><ErrorAlert e /></div> }.into_any(),
                })
            }}
        </section>
    }
}
