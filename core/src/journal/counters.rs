//! The daily counters kept alongside the journal, so dashboards and reports never scan it: each
//! written batch adds its counts in the same transaction. `daily_user_totals` (day × user) and
//! `daily_method_totals` (day × module × method), each with counts by outcome, feed the dashboard;
//! `daily_request_counters` (day × user × module × method × HTTP status × error code, with the
//! newest request's time) feeds `reports.*`.

use std::collections::HashMap;

use crate::access::live::Snapshot;
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;
use crate::platform::query::insert_rows;

use super::{outcome, Entry};

/// Rows per multi-row upsert (at most 6 parameters each).
const ROWS_PER_UPSERT: usize = 100;

/// Counts by outcome: `[ok, bad, error]`.
type ByOutcome = [i64; 3];

fn slot(status: u16) -> usize {
    match outcome(status) {
        "ok" => 0,
        "bad" => 1,
        _ => 2,
    }
}

/// One user total: (day, user id or 0).
type UserKey = (i64, i64);
/// One method total: (day, module, method; '' when unknown).
type MethodKey<'a> = (i64, &'a str, &'a str);

/// The batch's counts per user and per method, each in a fixed order: concurrent instances then
/// lock total rows in the same order and cannot deadlock each other.
#[allow(clippy::type_complexity)]
fn tally<'a>(
    snap: &Snapshot,
    entries: &'a [Entry],
) -> (Vec<(UserKey, ByOutcome)>, Vec<(MethodKey<'a>, ByOutcome)>) {
    let mut users: HashMap<UserKey, ByOutcome> = HashMap::new();
    let mut methods: HashMap<MethodKey<'a>, ByOutcome> = HashMap::new();
    for e in entries {
        let day = snap.day_of(e.at);
        let i = slot(e.status);
        users.entry((day, e.user_id.unwrap_or(0))).or_default()[i] += 1;
        let m = (
            day,
            e.module.as_deref().unwrap_or(""),
            e.method.as_deref().unwrap_or(""),
        );
        methods.entry(m).or_default()[i] += 1;
    }
    let mut users: Vec<_> = users.into_iter().collect();
    users.sort();
    let mut methods: Vec<_> = methods.into_iter().collect();
    methods.sort();
    (users, methods)
}

/// The upsert's tail: add the new counts to an existing row.
fn add_on_conflict(backend: Backend, key: &str) -> String {
    match backend {
        Backend::Sqlite => format!(
            " ON CONFLICT ({key}) DO UPDATE SET ok = ok + excluded.ok, \
             bad = bad + excluded.bad, error = error + excluded.error"
        ),
        Backend::MySql => " ON DUPLICATE KEY UPDATE ok = ok + VALUES(ok), \
             bad = bad + VALUES(bad), error = error + VALUES(error)"
            .to_string(),
    }
}

/// Add the batch's counts to the dashboard's daily totals, inside the batch's transaction.
pub(super) async fn add(
    conn: &mut sqlx::AnyConnection,
    backend: Backend,
    snap: &Snapshot,
    entries: &[Entry],
) -> Result<(), sqlx::Error> {
    let (users, methods) = tally(snap, entries);
    let tail = add_on_conflict(backend, "day, user_id");
    for chunk in users.chunks(ROWS_PER_UPSERT) {
        let columns = ["day", "user_id", "ok", "bad", "error"];
        let sql = insert_rows("daily_user_totals", &columns, chunk.len()) + &tail;
        let mut q = sqlx::query(&sql);
        for ((day, user), [ok, bad, error]) in chunk {
            q = q.bind(*day).bind(*user).bind(*ok).bind(*bad).bind(*error);
        }
        q.execute(&mut *conn).await?;
    }
    let tail = add_on_conflict(backend, "day, module, method");
    for chunk in methods.chunks(ROWS_PER_UPSERT) {
        let columns = ["day", "module", "method", "ok", "bad", "error"];
        let sql = insert_rows("daily_method_totals", &columns, chunk.len()) + &tail;
        let mut q = sqlx::query(&sql);
        for ((day, module, method), [ok, bad, error]) in chunk {
            q = q
                .bind(*day)
                .bind(*module)
                .bind(*method)
                .bind(*ok)
                .bind(*bad)
                .bind(*error);
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

/// Sum of the dashboard's daily totals (for checks and summaries): `(ok, bad, error)`.
pub async fn counter_totals(db: &Db) -> Result<(i64, i64, i64), ServiceError> {
    Ok(sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(ok), 0) AS SIGNED), CAST(COALESCE(SUM(bad), 0) AS SIGNED), \
         CAST(COALESCE(SUM(error), 0) AS SIGNED) FROM daily_user_totals",
    )
    .fetch_one(&db.pool)
    .await?)
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
    async fn batches_add_up_per_user_and_per_method() {
        let (_dir, db) = crate::platform::db::scratch(1).await;
        let snap = Snapshot::default();
        let day = 86_400_000;
        let mut unknown = entry(2 * day, None, "", 404);
        unknown.module = None;
        unknown.method = None;
        let batch = [
            entry(day, Some(1), "queues", 200),
            entry(day + 1, Some(1), "queues", 200),
            entry(day + 2, Some(1), "queues", 403),
            entry(day + 3, Some(2), "tiers", 502),
            entry(2 * day, None, "tiers", 502),
            unknown,
        ];
        let (users, methods) = tally(&snap, &batch);
        assert!(users.windows(2).all(|w| w[0].0 < w[1].0));
        assert!(methods.windows(2).all(|w| w[0].0 < w[1].0));
        assert_eq!((users.len(), methods.len()), (3, 4));
        for _ in 0..2 {
            let mut tx = db.pool.begin().await.unwrap();
            add(&mut tx, db.backend, &snap, &batch).await.unwrap();
            tx.commit().await.unwrap();
        }
        assert_eq!(counter_totals(&db).await.unwrap(), (4, 4, 4));
        let users: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT day, user_id, ok, bad, error FROM daily_user_totals ORDER BY day, user_id",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(users, [(1, 1, 4, 2, 0), (1, 2, 0, 0, 2), (2, 0, 0, 2, 2)]);
        let methods: Vec<(i64, String, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT day, module, method, ok, bad, error FROM daily_method_totals \
             ORDER BY day, module, method",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        let m = |day, module: &str, method: &str, ok, bad, error| {
            (day, module.to_string(), method.to_string(), ok, bad, error)
        };
        assert_eq!(
            methods,
            [
                m(1, "cc", "queues", 4, 2, 0),
                m(1, "cc", "tiers", 0, 0, 2),
                m(2, "", "", 0, 2, 0),
                m(2, "cc", "tiers", 0, 0, 2),
            ]
        );
    }

    /// Migration 0016 sums the old per-outcome counters into the two totals.
    #[tokio::test]
    async fn the_migration_carries_the_old_counters_over() {
        use sqlx::migrate::Migrate;
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("t.db").display());
        let db = Db::connect(&url, 1).await.unwrap();
        let all = crate::platform::db::migrator(db.backend);
        let mut conn = db.pool.acquire().await.unwrap();
        conn.ensure_migrations_table().await.unwrap();
        for m in all.iter().filter(|m| m.version < 16) {
            conn.apply(m).await.unwrap();
        }
        for (day, user, module, method, outcome, n) in [
            (1, 1, "cc", "queues", "ok", 5),
            (1, 1, "cc", "queues", "bad", 2),
            (1, 1, "cc", "tiers", "error", 1),
            (1, 2, "cc", "queues", "ok", 7),
            (2, 0, "", "", "bad", 3),
        ] {
            sqlx::query(
                "INSERT INTO daily_counters (day, user_id, module, method, outcome, count) \
                 VALUES (?, ?, ?, ?, ?, ?)",
            )
            .bind(day)
            .bind(user)
            .bind(module)
            .bind(method)
            .bind(outcome)
            .bind(n)
            .execute(&mut *conn)
            .await
            .unwrap();
        }
        drop(conn);
        db.migrate().await.unwrap();
        let users: Vec<(i64, i64, i64, i64, i64)> = sqlx::query_as(
            "SELECT day, user_id, ok, bad, error FROM daily_user_totals ORDER BY day, user_id",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(users, [(1, 1, 5, 2, 1), (1, 2, 7, 0, 0), (2, 0, 0, 3, 0)]);
        let methods: Vec<(i64, String, i64, i64, i64)> = sqlx::query_as(
            "SELECT day, method, ok, bad, error FROM daily_method_totals ORDER BY day, method",
        )
        .fetch_all(&db.pool)
        .await
        .unwrap();
        assert_eq!(
            methods,
            [
                (1, "queues".into(), 12, 2, 0),
                (1, "tiers".into(), 0, 0, 1),
                (2, String::new(), 0, 3, 0)
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
