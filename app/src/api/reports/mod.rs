//! The «Отчёты» page and the «Отчеты ЦОВ» settings check (`ccgate_core::reports`). Admins are not
//! API users: the server functions call the same `reports::build` (and `reports::demo`) the REST
//! methods do, behind the admin session, and turn the answer into a [`ReportTable`] (`table.rs`,
//! server only). The CSV download is a plain route of the panel (`server::reports_csv`) over
//! [`csv`].

#[cfg(feature = "ssr")]
mod table;

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::CheckResult;
use crate::error::AppError;

/// The reports the page offers, in its order.
pub const REPORTS: &[&str] = &["request", "badRequest", "users", "sms", "demoReport"];

/// The most days a report covers (the core's limit, checked in the browser first).
pub const MAX_DAYS: i64 = 366;

/// A report the page can ask for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportKind {
    pub name: String,
    /// The groupings it offers, the first being its default (none: no choice).
    pub groups: Vec<String>,
    /// `demoReport` needs Settings → «Отчеты ЦОВ»; the counter reports always work.
    pub configured: bool,
}

/// What the page knows before asking: the reports and today's date in the configured zone.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportChoices {
    pub kinds: Vec<ReportKind>,
    /// `YYYY-MM-DD`.
    pub today: String,
}

/// Bars over the rows' labels: one series per column named.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChartData {
    pub labels: Vec<String>,
    /// (column key, values).
    pub series: Vec<(String, Vec<f64>)>,
    pub stacked: bool,
}

/// A titled side table (`badRequest`'s error codes).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Section {
    /// A column-title key as well (`by_error_code`, `server_errors`).
    pub title: String,
    pub columns: Vec<String>,
    pub rows: Vec<Vec<String>>,
}

/// A report as the page shows it. Column keys are the report's field names (translated by the
/// page when it knows them, shown as they are otherwise: the report server's own columns).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ReportTable {
    pub report: String,
    /// First and last day, `YYYY-MM-DD`, and the zone they are days of (`+03:00`).
    pub from_date: String,
    pub to_date: String,
    pub days: i64,
    pub utc_offset: String,
    pub group_by: String,
    pub columns: Vec<String>,
    /// Which columns hold numbers (right-aligned).
    pub numeric: Vec<bool>,
    pub rows: Vec<Vec<String>>,
    pub totals: Option<Vec<String>>,
    /// (column-title key, value): rates and the report server's status.
    pub summary: Vec<(String, String)>,
    pub sections: Vec<Section>,
    pub chart: Option<ChartData>,
    /// Nothing happened in the range.
    pub empty: bool,
    /// The report server's answer when it is no table (text, or JSON without rows).
    pub text: Option<String>,
}

/// The query string the CSV link of the panel takes (the page builds it, the route reads it).
pub fn csv_href(report: &str, from: &str, until: &str, group_by: &str) -> String {
    fn enc(s: &str) -> String {
        s.bytes()
            .map(|b| match b {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' => {
                    (b as char).to_string()
                }
                _ => format!("%{b:02X}"),
            })
            .collect()
    }
    format!(
        "{CSV_PATH}?report={}&from={}&until={}&group_by={}",
        enc(report),
        enc(from),
        enc(until),
        enc(group_by)
    )
}

/// The panel's CSV download route.
pub const CSV_PATH: &str = "/admin/reports.csv";

/// The page checks ranges with the panel's one date arithmetic.
pub use crate::time::{date_of, day_number};

#[server(endpoint = "reports/meta")]
pub async fn reports_meta() -> Result<ReportChoices, AppError> {
    use ccgate_core::platform::time::{date_of_day, now_ms};
    use ccgate_core::reports::{requests, sms, users};
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let snap = state.live.current();
    let names = |g: &[ccgate_core::reports::params::GroupBy]| {
        g.iter().map(|g| g.as_str().to_string()).collect::<Vec<_>>()
    };
    let kind = |name: &str, groups: Vec<String>, configured: bool| ReportKind {
        name: name.into(),
        groups,
        configured,
    };
    Ok(ReportChoices {
        kinds: vec![
            kind("request", names(requests::GROUPS), true),
            kind("badRequest", names(requests::GROUPS), true),
            kind("users", names(users::GROUPS), true),
            kind("sms", names(sms::GROUPS), true),
            kind("demoReport", vec![], !snap.reports.demo_url.is_empty()),
        ],
        today: date_of_day(snap.day_of(now_ms())),
    })
}

/// A report for the first and the last day (`until` included, unlike the API's), grouped.
#[server(endpoint = "reports/run")]
pub async fn run_report(
    report: String,
    from: String,
    until: String,
    group_by: String,
) -> Result<ReportTable, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    table::run(&state, &report, &from, &until, &group_by).await
}

/// The report as CSV (with a byte-order mark, for Excel) and a file name for it. For the panel's
/// download route, which checks the admin session first.
#[cfg(feature = "ssr")]
pub async fn csv(
    state: &crate::ssr::AppState,
    report: &str,
    from: &str,
    until: &str,
    group_by: &str,
) -> Result<(String, String), AppError> {
    table::csv(state, report, from, until, group_by).await
}

/// Settings → «Отчеты ЦОВ» «Проверить подключение»: ask the report server with the saved settings.
#[server(endpoint = "settings/check_reports")]
pub async fn check_reports_server() -> Result<CheckResult, AppError> {
    use ccgate_core::platform::error::PublicError;
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let settings = state.live.current().reports.clone();
    Ok(match ccgate_core::reports::demo::check(&settings).await {
        Ok(message) => CheckResult { ok: true, message },
        Err(e) => CheckResult {
            ok: false,
            message: format!("{}: {}", e.code().as_str(), e.public_message()),
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_links() {
        assert_eq!(
            csv_href("request", "2026-11-01", "2026-11-02", "error_code"),
            "/admin/reports.csv?report=request&from=2026-11-01&until=2026-11-02&group_by=error_code"
        );
        assert_eq!(
            csv_href("sms", "a b", "", "&"),
            "/admin/reports.csv?report=sms&from=a%20b&until=&group_by=%26"
        );
    }
}
