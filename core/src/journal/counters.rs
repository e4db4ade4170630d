//! The daily counters kept alongside the journal, so dashboards and reports never scan it: each
//! written batch adds its counts in the same transaction. `daily_counters` (day × user × module ×
//! method × outcome) feeds the dashboard; `daily_request_counters` (day × user × module × method ×
//! HTTP status × error code, with the newest request's time) feeds `reports.*`.

use std::collections::HashMap;

use crate::access::live::Snapshot;
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;
use crate::platform::query::insert_rows;

use super::{outcome, Entry};

const COLUMNS: [&str; 6] = ["day", "user_id", "module", "method", "outcome", "count"];
/// Counter rows per multi-row upsert (6 parameters each).
const ROWS_PER_UPSERT: usize = 100;

/// One counter: (day, user id or 0, module, method, outcome).
type Key<'a> = (i64, i64, &'a str, &'a str, &'static str);

/// The batch's counts per counter, in a fixed order: concurrent instances then lock counter rows
/// in the same order and cannot deadlock each other.
fn tally<'a>(snap: &Snapshot, entries: &'a [Entry]) -> Vec<(Key<'a>, i64)> {
    let mut counts: HashMap<Key<'a>, i64> = HashMap::new();
    for e in entries {
        let k = (
            snap.day_of(e.at),
            e.user_id.unwrap_or(0),
            e.module.as_deref().unwrap_or(""),
            e.method.as_deref().unwrap_or(""),
            outcome(e.status),
        );
        *counts.entry(k).or_default() += 1;
    }
    let mut keys: Vec<_> = counts.into_iter().collect();
    keys.sort();
    keys
}

/// Add the batch's counts to the daily counters, inside the batch's transaction.
pub(super) async fn add(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    snap: &Snapshot,
    entries: &[Entry],
) -> Result<(), sqlx::Error> {
    let on_conflict = match backend {
        Backend::Sqlite => {
            " ON CONFLICT (day, user_id, module, method, outcome) DO UPDATE SET count = count + excluded.count"
        }
        Backend::MySql => " ON DUPLICATE KEY UPDATE count = count + VALUES(count)",
    };
    for chunk in tally(snap, entries).chunks(ROWS_PER_UPSERT) {
        let sql = insert_rows("daily_counters", &COLUMNS, chunk.len()) + on_conflict;
        let mut q = sqlx::query(&sql);
        for ((day, user, module, method, outcome), n) in chunk {
            q = q
                .bind(*day)
                .bind(*user)
                .bind(*module)
                .bind(*method)
                .bind(*outcome)
                .bind(*n);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

const STATUS_COLUMNS: [&str; 8] = [
    "day",
    "user_id",
    "module",
    "method",
    "status",
    "error_code",
    "count",
    "last_at",
];
/// Status counter rows per multi-row upsert (8 parameters each).
const STATUS_ROWS_PER_UPSERT: usize = 100;

/// One status counter: (day, user id or 0, module, method, status, error code or '').
type StatusKey<'a> = (i64, i64, &'a str, &'a str, i64, &'a str);

/// The batch's counts and newest time per status counter, in a fixed order (see [`tally`]).
fn tally_status<'a>(snap: &Snapshot, entries: &'a [Entry]) -> Vec<(StatusKey<'a>, (i64, i64))> {
    let mut counts: HashMap<StatusKey<'a>, (i64, i64)> = HashMap::new();
    for e in entries {
        let k = (
            snap.day_of(e.at),
            e.user_id.unwrap_or(0),
            e.module.as_deref().unwrap_or(""),
            e.method.as_deref().unwrap_or(""),
            e.status as i64,
            e.error_code.as_deref().unwrap_or(""),
        );
        let slot = counts.entry(k).or_insert((0, e.at));
        slot.0 += 1;
        slot.1 = slot.1.max(e.at);
    }
    let mut keys: Vec<_> = counts.into_iter().collect();
    keys.sort();
    keys
}

/// Add the batch's counts to the per-status daily counters, inside the batch's transaction.
pub(super) async fn add_status(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    snap: &Snapshot,
    entries: &[Entry],
) -> Result<(), sqlx::Error> {
    let on_conflict = match backend {
        Backend::Sqlite => {
            " ON CONFLICT (day, user_id, module, method, status, error_code) DO UPDATE SET \
             count = count + excluded.count, last_at = MAX(last_at, excluded.last_at)"
        }
        Backend::MySql => {
            " ON DUPLICATE KEY UPDATE count = count + VALUES(count), \
             last_at = GREATEST(last_at, VALUES(last_at))"
        }
    };
    for chunk in tally_status(snap, entries).chunks(STATUS_ROWS_PER_UPSERT) {
        let sql = insert_rows("daily_request_counters", &STATUS_COLUMNS, chunk.len()) + on_conflict;
        let mut q = sqlx::query(&sql);
        for ((day, user, module, method, status, code), (n, last)) in chunk {
            q = q
                .bind(*day)
                .bind(*user)
                .bind(*module)
                .bind(*method)
                .bind(*status)
                .bind(*code)
                .bind(*n)
                .bind(*last);
        }
        q.execute(&mut *conn).await?;
    }
    Ok(())
}

/// Sum of the daily counters (for checks and summaries): `(ok, bad, error)`.
pub async fn counter_totals(db: &Db) -> Result<(i64, i64, i64), ServiceError> {
    let rows: Vec<(String, i64)> = sqlx::query_as(
        "SELECT outcome, CAST(SUM(count) AS SIGNED) FROM daily_counters GROUP BY outcome",
    )
    .fetch_all(&db.pool)
    .await?;
    let get = |o: &str| {
        rows.iter()
            .find(|(k, _)| k == o)
            .map(|(_, n)| *n)
            .unwrap_or(0)
    };
    Ok((get("ok"), get("bad"), get("error")))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(at: i64, user_id: Option<i64>, method: &str, status: u16) -> Entry {
        Entry {
            at,
            request_id: "r".into(),
            user_id,
            user_login: None,
            key_id: None,
            module: Some("cc".into()),
            method: Some(method.into()),
            http_method: "GET".into(),
            path: "/".into(),
            status,
            error_code: None,
            latency_us: 1,
            client_ip: "127.0.0.1".into(),
            response_bytes: 0,
        }
    }

    #[tokio::test]
    async fn batches_add_up_per_counter() {
        let (_dir, db) = crate::platform::db::scratch(1).await;
        let snap = Snapshot::default();
        let day = 86_400_000;
        let batch = [
            entry(day, Some(1), "queues", 200),
            entry(day + 1, Some(1), "queues", 200),
            entry(day + 2, Some(1), "queues", 403),
            entry(2 * day, None, "tiers", 502),
        ];
        let ordered = tally(&snap, &batch);
        assert!(ordered.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!(ordered.len(), 3);
        for _ in 0..2 {
            let mut tx = db.pool.begin().await.unwrap();
            add(&mut tx, db.backend, &snap, &batch).await.unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(counter_totals(&db).await.unwrap(), (4, 2, 2));
        let rows: Vec<(i64, i64, String, i64)> = sqlx::query_as(
            "SELECT day, user_id, outcome, count FROM daily_counters ORDER BY day, user_id, outcome",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                (1, 1, "bad".into(), 2),
                (1, 1, "ok".into(), 4),
                (2, 0, "error".into(), 2)
            ]
        );
    }

    #[tokio::test]
    async fn status_counters_keep_count_and_newest_time() {
        let (_dir, db) = crate::platform::db::scratch(1).await;
        let snap = Snapshot::default();
        let day = 86_400_000;
        let mut denied = entry(day + 5, Some(1), "tiers", 403);
        denied.error_code = Some("permission_denied".into());
        let first = [entry(day + 9, Some(1), "queues", 200), denied.clone()];
        let second = [entry(day + 3, Some(1), "queues", 200), denied];
        for batch in [&first[..], &second[..]] {
            let mut tx = db.pool.begin().await.unwrap();
            add_status(&mut tx, db.backend, &snap, batch).await.unwrap();
            tx.commit().await.unwrap();
        }
        let rows: Vec<(i64, String, i64, String, i64, i64)> = sqlx::query_as(
            "SELECT day, method, status, error_code, count, last_at FROM daily_request_counters \
             ORDER BY status",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(
            rows,
            [
                (1, "queues".into(), 200, String::new(), 2, day + 9),
                (
                    1,
                    "tiers".into(),
                    403,
                    "permission_denied".into(),
                    2,
                    day + 5
                ),
            ]
        );
    }
}
