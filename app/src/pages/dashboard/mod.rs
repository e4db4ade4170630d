//! «Дашборд»: the first page after sign-in. Figures for a period (today / 7 days / 30 days /
//! custom) from the daily counters, a per-day chart and a totals ring (charming, browser only), top
//! users and methods, and the latest requests, which arrive live over `/admin/events` (SSE). After
//! a batch of new requests, or a dropped and re-opened feed, the figures are fetched again.
//! Every figure links to the journal page with the same filters. The period is in the address
//! (`/?period=7d`, `/?period=custom&from=…&until=…`), read on the server and in the browser and
//! replaced in place when the manager picks another, so a reload or a shared link keeps it. With
//! no requests in the period the charts give way to «Нет запросов за период».

//!
//! `figures.rs` holds the widgets and top lists, `latest.rs` the latest requests, `signins.rs` the
//! panel's sign-ins, `links.rs` the journal links, `live.rs` (browser only) the charts and the feed.

mod figures;
mod latest;
mod links;
#[cfg(feature = "hydrate")]
mod live;
mod quotas;
mod signins;

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;

use crate::api::dashboard::{dashboard_data, LiveLine};
use crate::components::ErrorAlert;
use crate::i18n::{use_strings, Strings};
use crate::time::day_number;
use figures::{Tops, Widgets};
use latest::Latest;
use quotas::QuotaAlerts;
use signins::SignIns;

/// The period asked for: a preset, or `custom` with its first and last day.
#[derive(Clone, Debug, PartialEq)]
struct Query {
    preset: String,
    from: String,
    until: String,
}

impl Query {
    fn preset(preset: &str) -> Query {
        Query {
            preset: preset.into(),
            from: String::new(),
            until: String::new(),
        }
    }

    /// The period of the address's `period`, `from` and `until`; anything unknown (or a custom
    /// period without both days) is today.
    fn from_url(period: Option<&str>, from: Option<&str>, until: Option<&str>) -> Query {
        match (period, from, until) {
            (Some(p @ ("7d" | "30d")), _, _) => Query::preset(p),
            (Some("custom"), Some(f), Some(u))
                if day_number(f).is_some() && day_number(u).is_some() =>
            {
                Query {
                    preset: "custom".into(),
                    from: f.into(),
                    until: u.into(),
                }
            }
            _ => Query::preset("today"),
        }
    }

    /// The dashboard's address for this period (today is the bare `/`).
    fn href(&self) -> String {
        match self.preset.as_str() {
            "custom" => format!("/?period=custom&from={}&until={}", self.from, self.until),
            "today" => "/".into(),
            p => format!("/?period={p}"),
        }
    }
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
    // The address is the period's one home: links, reloads and the buttons all go through it.
    let params = use_query_map();
    let query = Memo::new(move |_| {
        params.with(|p| Query::from_url(p.get_str("period"), p.get_str("from"), p.get_str("until")))
    });
    let navigate = use_navigate();
    let show = Callback::new(move |q: Query| {
        navigate(
            &q.href(),
            NavigateOptions {
                replace: true,
                scroll: false,
                ..Default::default()
            },
        )
    });
    let first = query.get_untracked();
    let draft_from = RwSignal::new(first.from.clone());
    let draft_until = RwSignal::new(first.until.clone());
    let custom_open = RwSignal::new(first.preset == "custom");
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
                show.run(Query::preset(preset));
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

    // No requests in the period: a note over the chart, which CSS hides (`.chart-empty ~ .chart`);
    // the chart itself stays drawn, to be updated in place when requests come.
    let empty_note = move |testid: &'static str| {
        view! {
            <Transition fallback=|| ()>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(d) if d.totals.total() == 0 => {
                            view! {
                                <p class="chart-empty muted" data-testid=testid>
                                    {move || s().chart_empty}
                                </p>
                            }
                                .into_any()
                        }
                        _ => ().into_any(),
                    }
                })}
            </Transition>
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
                            show.run(Query {
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
        <QuotaAlerts />
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
                <div class="chart-box">
                    {empty_note("chart-days-empty")}
                    <div id="chart-days" class="chart" data-testid="chart-days"></div>
                </div>
            </div>
            <div class="card">
                <h2>{move || s().dash_chart_total}</h2>
                <div class="chart-box">
                    {empty_note("chart-total-empty")}
                    <div id="chart-total" class="chart" data-testid="chart-total"></div>
                </div>
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

#[cfg(test)]
mod tests {
    use super::Query;

    #[test]
    fn the_period_round_trips_through_the_address() {
        for q in [
            Query::preset("today"),
            Query::preset("7d"),
            Query::preset("30d"),
            Query {
                preset: "custom".into(),
                from: "2026-11-01".into(),
                until: "2026-11-07".into(),
            },
        ] {
            let href = q.href();
            let url = href.trim_start_matches("/?");
            let get = |k: &str| {
                url.split('&')
                    .filter_map(|kv| kv.split_once('='))
                    .find(|(a, _)| *a == k)
                    .map(|(_, v)| v)
            };
            assert_eq!(
                Query::from_url(get("period"), get("from"), get("until")),
                q,
                "{href}"
            );
        }
        assert_eq!(Query::preset("7d").href(), "/?period=7d");
        assert_eq!(Query::preset("today").href(), "/");
    }

    #[test]
    fn an_unknown_or_half_period_is_today() {
        let today = Query::preset("today");
        assert_eq!(Query::from_url(Some("1y"), None, None), today);
        assert_eq!(
            Query::from_url(Some("custom"), Some("2026-11-01"), None),
            today
        );
        assert_eq!(
            Query::from_url(Some("custom"), Some("x"), Some("2026-11-01")),
            today
        );
        assert_eq!(Query::from_url(None, None, None), today);
    }
}
