//! «Последние входы в панель»: the newest sign-in attempts to the panel, linking to «Входы».

use leptos::prelude::*;

use crate::api::signins;
use crate::components::tables::{signin_badge, signin_text};
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
            <div class="card-head">
                <h2>{move || s().signins_title}</h2>
                <a href="/signins" data-testid="signins-all">{move || s().signins_all}</a>
            </div>
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
                                                    let badge = signin_badge(&result);
                                                    view! {
                                                        <tr>
                                                            <td class="mono time" data-testid="time">{move || t(r.at)}</td>
                                                            <td>{r.username}</td>
                                                            <td class="mono">{r.ip}</td>
                                                            <td>
                                                                <span class=badge>
                                                                    {move || signin_text(s(), &result)}
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
