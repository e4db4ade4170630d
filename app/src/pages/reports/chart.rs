//! Browser-only: the report's chart. Each new report gets a fresh chart (reports differ in their
//! series), drawn after the page has shown its container.

use leptos::prelude::*;

use crate::api::reports::RunReport;
use crate::components::charts;
use crate::i18n::Strings;

pub fn start(
    run: ServerAction<RunReport>,
    s: impl Fn() -> &'static Strings + Copy + Send + Sync + 'static,
) {
    let ready = charts::loaded_signal();
    let slot = charts::new_slot();
    Effect::new(move |_| {
        if !ready.get() {
            return;
        }
        let st = s();
        let value = run.value().get();
        charts::dispose(slot);
        let Some(Ok(t)) = value else { return };
        let Some(mut c) = t.chart.filter(|_| !t.empty) else {
            return;
        };
        for l in c.labels.iter_mut().filter(|l| l.is_empty()) {
            *l = st.rep_no_key.to_string();
        }
        // After this render: the container is visible (and sized) by then.
        request_animation_frame(move || {
            charts::draw(
                slot,
                "rep-chart",
                &charts::report_bars(&c, &|k| st.column(k)),
            );
            // What is drawn, for tests and tools: labels and series by field.
            if let Some(el) = document().get_element_by_id("rep-chart") {
                let series: serde_json::Map<String, serde_json::Value> = c
                    .series
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::json!(v)))
                    .collect();
                let drawn = serde_json::json!({ "labels": c.labels, "series": series });
                let _ = el.set_attribute("data-series", &drawn.to_string());
            }
        });
    });
    let on_resize = window_event_listener(leptos::ev::resize, move |_| charts::resize(slot));
    on_cleanup(move || {
        on_resize.remove();
        charts::dispose(slot);
    });
}
