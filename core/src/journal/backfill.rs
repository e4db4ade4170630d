//! One-time back-fill of the per-status daily counters (`daily_request_counters`, migration 0007)
//! from the journal rows written before the writer kept them. The day of a row depends on the
//! configured time zone, which SQL migrations cannot read, so the server runs it at start, before
//! its journal writer starts.
//!
//! Once and only once, also with several instances on one database: the back-fill claims its row
//! in `data_backfills` inside its own transaction, so a second instance either finds the row
//! committed (nothing to do) or waits for the first to commit and then finds it. Every instance
//! runs this before its writer, so no row is counted both by the writer and by the back-fill.
//! (Rows an instance of an older version journals after the back-fill are not counted here.)

use std::time::Duration;

use crate::platform::db::{Backend, Db};
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::time::now_ms;

/// The marker of this back-fill in `data_backfills`.
pub const STATUS_COUNTERS: &str = "daily_request_counters";

/// Attempts when the claim waits too long on another instance's back-fill.
const ATTEMPTS: u32 = 30;

/// Count the journal into `daily_request_counters` unless that was done already. Returns the
/// number of journal rows counted, or `None` when the back-fill had been done before.
pub async fn status_counters(
    db: &Db,
    utc_offset_minutes: i64,
) -> Result<Option<i64>, ServiceError> {
    let mut attempt = 0;
    loop {
        attempt += 1;
        match try_status_counters(db, utc_offset_minutes).await {
            Ok(done) => return Ok(done),
            Err(e) if attempt < ATTEMPTS => {
                tracing::warn!(error = %e, attempt, "counter back-fill: retrying");
                tokio::time::sleep(Duration::from_secs(2)).await;
            }
            Err(e) => return Err(e.into()),
        }
    }
}

async fn try_status_counters(db: &Db, offset_minutes: i64) -> Result<Option<i64>, sqlx::Error> {
    let done: Option<i64> = sqlx::query_scalar("SELECT done_at FROM data_backfills WHERE name = ?")
        .bind(STATUS_COUNTERS)
        .fetch_optional(&db.pool)
        .await?;
    if done.is_some() {
        return Ok(None);
    }
    let mut tx = db.begin_write().await?;
    let claim = sqlx::query("INSERT INTO data_backfills (name, done_at, counted) VALUES (?, ?, 0)")
        .bind(STATUS_COUNTERS)
        .bind(now_ms())
        .execute(&mut *tx)
        .await;
    match claim {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Ok(None),
        Err(e) => return Err(e),
    }
    let day = match db.backend {
        Backend::Sqlite => "(at + ?) / 86400000",
        Backend::MySql => "(at + ?) DIV 86400000",
    };
    // The day expression once, in a derived table (its one parameter is not repeated in GROUP BY).
    let sql = format!(
        "INSERT INTO daily_request_counters \
         (day, user_id, module, method, status, error_code, count, last_at) \
         SELECT d, u, mo, me, st, ec, COUNT(*), MAX(at) FROM (SELECT {day} AS d, \
         COALESCE(user_id, 0) AS u, COALESCE(module, '') AS mo, COALESCE(method, '') AS me, \
         status AS st, COALESCE(error_code, '') AS ec, at FROM request_journal WHERE at >= 0) j \
         GROUP BY d, u, mo, me, st, ec"
    );
    sqlx::query(&sql)
        .bind(offset_minutes * 60_000)
        .execute(&mut *tx)
        .await?;
    let counted: i64 = sqlx::query_scalar(
        "SELECT CAST(COALESCE(SUM(count), 0) AS SIGNED) FROM daily_request_counters",
    )
    .fetch_one(&mut *tx)
    .await?;
    sqlx::query("UPDATE data_backfills SET counted = ?, done_at = ? WHERE name = ?")
        .bind(counted)
        .bind(now_ms())
        .bind(STATUS_COUNTERS)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(Some(counted))
}

#[cfg(test)]
mod tests {
    use super::*;

    async fn journal_row(db: &Db, at: i64, user: Option<i64>, status: i64, code: Option<&str>) {
        sqlx::query(
            "INSERT INTO request_journal (at, request_id, user_id, user_login, key_id, module, method, \
             http_method, path, status, error_code, outcome, latency_us, client_ip, response_bytes) \
             VALUES (?, 'r', ?, NULL, NULL, 'cc', 'queues', 'GET', '/', ?, ?, 'ok', 1, '127.0.0.1', 0)",
        )
        .bind(at)
        .bind(user)
        .bind(status)
        .bind(code)
        .execute(&db.pool)
        .await
        .unwrap();
    }

    #[tokio::test]
    async fn counts_the_journal_once_in_the_configured_zone() {
        let (_dir, db) = crate::platform::db::scratch(2).await;
        let day = 20_000 * 86_400_000_i64;
        // 20:59:59 UTC is 23:59:59 at +03:00 (day 20 000); 21:00 UTC is already the next day.
        journal_row(&db, day + 20 * 3_600_000 + 3_599_000, Some(1), 200, None).await;
        journal_row(&db, day + 21 * 3_600_000, Some(1), 200, None).await;
        journal_row(&db, day + 21 * 3_600_000 + 5, Some(1), 200, None).await;
        journal_row(&db, day + 1000, None, 401, Some("auth_missing")).await;
        assert_eq!(status_counters(&db, 180).await.unwrap(), Some(4));
        assert_eq!(status_counters(&db, 180).await.unwrap(), None);
        let rows: Vec<(i64, i64, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT day, user_id, status, error_code, count, last_at FROM daily_request_counters \
             ORDER BY day, user_id",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                (20_000, 0, 401, "auth_missing".into(), 1, day + 1000),
                (
                    20_000,
                    1,
                    200,
                    String::new(),
                    1,
                    day + 20 * 3_600_000 + 3_599_000
                ),
                (20_001, 1, 200, String::new(), 2, day + 21 * 3_600_000 + 5),
            ]
        );
    }

    #[tokio::test]
    async fn two_instances_at_once_count_once() {
        let (_dir, db) = crate::platform::db::scratch(4).await;
        for i in 0..50 {
            journal_row(&db, 1_795_607_187_000 + i, Some(i % 3), 200, None).await;
        }
        let other = Db::connect(db.url().expose(), 2).await.unwrap();
        let (a, b) = tokio::join!(status_counters(&db, 180), status_counters(&other, 180));
        let mut done = [a.unwrap(), b.unwrap()];
        done.sort();
        assert_eq!(done, [None, Some(50)]);
        let total: i64 =
            sqlx::query_scalar("SELECT CAST(SUM(count) AS SIGNED) FROM daily_request_counters")
                .fetch_one(&db.pool)
                .await
                .unwrap();
        assert_eq!(total, 50);
    }
}
