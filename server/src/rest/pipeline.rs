//! The request pipeline for `/api`, in this order: request id → client address → authentication →
//! IP allow-list → method enabled → permission → requests-per-minute limits → handler → journal.
//! Every step reads the in-memory snapshot and counters; nothing here waits on the database (the
//! journal write is queued, the limit counters are synced in the background).
//!
//! The client address is the TCP peer's, or — from a configured trusted proxy only — the one
//! `X-Forwarded-For` names (`platform::net::client_addr`); the allow-list, the journal and its
//! anonymous budget all use it. A caller admitted so far is counted against its
//! requests-per-minute limits (`ccgate_core::limits`; over one: 429 `rate_limited`). Every answer
//! to a caller with an applicable limit carries `RateLimit-Limit`, `RateLimit-Remaining` and
//! `RateLimit-Reset` (the IETF draft's fields: the limit, what is left of it, whole seconds until
//! its window ends) for the tightest one — the least remaining —; a 429 (`rate_limited`, or a
//! handler's `quota_exceeded`) carries those of the limit it passed and `Retry-After`.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Instant;

use axum::body::{Body, HttpBody};
use axum::extract::{ConnectInfo, OriginalUri, Request, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::middleware::Next;
use axum::response::Response;
use base64::Engine;
use ccgate_catalogue::{Method, Module};
use ccgate_core::access::live::{Caller, Credential, Snapshot};
use ccgate_core::journal::{mask_path, Entry};
use ccgate_core::limits::{tightest, Standing};
use ccgate_core::platform::net::{client_addr, CidrList};
use ccgate_core::platform::time::now_ms;
use rand::Rng;
use serde_json::json;
use tracing::Instrument;

use ccgate_core::Services;

use super::error::{ApiError, ErrorCode, ErrorInfo};

pub const REQUEST_ID: &str = "x-request-id";

/// The request id: the caller's if well formed (1–128 of `A-Z a-z 0-9 . _ : -`), else a new one
/// (32 hex digits, time-ordered).
pub fn request_id(headers: &HeaderMap, now_ms: i64) -> String {
    if let Some(v) = headers.get(REQUEST_ID).and_then(|v| v.to_str().ok()) {
        if (1..=128).contains(&v.len())
            && v.bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b':' | b'-'))
        {
            return v.to_string();
        }
    }
    // Time first (48 bits of Unix ms), then 80 random bits: ids sort by time, so the journal's
    // request-id index grows at its end instead of dirtying a random page for every row.
    let n: u128 = rand::thread_rng().gen::<u128>() & ((1u128 << 80) - 1);
    format!("{:012x}{n:020x}", now_ms as u64 & 0xFFFF_FFFF_FFFF)
}

/// Credentials from `Authorization: Bearer`, `X-API-Key` or `Authorization: Basic login:key`.
pub fn credential(headers: &HeaderMap) -> Option<Credential> {
    if let Some(v) = headers.get(header::AUTHORIZATION) {
        let v = v.to_str().unwrap_or("").trim();
        let (scheme, rest) = v.split_once(' ').unwrap_or((v, ""));
        let rest = rest.trim();
        return Some(if scheme.eq_ignore_ascii_case("bearer") {
            Credential::Bearer(rest.to_string())
        } else if scheme.eq_ignore_ascii_case("basic") {
            base64::engine::general_purpose::STANDARD
                .decode(rest)
                .ok()
                .and_then(|b| String::from_utf8(b).ok())
                .and_then(|s| {
                    s.split_once(':').map(|(l, k)| Credential::Basic {
                        login: l.to_string(),
                        key: k.to_string(),
                    })
                })
                .unwrap_or(Credential::Bearer(String::new()))
        } else {
            Credential::Bearer(String::new())
        });
    }
    headers
        .get("x-api-key")
        .map(|v| Credential::Bearer(v.to_str().unwrap_or("").trim().to_string()))
}

enum Route {
    Method(&'static Module, &'static Method),
    Me,
    Unknown,
}

/// `path` is relative to `/api`.
fn classify(path: &str) -> Route {
    let Some(rest) = path.strip_prefix("/v1/") else {
        return Route::Unknown;
    };
    if rest == "me" {
        return Route::Me;
    }
    let mut parts = rest.splitn(3, '/');
    match (parts.next(), parts.next()) {
        (Some(m), Some(x)) => match ccgate_catalogue::method(m, x) {
            Some((m, x)) => Route::Method(m, x),
            None => Route::Unknown,
        },
        _ => Route::Unknown,
    }
}

/// The address a request comes from: the peer, or what a trusted proxy forwarded.
pub fn client_ip(trusted: &CidrList, peer: IpAddr, headers: &HeaderMap) -> IpAddr {
    client_addr(
        peer,
        headers
            .get_all("x-forwarded-for")
            .iter()
            .filter_map(|v| v.to_str().ok()),
        trusted,
    )
}

/// Refused when the caller's allow-list does not hold its address.
fn address_check(caller: &Caller, ip: IpAddr) -> Result<(), ApiError> {
    if caller.allows_ip(ip) {
        return Ok(());
    }
    Err(ApiError::new(
        ErrorCode::IpNotAllowed,
        format!("this API user may not call from {ip}"),
    )
    .with_details(json!({ "address": ip.to_string() })))
}

/// Authentication, address, switch and permission checks. The caller is returned even when a
/// later check fails, so the journal knows who was refused.
fn gate(
    snap: &Snapshot,
    route: &Route,
    headers: &HeaderMap,
    ip: IpAddr,
    now: i64,
) -> (Option<Arc<Caller>>, Result<(), ApiError>) {
    let (m, x) = match route {
        Route::Unknown => return (None, Ok(())),
        Route::Me => {
            return match snap.authenticate(credential(headers).as_ref(), now) {
                Ok(c) => {
                    let verdict = address_check(&c, ip);
                    (Some(c), verdict)
                }
                Err(e) => (None, Err(e.into())),
            }
        }
        Route::Method(m, x) => (m, x),
    };
    let caller = match snap.authenticate(credential(headers).as_ref(), now) {
        Ok(c) => c,
        Err(e) => return (None, Err(e.into())),
    };
    if let Err(e) = address_check(&caller, ip) {
        return (Some(caller), Err(e));
    }
    if !snap.method_enabled(m.name, x.name) {
        let e = ApiError::new(
            ErrorCode::MethodDisabled,
            format!("{}.{} is switched off", m.name, x.name),
        );
        return (Some(caller), Err(e));
    }
    if !caller.may_call(m.name, x.name) {
        let missing = format!("{}.{}", m.name, x.name);
        let e = ApiError::new(
            ErrorCode::PermissionDenied,
            format!("this API user may not call {missing}"),
        )
        .with_details(json!({ "missing": missing }));
        return (Some(caller), Err(e));
    }
    (Some(caller), Ok(()))
}

/// `module.method` of a catalogue route.
fn dotted_of(route: &Route) -> Option<String> {
    match route {
        Route::Method(m, x) => Some(format!("{}.{}", m.name, x.name)),
        _ => None,
    }
}

/// The limit a refused request passed, named by the refusal's details.
fn passed_limit(e: &ApiError) -> Option<String> {
    if !matches!(e.code, ErrorCode::RateLimited | ErrorCode::QuotaExceeded) {
        return None;
    }
    Some(e.details.as_ref()?["limit"].as_str()?.to_string())
}

/// `RateLimit-*` for `s` at `at`, and on a refusal `Retry-After` (the same seconds as the reset).
fn rate_headers(h: &mut HeaderMap, s: &Standing, at: i64, refused: bool) {
    let reset = s.reset_secs(at);
    h.insert(RATELIMIT_LIMIT, HeaderValue::from(s.limit));
    h.insert(RATELIMIT_REMAINING, HeaderValue::from(s.remaining()));
    h.insert(RATELIMIT_RESET, HeaderValue::from(reset));
    if refused {
        h.insert(header::RETRY_AFTER, HeaderValue::from(reset));
    }
}

pub const RATELIMIT_LIMIT: &str = "ratelimit-limit";
pub const RATELIMIT_REMAINING: &str = "ratelimit-remaining";
pub const RATELIMIT_RESET: &str = "ratelimit-reset";

/// The origin for `more_info` links: the configured public URL, else `http://<Host>`.
fn public_base(config: &ccgate_core::Config, host: Option<&HeaderValue>) -> String {
    if let Some(u) = &config.public_url {
        return u.clone();
    }
    host.and_then(|h| h.to_str().ok())
        .filter(|h| {
            !h.is_empty()
                && h.bytes().all(|b| {
                    b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b':' | b'[' | b']')
                })
        })
        .map(|h| format!("http://{h}"))
        .unwrap_or_default()
}

pub async fn pipeline(
    State(state): State<Services>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    OriginalUri(original): OriginalUri,
    mut req: Request,
    next: Next,
) -> Response {
    let started = Instant::now();
    let at = now_ms();
    let rid = request_id(req.headers(), at);
    let http_method = req.method().as_str().to_string();
    let route = classify(req.uri().path());
    let snap = state.live.current();
    let ip = client_ip(&state.config.trusted_proxies, peer.ip(), req.headers());

    let (mut caller, mut verdict) = gate(&snap, &route, req.headers(), ip, at);
    // A key created a moment ago by the command line or another instance: in force at once.
    if matches!(&verdict, Err(e) if e.code == ErrorCode::AuthInvalid)
        && state.live.catch_up(snap.generation).await.unwrap_or(false)
    {
        (caller, verdict) = gate(&state.live.current(), &route, req.headers(), ip, at);
    }
    let offset = snap.utc_offset_minutes;
    let dotted = dotted_of(&route);
    // Counted only once everything else admitted the request.
    if verdict.is_ok() {
        if let Some(c) = &caller {
            if let Err(ex) =
                state
                    .limits
                    .admit_request(c.user_id, &c.limits, dotted.as_deref(), at, offset)
            {
                verdict = Err(ex.into());
            }
        }
    }
    // Every log line of this request, in the handler, the services and the tasks they start,
    // names it.
    let span = tracing::info_span!(
        "api",
        request_id = %rid,
        user = caller.as_ref().map(|c| c.login.as_str()).unwrap_or("-"),
        method = %match &route {
            Route::Method(m, x) => format!("{}.{}", m.name, x.name),
            Route::Me => "me".to_string(),
            Route::Unknown => "-".to_string(),
        },
    );
    // The origin of error bodies' `more_info` links; read from the request only for an error.
    let host = req.headers().get(header::HOST).cloned();
    let base = || public_base(&state.config, host.as_ref());
    let mut response = match verdict {
        Err(e) => e.to_response(Some(&rid), &base()),
        Ok(()) => {
            if let Some(c) = &caller {
                req.extensions_mut().insert(Arc::clone(c));
            }
            next.run(req).instrument(span).await
        }
    };

    // Errors from handlers get the request id in their body.
    let error_code = response
        .extensions()
        .get::<ErrorInfo>()
        .map(|i| i.0.clone());
    if let Some(err) = &error_code {
        let status = response.status();
        let mut fresh = err.to_response(Some(&rid), &base());
        *fresh.status_mut() = status;
        for (k, v) in response.headers() {
            if k != header::CONTENT_LENGTH && k != header::CONTENT_TYPE {
                fresh.headers_mut().insert(k.clone(), v.clone());
            }
        }
        response = fresh;
    }
    if let Ok(v) = HeaderValue::from_str(&rid) {
        response.headers_mut().insert(REQUEST_ID, v);
    }
    if let Some(c) = &caller {
        let standings =
            state
                .limits
                .for_request(c.user_id, &c.limits, dotted.as_deref(), at, offset);
        // A refusal tells of the limit it passed; any other answer of the tightest one.
        let shown = match error_code.as_ref().and_then(passed_limit) {
            Some(name) => standings
                .into_iter()
                .find(|s| s.name == name)
                .map(|s| (s, true)),
            None => tightest(standings).map(|s| (s, false)),
        };
        if let Some((s, refused)) = shown {
            rate_headers(response.headers_mut(), &s, at, refused);
        }
    }

    let (module, method) = match route {
        Route::Method(m, x) => (Some(m.name.to_string()), Some(x.name.to_string())),
        Route::Me => (None, Some("me".to_string())),
        Route::Unknown => (None, None),
    };
    let response_bytes = Body::size_hint(response.body())
        .exact()
        .or_else(|| {
            response
                .headers()
                .get(header::CONTENT_LENGTH)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.parse().ok())
        })
        .unwrap_or(0) as i64;
    ccgate_core::platform::metrics::metrics().api_request(
        module.as_deref().unwrap_or("-"),
        method.as_deref().unwrap_or("-"),
        response.status().as_u16(),
        started.elapsed(),
    );
    let entry = Entry {
        at,
        request_id: rid,
        user_id: caller.as_ref().map(|c| c.user_id),
        user_login: caller.as_ref().map(|c| c.login.clone()),
        key_id: caller.as_ref().map(|c| c.key_id),
        module,
        method,
        http_method,
        path: mask_path(original.path_and_query().map(|p| p.as_str()).unwrap_or("/")),
        status: response.status().as_u16(),
        error_code: error_code.map(|e| e.code.as_str().to_string()),
        latency_us: started.elapsed().as_micros() as i64,
        client_ip: ip.to_string(),
        response_bytes,
    };
    // Without a known caller (no key, a wrong one, an unknown route) within a per-minute budget:
    // nobody may grow the journal without a key.
    if entry.user_id.is_some() {
        state.journal.record(entry).await;
    } else {
        state.journal.record_anonymous(entry).await;
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn request_ids() {
        let mut h = HeaderMap::new();
        h.insert(REQUEST_ID, HeaderValue::from_static("crm-42.a:b_c"));
        assert_eq!(request_id(&h, now_ms()), "crm-42.a:b_c");
        h.insert(REQUEST_ID, HeaderValue::from_static("bad id with spaces"));
        let r = request_id(&h, now_ms());
        assert_eq!(r.len(), 32);
        assert!(r.bytes().all(|b| b.is_ascii_hexdigit()));
        // Time-ordered: a later id sorts after an earlier one, and two ids differ.
        std::thread::sleep(std::time::Duration::from_millis(2));
        let later = request_id(&HeaderMap::new(), now_ms());
        assert!(later > r, "{later} > {r}");
        assert_ne!(request_id(&HeaderMap::new(), now_ms()), later);
    }

    #[test]
    fn credentials() {
        let mut h = HeaderMap::new();
        assert_eq!(credential(&h), None);
        h.insert("x-api-key", HeaderValue::from_static("ccg_x"));
        assert_eq!(credential(&h), Some(Credential::Bearer("ccg_x".into())));
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Bearer ccg_y"),
        );
        assert_eq!(credential(&h), Some(Credential::Bearer("ccg_y".into())));
        // "crm:ccg_z"
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Basic Y3JtOmNjZ196"),
        );
        assert_eq!(
            credential(&h),
            Some(Credential::Basic {
                login: "crm".into(),
                key: "ccg_z".into()
            })
        );
        h.insert(
            header::AUTHORIZATION,
            HeaderValue::from_static("Digest nonsense"),
        );
        assert_eq!(credential(&h), Some(Credential::Bearer(String::new())));
    }

    #[test]
    fn routes_classify() {
        assert!(
            matches!(classify("/v1/cc/add"), Route::Method(m, x) if m.name == "cc" && x.name == "add")
        );
        assert!(matches!(classify("/v1/cc/add/17"), Route::Method(..)));
        assert!(matches!(classify("/v1/me"), Route::Me));
        assert!(matches!(classify("/v1/cc/nope"), Route::Unknown));
        assert!(matches!(classify("/v2/cc/add"), Route::Unknown));
    }
}
