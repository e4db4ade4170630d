//! «Квоты на исходе»: API users' quotas (daily contacts, daily and monthly SMS parts) used to 80 %
//! or more, fullest first, each linking to the user's page. Shown only when there is one: a
//! dashboard without warnings has no empty card.

use leptos::prelude::*;

use crate::api::quotas_near_limit;
use crate::components::ErrorAlert;
use crate::i18n::use_strings;
use crate::pages::users::limits::title;
use crate::time::use_time;

#[component]
pub fn QuotaAlerts() -> impl IntoView {
    let s = use_strings();
    let t = use_time();
    let alerts = Resource::new(|| (), |_| quotas_near_limit());
    view! {
        <Transition fallback=|| ()>
            {move || Suspend::new(async move {
                match alerts.await {
                    Ok(list) if list.is_empty() => ().into_any(),
                    Ok(list) => {
                        view! {
                            <section class="card warn-card" data-testid="quota-alerts">
                                <div class="card-head">
                                    <h2>{move || s().quotas_title}</h2>
                                </div>
                                <p class="muted">{move || s().quotas_hint}</p>
                                <ul class="quota-alerts">
                                    {list
                                        .into_iter()
                                        .map(|a| {
                                            let name = a.name.clone();
                                            let full = a.used >= a.limit;
                                            let percent = a.used * 100 / a.limit.max(1);
                                            view! {
                                                <li class:full=full data-testid="quota-alert">
                                                    <a href=format!("/users/{}", a.user_id)>{a.login}</a>
                                                    " · " {move || title(s(), &name)} ": "
                                                    <strong>{a.used} " / " {a.limit}</strong>
                                                    " (" {percent} " %) · " {move || s().limits_resets} " "
                                                    <span class="time">{move || t(a.reset_at)}</span>
                                                </li>
                                            }
                                        })
                                        .collect_view()}
                                </ul>
                            </section>
                        }
                            .into_any()
                    }
                    Err(e) => view! { <ErrorAlert e /> }.into_any(),
                }
            })}
        </Transition>
    }
}
