//! «Модули API»: every operation of the REST API as the OpenAPI document describes it.

use ccgate_catalogue::errors::ErrorCode;
use leptos::prelude::*;

use super::errors::error_doc;
use super::{INTERACTIVE_REFERENCE, OPENAPI_DOCUMENT};
use crate::api::docs::{api_reference, MethodDoc};
use crate::i18n::{use_lang, use_strings};

/// The anchor of an operation: `module.method` for the method's own path, with the verb added
/// for the operations under it (`cc.add.get` for `GET /api/v1/cc/add/{id}`); `me` for `/me`.
pub fn anchor(m: &MethodDoc) -> String {
    if m.module.is_empty() {
        return m.method.clone();
    }
    let own = format!("/api/v1/{}/{}", m.module, m.method);
    if m.path == own {
        format!("{}.{}", m.module, m.method)
    } else {
        format!("{}.{}.{}", m.module, m.method, m.verb.to_lowercase())
    }
}

#[component]
pub fn ApiReferencePage() -> impl IntoView {
    let s = use_strings();
    let methods = Resource::new(|| (), |_| api_reference());
    view! {
        <h1>{move || s().docs_nav_api}</h1>
        <p class="muted">
            {move || s().ref_intro}
            " "
            <a href=OPENAPI_DOCUMENT rel="external">{OPENAPI_DOCUMENT}</a>
            " · "
            <a href=INTERACTIVE_REFERENCE rel="external">{move || s().docs_nav_reference}</a>
        </p>
        <Transition fallback=move || view! { <p class="muted">{s().docs_loading}</p> }>
            {move || {
                methods
                    .get()
                    .map(|r| match r {
                        Ok(list) => view! { <Reference methods=list /> }.into_any(),
                        Err(e) => view! { <p class="error">{e.to_string()}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
}

#[component]
fn Reference(methods: Vec<MethodDoc>) -> impl IntoView {
    let s = use_strings();
    let toc = methods
        .iter()
        .map(|m| {
            let href = format!("#{}", anchor(m));
            let label = format!("{} {}", m.verb, m.path.trim_start_matches("/api/v1/"));
            view! {
                <li>
                    <a href=href class="mono">{label}</a>
                </li>
            }
        })
        .collect_view();
    let cards = methods
        .into_iter()
        .map(|m| view! { <MethodCard m=m /> }.into_any())
        .collect_view();
    view! {
        <div class="manual-layout">
            <nav class="card manual-toc" data-testid="ref-toc">
                <h2>{move || s().docs_contents}</h2>
                <ul>{toc}</ul>
            </nav>
            <div class="ref-methods">{cards}</div>
        </div>
    }
}

#[component]
fn MethodCard(m: MethodDoc) -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let id = anchor(&m);
    let titles =
        ccgate_catalogue::method(&m.module, &m.method).map(|(_, x)| (x.title_ru, x.title_en));
    let title = move || titles.map(|(ru, en)| lang.get().pick(ru, en)).unwrap_or("");
    let permission = m.permission.clone();
    let params = if m.params.is_empty() {
        view! { <p class="muted">{move || s().ref_no_params}</p> }.into_any()
    } else {
        let rows = m
            .params
            .iter()
            .map(|p| {
                let required = p.required;
                view! {
                    <tr>
                        <td class="mono">{p.name.clone()}</td>
                        <td class="mono">{p.location.clone()}</td>
                        <td class="mono">{p.ty.clone()}</td>
                        <td>{move || if required { s().ref_yes } else { "" }}</td>
                        <td class="mono">{p.default.clone().unwrap_or_default()}</td>
                        <td class="mono">{p.example.clone().unwrap_or_default()}</td>
                        <td>{p.description.clone()}</td>
                    </tr>
                }
            })
            .collect_view();
        view! {
            <div class="table-wrap">
                <table class="table ref-params">
                    <thead>
                        <tr>
                            <th>{move || s().ref_name}</th>
                            <th>{move || s().ref_in}</th>
                            <th>{move || s().ref_type}</th>
                            <th>{move || s().ref_required}</th>
                            <th>{move || s().ref_default}</th>
                            <th>{move || s().ref_example}</th>
                            <th>{move || s().ref_description}</th>
                        </tr>
                    </thead>
                    <tbody>{rows}</tbody>
                </table>
            </div>
        }
        .into_any()
    };
    let errors = m
        .errors
        .iter()
        .map(|(status, code)| {
            let known = ErrorCode::ALL.iter().copied().find(|c| c.as_str() == code);
            let href = format!("/docs/errors#{code}");
            view! {
                <tr>
                    <td class="mono">{*status}</td>
                    <td class="mono">
                        <a href=href>{code.clone()}</a>
                    </td>
                    <td>{move || known.map(|c| error_doc(lang.get(), c)).unwrap_or("")}</td>
                </tr>
            }
        })
        .collect_view();
    let verb_class = format!("verb verb-{}", m.verb.to_lowercase());
    let errors = view! {
        <div class="table-wrap">
            <table class="table ref-errors">
                <tbody>{errors}</tbody>
            </table>
        </div>
    }
    .into_any();
    let examples = view! {
        <pre class="code">{m.curl.clone()}</pre>
        {m
            .body_example
            .clone()
            .map(|b| {
                view! {
                    <h3>{move || s().ref_body}</h3>
                    <pre class="code">{b}</pre>
                }
            })}
        {m
            .answer_example
            .clone()
            .map(|a| {
                view! {
                    <h3>{move || s().ref_answer}</h3>
                    <pre class="code" data-testid="ref-answer">{a}</pre>
                }
            })}
        {(!m.answer_types.is_empty())
            .then(|| {
                let types = m.answer_types.join(", ");
                view! {
                    <p class="muted">{move || s().ref_answer_types} ": " <code>{types}</code></p>
                }
            })}
    }
    .into_any();
    view! {
        <section class="card ref-method" id=id data-testid="ref-method">
            <h2>
                <span class=verb_class>{m.verb.clone()}</span>
                " "
                <code>{m.path.clone()}</code>
            </h2>
            <p>
                <strong>{title}</strong>
                {(!m.description.is_empty()).then(|| format!(" — {}", m.description))}
            </p>
            <p>
                {move || s().ref_permission}
                ": "
                {match permission.clone() {
                    Some(p) => view! { <code>{p}</code> }.into_any(),
                    None => view! { <span>{move || s().ref_key_only}</span> }.into_any(),
                }}
            </p>
            {(!m.implemented)
                .then(|| view! { <p class="warning">{move || s().ref_not_implemented}</p> })}
            <h3>{move || s().ref_params}</h3>
            {params}
            {examples}
            <h3>{move || s().ref_errors}</h3>
            {errors}
        </section>
    }
    .into_any()
}
