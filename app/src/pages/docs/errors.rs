//! The error-code table, on the documentation page and on its own public page.

use ccgate_catalogue::errors::ErrorCode;
use leptos::prelude::*;

use crate::i18n::use_strings;

/// Every public error code with its HTTP status and meaning; each row is the anchor that the
/// `more_info` link of an error body points to (`/docs/errors#<code>`).
#[component]
pub fn ErrorTable() -> impl IntoView {
    let rows = ErrorCode::ALL
        .iter()
        .map(|c| {
            view! {
                <tr id=c.as_str()>
                    <td class="mono">{c.as_str()}</td>
                    <td class="mono">{c.status()}</td>
                    <td>{c.doc()}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="table-wrap">
            <table class="table" data-testid="docs-errors">
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

/// `/docs/errors`: the error codes alone, readable without signing in (it holds nothing secret),
/// so the `more_info` link of an API error works for an integrator.
#[component]
pub fn ErrorsPage() -> impl IntoView {
    let s = use_strings();
    view! {
        <main class="docs-public">
            <section class="card">
                <h1>{move || s().docs_errors_title}</h1>
                <ErrorTable />
            </section>
        </main>
    }
}
