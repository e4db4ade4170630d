//! «Ошибки»: every stable error code with its HTTP status and meaning in the current language.
//! Public: the `more_info` link of every API error body points to its row here.

use ccgate_catalogue::errors::ErrorCode;
use leptos::prelude::*;

use crate::i18n::{use_lang, use_strings, Lang};

/// The meaning of `code` in `lang`.
pub fn error_doc(lang: Lang, code: ErrorCode) -> &'static str {
    lang.pick(code.doc_ru(), code.doc())
}

/// Every public error code; each row is the anchor `#<code>` that `more_info` links to.
#[component]
pub fn ErrorTable() -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let rows = ErrorCode::ALL
        .iter()
        .map(|c| {
            let c = *c;
            view! {
                <tr id=c.as_str()>
                    <td class="mono">
                        <a href=format!("#{}", c.as_str())>{c.as_str()}</a>
                    </td>
                    <td class="mono">{c.status()}</td>
                    <td>{move || error_doc(lang.get(), c)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="docs-errors">
                <thead>
                    <tr>
                        <th>{move || s().docs_code}</th>
                        <th>{move || s().docs_status}</th>
                        <th>{move || s().docs_meaning}</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `/docs/errors`.
#[component]
pub fn ErrorsPage() -> impl IntoView {
    let s = use_strings();
    view! {
        <section class="card">
            <h1>{move || s().docs_errors_title}</h1>
            <p class="muted">{move || s().docs_errors_about}</p>
            <ErrorTable />
        </section>
    }
}
