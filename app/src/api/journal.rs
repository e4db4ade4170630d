//! The request journal page's listing (`ccgate_core::journal`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Rows per journal page.
pub const JOURNAL_PAGE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalRow {
    /// Unix ms (the page formats it: `crate::time`).
    pub at: i64,
    pub request_id: String,
    pub user: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    pub http_method: String,
    pub path: String,
    pub status: i64,
    pub error_code: Option<String>,
    pub outcome: String,
    pub latency_ms: f64,
    pub client_ip: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JournalPage {
    pub items: Vec<JournalRow>,
    pub total: i64,
    pub offset: i64,
}

#[cfg(feature = "ssr")]
impl From<ccgate_core::journal::Row> for JournalRow {
    fn from(r: ccgate_core::journal::Row) -> Self {
        JournalRow {
            at: r.at,
            request_id: r.request_id,
            user: r.user_login,
            module: r.module,
            method: r.method,
            http_method: r.http_method,
            path: r.path,
            status: r.status,
            error_code: r.error_code,
            outcome: r.outcome,
            latency_ms: r.latency_us as f64 / 1000.0,
            client_ip: r.client_ip,
        }
    }
}

#[server(endpoint = "journal/list")]
#[allow(clippy::too_many_arguments)]
pub async fn list_journal(
    user: String,
    module: String,
    method: String,
    outcome: String,
    from: String,
    until: String,
    request_id: String,
    offset: i64,
) -> Result<JournalPage, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let tz = state.live.current().utc_offset_minutes;
    const EXPECTED: &str = "expected YYYY-MM-DD or RFC 3339";
    let f = ccgate_core::journal::Filter {
        user: Some(user),
        module: Some(module),
        method: Some(method),
        outcome: Some(outcome),
        from_ms: super::time_input("from", &from, tz, EXPECTED)?,
        until_ms: super::time_input("until", &until, tz, EXPECTED)?,
        request_id: Some(request_id),
    };
    // Requests already answered are on the page: what the writer still holds is committed first
    // (a flush with nothing pending writes nothing).
    state.journal.flush().await;
    let (rows, total) = ccgate_core::journal::list(&state.db, &f, JOURNAL_PAGE, offset).await?;
    Ok(JournalPage {
        items: rows.into_iter().map(JournalRow::from).collect(),
        total,
        offset: offset.max(0),
    })
}
