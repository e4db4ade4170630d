//! The projects of «Онлайн статистика ЦОВ»: a table of the defined projects (name, title, queues,
//! service-level threshold) with «Изменить» / «Удалить» (a second click confirms), «+ проект», and
//! the form: queues ticked from what FreeSWITCH lists now, plus any typed in (a queue that does not
//! exist yet, or FreeSWITCH unreachable). Changes are audited and in force at once.

use std::collections::BTreeSet;

use leptos::prelude::*;

use crate::api::{
    stats_projects, DeleteStatsProject, SaveStatsProject, StatsProjectRow, StatsProjectsView,
};
use crate::components::{error_text, ErrorAlert};
use crate::i18n::use_strings;

/// What the open form holds.
#[derive(Debug, Clone, PartialEq)]
struct Draft {
    /// The project being changed; `None` for a new one.
    existing: Option<String>,
    name: String,
    title: String,
    service_level: String,
    picked: BTreeSet<String>,
    /// Queues typed in, separated by commas or spaces.
    extra: String,
    /// The queues to tick from: FreeSWITCH's and the project's own.
    known: Vec<String>,
}

impl Draft {
    fn new(view: &StatsProjectsView) -> Draft {
        Draft {
            existing: None,
            name: String::new(),
            title: String::new(),
            service_level: view.default_service_level_seconds.to_string(),
            picked: BTreeSet::new(),
            extra: String::new(),
            known: view.queues.clone(),
        }
    }

    fn of(p: &StatsProjectRow, view: &StatsProjectsView) -> Draft {
        let mut known: BTreeSet<String> = view.queues.iter().cloned().collect();
        known.extend(p.queues.iter().cloned());
        Draft {
            existing: Some(p.name.clone()),
            name: p.name.clone(),
            title: p.title.clone(),
            service_level: p.service_level_seconds.to_string(),
            picked: p.queues.iter().cloned().collect(),
            extra: String::new(),
            known: known.into_iter().collect(),
        }
    }

    /// The ticked queues and the typed ones, each once.
    fn queues(&self) -> Vec<String> {
        let mut all = self.picked.clone();
        all.extend(
            self.extra
                .split(|c: char| c == ',' || c.is_whitespace())
                .filter(|q| !q.is_empty())
                .map(str::to_string),
        );
        all.into_iter().collect()
    }
}

#[component]
pub fn StatsProjects() -> impl IntoView {
    let s = use_strings();
    let save = ServerAction::<SaveStatsProject>::new();
    let delete = ServerAction::<DeleteStatsProject>::new();
    let data = Resource::new(
        move || (save.version().get(), delete.version().get()),
        |_| stats_projects(),
    );
    let editing: RwSignal<Option<Draft>> = RwSignal::new(None);
    // The project whose «Удалить» was clicked once: the next click removes it.
    let confirming: RwSignal<Option<String>> = RwSignal::new(None);
    Effect::new(move |_| {
        if matches!(save.value().get(), Some(Ok(_))) {
            editing.set(None);
        }
    });
    Effect::new(move |_| {
        if delete.version().get() > 0 {
            confirming.set(None);
        }
    });
    view! {
        <div class="subsection" data-testid="stats-projects">
            <h3>{move || s().stp_title}</h3>
            <p class="muted">{move || s().stp_hint}</p>
            <Transition fallback=move || view! { <p class="muted">{s().loading}</p> }>
                {move || Suspend::new(async move {
                    match data.await {
                        Ok(view) => view! { <ProjectTable view editing confirming delete /> }.into_any(),
                        Err(e) => view! { <ErrorAlert e /> }.into_any(),
                    }
                })}
            </Transition>
            {move || delete.value().get().and_then(|r| r.err()).map(|e| view! { <ErrorAlert e /> })}
            {move || editing.get().map(|draft| view! { <ProjectForm draft editing save /> })}
        </div>
    }
}

#[component]
fn ProjectTable(
    view: StatsProjectsView,
    editing: RwSignal<Option<Draft>>,
    confirming: RwSignal<Option<String>>,
    delete: ServerAction<DeleteStatsProject>,
) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let default_sl = view.default_service_level_seconds;
    let queues_note = match (&view.queues_error, view.queues.is_empty()) {
        (Some(e), _) => {
            let e = e.clone();
            Some(
                view! { <p class="alert warn" data-testid="stp-queues-error">{move || s().stp_queues_error.replace("{e}", &e)}</p> }
                    .into_any(),
            )
        }
        (None, true) => Some(view! { <p class="muted">{move || s().stp_no_queues}</p> }.into_any()),
        (None, false) => None,
    };
    let rows = view
        .projects
        .iter()
        .map(|p| {
            let draft = Draft::of(p, &view);
            let name = p.name.clone();
            let n_delete = name.clone();
            let is_confirming = {
                let name = name.clone();
                move || confirming.get().as_deref() == Some(name.as_str())
            };
            let label_confirming = is_confirming.clone();
            view! {
                <tr data-testid=format!("stp-row-{}", p.name)>
                    <td class="mono"><strong>{p.name.clone()}</strong></td>
                    <td>{p.title.clone()}</td>
                    <td class="mono" data-testid="stp-queues">{p.queues.join(", ")}</td>
                    <td class="num" data-testid="stp-sl">{p.service_level_seconds}</td>
                    <td class="actions">
                        <button class="ghost" data-testid="stp-edit" disabled=move || ro.get() on:click=move |_| {
                            confirming.set(None);
                            editing.set(Some(draft.clone()));
                        }>
                            {move || s().sms_edit}
                        </button>
                        <button
                            class="ghost danger"
                            data-testid="stp-delete"
                            disabled=move || ro.get() || delete.pending().get()
                            on:click={
                                move |_| {
                                    if is_confirming() {
                                        delete.dispatch(DeleteStatsProject { name: n_delete.clone() });
                                    } else {
                                        confirming.set(Some(n_delete.clone()));
                                    }
                                }
                            }
                        >
                            {move || if label_confirming() { s().stp_confirm_delete } else { s().sms_delete }}
                        </button>
                    </td>
                </tr>
            }
        })
        .collect_view();
    let table = if view.projects.is_empty() {
        view! {
            <p class="muted" data-testid="stp-none">{move || s().stp_none.replace("{n}", &default_sl.to_string())}</p>
        }
        .into_any()
    } else {
        view! {
            <div class="table-wrap">
                <table class="table">
                    <thead>
                        <tr>
                            <th>{move || s().stp_name}</th>
                            <th>{move || s().stp_project_title}</th>
                            <th>{move || s().stp_queues}</th>
                            <th class="num">{move || s().stp_sl_short}</th>
                            <th></th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let fresh = Draft::new(&view);
    view! {
        {table}
        {queues_note}
        <div class="form inline">
            <button class="primary" data-testid="stp-add" disabled=move || ro.get() on:click=move |_| {
                confirming.set(None);
                editing.set(Some(fresh.clone()));
            }>
                {move || s().stp_add}
            </button>
        </div>
    }
}

#[component]
fn ProjectForm(
    draft: Draft,
    editing: RwSignal<Option<Draft>>,
    save: ServerAction<SaveStatsProject>,
) -> impl IntoView {
    let s = use_strings();
    let ro = crate::components::use_read_only();
    let is_new = draft.existing.is_none();
    let known = draft.known.clone();
    let form = RwSignal::new(draft);
    let checks = known
        .into_iter()
        .map(|q| {
            let q2 = q.clone();
            let q3 = q.clone();
            view! {
                <label class="check">
                    <input
                        type="checkbox"
                        data-testid=format!("stp-queue-{q}")
                        prop:checked=move || form.with(|d| d.picked.contains(&q2))
                        on:change=move |ev| {
                            let on = event_target_checked(&ev);
                            form.update(|d| {
                                if on {
                                    d.picked.insert(q3.clone());
                                } else {
                                    d.picked.remove(&q3);
                                }
                            });
                        }
                    />
                    <span class="mono">{q}</span>
                </label>
            }
        })
        .collect_view();
    let submit = move || {
        let d = form.get_untracked();
        save.dispatch(SaveStatsProject {
            existing: d.existing.clone(),
            name: d.name.clone(),
            title: d.title.clone(),
            queues: d.queues(),
            service_level_seconds: d.service_level.clone(),
        });
    };
    view! {
        <div class="project-form" data-testid="stp-form">
            <h3>{move || if is_new { s().stp_new } else { s().stp_change }}</h3>
            <div class="form settings-grid">
                <label>
                    <span>{move || s().stp_name}</span>
                    <input type="text" autocomplete="off" data-testid="stp-field-name" disabled=!is_new
                        prop:value=move || form.with(|d| d.name.clone())
                        on:input=move |ev| form.update(|d| d.name = event_target_value(&ev)) />
                </label>
                <label>
                    <span>{move || s().stp_project_title}</span>
                    <input type="text" autocomplete="off" data-testid="stp-field-title"
                        prop:value=move || form.with(|d| d.title.clone())
                        on:input=move |ev| form.update(|d| d.title = event_target_value(&ev)) />
                </label>
                <label>
                    <span>{move || s().stp_sl}</span>
                    <input type="text" inputmode="numeric" autocomplete="off" data-testid="stp-field-sl"
                        prop:value=move || form.with(|d| d.service_level.clone())
                        on:input=move |ev| form.update(|d| d.service_level = event_target_value(&ev)) />
                </label>
            </div>
            <fieldset class="queue-picks">
                <legend>{move || s().stp_queues}</legend>
                <div class="queue-checks">{checks}</div>
                <label class="grow">
                    <span class="muted">{move || s().stp_extra}</span>
                    <input type="text" autocomplete="off" data-testid="stp-field-extra" placeholder="sales@default, vip@default"
                        prop:value=move || form.with(|d| d.extra.clone())
                        on:input=move |ev| form.update(|d| d.extra = event_target_value(&ev)) />
                </label>
            </fieldset>
            <div class="form inline">
                <button class="primary" data-testid="stp-save" disabled=move || ro.get() || save.pending().get() on:click=move |_| submit()>
                    {move || if save.pending().get() { s().saving } else { s().save }}
                </button>
                <button class="ghost" data-testid="stp-cancel" on:click=move |_| editing.set(None)>{move || s().cancel}</button>
            </div>
            {move || save.value().get().and_then(|r| r.err()).map(|e| view! { <div class="alert error" data-testid="stp-form-error">{error_text(s(), &e)}</div> })}
        </div>
    }
}
