//! «Онлайн статистика» (`/stats`): a wall screen of the call center. One tile per statistics
//! project (`stats.all`, today so far) after an overall tile: calls waiting, the longest current
//! wait, agents available / on a call / on break, today's service level, abandoned and answered
//! calls. Rendered on the server, then polled every 2 s in the browser (not while the tab is
//! hidden) without reloading the page; «Во весь экран» puts the tiles alone on the screen.
//!
//! When the source cannot be reached the last figures stay, greyed, with their time, under a
//! banner with the stable code and the reason in the page's language; the next answer clears it.
//!
//! `tile.rs` draws the tiles and the external server's items, `wall.rs` (browser only) the
//! polling and the full-screen switch.

mod tile;
#[cfg(feature = "hydrate")]
mod wall;

use leptos::html;
use leptos::prelude::*;

use crate::api::live_stats::{stats_live, Failure, LiveAnswer, StatsLive, Upstream};
use crate::components::error_text;
use crate::error::AppError;
use crate::i18n::{use_strings, Strings};
use tile::{ExternalView, TileView};

/// How often the browser asks for fresh figures.
pub const POLL_MS: u64 = 2000;

/// Why the figures shown are not fresh.
#[derive(Debug, Clone, PartialEq)]
enum Problem {
    /// The source did not answer.
    Source(Failure),
    /// The panel's own request failed (ccgate restarting, the session ended).
    Panel(AppError),
}

impl Problem {
    fn code(&self) -> String {
        match self {
            Problem::Source(f) => f.code.clone(),
            Problem::Panel(AppError::Failed { code, .. }) => code.clone(),
            Problem::Panel(AppError::Unauthorized) => "unauthorized".into(),
            Problem::Panel(_) => "panel".into(),
        }
    }

    /// The reason in the page's language.
    fn text(&self, s: &Strings) -> String {
        match self {
            Problem::Source(f) => {
                let who = match f.upstream {
                    Upstream::FreeSwitch => s.wall_who_fs,
                    Upstream::External => s.wall_who_external,
                };
                let pattern = match f.code.as_str() {
                    "upstream_unavailable" => s.wall_err_unavailable,
                    "upstream_timeout" => s.wall_err_timeout,
                    "upstream_auth_failed" => s.wall_err_auth,
                    _ => s.wall_err_bad,
                };
                pattern.replace("{who}", who)
            }
            Problem::Panel(e) => error_text(s, e),
        }
    }
}

/// The figures shown and what went wrong since (both kept across polls).
#[derive(Clone, Copy)]
struct Shown {
    answer: RwSignal<Option<LiveAnswer>>,
    problem: RwSignal<Option<Problem>>,
}

impl Shown {
    /// Take one answer: fresh figures replace the old ones and clear the problem; a failure keeps
    /// the old figures.
    fn apply(self, r: Result<LiveAnswer, AppError>) {
        match r {
            Ok(LiveAnswer::Unreachable(f)) => self.problem.set(Some(Problem::Source(f))),
            Ok(a) => {
                self.answer.set(Some(a));
                self.problem.set(None);
            }
            Err(e) => self.problem.set(Some(Problem::Panel(e))),
        }
    }

    /// When the figures shown were read, Unix ms.
    fn time(self) -> Option<i64> {
        self.answer.with(|a| match a {
            Some(LiveAnswer::Builtin(b)) => Some(b.as_of),
            Some(LiveAnswer::External(e)) => Some(e.fetched_at),
            _ => None,
        })
    }
}

#[component]
pub fn StatsPage() -> impl IntoView {
    let s = use_strings();
    let clock = crate::time::use_clock();
    // The first figures come with the page; the browser polls for the next ones.
    let first = Resource::new(|| (), |_| stats_live());
    let shown = Shown {
        answer: RwSignal::new(None),
        problem: RwSignal::new(None),
    };
    let full = RwSignal::new(false);
    let root = NodeRef::<html::Div>::new();
    let poll = ServerAction::<StatsLive>::new();
    Effect::new(move |_| {
        if let Some(r) = poll.value().get() {
            shown.apply(r);
        }
    });
    #[cfg(feature = "hydrate")]
    wall::start(poll, full);
    let toggle = move |_| {
        #[cfg(feature = "hydrate")]
        wall::toggle_full_screen(root, full);
    };

    view! {
        <div
            class="wall"
            class:full=move || full.get()
            node_ref=root
            data-testid="stats-wall"
            data-full=move || full.get().to_string()
        >
            <div class="page-head">
                <h1>{move || s().wall_title}</h1>
                <span
                    class="live"
                    data-testid="stats-as-of"
                    data-state=move || if shown.problem.with(Option::is_some) { "dropped" } else { "open" }
                >
                    {move || shown.time().map(|t| format!("{} {}", s().wall_as_of, clock(t)))}
                </span>
                <button
                    type="button"
                    class="ghost wall-toggle"
                    data-testid="stats-fullscreen"
                    on:click=toggle
                >
                    {move || if full.get() { s().wall_exit_fullscreen } else { s().wall_fullscreen }}
                </button>
            </div>
            <p class="muted wall-intro">{move || s().wall_intro}</p>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    let r = first.await;
                    if shown.answer.with_untracked(Option::is_none) {
                        shown.apply(r);
                    }
                    view! { <Figures shown /> }
                })}
            </Transition>
        </div>
    }
}

/// The banner (when the source failed) and the tiles.
#[component]
fn Figures(shown: Shown) -> impl IntoView {
    let s = use_strings();
    let clock = crate::time::use_clock();
    let stale = move || shown.problem.with(Option::is_some);
    let banner = move || {
        shown.problem.get().map(|p| {
            let st = s();
            let kept = shown
                .time()
                .map(|t| st.wall_stale.replace("{t}", &clock(t)))
                .unwrap_or_default();
            view! {
                <div class="alert error wall-banner" data-testid="stats-error" data-code=p.code()>
                    <span class="mono">{p.code()}</span>
                    " · "
                    <strong>{p.text(st)}</strong>
                    " "
                    <span>{kept}</span>
                </div>
            }
        })
    };
    let body = move || match shown.answer.get() {
        Some(LiveAnswer::Builtin(b)) => {
            let empty = b.tiles.is_empty();
            let tiles = b
                .tiles
                .into_iter()
                .map(|t| view! { <TileView t overall=false /> })
                .collect_view();
            view! {
                <div class="tiles" class:stale=stale data-testid="stats-tiles" data-as-of=b.as_of>
                    <TileView t=b.overall overall=true />
                    {tiles}
                </div>
                {empty.then(|| view! { <p class="muted" data-testid="stats-none">{s().wall_none}</p> })}
            }
            .into_any()
        }
        Some(LiveAnswer::External(e)) => view! {
            <div class:stale=stale>
                <ExternalView e />
            </div>
        }
        .into_any(),
        _ => ().into_any(),
    };
    view! {
        {banner}
        {body}
    }
}
