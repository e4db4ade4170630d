//! The wall's tiles: a project's figures (or the overall ones) in large type, and the external
//! statistics server's items as lists of fields.

use leptos::prelude::*;

use crate::api::live_stats::{mm_ss, percent, ExternalBoard, Tile};
use crate::i18n::{use_strings, Strings};

/// Below this service level (percent) a tile is marked red.
pub const SERVICE_LEVEL_LOW: f64 = 80.0;

/// One figure: a label above a value, an optional line under it.
#[component]
fn Fig(
    label: fn(&Strings) -> &'static str,
    value: String,
    testid: &'static str,
    #[prop(optional_no_strip)] sub: Option<String>,
    #[prop(optional)] big: bool,
    #[prop(optional)] warn: bool,
    #[prop(optional)] bad: bool,
) -> impl IntoView {
    let s = use_strings();
    view! {
        <div class="fig" class:big=big class:warn=warn class:bad=bad>
            <span class="fig-label">{move || label(s())}</span>
            <span class="fig-value" data-testid=testid>{value}</span>
            {sub.map(|t| view! { <span class="fig-sub">{t}</span> })}
        </div>
    }
}

/// A project's tile, or the overall one (`overall`: titled «Всего», spanning the row).
#[component]
pub fn TileView(t: Tile, overall: bool) -> impl IntoView {
    let s = use_strings();
    let low = t.service_level.is_some_and(|p| p < SERVICE_LEVEL_LOW);
    let waiting = t.calls_waiting > 0;
    // The longest wait past the threshold is as bad as a low service level.
    let long_wait = t
        .service_level_seconds
        .is_some_and(|th| waiting && t.longest_wait_seconds > u64::from(th));
    let name = t.name.clone();
    let subtitle = if overall {
        t.queues.join(" · ")
    } else if !t.title.is_empty() && t.title != t.name {
        t.name.clone()
    } else {
        String::new()
    };
    let title = if overall {
        None
    } else if t.title.is_empty() {
        Some(t.name.clone())
    } else {
        Some(t.title.clone())
    };
    let threshold = t.service_level_seconds;
    let sl_value = t
        .service_level
        .map_or("—".into(), |p| format!("{} %", percent(p)));
    let abandon_sub = t.abandon_rate.map(|p| format!("{} %", percent(p)));
    view! {
        <article
            class="tile"
            class:overall=overall
            class:warn=waiting && !low && !long_wait
            class:bad=low || long_wait
            data-testid=if overall { "stats-overall" } else { "stats-tile" }
            data-project=name
        >
            <header class="tile-head">
                <h2 data-testid="t-title">
                    {move || title.clone().unwrap_or_else(|| s().wall_overall.to_string())}
                </h2>
                <span class="tile-sub mono">{subtitle}</span>
            </header>
            <div class="tile-now">
                <Fig
                    label=|s| s.wall_waiting
                    value=t.calls_waiting.to_string()
                    testid="t-waiting"
                    big=true
                    warn=waiting
                />
                <Fig
                    label=|s| s.wall_longest
                    value=mm_ss(t.longest_wait_seconds)
                    testid="t-longest"
                    big=true
                    warn=waiting && !long_wait
                    bad=long_wait
                />
            </div>
            <div class="tile-row">
                <Fig
                    label=|s| s.wall_available
                    value=t.agents_available.to_string()
                    testid="t-available"
                />
                <Fig label=|s| s.wall_on_call value=t.agents_on_call.to_string() testid="t-on-call" />
                <Fig
                    label=|s| s.wall_on_break
                    value=t.agents_on_break.to_string()
                    testid="t-on-break"
                />
            </div>
            <div class="tile-row today">
                <Fig
                    label=|s| s.wall_service_level
                    value=sl_value
                    testid="t-service-level"
                    sub=threshold.map(|n| s().wall_threshold.replace("{n}", &n.to_string()))
                    bad=low
                />
                <Fig
                    label=|s| s.wall_abandoned
                    value=t.abandoned.to_string()
                    testid="t-abandoned"
                    sub=abandon_sub
                />
                <Fig
                    label=|s| s.wall_answered_offered
                    value=format!("{} / {}", t.answered, t.offered)
                    testid="t-answered"
                />
            </div>
        </article>
    }
}

/// The external server's answer: its items as tiles of fields, or the answer as it came.
#[component]
pub fn ExternalView(e: ExternalBoard) -> impl IntoView {
    let s = use_strings();
    let items = e
        .items
        .into_iter()
        .map(|i| {
            let rows = i
                .fields
                .into_iter()
                .map(|(k, v)| {
                    view! {
                        <dt>{k}</dt>
                        <dd>{v}</dd>
                    }
                })
                .collect_view();
            view! {
                <article class="tile external" data-testid="stats-external-item">
                    <header class="tile-head">
                        <h2>{i.title}</h2>
                    </header>
                    <dl class="facts">{rows}</dl>
                </article>
            }
        })
        .collect_view();
    let raw = e.raw.map(|r| {
        if r.trim().is_empty() {
            view! { <p class="muted">{move || s().wall_external_empty}</p> }.into_any()
        } else {
            view! {
                <p class="muted">{move || s().wall_external_raw}</p>
                <pre class="code" data-testid="stats-external-raw">{r}</pre>
            }
            .into_any()
        }
    });
    view! {
        <div data-testid="stats-external">
            <p class="alert ok wall-source">
                {move || s().wall_external}
                {e.content_type.map(|c| format!(" ({c})"))}
            </p>
            <div class="tiles">{items}</div>
            {raw}
        </div>
    }
}
