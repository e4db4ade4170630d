//! The external source: the call center's own statistics server (`stats.external_url`, e.g. the
//! seed's `http://host:82/onlinestat.php`). `stats.get?project=P` is forwarded as
//! `GET <url>?method=stats.get&project=P` and `stats.all` as `GET <url>?method=stats.all` (plus
//! `from`/`until` when given, as the caller wrote them). A JSON answer is returned as `data`, any
//! other text as `text`, inside our envelope. Answers are kept `stats.external_cache_seconds`, and
//! concurrent identical requests share one forward.
//!
//! Failures: no answer within `stats.external_timeout_ms` → `upstream_timeout` (504); refused or
//! no URL configured → `upstream_unavailable` (503); a TLS certificate that does not verify
//! (system CA store, see `platform::http`) → `upstream_tls_error` (502); an HTTP error status, a broken HTTP answer,
//! more than [`MAX_BODY`] bytes or bytes that are not UTF-8 → `upstream_error` (502).

use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde_json::Value;

use crate::platform::time::{now_ms, rfc3339};
use crate::stats::error::Upstream;
use crate::stats::flight::Flight;
use crate::stats::settings::StatsSettings;
use crate::stats::StatsError;

/// The largest answer taken from the statistics server.
pub const MAX_BODY: usize = 4 * 1024 * 1024;

/// What the statistics server answered, as the API shows it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsExternalAnswer))]
pub struct ExternalAnswer {
    /// Always `external`.
    pub source: &'static str,
    /// `stats.get` or `stats.all`.
    pub method: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub project: Option<String>,
    /// When the server answered (a cached answer keeps its time).
    pub fetched_at: String,
    /// The server's `Content-Type`, if it sent one.
    pub content_type: Option<String>,
    /// The answer, when it is JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub data: Option<Value>,
    /// The answer as text, when it is not JSON.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub text: Option<String>,
}

/// One forwarded request.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Forward<'a> {
    pub method: &'static str,
    pub project: Option<&'a str>,
    /// `from` and `until` exactly as the caller gave them.
    pub from: Option<&'a str>,
    pub until: Option<&'a str>,
}

/// The statistics server's client and its answers.
pub struct External {
    http: reqwest::Client,
    answers: Flight<String, Result<Arc<ExternalAnswer>, StatsError>>,
}

impl Default for External {
    fn default() -> Self {
        External {
            http: crate::platform::http::builder()
                .redirect(reqwest::redirect::Policy::limited(3))
                .build()
                .expect("the statistics server's HTTP client builds"),
            answers: Flight::default(),
        }
    }
}

/// The URL a request is forwarded to.
pub fn url_of(base: &str, f: &Forward) -> Result<reqwest::Url, StatsError> {
    let mut url = reqwest::Url::parse(base.trim())
        .ok()
        .filter(|u| matches!(u.scheme(), "http" | "https"))
        .ok_or(StatsError::External(Upstream::Unavailable))?;
    {
        let mut q = url.query_pairs_mut();
        q.append_pair("method", f.method);
        if let Some(p) = f.project {
            q.append_pair("project", p);
        }
        if let Some(v) = f.from {
            q.append_pair("from", v);
        }
        if let Some(v) = f.until {
            q.append_pair("until", v);
        }
    }
    Ok(url)
}

fn failure(e: &reqwest::Error) -> Upstream {
    if let Some(tls) = crate::platform::http::tls_error(e) {
        tracing::warn!(error = %tls, "the statistics server's TLS certificate did not verify");
        Upstream::Tls
    } else if e.is_timeout() {
        Upstream::Timeout
    } else if e.is_connect() {
        Upstream::Unavailable
    } else {
        Upstream::BadAnswer
    }
}

impl External {
    /// Forward `f` with the current settings (cached, single-flight).
    pub async fn forward(
        &self,
        settings: &StatsSettings,
        f: &Forward<'_>,
    ) -> Result<Arc<ExternalAnswer>, StatsError> {
        if settings.external_url.trim().is_empty() {
            return Err(StatsError::External(Upstream::Unavailable));
        }
        let url = url_of(&settings.external_url, f)?;
        let key = format!("{}|{}", settings.external_timeout_ms, url);
        self.answers
            .get(key, settings.external_cache(), || {
                self.fetch(url, settings.external_timeout(), f)
            })
            .await
    }

    async fn fetch(
        &self,
        url: reqwest::Url,
        timeout: Duration,
        f: &Forward<'_>,
    ) -> Result<Arc<ExternalAnswer>, StatsError> {
        let fail = |u: Upstream| StatsError::External(u);
        let read = async {
            let mut resp = self
                .http
                .get(url)
                .header("Accept", "application/json, text/plain;q=0.9, */*;q=0.5")
                .send()
                .await
                .map_err(|e| fail(failure(&e)))?;
            if !resp.status().is_success() {
                tracing::warn!(status = %resp.status(), "statistics server answered an error");
                return Err(fail(Upstream::BadAnswer));
            }
            let content_type = resp
                .headers()
                .get(reqwest::header::CONTENT_TYPE)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string);
            let mut body = Vec::new();
            while let Some(chunk) = resp.chunk().await.map_err(|e| fail(failure(&e)))? {
                if body.len() + chunk.len() > MAX_BODY {
                    return Err(fail(Upstream::BadAnswer));
                }
                body.extend_from_slice(&chunk);
            }
            Ok((content_type, body))
        };
        // The whole exchange, body included, within the timeout.
        let timed = async {
            tokio::time::timeout(timeout, read)
                .await
                .map_err(|_| fail(Upstream::Timeout))?
        };
        let (content_type, body) = crate::platform::metrics::metrics()
            .time_upstream("stats_server", timed)
            .await?;
        let (data, text) = match serde_json::from_slice::<Value>(&body) {
            Ok(v) => (Some(v), None),
            Err(_) => match String::from_utf8(body) {
                Ok(t) => (None, Some(t)),
                Err(_) => return Err(fail(Upstream::BadAnswer)),
            },
        };
        Ok(Arc::new(ExternalAnswer {
            source: "external",
            method: f.method,
            project: f.project.map(str::to_string),
            fetched_at: rfc3339(now_ms()),
            content_type,
            data,
            text,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarded_urls() {
        let f = Forward {
            method: "stats.get",
            project: Some("support line"),
            from: Some("2026-12-01"),
            until: None,
        };
        let u = url_of("http://host:82/onlinestat.php", &f).unwrap();
        assert_eq!(
            u.as_str(),
            "http://host:82/onlinestat.php?method=stats.get&project=support+line&from=2026-12-01"
        );
        let all = Forward {
            method: "stats.all",
            project: None,
            from: None,
            until: None,
        };
        let u = url_of("https://h/s.php?key=1", &all).unwrap();
        assert_eq!(u.as_str(), "https://h/s.php?key=1&method=stats.all");
        assert!(matches!(
            url_of("ftp://h/x", &all),
            Err(StatsError::External(Upstream::Unavailable))
        ));
        assert!(url_of("not a url", &all).is_err());
    }
}
