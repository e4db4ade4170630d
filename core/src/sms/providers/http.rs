//! What the HTTP aggregators (SMS Traffic, SMSC.ru) share: their configuration, form encoding,
//! how a transport failure is classified, and the one submit/failover loop — a form POSTed to
//! the main URL and, only after a definite non-acceptance (connection refused, a TLS certificate
//! that does not verify, HTTP 5xx, a gateway-level refusal the reply format calls retryable), to the reserve URL.

use crate::platform::metrics::metrics;
use std::time::Duration;

use super::{ErrorClass, GatewayError, Scope};
use crate::platform::secret::Secret;
use crate::sms::gateways::Gateway;

#[derive(Debug, Clone)]
pub struct HttpConfig {
    /// The gateway's name, which its calls are counted under (`sms:<name>` in the metrics).
    pub name: String,
    pub url: String,
    pub reserve_url: Option<String>,
    pub login: String,
    pub password: Secret<String>,
    /// Parts per second this gateway may send.
    pub rate_per_sec: u32,
    pub max_parts: usize,
    pub timeout: Duration,
}

impl HttpConfig {
    /// The configuration of a stored gateway (values clamped to what the providers take).
    pub fn of(g: &Gateway) -> HttpConfig {
        HttpConfig {
            name: g.name.clone(),
            url: g.url.clone(),
            reserve_url: (!g.reserve_url.is_empty()).then(|| g.reserve_url.clone()),
            login: g.login.clone(),
            password: g.password.clone(),
            rate_per_sec: g.rate_limit.clamp(1, 100_000) as u32,
            max_parts: g.max_parts.clamp(1, 255) as usize,
            timeout: Duration::from_millis(g.timeout_ms.clamp(100, 300_000) as u64),
        }
    }

    /// The main URL, then the reserve one (empty ones skipped).
    fn urls(&self) -> impl Iterator<Item = &String> {
        std::iter::once(&self.url)
            .chain(self.reserve_url.iter())
            .filter(|u| !u.is_empty())
    }
}

/// How a gateway's replies read: the body parsed, and the gateway-level error a successful HTTP
/// answer may carry (which decides whether the reserve URL is tried).
pub struct ReplyFormat<T> {
    pub parse: fn(&str) -> Result<T, String>,
    pub error_of: fn(&T) -> Option<GatewayError>,
}

/// POST `form` to each URL of `cfg` in turn (`url_of` maps a configured URL to the one to call)
/// until one takes it: a reply whose error does not fail over, or a failure that does not, ends
/// the loop. After the last URL the last failing-over error is returned.
pub async fn post_form<T>(
    client: &reqwest::Client,
    cfg: &HttpConfig,
    url_of: impl Fn(&str) -> String,
    form: &[(&str, &str)],
    format: &ReplyFormat<T>,
) -> Result<T, GatewayError> {
    let body = form_body(form);
    let mut last = None;
    let upstream = format!("sms:{}", cfg.name);
    for url in cfg.urls() {
        let posted = metrics()
            .time_upstream(
                &upstream,
                post_one(client, cfg.timeout, &url_of(url), body.clone()),
            )
            .await;
        match posted {
            Ok(text) => {
                let reply = (format.parse)(&text).map_err(|e| {
                    GatewayError::new(
                        ErrorClass::Ambiguous,
                        Scope::Gateway,
                        "bad_reply",
                        format!("unreadable reply: {e}"),
                    )
                })?;
                match (format.error_of)(&reply) {
                    Some(e) if e.fails_over() => last = Some(e),
                    _ => return Ok(reply),
                }
            }
            Err(e) if e.fails_over() => last = Some(e),
            Err(e) => return Err(e),
        }
    }
    Err(last.unwrap_or_else(|| {
        GatewayError::new(
            ErrorClass::Permanent,
            Scope::Gateway,
            "no_url",
            "no URL configured",
        )
    }))
}

/// One POST: the body of a 2xx answer, or how it failed.
async fn post_one(
    client: &reqwest::Client,
    timeout: Duration,
    url: &str,
    body: String,
) -> Result<String, GatewayError> {
    let resp = client
        .post(url)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .timeout(timeout)
        .body(body)
        .send()
        .await
        .map_err(transport_error)?;
    let status = resp.status();
    if status.is_server_error() {
        return Err(GatewayError::new(
            ErrorClass::Retryable,
            Scope::Gateway,
            format!("http_{}", status.as_u16()),
            "the gateway answered with a server error",
        ));
    }
    if !status.is_success() {
        return Err(GatewayError::new(
            ErrorClass::Permanent,
            Scope::Gateway,
            format!("http_{}", status.as_u16()),
            "the gateway refused the request",
        ));
    }
    resp.text().await.map_err(|e| {
        GatewayError::new(
            ErrorClass::Ambiguous,
            Scope::Gateway,
            "read_failed",
            e.to_string(),
        )
    })
}

/// Connection refused / DNS / connect timeout / a TLS handshake that failed (the certificate did
/// not verify: `upstream_tls_error`): the request never reached the gateway. Anything later (read
/// timeout, reset) may have been accepted.
pub fn transport_error(e: reqwest::Error) -> GatewayError {
    if let Some(tls) = crate::platform::http::tls_error(&e) {
        GatewayError::new(
            ErrorClass::Retryable,
            Scope::Gateway,
            crate::sms::service::TLS_ERROR,
            format!("TLS: {tls}"),
        )
    } else if e.is_connect() {
        GatewayError::new(
            ErrorClass::Retryable,
            Scope::Gateway,
            "connect_failed",
            e.to_string(),
        )
    } else if e.is_timeout() {
        GatewayError::new(
            ErrorClass::Ambiguous,
            Scope::Gateway,
            "timeout",
            "no answer in time",
        )
    } else {
        GatewayError::new(
            ErrorClass::Ambiguous,
            Scope::Gateway,
            "transport",
            e.to_string(),
        )
    }
}

/// `application/x-www-form-urlencoded` encoding of one value (UTF-8, space as `+`). Decoding is
/// `platform::form`'s.
pub fn form_encode(s: &str) -> String {
    let mut out = String::with_capacity(s.len() * 3);
    for &b in s.as_bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'*' => {
                out.push(b as char)
            }
            b' ' => out.push('+'),
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

pub fn form_body(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .map(|(k, v)| format!("{}={}", form_encode(k), form_encode(v)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::form::form_pairs;

    #[test]
    fn forms_round_trip_through_the_one_decoder() {
        let body = form_body(&[("message", "Привет, мир & 100%"), ("phones", "7916,7917")]);
        assert_eq!(
            form_pairs(&body),
            vec![
                ("message".to_string(), "Привет, мир & 100%".to_string()),
                ("phones".to_string(), "7916,7917".to_string())
            ]
        );
        assert_eq!(form_encode("a b+c"), "a+b%2Bc");
    }

    #[tokio::test]
    async fn failover_only_after_a_definite_refusal() {
        fn parse(s: &str) -> Result<String, String> {
            Ok(s.to_string())
        }
        fn error_of(s: &String) -> Option<GatewayError> {
            (s == "busy").then(|| {
                GatewayError::new(ErrorClass::Retryable, Scope::Gateway, "busy", "try later")
            })
        }
        let format = ReplyFormat { parse, error_of };
        // Nothing listens on either URL: both are tried, the last refusal comes back.
        let dead = {
            let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
            format!("http://{}/", l.local_addr().unwrap())
        };
        let cfg = HttpConfig {
            name: "dead".into(),
            url: dead.clone(),
            reserve_url: Some(dead),
            login: String::new(),
            password: Secret::new(String::new()),
            rate_per_sec: 1,
            max_parts: 1,
            timeout: Duration::from_secs(2),
        };
        let client = crate::platform::http::builder().build().unwrap();
        let e = post_form(&client, &cfg, |u| u.to_string(), &[], &format)
            .await
            .unwrap_err();
        assert_eq!(e.code, "connect_failed");
        let none = HttpConfig {
            url: String::new(),
            reserve_url: None,
            ..cfg
        };
        let e = post_form(&client, &none, |u| u.to_string(), &[], &format)
            .await
            .unwrap_err();
        assert_eq!((e.code.as_str(), e.fails_over()), ("no_url", false));
    }
}
