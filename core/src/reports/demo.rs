//! `reports.demoReport`: the call center's historical report server (Settings → «Отчеты ЦОВ»).
//! The caller's query is forwarded as it is; the configured login and password travel as HTTP
//! Basic (never in the URL, so they stay out of the report server's access log). The answer comes
//! back in our envelope: JSON as JSON (`data`), anything else as text (`text`).
//!
//! Errors: not configured → 503 `not_configured`; refused or unreachable → 503
//! `upstream_unavailable`; a TLS certificate that does not verify (system CA store, see
//! `platform::http`) → 502 `upstream_tls_error`; slower than `reports.demo_timeout_ms` → 504 `upstream_timeout`;
//! 401/403 → 502 `upstream_auth_failed`; another non-2xx status, a body larger than
//! [`MAX_BODY`] or invalid JSON under a JSON content type → 502 `upstream_error`.

use std::sync::OnceLock;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::platform::form::form_pairs;

use super::settings::ReportsSettings;
use super::ReportsError;

/// The largest answer taken from the report server.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// The report server's answer, in our envelope.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct DemoAnswer {
    pub report: &'static str,
    pub upstream_status: u16,
    pub content_type: String,
    /// The answer when it is JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// The answer when it is not JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

fn client() -> &'static reqwest::Client {
    static CLIENT: OnceLock<reqwest::Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        crate::platform::http::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("an HTTP client with default settings builds")
    })
}

/// The report server's URL with the caller's query appended.
fn target(settings: &ReportsSettings, query: Option<&str>) -> Result<reqwest::Url, ReportsError> {
    let not_configured = ReportsError::NotConfigured {
        setting: "reports.demo_url",
    };
    if settings.demo_url.is_empty() {
        return Err(not_configured);
    }
    let mut url = reqwest::Url::parse(&settings.demo_url).map_err(|_| not_configured)?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none() {
        return Err(ReportsError::NotConfigured {
            setting: "reports.demo_url",
        });
    }
    let pairs = form_pairs(query.unwrap_or(""));
    if !pairs.is_empty() {
        url.query_pairs_mut().extend_pairs(pairs);
    }
    Ok(url)
}

fn transport(e: reqwest::Error) -> ReportsError {
    if let Some(tls) = crate::platform::http::tls_error(&e) {
        tracing::warn!(error = %tls, "the report server's TLS certificate did not verify");
        ReportsError::UpstreamTls
    } else if e.is_timeout() {
        ReportsError::UpstreamTimeout
    } else if e.is_connect() || e.is_request() {
        ReportsError::UpstreamUnavailable
    } else {
        ReportsError::UpstreamBad {
            status: 0,
            reason: "broken_answer",
        }
    }
}

/// Forward `query` to the report server and wrap its answer.
pub async fn fetch(
    settings: &ReportsSettings,
    query: Option<&str>,
) -> Result<DemoAnswer, ReportsError> {
    crate::platform::metrics::metrics()
        .time_upstream("report_server", fetch_once(settings, query))
        .await
}

async fn fetch_once(
    settings: &ReportsSettings,
    query: Option<&str>,
) -> Result<DemoAnswer, ReportsError> {
    let url = target(settings, query)?;
    let timeout = Duration::from_millis(settings.demo_timeout_ms);
    let mut rb = client()
        .get(url)
        .timeout(timeout)
        .header("Accept", "application/json, text/plain;q=0.5, */*;q=0.1");
    if !settings.demo_login.is_empty() {
        rb = rb.basic_auth(&settings.demo_login, Some(settings.demo_password.expose()));
    }
    let mut resp = rb.send().await.map_err(transport)?;
    let status = resp.status().as_u16();
    if status == 401 || status == 403 {
        return Err(ReportsError::UpstreamAuthFailed { status });
    }
    if !(200..300).contains(&status) {
        return Err(ReportsError::UpstreamBad {
            status,
            reason: "error_status",
        });
    }
    let content_type = resp
        .headers()
        .get(reqwest::header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    let mut body: Vec<u8> = Vec::new();
    while let Some(chunk) = resp.chunk().await.map_err(transport)? {
        if body.len() + chunk.len() > MAX_BODY {
            return Err(ReportsError::UpstreamBad {
                status,
                reason: "too_large",
            });
        }
        body.extend_from_slice(&chunk);
    }
    let mime = content_type
        .split(';')
        .next()
        .unwrap_or("")
        .trim()
        .to_ascii_lowercase();
    let json_expected = mime == "application/json" || mime.ends_with("+json");
    let (data, text) = if json_expected {
        let v: Value = serde_json::from_slice(&body).map_err(|_| ReportsError::UpstreamBad {
            status,
            reason: "invalid_json",
        })?;
        (Some(v), None)
    } else if mime.is_empty() {
        // No content type: JSON if it reads as JSON, else text.
        match serde_json::from_slice::<Value>(&body) {
            Ok(v) => (Some(v), None),
            Err(_) => (None, Some(String::from_utf8_lossy(&body).into_owned())),
        }
    } else {
        (None, Some(String::from_utf8_lossy(&body).into_owned()))
    };
    Ok(DemoAnswer {
        report: "demoReport",
        upstream_status: status,
        content_type,
        data,
        text,
    })
}

/// Settings → «Отчеты ЦОВ» «Проверить подключение»: ask the report server (no query, so its own
/// default range) with the stored credentials; what it answered, or the error a caller would get.
pub async fn check(settings: &ReportsSettings) -> Result<String, ReportsError> {
    let a = fetch(settings, None).await?;
    let kind = if a.data.is_some() { "JSON" } else { "text" };
    let ct = if a.content_type.is_empty() {
        String::new()
    } else {
        format!(", {}", a.content_type)
    };
    Ok(format!("HTTP {} · {kind}{ct}", a.upstream_status))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::secret::Secret;

    fn settings(url: &str) -> ReportsSettings {
        ReportsSettings {
            demo_url: url.into(),
            demo_login: "demo".into(),
            demo_password: Secret::new("pw".into()),
            demo_timeout_ms: 1000,
        }
    }

    #[test]
    fn the_query_is_appended_to_the_configured_url() {
        let u = target(
            &settings("http://127.0.0.1:18082/report?key=1"),
            Some("from=2026-11-01&until=2026-11-02&q=a+b"),
        )
        .unwrap();
        assert_eq!(
            u.as_str(),
            "http://127.0.0.1:18082/report?key=1&from=2026-11-01&until=2026-11-02&q=a+b"
        );
        let u = target(&settings("https://reports.example/r"), None).unwrap();
        assert_eq!(u.as_str(), "https://reports.example/r");
        for bad in ["", "ftp://x/r", "not a url", "http://"] {
            assert!(
                matches!(
                    target(&settings(bad), None),
                    Err(ReportsError::NotConfigured { .. })
                ),
                "{bad}"
            );
        }
    }
}
