//! «Документация»: the public API as the catalogue and the error table define it.

use leptos::prelude::*;

use crate::i18n::{use_lang, use_strings, Lang};
use ccgate_catalogue::errors::ErrorCode;

#[component]
pub fn DocsPage() -> impl IntoView {
    let s = use_strings();
    let lang = use_lang();
    let en = move || lang.get() == Lang::En;
    let methods = ccgate_catalogue::all()
        .map(|(m, x)| {
            view! {
                <tr>
                    <td class="mono">{x.verb.as_str()}</td>
                    <td class="mono">{format!("/api/v1/{}/{}", m.name, x.name)}</td>
                    <td>{move || if en() { m.title_en } else { m.title_ru }}</td>
                    <td>{move || if en() { x.title_en } else { x.title_ru }}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h1>{move || s().docs_title}</h1>
        <p class="muted">{move || s().docs_intro}</p>
        <section class="card">
            <h2>{move || if en() { "Requests" } else { "Запросы" }}</h2>
            <pre class="code">
                "curl -H 'Authorization: Bearer ccg_…' http://HOST/api/v1/me\n"
                "curl -H 'X-API-Key: ccg_…' 'http://HOST/api/v1/cc/queues'\n"
                "curl -u login:ccg_… http://HOST/api/v1/me"
            </pre>
            <p>
                {move || {
                    if en() {
                        "Every answer carries X-Request-Id (yours if well formed). Errors are JSON: {\"error\":{\"code\",\"message\",\"request_id\",\"more_info\",\"details\"}}. Times are RFC 3339 UTC; phones E.164; lists take limit (≤ 1000) and offset and answer {items,total,limit,offset}."
                    } else {
                        "Каждый ответ содержит X-Request-Id (ваш, если он корректен). Ошибки — JSON: {\"error\":{\"code\",\"message\",\"request_id\",\"more_info\",\"details\"}}. Время — RFC 3339 UTC, телефоны — E.164; списки принимают limit (≤ 1000) и offset и отвечают {items,total,limit,offset}."
                    }
                }}
            </p>
        </section>
        <section class="card">
            <h2>{move || if en() { "Methods" } else { "Методы" }}</h2>
            <div class="table-wrap">
                <table class="table" data-testid="docs-methods">
                    <tbody>{methods}</tbody>
                </table>
            </div>
        </section>
        <section class="card">
            <h2>{move || if en() { "Error codes" } else { "Коды ошибок" }}</h2>
            <ErrorTable />
        </section>
    }
}

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
    let lang = use_lang();
    let en = move || lang.get() == Lang::En;
    view! {
        <main class="docs-public">
            <section class="card">
                <h1>{move || if en() { "ccgate API error codes" } else { "Коды ошибок API ccgate" }}</h1>
                <ErrorTable />
            </section>
        </main>
    }
}
