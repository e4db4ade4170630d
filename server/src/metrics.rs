//! `GET /metrics`: the Prometheus text exposition (`ccgate_core::observe::render`). Open to the
//! client addresses of `metrics_allow` (loopback by default; the address by the trusted-proxy
//! rule, as everywhere) and to a request with `Authorization: Bearer <metrics_token>` when a token
//! is configured; anything else is a 403 (a 401 asking for the token when one is configured).
//! Never journaled: a scrape every few seconds would fill the journal with itself.

use std::net::SocketAddr;

use axum::extract::{ConnectInfo, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use ccgate_core::Services;

pub const PATH: &str = "/metrics";

pub async fn metrics(
    State(state): State<Services>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
) -> Response {
    let config = &state.config;
    let ip = crate::rest::pipeline::client_ip(&config.trusted_proxies, peer.ip(), &headers);
    let token = config.metrics_token.expose();
    let by_token = !token.is_empty()
        && headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "))
            .is_some_and(|given| constant_time_eq(given.trim().as_bytes(), token.as_bytes()));
    if !by_token && !config.metrics_allow.contains(ip) {
        let mut res = if token.is_empty() {
            (
                StatusCode::FORBIDDEN,
                "metrics: this address is not in metrics_allow\n",
            )
                .into_response()
        } else {
            let mut r = (
                StatusCode::UNAUTHORIZED,
                "metrics: a bearer token is needed\n",
            )
                .into_response();
            r.headers_mut()
                .insert(header::WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            r
        };
        res.headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
        return res;
    }
    let body = ccgate_core::observe::render(&state).await;
    (
        [
            (
                header::CONTENT_TYPE,
                HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
            ),
            (header::CACHE_CONTROL, HeaderValue::from_static("no-store")),
        ],
        body,
    )
        .into_response()
}

/// Equal bytes, compared in time that depends only on the lengths.
fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}
