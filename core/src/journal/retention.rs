//! How long the request journal keeps its rows: `database.journal_retention_days` (default 90; 0
//! keeps them for ever). A background task deletes older rows in small batches with a pause
//! between them, so the journal writer and the API never wait long for the database; the daily
//! counters that the dashboard and the reports read are not touched and stay for ever.
//!
//! Several instances on one database may purge at the same time: a delete is idempotent, and a
//! batch that loses a lock race is simply retried on the next round.

use std::sync::Arc;
use std::time::Duration;

use crate::access::live::Live;
use crate::access::settings::Kind;
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;
use crate::platform::time::now_ms;

/// The Settings page block («База данных») and the prefix of its names.
pub const BLOCK: &str = "database";

crate::settings_block! {
    /// The «База данных» block's settings, typed.
    pub struct RetentionSettings in BLOCK {
        /// 0: never purged.
        journal_retention_days: u64 = Kind::Int { min: 0, max: 3650 }, "90",
            "Хранить журнал запросов, дней (0 — бессрочно; дневные счётчики и отчёты хранятся всегда)",
            "Keep the request journal, days (0: for ever; daily counters and reports are always kept)";
    }
}

const DAY_MS: i64 = 86_400_000;
/// Rows per delete: a few milliseconds of the database's write lock at a time.
pub const BATCH: u32 = 2_000;
/// The pause between two batches, when the writer and the API get the database.
const PAUSE: Duration = Duration::from_millis(50);
/// How often the task looks for expired rows, and how long after the start it first does.
const EVERY: Duration = Duration::from_secs(600);
const FIRST: Duration = Duration::from_secs(30);

impl RetentionSettings {
    /// Rows answered before this instant are expired; `None` when the journal is kept for ever.
    pub fn journal_cutoff_ms(&self, now_ms: i64) -> Option<i64> {
        (self.journal_retention_days > 0)
            .then(|| now_ms - self.journal_retention_days as i64 * DAY_MS)
    }
}

/// Delete up to `limit` journal rows answered before `before_ms`, oldest first; returns how many.
pub async fn purge_batch(db: &Db, before_ms: i64, limit: u32) -> Result<u64, ServiceError> {
    let sql = match db.backend {
        // SQLite's DELETE takes no LIMIT (unless built with an option the bundled build lacks).
        Backend::Sqlite => {
            "DELETE FROM request_journal WHERE id IN \
             (SELECT id FROM request_journal WHERE at < ? ORDER BY at LIMIT ?)"
        }
        Backend::MySql => "DELETE FROM request_journal WHERE at < ? ORDER BY at LIMIT ?",
    };
    let r = sqlx::query(sql)
        .bind(before_ms)
        .bind(i64::from(limit))
        .execute(&db.pool)
        .await?;
    Ok(r.rows_affected())
}

/// Delete every journal row answered before `before_ms`, `batch` rows at a time with a pause
/// between batches; returns how many.
pub async fn purge_before(db: &Db, before_ms: i64, batch: u32) -> Result<u64, ServiceError> {
    let mut total = 0;
    loop {
        let n = purge_batch(db, before_ms, batch).await?;
        total += n;
        if n < u64::from(batch) {
            return Ok(total);
        }
        tokio::time::sleep(PAUSE).await;
    }
}

/// One round: the rows past the retention the settings give now; returns how many were deleted.
pub async fn purge_expired(db: &Db, live: &Live) -> Result<u64, ServiceError> {
    let settings = RetentionSettings::from_values(&live.current().settings);
    match settings.journal_cutoff_ms(now_ms()) {
        Some(before) => purge_before(db, before, BATCH).await,
        None => Ok(0),
    }
}

/// Purge shortly after the start, then every ten minutes.
pub fn spawn(db: Db, live: Arc<Live>) -> tokio::task::JoinHandle<()> {
    tokio::spawn(async move {
        tokio::time::sleep(FIRST).await;
        loop {
            match purge_expired(&db, &live).await {
                Ok(0) => {}
                Ok(n) => tracing::info!(
                    rows = n,
                    "request journal rows past their retention deleted"
                ),
                Err(e) => tracing::warn!(error = %e, "cannot purge the request journal"),
            }
            tokio::time::sleep(EVERY).await;
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::journal::Entry;

    #[test]
    fn the_cutoff_follows_the_setting() {
        let mut values = std::collections::BTreeMap::new();
        let now = 1_000 * DAY_MS;
        assert_eq!(
            RetentionSettings::from_values(&values).journal_cutoff_ms(now),
            Some(now - 90 * DAY_MS),
            "90 days unless set"
        );
        values.insert("database.journal_retention_days".into(), "7".into());
        assert_eq!(
            RetentionSettings::from_values(&values).journal_cutoff_ms(now),
            Some(now - 7 * DAY_MS)
        );
        values.insert("database.journal_retention_days".into(), "0".into());
        assert_eq!(
            RetentionSettings::from_values(&values).journal_cutoff_ms(now),
            None
        );
    }

    fn entry(at: i64, n: usize) -> Entry {
        Entry {
            at,
            request_id: format!("r{n}"),
            user_id: Some(1),
            user_login: Some("crm".into()),
            key_id: None,
            module: Some("cc".into()),
            method: Some("queues".into()),
            http_method: "GET".into(),
            path: "/api/v1/cc/queues".into(),
            status: 200,
            error_code: None,
            latency_us: 100,
            client_ip: "127.0.0.1".into(),
            response_bytes: 10,
        }
    }

    /// Expired rows go in batches, oldest first; newer rows and the daily totals stay.
    #[tokio::test]
    async fn older_rows_go_in_batches_and_counters_stay() {
        let (_dir, db) = crate::platform::db::scratch(2).await;
        let live = Live::new(db.clone()).await.unwrap();
        let journal = crate::journal::spawn(db.clone(), live.clone()).unwrap();
        let now = now_ms();
        for n in 0..25 {
            // 10 rows 100 days old, 5 rows 40 days old, 10 rows of today.
            let age = match n {
                0..10 => 100 * DAY_MS,
                10..15 => 40 * DAY_MS,
                _ => 0,
            };
            journal.record(entry(now - age + n as i64, n)).await;
        }
        journal.flush().await;
        let count = |db: Db| async move {
            sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM request_journal")
                .fetch_one(&db.pool)
                .await
                .unwrap()
        };
        assert_eq!(count(db.clone()).await, 25);
        // One batch of 4 takes the 4 oldest.
        assert_eq!(purge_batch(&db, now - 90 * DAY_MS, 4).await.unwrap(), 4);
        let oldest: i64 = sqlx::query_scalar("SELECT MIN(at) FROM request_journal")
            .fetch_one(&db.pool)
            .await
            .unwrap();
        assert_eq!(oldest, now - 100 * DAY_MS + 4);
        // The rest of the 100-day-old rows in batches of 4 (6 = 4 + 2).
        assert_eq!(purge_before(&db, now - 90 * DAY_MS, 4).await.unwrap(), 6);
        assert_eq!(count(db.clone()).await, 15);
        // The default (90 days) has nothing more to do; 30 days takes the 40-day-old rows.
        assert_eq!(purge_expired(&db, &live).await.unwrap(), 0);
        crate::access::settings::set(
            &db,
            &crate::access::audit::Actor::Cli,
            "database.journal_retention_days",
            "30",
        )
        .await
        .unwrap();
        live.reload().await.unwrap();
        assert_eq!(purge_expired(&db, &live).await.unwrap(), 5);
        assert_eq!(count(db.clone()).await, 10);
        // The dashboard's totals still count all 25 requests.
        assert_eq!(
            crate::journal::counter_totals(&db).await.unwrap(),
            (25, 0, 0)
        );
        journal.shutdown().await;
    }
}
