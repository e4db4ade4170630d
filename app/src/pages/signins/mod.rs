//! «Входы»: the admin sign-in log — every attempt (successful, wrong password, refused by the
//! throttle) with the username tried, address, browser and time — with filters and paging. Filters
//! can be given in the URL (`?username=&result=&ip=&from=&until=`); the dashboard's card links
//! here.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

mod table;

use crate::api::list_signins;
use crate::i18n::use_strings;
use table::SignInTable;

#[derive(Clone, Default, PartialEq)]
struct Filters {
    username: String,
    result: String,
    ip: String,
    from: String,
    until: String,
}

#[component]
pub fn SignInsPage() -> impl IntoView {
    let s = use_strings();
    let q = use_query_map();
    let from_url = move || {
        let q = q.read_untracked();
        let g = |k: &str| q.get(k).unwrap_or_default();
        Filters {
            username: g("username"),
            result: g("result"),
            ip: g("ip"),
            from: g("from"),
            until: g("until"),
        }
    };
    let draft = RwSignal::new(from_url());
    let applied = RwSignal::new(from_url());
    let offset = RwSignal::new(0i64);
    let page = Resource::new(
        move || (applied.get(), offset.get()),
        |(f, offset)| list_signins(f.username, f.result, f.ip, f.from, f.until, offset),
    );
    let field = move |get: fn(&Filters) -> &String,
                      set: fn(&mut Filters, String),
                      testid: &'static str,
                      kind: &'static str| {
        view! {
            <input
                class="filter"
                type=kind
                data-testid=testid
                prop:value=move || draft.with(|d| get(d).clone())
                on:input=move |ev| draft.update(|d| set(d, event_target_value(&ev)))
            />
        }
    };

    view! {
        <h1>{move || s().signins_page_title}</h1>
        <p class="muted">
            {move || s().signins_page_intro} " "
            <a href="/security" data-testid="signins-security">{move || s().signins_security_link}</a>
        </p>
        <section class="card">
            <form
                class="form filters-grid"
                on:submit=move |ev| {
                    ev.prevent_default();
                    offset.set(0);
                    applied.set(draft.get_untracked());
                }
            >
                <label><span>{move || s().col_username_tried}</span>{field(|f| &f.username, |f, v| f.username = v, "si-username", "text")}</label>
                <label>
                    <span>{move || s().col_result}</span>
                    <select
                        class="filter"
                        data-testid="si-result"
                        prop:value=move || draft.with(|d| d.result.clone())
                        on:change=move |ev| draft.update(|d| d.result = event_target_value(&ev))
                    >
                        <option value="">{move || s().outcome_any}</option>
                        <option value="ok">{move || s().result_ok}</option>
                        <option value="fail">{move || s().result_fail}</option>
                        <option value="throttled">{move || s().result_throttled}</option>
                        <option value="password_ok">{move || s().result_password_ok}</option>
                    </select>
                </label>
                <label><span>{move || s().col_ip}</span>{field(|f| &f.ip, |f, v| f.ip = v, "si-ip", "text")}</label>
                <label><span>{move || s().journal_from}</span>{field(|f| &f.from, |f, v| f.from = v, "si-from", "date")}</label>
                <label><span>{move || s().journal_until}</span>{field(|f| &f.until, |f, v| f.until = v, "si-until", "date")}</label>
                <div class="filter-buttons">
                    <button type="submit" class="primary" data-testid="si-apply">{move || s().apply_filters}</button>
                    <button
                        type="button"
                        class="ghost"
                        data-testid="si-reset"
                        on:click=move |_| {
                            draft.set(Filters::default());
                            applied.set(Filters::default());
                            offset.set(0);
                        }
                    >
                        {move || s().reset_filters}
                    </button>
                </div>
            </form>
        </section>
        <SignInTable page offset />
    }
}
