//! «Дашборд»: the first page after sign-in. Figures for a period (today / 7 days / 30 days /
//! custom) from the daily counters, a per-day chart and a totals ring (charming, browser only), top
//! users and methods, and the latest requests, which arrive live over `/admin/events` (SSE). After
//! a batch of new requests, or a dropped and re-opened feed, the figures are fetched again.
//! Every figure links to the journal page with the same filters.

use leptos::prelude::*;

use crate::api::dashboard::{dashboard_data, DashData, LiveLine, TopLine, LATEST};
use crate::api::signins;
use crate::i18n::{use_strings, Strings};
use crate::pages::error_text;

/// The journal page for the dashboard's period, plus `extra` filters.
fn journal_href(d: &DashData, extra: &[(&str, &str)]) -> String {
    let mut q = format!("/journal?from={}&until={}", d.from_date, d.journal_until);
    for (k, v) in extra {
        if !v.is_empty() {
            q.push('&');
            q.push_str(k);
            q.push('=');
            q.push_str(&encode(v));
        }
    }
    q
}

/// Percent-encode a query value (everything but unreserved ASCII).
fn encode(v: &str) -> String {
    let mut out = String::with_capacity(v.len());
    for b in v.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

fn share(part: i64, total: i64) -> String {
    if total == 0 {
        "0%".into()
    } else {
        format!("{:.1}%", part as f64 * 100.0 / total as f64)
    }
}

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
    browser::start(data, refresh, live_rows, feed, s);

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
                    Err(e) => {
                        view! { <div class="alert error">{move || error_text(s(), &e)}</div> }
                            .into_any()
                    }
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

#[component]
fn Widgets(d: DashData) -> impl IntoView {
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
fn Tops(d: DashData) -> impl IntoView {
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

#[component]
fn Latest(d: DashData, rows: Vec<LiveLine>) -> impl IntoView {
    let s = use_strings();
    // Live rows newer than the fetched ones (a fetch absorbs what was heard before it).
    let newest = d.latest.first().map(|r| r.at.clone()).unwrap_or_default();
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
                let badge = match r.outcome.as_str() {
                    "ok" => "badge ok",
                    "bad" => "badge warn",
                    _ => "badge bad",
                };
                let which = match (&r.module, &r.method) {
                    (Some(m), Some(x)) => format!("{m}.{x}"),
                    (None, Some(x)) => x.clone(),
                    _ => "—".into(),
                };
                view! {
                    <tr data-testid="latest-row" data-outcome=r.outcome.clone()>
                        <td class="mono">{r.at}</td>
                        <td>{r.user.unwrap_or_else(|| "—".into())}</td>
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

#[component]
fn SignIns() -> impl IntoView {
    let s = use_strings();
    let page = Resource::new(|| (), |_| signins(10, 0));
    view! {
        <section class="card">
            <h2>{move || s().signins_title}</h2>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match page.await {
                        Ok(p) if p.items.is_empty() => {
                            view! { <p class="muted">{move || s().signins_empty}</p> }.into_any()
                        }
                        Ok(p) => {
                            view! {
                                <div class="table-wrap">
                                    <table class="table" data-testid="signins">
                                        <thead>
                                            <tr>
                                                <th>{move || s().col_time}</th>
                                                <th>{move || s().col_user}</th>
                                                <th>{move || s().col_ip}</th>
                                                <th>{move || s().col_result}</th>
                                                <th class="wide">{move || s().col_browser}</th>
                                            </tr>
                                        </thead>
                                        <tbody>
                                            {p
                                                .items
                                                .into_iter()
                                                .map(|r| {
                                                    let result = r.result.clone();
                                                    let badge = match result.as_str() {
                                                        "ok" => "badge ok",
                                                        "throttled" => "badge warn",
                                                        _ => "badge bad",
                                                    };
                                                    view! {
                                                        <tr>
                                                            <td class="mono">{r.at}</td>
                                                            <td>{r.username}</td>
                                                            <td class="mono">{r.ip}</td>
                                                            <td>
                                                                <span class=badge>
                                                                    {move || match result.as_str() {
                                                                        "ok" => s().result_ok,
                                                                        "throttled" => s().result_throttled,
                                                                        _ => s().result_fail,
                                                                    }}
                                                                </span>
                                                            </td>
                                                            <td class="ua">{r.user_agent}</td>
                                                        </tr>
                                                    }
                                                })
                                                .collect_view()}
                                        </tbody>
                                    </table>
                                </div>
                            }
                                .into_any()
                        }
                        Err(e) => {
                            view! {
                                <div class="alert error">{move || error_text(s(), &e)}</div>
                            }
                                .into_any()
                        }
                    }
                })}
            </Transition>
        </section>
    }
}

/// Browser-only wiring: the charts and the live feed.
#[cfg(feature = "hydrate")]
mod browser {
    use std::time::Duration;

    use leptos::prelude::*;
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::JsCast;

    use super::Feed;
    use crate::api::dashboard::{DashData, LiveBatch, LiveLine, LATEST};
    use crate::error::AppError;
    use crate::i18n::Strings;
    use crate::pages::charts;

    type Data = Resource<Result<DashData, AppError>>;

    pub fn start(
        data: Data,
        refresh: RwSignal<u32>,
        live_rows: RwSignal<Vec<LiveLine>>,
        feed: RwSignal<Feed>,
        s: impl Fn() -> &'static Strings + Copy + Send + Sync + 'static,
    ) {
        // ECharts is a deferred script: wait for it before the first draw.
        let ready = RwSignal::new(charts::echarts_loaded());
        if !ready.get_untracked() {
            if let Ok(h) = set_interval_with_handle(
                move || {
                    if charts::echarts_loaded() {
                        ready.set(true);
                    }
                },
                Duration::from_millis(50),
            ) {
                Effect::new(move |_| {
                    if ready.get() {
                        h.clear();
                    }
                });
                on_cleanup(move || h.clear());
            }
        }

        let days = charts::new_slot();
        let total = charts::new_slot();
        Effect::new(move |_| {
            if !ready.get() {
                return;
            }
            let Some(Ok(d)) = data.get() else { return };
            let st = s();
            let labels = charts::Labels {
                valid: st.dash_series_valid,
                bad: st.dash_series_bad,
                error: st.dash_series_error,
            };
            charts::draw(days, "chart-days", &charts::days(&d.days, &labels));
            charts::draw(total, "chart-total", &charts::totals(&d.totals, &labels));
            // What is drawn, for tests and tools: dates and per-outcome series.
            if let Some(el) = document().get_element_by_id("chart-days") {
                let series = serde_json::json!({
                    "dates": d.days.iter().map(|p| p.date.clone()).collect::<Vec<_>>(),
                    "ok": d.days.iter().map(|p| p.counts.ok).collect::<Vec<_>>(),
                    "bad": d.days.iter().map(|p| p.counts.bad).collect::<Vec<_>>(),
                    "error": d.days.iter().map(|p| p.counts.error).collect::<Vec<_>>(),
                });
                let _ = el.set_attribute("data-series", &series.to_string());
            }
        });
        let on_resize = window_event_listener(leptos::ev::resize, move |_| {
            charts::resize(days);
            charts::resize(total);
        });
        on_cleanup(move || {
            on_resize.remove();
            charts::dispose(days);
            charts::dispose(total);
        });

        // New requests: show their rows at once; fetch the figures again at most once a second.
        let pending = StoredValue::new(false);
        let refetch_soon = move || {
            if !pending.get_value() {
                pending.set_value(true);
                set_timeout(
                    move || {
                        pending.set_value(false);
                        refresh.update(|n| *n += 1);
                    },
                    Duration::from_millis(1000),
                );
            }
        };
        let feed_handle = StoredValue::new_local(None::<EventFeed>);
        let opened_before = StoredValue::new(false);
        let es = match web_sys::EventSource::new("/admin/events") {
            Ok(es) => es,
            Err(_) => return,
        };
        let hello = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| {
            feed.set(Feed::Open);
            // After a drop we may have missed batches: fetch everything again.
            if opened_before.get_value() {
                refresh.update(|n| *n += 1);
            }
            opened_before.set_value(true);
        });
        let written =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
                let Some(text) = ev.data().as_string() else {
                    return;
                };
                let Ok(batch) = serde_json::from_str::<LiveBatch>(&text) else {
                    return;
                };
                live_rows.update(|rows| {
                    for r in batch.rows.into_iter() {
                        rows.insert(0, r);
                    }
                    rows.truncate(LATEST);
                });
                refetch_soon();
            });
        let missed = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| refetch_soon());
        let error =
            Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| feed.set(Feed::Dropped));
        let _ = es.add_event_listener_with_callback("hello", hello.as_ref().unchecked_ref());
        let _ = es.add_event_listener_with_callback("written", written.as_ref().unchecked_ref());
        let _ = es.add_event_listener_with_callback("missed", missed.as_ref().unchecked_ref());
        let _ = es.add_event_listener_with_callback("error", error.as_ref().unchecked_ref());
        feed_handle.set_value(Some(EventFeed {
            es,
            _callbacks: vec![hello, written, missed, error],
        }));
        on_cleanup(move || {
            if let Some(Some(f)) = feed_handle.try_update_value(|v| v.take()) {
                f.es.close();
            }
        });
    }

    /// The open EventSource and the callbacks it calls (dropped together on unmount).
    struct EventFeed {
        es: web_sys::EventSource,
        _callbacks: Vec<Closure<dyn FnMut(web_sys::MessageEvent)>>,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn journal_links_carry_the_period_and_filters() {
        let d = DashData {
            from_date: "2026-11-19".into(),
            until_date: "2026-11-25".into(),
            journal_until: "2026-11-26".into(),
            includes_today: true,
            users_active: 0,
            users_blocked: 0,
            modules_enabled: 0,
            modules_total: 0,
            methods_enabled: 0,
            methods_total: 0,
            totals: Default::default(),
            days: vec![],
            top_users: vec![],
            top_users_bad: vec![],
            top_methods: vec![],
            top_methods_bad: vec![],
            latest: vec![],
        };
        assert_eq!(
            journal_href(&d, &[("outcome", "bad")]),
            "/journal?from=2026-11-19&until=2026-11-26&outcome=bad"
        );
        assert_eq!(
            journal_href(&d, &[("user", "crm a&b"), ("module", ""), ("method", "me")]),
            "/journal?from=2026-11-19&until=2026-11-26&user=crm%20a%26b&method=me"
        );
        assert_eq!(share(1, 3), "33.3%");
        assert_eq!(share(0, 0), "0%");
    }
}
