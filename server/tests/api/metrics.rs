//! `GET /metrics`: who may read it (the `metrics_allow` addresses, or the bearer token) and what
//! it counts (API requests by module, method and status, upstream calls, the journal, today's SMS
//! and calls).

use crate::helpers::{spawn_again, spawn_app, Backend, TestApp};
use reqwest::StatusCode;

both_backends!(api_requests_and_upstreams_are_counted);

async fn with(extra: &[(&str, &str)]) -> TestApp {
    let first = spawn_app(Backend::Sqlite).await.unwrap();
    first.stop().await;
    let extra: Vec<(&str, String)> = extra.iter().map(|(k, v)| (*k, v.to_string())).collect();
    spawn_again(&first, &extra).await
}

/// The value of the series `line_prefix` (name and labels exactly), 0 when absent.
fn value(text: &str, series: &str) -> f64 {
    text.lines()
        .find_map(|l| l.strip_prefix(series).and_then(|v| v.strip_prefix(' ')))
        .map(|v| v.parse().unwrap())
        .unwrap_or(0.0)
}

async fn scrape(app: &TestApp) -> String {
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.headers()["content-type"]
        .to_str()
        .unwrap()
        .starts_with("text/plain; version=0.0.4"));
    r.text().await.unwrap()
}

async fn api_requests_and_upstreams_are_counted(app: &TestApp) {
    // Counters are the process's: compare before and after.
    let me_401 = "ccgate_api_requests_total{module=\"-\",method=\"me\",status=\"401\"}";
    let before = scrape(app).await;
    for _ in 0..3 {
        let r = app.client.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    app.journal.flush().await;
    let after = scrape(app).await;
    assert!(
        value(&after, me_401) - value(&before, me_401) >= 3.0,
        "{after}"
    );
    assert!(after.contains("# TYPE ccgate_api_request_duration_seconds histogram"));
    assert!(after.contains(
        "ccgate_api_request_duration_seconds_bucket{module=\"-\",method=\"me\",le=\"+Inf\"}"
    ));
    assert!(value(&after, "ccgate_journal_rows_total") >= 1.0, "{after}");
    assert!(after.contains("\nccgate_journal_queue_depth "), "{after}");
    assert!(
        after.contains("# TYPE ccgate_sms_messages_today gauge"),
        "{after}"
    );
    assert!(after.contains("# TYPE ccgate_calls_today gauge"), "{after}");
    assert!(
        after.contains("\nccgate_dialer_queued_calls 0\n"),
        "{after}"
    );
    // The sample Grafana dashboard of the manual asks only for series that exist.
    let dashboard = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("../public/manual/grafana-ccgate.json"),
    )
    .unwrap();
    let _: serde_json::Value = serde_json::from_str(&dashboard).unwrap();
    let mut asked = 0;
    for (i, _) in dashboard.match_indices("ccgate_") {
        let name: String = dashboard[i..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || *c == '_')
            .collect();
        let base = name.strip_suffix("_bucket").unwrap_or(&name);
        assert!(
            after.contains(&format!("\n# TYPE {base} "))
                || after.contains(&format!("\n{name}{{"))
                || after.contains(&format!("\n{name} ")),
            "the dashboard asks for {name}, which /metrics does not show"
        );
        asked += 1;
    }
    assert!(asked >= 10, "{asked}");
    // A scrape is never journaled.
    let (rows, _) = ccgate_core::journal::list(&app.db, &Default::default(), 1000, 0)
        .await
        .unwrap();
    assert!(!rows.is_empty());
    assert!(rows.iter().all(|r| !r.path.starts_with("/metrics")));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn only_allowed_addresses_or_the_token_read_metrics() {
    // Loopback is allowed by default (the test above); with no address allowed and no token,
    // nobody is.
    let app = with(&[("CCGATE_METRICS_ALLOW", "")]).await;
    let r = app.client.get(app.url("/metrics")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // A forwarded address means nothing without a trusted proxy.
    let r = app
        .client
        .get(app.url("/metrics"))
        .header("X-Forwarded-For", "127.0.0.1")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    app.stop().await;

    let token = "scrape-token-0123456789";
    let app = with(&[
        ("CCGATE_METRICS_ALLOW", "10.0.0.0/8"),
        ("CCGATE_METRICS_TOKEN", token),
    ])
    .await;
    for auth in [
        None,
        Some("Bearer wrong-token-0123456789"),
        Some("Basic eDp5"),
    ] {
        let mut rb = app.client.get(app.url("/metrics"));
        if let Some(a) = auth {
            rb = rb.header("Authorization", a);
        }
        let r = rb.send().await.unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED, "{auth:?}");
        assert_eq!(r.headers()["www-authenticate"], "Bearer");
        let body = r.text().await.unwrap();
        assert!(!body.contains("ccgate_"), "{body}");
    }
    let r = app
        .client
        .get(app.url("/metrics"))
        .bearer_auth(token)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r
        .text()
        .await
        .unwrap()
        .contains("ccgate_api_requests_total"));
    app.stop().await;
}

#[test]
fn a_short_token_is_refused_at_start() {
    let e = ccgate_core::Config::from_sources(None, &|k| {
        (k == "CCGATE_METRICS_TOKEN").then(|| "short".to_string())
    })
    .unwrap_err()
    .to_string();
    assert!(
        e.contains("CCGATE_METRICS_TOKEN") && !e.contains("short"),
        "{e}"
    );
}
