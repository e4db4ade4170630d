//! Browser-only wiring of the wall: polling every [`POLL_MS`] (skipped while the tab is hidden or
//! an answer is still awaited, and at once when the tab comes back) and the full-screen switch
//! (the Fullscreen API on the wall's element; where the browser refuses, the wall still covers
//! the window and the navigation until switched back or Esc).

use std::time::Duration;

use leptos::html;
use leptos::prelude::*;

use super::POLL_MS;
use crate::api::live_stats::StatsLive;

fn hidden() -> bool {
    document().hidden()
}

pub fn start(poll: ServerAction<StatsLive>, full: RwSignal<bool>) {
    let ask = move || {
        if !hidden() && !poll.pending().get_untracked() {
            poll.dispatch(StatsLive {});
        }
    };
    if let Ok(h) = set_interval_with_handle(ask, Duration::from_millis(POLL_MS)) {
        on_cleanup(move || h.clear());
    }
    let visible = window_event_listener_untyped("visibilitychange", move |_| ask());
    // Entering or leaving full screen (also by Esc, which the page never sees then).
    let changed = window_event_listener_untyped("fullscreenchange", move |_| {
        full.set(document().fullscreen_element().is_some());
    });
    let esc = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.key() == "Escape" && document().fullscreen_element().is_none() {
            full.set(false);
        }
    });
    on_cleanup(move || {
        visible.remove();
        changed.remove();
        esc.remove();
        if document().fullscreen_element().is_some() {
            document().exit_fullscreen();
        }
    });
}

/// «Во весь экран» and back.
pub fn toggle_full_screen(root: NodeRef<html::Div>, full: RwSignal<bool>) {
    let doc = document();
    if full.get_untracked() {
        if doc.fullscreen_element().is_some() {
            doc.exit_fullscreen();
        }
        full.set(false);
    } else {
        if let Some(el) = root.get_untracked() {
            request_full_screen(&el);
        }
        full.set(true);
    }
}

/// `el.requestFullscreen()`, its refusal (not allowed here) caught: the wall then covers the
/// window instead.
fn request_full_screen(el: &web_sys::Element) {
    use wasm_bindgen::closure::Closure;
    use wasm_bindgen::{JsCast, JsValue};
    let Some(f) = js_sys::Reflect::get(el, &JsValue::from_str("requestFullscreen"))
        .ok()
        .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
    else {
        return;
    };
    if let Ok(p) = f.call0(el).and_then(|p| p.dyn_into::<js_sys::Promise>()) {
        let refused = Closure::<dyn FnMut(JsValue)>::new(|_| {});
        let _ = p.catch(&refused);
        refused.forget();
    }
}
