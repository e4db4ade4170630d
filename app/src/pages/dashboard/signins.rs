//! «Последние входы в панель»: the newest sign-in attempts to the panel.

use leptos::prelude::*;

use crate::api::signins;
use crate::components::ErrorAlert;
use crate::i18n::use_strings;
use crate::time::use_time;

#[component]
pub fn SignIns() -> impl IntoView {
    let s = use_strings();
    let t = use_time();
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
                                                            <td class="mono time" data-testid="time">{move || t(r.at)}</td>
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
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                    }
                })}
            </Transition>
        </section>
    }
}
