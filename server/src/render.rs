//! Panel pages are rendered to their end even when the browser leaves halfway.
//!
//! A page streams while its `Suspense` blocks resolve, each resolved by an effect task of its own.
//! When the browser goes away mid-stream (it navigates on, the tab closes), the response body is
//! dropped, and with it the page's reactive owner tree, while those tasks may still be running.
//! In Leptos 0.8 (reactive_graph 0.2) a task that is looking up a context (`use_context`, as every
//! component here does for its strings) at that moment can end up dropping the last reference to
//! an ancestor owner while it holds a read lock on a descendant. The drop then cleans up that
//! descendant and waits for its write lock, and the tokio worker stays blocked for ever. On a
//! 2-core server, two such pages leave no worker to answer anything. A test that dropped page
//! responses unread hit it (`bad_input::sql_looking_filters_are_plain_data`).
//!
//! So HTML responses are forwarded by a task of their own that reads the page to its end in any
//! case and hands chunks to the browser for as long as it listens. Nothing is dropped while it
//! renders. The cost is one task and a small channel per page view; pages still stream. Other
//! responses (the live event stream, which never ends; files; server functions) pass untouched.

use axum::body::Body;
use axum::extract::Request;
use axum::http::header::CONTENT_TYPE;
use axum::middleware::Next;
use axum::response::Response;
use futures_util::StreamExt;

/// Chunks of a page held while the browser is slower than the render.
const BACKLOG: usize = 16;

pub async fn finish_renders(req: Request, next: Next) -> Response {
    let res = next.run(req).await;
    let html = res
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.starts_with("text/html"));
    if !html {
        return res;
    }
    let (parts, body) = res.into_parts();
    let (tx, rx) = tokio::sync::mpsc::channel(BACKLOG);
    tokio::spawn(async move {
        let mut page = body.into_data_stream();
        let mut browser = Some(tx);
        while let Some(chunk) = page.next().await {
            if let Some(tx) = &browser {
                if tx.send(chunk).await.is_err() {
                    // Gone: read the rest without sending it.
                    browser = None;
                }
            }
        }
    });
    let chunks = futures_util::stream::unfold(rx, |mut rx| async move {
        rx.recv().await.map(|chunk| (chunk, rx))
    });
    Response::from_parts(parts, Body::from_stream(chunks))
}
