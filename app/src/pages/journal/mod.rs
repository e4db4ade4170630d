//! «Журнал»: every `/api` request, newest first, with filters and paging. Filters can be given in
//! the URL (`?user=&module=&method=&outcome=&from=&until=&request_id=`) for click-through.

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

mod table;

use crate::api::list_journal;
use crate::i18n::use_strings;
use table::JournalTable;

#[derive(Clone, Default, PartialEq)]
struct Filters {
    user: String,
    module: String,
    method: String,
    outcome: String,
    from: String,
    until: String,
    request_id: String,
}

#[component]
pub fn JournalPage() -> impl IntoView {
    let s = use_strings();
    let q = use_query_map();
    let from_url = move || {
        let q = q.read_untracked();
        let g = |k: &str| q.get(k).unwrap_or_default();
        Filters {
            user: g("user"),
            module: g("module"),
            method: g("method"),
            outcome: g("outcome"),
            from: g("from"),
            until: g("until"),
            request_id: g("request_id"),
        }
    };
    let draft = RwSignal::new(from_url());
    let applied = RwSignal::new(from_url());
    let offset = RwSignal::new(0i64);
    let page = Resource::new(
        move || (applied.get(), offset.get()),
        |(f, offset)| {
            list_journal(
                f.user,
                f.module,
                f.method,
                f.outcome,
                f.from,
                f.until,
                f.request_id,
                offset,
            )
        },
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
    let modules = ccgate_catalogue::MODULES
        .iter()
        .map(|m| view! { <option value=m.name>{m.name}</option> })
        .collect_view();

    view! {
        <h1>{move || s().journal_title}</h1>
        <section class="card">
            <form
                class="form filters-grid"
                on:submit=move |ev| {
                    ev.prevent_default();
                    offset.set(0);
                    applied.set(draft.get_untracked());
                }
            >
                <label><span>{move || s().col_user}</span>{field(|f| &f.user, |f, v| f.user = v, "j-user", "text")}</label>
                <label>
                    <span>{move || s().col_module}</span>
                    <select
                        class="filter"
                        data-testid="j-module"
                        prop:value=move || draft.with(|d| d.module.clone())
                        on:change=move |ev| draft.update(|d| d.module = event_target_value(&ev))
                    >
                        <option value="">{move || s().status_any}</option>
                        {modules}
                    </select>
                </label>
                <label><span>{move || s().col_method}</span>{field(|f| &f.method, |f, v| f.method = v, "j-method", "text")}</label>
                <label>
                    <span>{move || s().col_result}</span>
                    <select
                        class="filter"
                        data-testid="j-outcome"
                        prop:value=move || draft.with(|d| d.outcome.clone())
                        on:change=move |ev| draft.update(|d| d.outcome = event_target_value(&ev))
                    >
                        <option value="">{move || s().outcome_any}</option>
                        <option value="ok">{move || s().outcome_ok}</option>
                        <option value="bad">{move || s().outcome_bad}</option>
                        <option value="error">{move || s().outcome_error}</option>
                    </select>
                </label>
                <label><span>{move || s().journal_from}</span>{field(|f| &f.from, |f, v| f.from = v, "j-from", "date")}</label>
                <label><span>{move || s().journal_until}</span>{field(|f| &f.until, |f, v| f.until = v, "j-until", "date")}</label>
                <label><span>{move || s().col_request_id}</span>{field(|f| &f.request_id, |f, v| f.request_id = v, "j-rid", "text")}</label>
                <div class="filter-buttons">
                    <button type="submit" class="primary" data-testid="j-apply">{move || s().apply_filters}</button>
                    <button
                        type="button"
                        class="ghost"
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
        <JournalTable page offset />
    }
}
