//! What `GET /metrics` shows beside the process's counters (`platform::metrics`): gauges read
//! when Prometheus scrapes — the journal queue, today's SMS and `cc/add` calls by status (by the
//! creation-time indexes `sms_messages_created` and `cc_calls_created`, today in the configured
//! zone) and the dialer's queue (`cc_calls_queue`). A scrape costs three indexed reads.

use sqlx::Row;

use crate::limits::window::{window, Span};
use crate::platform::metrics::{metrics, Gauge};
use crate::platform::time::now_ms;
use crate::Services;

/// The whole text exposition. A gauge whose read fails is left out (and logged); the counters are
/// always there.
pub async fn render(s: &Services) -> String {
    let offset = s.live.current().utc_offset_minutes;
    let (today, _) = window(Span::Day, now_ms(), offset);
    let mut gauges = vec![Gauge {
        name: "ccgate_journal_queue_depth",
        help: "Requests answered and waiting for the journal writer.",
        values: vec![(vec![], s.journal.queue_depth() as f64)],
    }];
    let by_status_today = [
        (
            "sms_messages",
            "created_at",
            "ccgate_sms_messages_today",
            "SMS created today (configured zone), by status.",
        ),
        (
            "cc_calls",
            "created_ms",
            "ccgate_calls_today",
            "cc/add calls created today (configured zone), by status (outcome once final).",
        ),
    ];
    for (table, column, name, help) in by_status_today {
        match by_status(s, table, column, today).await {
            Ok(values) => gauges.push(Gauge { name, help, values }),
            Err(e) => tracing::warn!(error = %e, table, "metrics: rows by status not read"),
        }
    }
    match sqlx::query("SELECT COUNT(*) FROM cc_calls WHERE status = 'queued'")
        .fetch_one(&s.db.pool)
        .await
    {
        Ok(row) => gauges.push(Gauge {
            name: "ccgate_dialer_queued_calls",
            help: "cc/add calls waiting for the dialer.",
            values: vec![(vec![], row.try_get::<i64, _>(0).unwrap_or(0) as f64)],
        }),
        Err(e) => tracing::warn!(error = %e, "metrics: dialer queue not read"),
    }
    metrics().render(&gauges)
}

/// `status` → count of `table`'s rows created since `since` (`column` in Unix ms).
async fn by_status(
    s: &Services,
    table: &str,
    column: &str,
    since: i64,
) -> Result<Vec<(Vec<(&'static str, String)>, f64)>, sqlx::Error> {
    // Table and column are this module's constants, never input.
    let sql = format!("SELECT status, COUNT(*) FROM {table} WHERE {column} >= ? GROUP BY status");
    let rows = sqlx::query(&sql).bind(since).fetch_all(&s.db.pool).await?;
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let status: String = r.try_get(0)?;
        let n: i64 = r.try_get(1)?;
        out.push((vec![("status", status)], n as f64));
    }
    Ok(out)
}
