//! «Аудит»: every audited change (API users, keys, permissions, settings, SMS gateways,
//! statistics projects), newest first, with filters and paging. Filters can be given in the URL
//! (`?actor=&action=&target=&from=&until=`): the user page links to `?target=<login>`, the
//! Settings page to `?action=setting.` (an action ending in `.` is a prefix).

use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

mod table;

use crate::api::{audit_choices, list_audit};
use crate::i18n::{use_strings, Strings};
use table::AuditTable;

#[derive(Clone, Default, PartialEq)]
struct Filters {
    actor: String,
    action: String,
    target: String,
    from: String,
    until: String,
}

/// How an actor label reads: the admin's name, or «командная строка».
pub fn actor_text(s: &Strings, actor: &str) -> String {
    match actor {
        "cli" => s.audit_cli.to_string(),
        a => a.strip_prefix("admin:").unwrap_or(a).to_string(),
    }
}

#[component]
pub fn AuditPage() -> impl IntoView {
    let s = use_strings();
    let q = use_query_map();
    let from_url = move || {
        let q = q.read_untracked();
        let g = |k: &str| q.get(k).unwrap_or_default();
        Filters {
            actor: g("actor"),
            action: g("action"),
            target: g("target"),
            from: g("from"),
            until: g("until"),
        }
    };
    let draft = RwSignal::new(from_url());
    let applied = RwSignal::new(from_url());
    let offset = RwSignal::new(0i64);
    let page = Resource::new(
        move || (applied.get(), offset.get()),
        |(f, offset)| list_audit(f.actor, f.action, f.target, f.from, f.until, offset),
    );
    let choices = Resource::new(|| (), |_| audit_choices());
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
    // The options of a select: what the log holds, plus the value the address asked for (such as
    // the prefix `setting.`) when it is not among them.
    let options = move |pick: fn(&crate::api::AuditFilterChoices) -> &Vec<String>,
                        current: fn(&Filters) -> &String,
                        label: fn(&Strings, &str) -> String| {
        let mut values = choices
            .get()
            .and_then(|r| r.ok())
            .map(|c| pick(&c).clone())
            .unwrap_or_default();
        let asked = draft.with_untracked(|d| current(d).clone());
        if !asked.is_empty() && !values.contains(&asked) {
            values.insert(0, asked);
        }
        values
            .into_iter()
            .map(|v| {
                let value = v.clone();
                let chosen = v.clone();
                let text = move || label(s(), &v);
                // `selected` as well as the select's `prop:value`: these options may arrive after
                // the select is built, and the server's HTML has no properties.
                view! {
                    <option value=value selected=move || draft.with(|d| *current(d) == chosen)>
                        {text}
                    </option>
                }
            })
            .collect_view()
    };
    let action_label = |s: &Strings, a: &str| {
        if a.ends_with('.') {
            format!("{a}*")
        } else {
            format!("{} ({a})", s.audit_action(a))
        }
    };

    view! {
        <h1>{move || s().audit_title}</h1>
        <p class="muted">{move || s().audit_intro}</p>
        <section class="card">
            <form
                class="form filters-grid"
                on:submit=move |ev| {
                    ev.prevent_default();
                    offset.set(0);
                    applied.set(draft.get_untracked());
                }
            >
                <label>
                    <span>{move || s().col_actor}</span>
                    <Transition fallback=|| ()>
                        <select
                            class="filter"
                            data-testid="a-actor"
                            prop:value=move || draft.with(|d| d.actor.clone())
                            on:change=move |ev| draft.update(|d| d.actor = event_target_value(&ev))
                        >
                            <option value="">{move || s().status_any}</option>
                            {move || options(|c| &c.actors, |f| &f.actor, actor_text)}
                        </select>
                    </Transition>
                </label>
                <label>
                    <span>{move || s().col_action}</span>
                    <Transition fallback=|| ()>
                        <select
                            class="filter"
                            data-testid="a-action"
                            prop:value=move || draft.with(|d| d.action.clone())
                            on:change=move |ev| draft.update(|d| d.action = event_target_value(&ev))
                        >
                            <option value="">{move || s().status_any}</option>
                            {move || options(|c| &c.actions, |f| &f.action, action_label)}
                        </select>
                    </Transition>
                </label>
                <label>
                    <span>{move || s().col_target}</span>
                    <input
                        class="filter"
                        type="text"
                        data-testid="a-target"
                        placeholder=move || s().audit_target_placeholder
                        prop:value=move || draft.with(|d| d.target.clone())
                        on:input=move |ev| draft.update(|d| d.target = event_target_value(&ev))
                    />
                </label>
                <label><span>{move || s().journal_from}</span>{field(|f| &f.from, |f, v| f.from = v, "a-from", "date")}</label>
                <label><span>{move || s().journal_until}</span>{field(|f| &f.until, |f, v| f.until = v, "a-until", "date")}</label>
                <div class="filter-buttons">
                    <button type="submit" class="primary" data-testid="a-apply">{move || s().apply_filters}</button>
                    <button
                        type="button"
                        class="ghost"
                        data-testid="a-reset"
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
        <AuditTable page offset />
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::i18n::{EN, RU};

    #[test]
    fn actors_read_as_names() {
        assert_eq!(actor_text(&RU, "admin:ops"), "ops");
        assert_eq!(actor_text(&RU, "cli"), "командная строка");
        assert_eq!(actor_text(&EN, "cli"), "command line");
        assert_eq!(actor_text(&EN, "someone"), "someone");
    }
}
