//! `GET /admin/events`: the live dashboard's Server-Sent Events feed. Admin session required
//! (401 without one). Each written journal batch becomes one `written` event with a small JSON
//! body; a subscriber that falls behind gets a `missed` event and skips ahead (the page refetches).
//! The journal writer never waits for a subscriber. Keep-alive comments every 15 s; the stream ends
//! when the server shuts down.

use std::convert::Infallible;
use std::time::Duration;

use app::ssr::AppState;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use ccgate_core::journal::Heard;
use tower_sessions::Session;

pub const PATH: &str = "/admin/events";

pub async fn events(State(state): State<AppState>, session: Session) -> Response {
    let admin = app::ssr::session_admin(&state.db, &session).await;
    if !matches!(admin, Ok(Some(_))) {
        return (StatusCode::UNAUTHORIZED, "sign in first").into_response();
    }
    let sub = state.journal.subscribe();
    // A first event at once, so the page knows the feed is open (and refetches after a reconnect).
    let stream = futures_util::stream::unfold((sub, true), |(mut sub, first)| async move {
        if first {
            let ev = Event::default().event("hello").data("{}");
            return Some((Ok::<_, Infallible>(ev), (sub, false)));
        }
        let ev = match sub.next().await? {
            Heard::Batch(w) => Event::default()
                .event("written")
                .json_data(app::api::dashboard::LiveBatch::from(&*w))
                .unwrap_or_else(|_| Event::default().event("missed").data("1")),
            Heard::Missed(n) => Event::default().event("missed").data(n.to_string()),
        };
        Some((Ok(ev), (sub, false)))
    });
    (
        [(axum::http::header::CACHE_CONTROL, "no-store")],
        Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))),
    )
        .into_response()
}
