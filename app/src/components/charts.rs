//! The dashboard's and the reports' charts, drawn in the browser only (hydrate build) with charming on the ECharts
//! script served from `/echarts.common.min.js`. Each chart is created once in its container and
//! later updated in place (`setOption`), resized with the window and disposed on unmount.

use charming::component::{Axis, Grid, Legend};
use charming::element::{AxisType, Color, Label, Tooltip, Trigger};
use charming::series::{Bar, Pie};
use charming::{Chart, Echarts, WasmRenderer};
use leptos::prelude::*;
use wasm_bindgen::{JsCast, JsValue};

use crate::api::dashboard::{Counts, DayCounts};
use crate::api::reports::ChartData;

pub const COLORS: [&str; 3] = ["#16a34a", "#f59e0b", "#dc2626"];

pub struct Labels {
    pub valid: &'static str,
    pub bad: &'static str,
    pub error: &'static str,
}

/// A chart handle kept in the component (not `Send`: browser only).
pub type Slot = StoredValue<Option<Echarts>, LocalStorage>;

pub fn new_slot() -> Slot {
    StoredValue::new_local(None)
}

/// Has the ECharts script run yet? (It is loaded with `defer`; the page may hydrate first.)
pub fn echarts_loaded() -> bool {
    js_sys::Reflect::has(&js_sys::global(), &JsValue::from_str("echarts")).unwrap_or(false)
}

/// Becomes true once the ECharts script has run (checked every 50 ms until then).
pub fn loaded_signal() -> RwSignal<bool> {
    let ready = RwSignal::new(echarts_loaded());
    if !ready.get_untracked() {
        if let Ok(h) = set_interval_with_handle(
            move || {
                if echarts_loaded() {
                    ready.set(true);
                }
            },
            std::time::Duration::from_millis(50),
        ) {
            Effect::new(move |_| {
                if ready.get() {
                    h.clear();
                }
            });
            on_cleanup(move || h.clear());
        }
    }
    ready
}

fn colors() -> Vec<Color> {
    COLORS.iter().map(|c| Color::from(*c)).collect()
}

/// Stacked bars per day: valid, bad (4xx), server errors (5xx).
pub fn days(days: &[DayCounts], l: &Labels) -> Chart {
    let dates: Vec<String> = days.iter().map(|d| d.date[5..].to_string()).collect();
    // Slim bars for a few days, a share of the slot for many.
    let few = days.len() <= 7;
    let series = |name: &str, f: fn(&Counts) -> i64| {
        let bar = Bar::new().name(name).stack("requests");
        let bar = if few {
            bar.bar_width(48)
        } else {
            bar.bar_width("60%")
        };
        bar.data(days.iter().map(|d| f(&d.counts)).collect::<Vec<i64>>())
    };
    Chart::new()
        .color(colors())
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top(0))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(36)
                .bottom(4)
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Category).data(dates))
        .y_axis(Axis::new().type_(AxisType::Value).min_interval(1))
        .series(series(l.valid, |c| c.ok))
        .series(series(l.bad, |c| c.bad))
        .series(series(l.error, |c| c.error))
}

/// A report field's colour: successes green, the caller's mistakes amber, failures red.
fn color_of(key: &str, i: usize) -> &'static str {
    const OTHERS: [&str; 4] = ["#2563eb", "#7c3aed", "#0891b2", "#64748b"];
    match key {
        "ok" | "delivered" | "answered" => COLORS[0],
        "bad" | "bad_requests" | "pending" => COLORS[1],
        "error" | "failed" | "abandoned" => COLORS[2],
        _ => OTHERS[i % OTHERS.len()],
    }
}

/// A report's bars: one series per field over the rows' labels, stacked when the fields are
/// parts of one whole. `title` names a field in the page's language.
pub fn report_bars(c: &ChartData, title: &dyn Fn(&str) -> String) -> Chart {
    let few = c.labels.len() <= 7;
    let labels: Vec<String> = c
        .labels
        .iter()
        .map(|l| {
            // Days as MM-DD: the year is in the period line above.
            let b = l.as_bytes();
            if b.len() == 10 && b[4] == b'-' && b[7] == b'-' {
                l[5..].to_string()
            } else {
                l.clone()
            }
        })
        .collect();
    let mut chart = Chart::new()
        .color(
            c.series
                .iter()
                .enumerate()
                .map(|(i, (k, _))| Color::from(color_of(k, i)))
                .collect::<Vec<_>>(),
        )
        .tooltip(Tooltip::new().trigger(Trigger::Axis))
        .legend(Legend::new().top(0))
        .grid(
            Grid::new()
                .left(8)
                .right(8)
                .top(36)
                .bottom(4)
                .contain_label(true),
        )
        .x_axis(Axis::new().type_(AxisType::Category).data(labels))
        .y_axis(Axis::new().type_(AxisType::Value).min_interval(1));
    for (key, values) in &c.series {
        let mut bar = Bar::new().name(title(key));
        // Stacked: slim bars for a few labels, a share of the slot for many. Side by side:
        // ECharts shares the slot out itself.
        if c.stacked {
            bar = bar.stack("total");
            bar = if few {
                bar.bar_width(48)
            } else {
                bar.bar_width("60%")
            };
        }
        chart = chart.series(bar.data(values.clone()));
    }
    chart
}

/// A ring of the period's totals.
pub fn totals(c: &Counts, l: &Labels) -> Chart {
    Chart::new()
        .color(colors())
        .tooltip(Tooltip::new().trigger(Trigger::Item))
        .legend(Legend::new().bottom(0))
        .series(
            Pie::new()
                .radius(vec!["40%", "68%"])
                .center(vec!["50%", "45%"])
                // The legend and the tooltip name the slices; labels would crowd a small ring.
                .label(Label::new().show(false))
                .data(vec![
                    (c.ok as f64, l.valid),
                    (c.bad as f64, l.bad),
                    (c.error as f64, l.error),
                ]),
        )
}

/// Draw `chart` into the element `id`: the first time create the chart, then update it in place.
pub fn draw(slot: Slot, id: &str, chart: &Chart) {
    let drawn = slot.with_value(|v| {
        if let Some(e) = v {
            WasmRenderer::update(e, chart);
            true
        } else {
            false
        }
    });
    if !drawn {
        // No fixed size: the chart takes its container's (CSS) size.
        match WasmRenderer::new_opt(None, None).render(id, chart) {
            Ok(e) => slot.set_value(Some(e)),
            Err(e) => leptos::logging::warn!("chart {id}: {e:?}"),
        }
    }
}

pub fn resize(slot: Slot) {
    slot.with_value(|v| {
        if let Some(e) = v {
            e.resize(JsValue::UNDEFINED);
        }
    });
}

/// Release the ECharts instance (its canvas, listeners and timers).
pub fn dispose(slot: Slot) {
    if let Some(Some(e)) = slot.try_update_value(|v| v.take()) {
        let e: &JsValue = e.as_ref();
        if let Some(f) = js_sys::Reflect::get(e, &JsValue::from_str("dispose"))
            .ok()
            .and_then(|f| f.dyn_into::<js_sys::Function>().ok())
        {
            let _ = f.call0(e);
        }
    }
}
