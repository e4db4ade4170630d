//! Static files of the site root (`site_root`: the browser bundle under `/pkg`, `public/`'s files)
//! and the caching rules of everything the panel serves.
//!
//! * The release build names the bundle's files by their content (`hash-files` in the workspace's
//!   Leptos metadata: `/pkg/ccgate.<22-character hash>.wasm`, `.js`, `.css`) and writes a brotli
//!   and a gzip copy of every file beside it (`cargo leptos build --release --precompress`). A
//!   hashed name never changes content, so it is `Cache-Control: public, max-age=31536000,
//!   immutable`; the browser asks for it once per release.
//! * Every other file (ECharts, Swagger UI, the favicon, the manual's screenshots) keeps its name,
//!   so it is `no-cache`: the browser revalidates with `If-None-Match` / `If-Modified-Since` and
//!   gets a 304 when nothing changed.
//! * A precompressed copy is served when the request accepts it (`Accept-Encoding`, brotli first),
//!   with `Vary: Accept-Encoding`; ranges and conditional requests are answered for every file.
//! * Pages are `private, no-cache` (they carry the session's data and a per-response CSP nonce),
//!   server functions and the panel's downloads `no-store`.
//!
//! A path that names no file is the panel's 404 page.

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use app::ssr::AppState;

/// A year: the longest `max-age` caches honour.
pub const IMMUTABLE: &str = "public, max-age=31536000, immutable";
pub const REVALIDATE: &str = "no-cache";
pub const PAGE: &str = "private, no-cache";
pub const NO_STORE: &str = "no-store";

/// Does `path` name a content-hashed file of the bundle: `/pkg/<stem>.<hash>.<ext>`, the hash
/// being cargo-leptos' 22 characters of unpadded base64url (an MD5)? Precompressed copies are
/// asked for by the same name.
pub fn is_hashed_asset(path: &str) -> bool {
    let Some(name) = path.strip_prefix("/pkg/") else {
        return false;
    };
    if name.contains('/') {
        return false;
    }
    let mut parts = name.rsplitn(3, '.');
    let (Some(ext), Some(hash), Some(stem)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !stem.is_empty()
        && matches!(ext, "js" | "wasm" | "css")
        && hash.len() == 22
        && hash
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// The fallback of the panel's router: a file of the site root, or the 404 page.
pub async fn file_or_not_found(State(state): State<AppState>, req: Request) -> Response {
    let path = req.uri().path().to_string();
    let reading = req.method() == Method::GET || req.method() == Method::HEAD;
    // Only what a browser sends to fetch a file; the request's cookies stay out of it.
    let method = if reading {
        req.method().clone()
    } else {
        Method::HEAD
    };
    let mut file_req = Request::builder().method(method).uri(req.uri().clone());
    for name in [
        header::ACCEPT_ENCODING,
        header::RANGE,
        header::IF_RANGE,
        header::IF_NONE_MATCH,
        header::IF_MODIFIED_SINCE,
        header::IF_MATCH,
        header::IF_UNMODIFIED_SINCE,
    ] {
        if let Some(v) = req.headers().get(&name) {
            file_req = file_req.header(name, v);
        }
    }
    let Ok(file_req) = file_req.body(Body::empty()) else {
        return not_found(state, req).await;
    };
    let site_root = state.leptos_options.site_root.to_string();
    let served = ServeDir::new(site_root)
        .precompressed_br()
        .precompressed_gzip()
        .append_index_html_on_directories(false)
        .oneshot(file_req)
        .await;
    let mut res = match served {
        Ok(res) => res.map(Body::new),
        Err(never) => match never {},
    };
    match res.status() {
        StatusCode::NOT_FOUND | StatusCode::METHOD_NOT_ALLOWED => {
            return not_found(state, req).await
        }
        // A file is only read.
        _ if !reading => {
            return (
                StatusCode::METHOD_NOT_ALLOWED,
                [(header::ALLOW, HeaderValue::from_static("GET, HEAD"))],
            )
                .into_response()
        }
        _ => {}
    }
    let policy = if is_hashed_asset(&path) {
        IMMUTABLE
    } else {
        REVALIDATE
    };
    let h = res.headers_mut();
    h.insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    // The answer depends on Accept-Encoding (a precompressed copy or the file): caches keep each.
    h.insert(header::VARY, HeaderValue::from_static("accept-encoding"));
    res
}

/// The panel's 404 page (the Leptos router's fallback view, status 404).
async fn not_found(state: AppState, req: Request) -> Response {
    let (parts, _) = req.into_parts();
    // The file handler looks for the path again and, finding none, renders the shell with 404.
    let req = Request::from_parts(parts, Body::empty());
    let handler = leptos_axum::file_and_error_handler::<AppState, _>(app::shell);
    let uri = req.uri().clone();
    handler(uri, State(state), req).await.into_response()
}

/// The caching rule of pages and server functions, for answers that did not set their own:
/// server functions, the SSE feed and the panel's downloads are never stored; pages (HTML with a
/// per-response nonce and the admin's data) are kept only by the browser and revalidated.
pub async fn cache_policy(req: Request, next: Next) -> Response {
    let path = req.uri().path();
    let policy = if path.starts_with("/rpc/") || path.starts_with("/admin/") {
        NO_STORE
    } else {
        PAGE
    };
    let mut res = next.run(req).await;
    if !res.headers().contains_key(header::CACHE_CONTROL) {
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static(policy));
    }
    res
}

#[cfg(test)]
mod tests {
    use super::is_hashed_asset;

    #[test]
    fn hashed_names_are_recognised() {
        assert!(is_hashed_asset("/pkg/ccgate.Xq0e1_AbCdEfGhIjKlMnOp.wasm"));
        assert!(is_hashed_asset("/pkg/ccgate.Xq0e1-AbCdEfGhIjKlMnOp.js"));
        assert!(is_hashed_asset("/pkg/ccgate.Xq0e1-AbCdEfGhIjKlMnOp.css"));
        // Not hashed, elsewhere, another kind or a hash of the wrong length.
        assert!(!is_hashed_asset("/pkg/ccgate.wasm"));
        assert!(!is_hashed_asset("/pkg/ccgate_bg.wasm"));
        assert!(!is_hashed_asset("/echarts.Xq0e1-AbCdEfGhIjKlMnOp.js"));
        assert!(!is_hashed_asset("/pkg/ccgate.Xq0e1-AbCdEfGhIjKlMnOp.txt"));
        assert!(!is_hashed_asset("/pkg/ccgate.short.js"));
        assert!(!is_hashed_asset("/pkg/.Xq0e1-AbCdEfGhIjKlMnOp.js"));
        assert!(!is_hashed_asset("/pkg/x/ccgate.Xq0e1-AbCdEfGhIjKlMnOp.js"));
        assert!(!is_hashed_asset("/pkg/ccgate.Xq0e1-AbCdEfGhIjKl%2FnOp.js"));
    }
}
