//! «Дашборд»: the first page after sign-in. Figures for a period (today / 7 days / 30 days /
//! custom) from the daily counters, a per-day chart and a totals ring (charming, browser only), top
//! users and methods, and the latest requests, which arrive live over `/admin/events` (SSE). After
//! a batch of new requests, or a dropped and re-opened feed, the figures are fetched again.
//! Every figure links to the journal page with the same filters.

//!
//! `figures.rs` holds the widgets and top lists, `latest.rs` the latest requests, `signins.rs` the
//! panel's sign-ins, `links.rs` the journal links, `live.rs` (browser only) the charts and the feed.

mod figures;
mod latest;
mod links;
#[cfg(feature = "hydrate")]
mod live;
mod signins;

use leptos::prelude::*;

use crate::api::dashboard::{dashboard_data, LiveLine};
use crate::components::ErrorAlert;
use crate::i18n::{use_strings, Strings};
use figures::{Tops, Widgets};
use latest::Latest;
use signins::SignIns;

/// The period asked for: a preset, or `custom` with its first and last day.
#[derive(Clone, PartialEq)]
struct Query {
    preset: String,
    from: String,
    until: String,
}

/// Live feed state: connecting, open, or dropped (the browser reconnects by itself).
#[derive(Clone, Copy, PartialEq)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
enum Feed {
    Connecting,
    Open,
    Dropped,
}

#[component]
pub fn DashboardPage() -> impl IntoView {
    let s = use_strings();
    let query = RwSignal::new(Query {
        preset: "today".into(),
        from: String::new(),
        until: String::new(),
    });
    let draft_from = RwSignal::new(String::new());
    let draft_until = RwSignal::new(String::new());
    let custom_open = RwSignal::new(false);
    // Bumped to fetch the figures again (new requests, a re-opened feed).
    let refresh = RwSignal::new(0u32);
    let data = Resource::new(
        move || (query.get(), refresh.get()),
        |(q, _)| dashboard_data(q.preset, q.from, q.until),
    );
    // Rows heard live since the last fetch, newest first.
    let live_rows = RwSignal::new(Vec::<LiveLine>::new());
    let feed = RwSignal::new(Feed::Connecting);

    #[cfg(feature = "hydrate")]
    live::start(data, refresh, live_rows, feed, s);

    let choose = move |preset: &'static str| {
        move |_| {
            custom_open.set(preset == "custom");
            if preset != "custom" {
                live_rows.set(vec![]);
                query.set(Query {
                    preset: preset.into(),
                    from: String::new(),
                    until: String::new(),
                });
            } else if draft_from.get_untracked().is_empty() {
                if let Some(Ok(d)) = data.get_untracked() {
                    draft_from.set(d.from_date.clone());
                    draft_until.set(d.until_date.clone());
                }
            }
        }
    };
    let preset_button = move |preset: &'static str, label: fn(&Strings) -> &'static str| {
        view! {
            <button
                type="button"
                class="seg"
                class:active=move || {
                    if preset == "custom" {
                        custom_open.get() || query.with(|q| q.preset == "custom")
                    } else {
                        !custom_open.get() && query.with(|q| q.preset == preset)
                    }
                }
                data-testid=format!("period-{preset}")
                on:click=choose(preset)
            >
                {move || label(s())}
            </button>
        }
    };

    view! {
        // ECharts, vendored from npm (see scripts/vendor-echarts); only this page needs it.
        <leptos_meta::Script src="/echarts.common.min.js" defer="defer" />
        <div class="page-head">
            <h1>{move || s().dashboard_title}</h1>
            <span
                class="live"
                data-testid="live-state"
                data-state=move || match feed.get() {
                    Feed::Open => "open",
                    Feed::Dropped => "dropped",
                    Feed::Connecting => "connecting",
                }
            >
                {move || match feed.get() {
                    Feed::Open => s().dash_live_on,
                    _ => s().dash_live_off,
                }}
            </span>
            <div class="periods">
                <div class="segmented">
                    {preset_button("today", |s| s.dash_period_today)}
                    {preset_button("7d", |s| s.dash_period_7d)}
                    {preset_button("30d", |s| s.dash_period_30d)}
                    {preset_button("custom", |s| s.dash_period_custom)}
                </div>
                <Show when=move || custom_open.get()>
                    <form
                        class="inline-form custom-period"
                        on:submit=move |ev| {
                            ev.prevent_default();
                            live_rows.set(vec![]);
                            query.set(Query {
                                preset: "custom".into(),
                                from: draft_from.get_untracked(),
                                until: draft_until.get_untracked(),
                            });
                        }
                    >
                        <label>
                            <span>{move || s().dash_from}</span>
                            <input
                                type="date"
                                data-testid="period-from"
                                prop:value=move || draft_from.get()
                                on:input=move |ev| draft_from.set(event_target_value(&ev))
                            />
                        </label>
                        <label>
                            <span>{move || s().dash_until}</span>
                            <input
                                type="date"
                                data-testid="period-until"
                                prop:value=move || draft_until.get()
                                on:input=move |ev| draft_until.set(event_target_value(&ev))
                            />
                        </label>
                        <button type="submit" class="primary" data-testid="period-apply">
                            {move || s().dash_show}
                        </button>
                    </form>
                </Show>
            </div>
        </div>
        <p class="muted">{move || s().dashboard_intro}</p>
        <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => view! { <Widgets d /> }.into_any(),
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
                }
            })}
        </Transition>
        // The charts' containers stay put across refetches: each chart is drawn once, then updated.
        <section class="charts">
            <div class="card">
                <h2>{move || s().dash_chart_days}</h2>
                <div id="chart-days" class="chart" data-testid="chart-days"></div>
            </div>
            <div class="card">
                <h2>{move || s().dash_chart_total}</h2>
                <div id="chart-total" class="chart" data-testid="chart-total"></div>
            </div>
        </section>
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match data.await {
                    Ok(d) => {
                        let rows = live_rows.get();
                        view! {
                            <Tops d=d.clone() />
                            <Latest d rows />
                        }
                            .into_any()
                    }
                    Err(_) => ().into_any(),
                }
            })}
        </Transition>
        <SignIns />
    }
}
