//! «Документация»: the public API as the catalogue and the error table define it.

mod errors;

use leptos::prelude::*;

use crate::i18n::{use_lang, use_strings};
pub use errors::{ErrorTable, ErrorsPage};

#[component]
pub fn DocsPage() -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let methods = ccgate_catalogue::all()
        .map(|(m, x)| {
            view! {
                <tr>
                    <td class="mono">{x.verb.as_str()}</td>
                    <td class="mono">{format!("/api/v1/{}/{}", m.name, x.name)}</td>
                    <td>{move || lang.get().pick(m.title_ru, m.title_en)}</td>
                    <td>{move || lang.get().pick(x.title_ru, x.title_en)}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>{move || s().docs_title}</h1>
        <p class="muted">{move || s().docs_intro}</p>
        <section class="card">
            <h2>{move || s().docs_requests}</h2>
            <pre class="code">
                "curl -H 'Authorization: Bearer ccg_…' http://HOST/api/v1/me\n"
                "curl -H 'X-API-Key: ccg_…' 'http://HOST/api/v1/cc/queues'\n"
                "curl -u login:ccg_… http://HOST/api/v1/me"
            </pre>
            <p>{move || s().docs_requests_text}</p>
        </section>
        <section class="card">
            <h2>{move || s().docs_methods}</h2>
            <div class="table-wrap">
                <table class="table" data-testid="docs-methods">
                    <tbody>{methods}</tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>{move || s().docs_error_codes}</h2>
            <ErrorTable />
        </section>
    }
}
