//! What every panel request passes before a page or a server function sees it (the session check
//! itself is `startup::page_guard`):
//!
//! * **One spelling per path.** `/docs/`, `//docs`, `/d%6Fcs` are redirected (308) to `/docs`
//!   before the session check, so the guard and the router always judge the same path.
//! * **No cross-site writes.** A request that is not `GET`/`HEAD`/`OPTIONS` (server functions,
//!   sign-out) is refused with 403 when the browser says it comes from another site
//!   (`Sec-Fetch-Site` other than `same-origin`) or its `Origin` is not this server's (the
//!   configured `public_url`, else `http(s)://` + `Host`). SameSite cookies alone let a sibling
//!   subdomain or another port through. Requests without either header (no browser) pass: they
//!   need the session cookie anyway.
//! * **Server-function input errors are 4xx.** Arguments that do not decode are answered 400
//!   (the framework answers 500 and logs an error); a body over [`RPC_BODY_LIMIT`] is 413.

use axum::body::{to_bytes, Body};
use axum::extract::Request;
use axum::http::{header, HeaderMap, Method, StatusCode, Uri};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use ccgate_core::Config;

/// The largest server-function body (the framework's own read limit).
pub const RPC_BODY_LIMIT: u64 = 2 * 1024 * 1024;

/// The canonical form of a path, if it is not already canonical: repeated slashes collapsed, a
/// trailing slash removed (but for `/`), percent-escapes of unreserved characters decoded.
pub fn canonical_path(path: &str) -> Option<String> {
    // Bytes in, bytes out: a path may hold UTF-8 (the URI parser lets it through), which is
    // copied as it is; only ASCII is ever decoded or dropped, so the result stays UTF-8.
    let mut out: Vec<u8> = Vec::with_capacity(path.len());
    let b = path.as_bytes();
    let mut i = 0;
    while i < b.len() {
        let c = b[i];
        if c == b'%' && i + 2 < b.len() {
            let hex = |x: u8| (x as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                let d = (h * 16 + l) as u8;
                if d.is_ascii_alphanumeric() || matches!(d, b'-' | b'.' | b'_' | b'~') {
                    out.push(d);
                    i += 3;
                    continue;
                }
            }
        }
        if c == b'/' && out.last() == Some(&b'/') {
            i += 1;
            continue;
        }
        out.push(c);
        i += 1;
    }
    while out.len() > 1 && out.last() == Some(&b'/') {
        out.pop();
    }
    if out.is_empty() {
        out.push(b'/');
    }
    let out = String::from_utf8(out).ok()?;
    (out != path).then_some(out)
}

/// The redirect to the canonical spelling of `uri`'s path (query kept), if it has another.
pub fn redirect_to_canonical(method: &Method, uri: &Uri) -> Option<Response> {
    if method != Method::GET && method != Method::HEAD {
        return None;
    }
    let clean = canonical_path(uri.path())?;
    let to = match uri.query() {
        Some(q) => format!("{clean}?{q}"),
        None => clean,
    };
    Some(Redirect::permanent(&to).into_response())
}

/// Does this state-changing request come from another site?
pub fn is_cross_site(method: &Method, headers: &HeaderMap, config: &Config) -> bool {
    if matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS) {
        return false;
    }
    if let Some(v) = headers.get("sec-fetch-site") {
        if v.as_bytes() != b"same-origin" {
            return true;
        }
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    if let Some(public) = &config.public_url {
        if origin.eq_ignore_ascii_case(public) {
            return false;
        }
    }
    let host = headers
        .get(header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("");
    let authority = origin
        .strip_prefix("http://")
        .or_else(|| origin.strip_prefix("https://"));
    !matches!(authority, Some(a) if !host.is_empty() && a.eq_ignore_ascii_case(host))
}

/// The panel's first layer: the canonical-path redirect and the cross-site refusal.
pub async fn panel_gate(
    axum::extract::State(config): axum::extract::State<std::sync::Arc<Config>>,
    req: Request,
    next: Next,
) -> Response {
    if let Some(r) = redirect_to_canonical(req.method(), req.uri()) {
        return r;
    }
    if is_cross_site(req.method(), req.headers(), &config) {
        tracing::warn!(path = %req.uri().path(), "cross-site request to the panel refused");
        return cross_site_refused();
    }
    next.run(req).await
}

/// The 403 of a refused cross-site request.
pub fn cross_site_refused() -> Response {
    (
        StatusCode::FORBIDDEN,
        [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
        "cross-site request refused",
    )
        .into_response()
}

/// Server functions: 413 for a body over the limit, 400 (not 500) for arguments that do not
/// decode. Everything else passes unchanged.
pub async fn rpc_status(req: Request, next: Next) -> Response {
    if !req.uri().path().starts_with("/rpc/") {
        return next.run(req).await;
    }
    let too_big = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > RPC_BODY_LIMIT);
    if too_big {
        return (
            StatusCode::PAYLOAD_TOO_LARGE,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            format!(
                "the request body is larger than {} MiB",
                RPC_BODY_LIMIT >> 20
            ),
        )
            .into_response();
    }
    let res = next.run(req).await;
    if res.status() != StatusCode::INTERNAL_SERVER_ERROR
        || !res.headers().contains_key("serverfnerror")
    {
        return res;
    }
    let (mut parts, body) = res.into_parts();
    // Error bodies are a few hundred bytes of JSON.
    let Ok(bytes) = to_bytes(body, 64 * 1024).await else {
        return (StatusCode::INTERNAL_SERVER_ERROR, "internal error").into_response();
    };
    if let Ok(app::error::AppError::ServerFn(e)) = serde_json::from_slice(&bytes) {
        use leptos::server_fn::error::ServerFnErrorErr as E;
        parts.status = match e {
            E::Args(_) | E::MissingArg(_) | E::Deserialization(_) => StatusCode::BAD_REQUEST,
            E::Registration(_) => StatusCode::NOT_FOUND,
            E::UnsupportedRequestMethod(_) => StatusCode::METHOD_NOT_ALLOWED,
            _ => parts.status,
        };
        if parts.status.is_client_error() {
            tracing::debug!(error = %e, "server function refused its input");
        }
    }
    Response::from_parts(parts, Body::from(bytes))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_canonical() {
        assert_eq!(canonical_path("/docs/").as_deref(), Some("/docs"));
        assert_eq!(canonical_path("//docs").as_deref(), Some("/docs"));
        assert_eq!(canonical_path("/users//7/").as_deref(), Some("/users/7"));
        assert_eq!(canonical_path("/d%6Fcs").as_deref(), Some("/docs"));
        assert_eq!(canonical_path("/settings///").as_deref(), Some("/settings"));
        assert_eq!(canonical_path("//").as_deref(), Some("/"));
        // Reserved characters stay escaped; canonical paths are left alone.
        assert_eq!(canonical_path("/a%2Fb"), None);
        assert_eq!(canonical_path("/"), None);
        assert_eq!(canonical_path("/docs"), None);
        assert_eq!(canonical_path("/pkg/ccgate.js"), None);
        assert_eq!(canonical_path("/x%4"), None);
        assert_eq!(canonical_path("/x%"), None);
        // UTF-8 in a path is kept as it is, never re-encoded byte by byte (that redirected
        // `/журнал` to a longer spelling, and that one to a longer one, without end).
        assert_eq!(canonical_path("/журнал"), None);
        assert_eq!(canonical_path("/журнал/").as_deref(), Some("/журнал"));
        assert_eq!(canonical_path("//é%41").as_deref(), Some("/éA"));
    }

    fn h(pairs: &[(&str, &str)]) -> HeaderMap {
        let mut m = HeaderMap::new();
        for (k, v) in pairs {
            m.insert(
                axum::http::HeaderName::from_bytes(k.as_bytes()).unwrap(),
                v.parse().unwrap(),
            );
        }
        m
    }

    #[test]
    fn cross_site_writes_are_recognised() {
        let c = Config::from_sources(None, &|_| None).unwrap();
        let post = Method::POST;
        let host = ("host", "cc.example:3000");
        assert!(!is_cross_site(&post, &h(&[host]), &c), "no browser headers");
        assert!(!is_cross_site(
            &post,
            &h(&[
                host,
                ("origin", "http://cc.example:3000"),
                ("sec-fetch-site", "same-origin")
            ]),
            &c
        ));
        assert!(is_cross_site(
            &post,
            &h(&[host, ("origin", "http://evil.example")]),
            &c
        ));
        assert!(is_cross_site(
            &post,
            &h(&[host, ("origin", "http://cc.example:4000")]),
            &c
        ));
        assert!(is_cross_site(&post, &h(&[host, ("origin", "null")]), &c));
        assert!(is_cross_site(
            &post,
            &h(&[host, ("sec-fetch-site", "same-site")]),
            &c
        ));
        assert!(is_cross_site(
            &post,
            &h(&[host, ("sec-fetch-site", "cross-site")]),
            &c
        ));
        // Reads are never refused.
        assert!(!is_cross_site(
            &Method::GET,
            &h(&[host, ("sec-fetch-site", "cross-site")]),
            &c
        ));
        // Behind a proxy that rewrites Host, the configured public URL is this server.
        let c = Config::from_sources(None, &|k| {
            (k == "CCGATE_PUBLIC_URL").then(|| "https://cc.example.com".to_string())
        })
        .unwrap();
        assert!(!is_cross_site(
            &post,
            &h(&[
                ("host", "127.0.0.1:3000"),
                ("origin", "https://cc.example.com")
            ]),
            &c
        ));
    }
}
