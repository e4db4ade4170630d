//! Browser-only wiring of the dashboard: the charts and the live feed over `/admin/events`.

use std::time::Duration;

use leptos::prelude::*;
use wasm_bindgen::closure::Closure;
use wasm_bindgen::JsCast;

use super::Feed;
use crate::api::dashboard::{DashData, LiveBatch, LiveLine, LATEST};
use crate::components::charts;
use crate::error::AppError;
use crate::i18n::Strings;

type Data = Resource<Result<DashData, AppError>>;

pub fn start(
    data: Data,
    refresh: RwSignal<u32>,
    live_rows: RwSignal<Vec<LiveLine>>,
    feed: RwSignal<Feed>,
    s: impl Fn() -> &'static Strings + Copy + Send + Sync + 'static,
) {
    // ECharts is a deferred script: wait for it before the first draw.
    let ready = charts::loaded_signal();

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
    let error = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |_| feed.set(Feed::Dropped));
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
