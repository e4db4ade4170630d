//! The table `limit_counters`: one row per (user, limit, window start) with the count admitted by
//! every instance together. Deltas are added with one multi-row upsert; the current windows are
//! read by the `win_end` index; rows of windows that ended over a day ago are deleted.

use super::Key;
use crate::platform::db::{Backend, Db};
use crate::platform::query::insert_rows;

const COLUMNS: [&str; 5] = ["user_id", "name", "win_start", "win_end", "used"];
const ROWS_PER_UPSERT: usize = 200;

/// Add each `(key, window end, delta)` to its stored row.
pub(super) async fn add(db: &Db, deltas: &[(Key, i64, u64)]) -> Result<(), sqlx::Error> {
    let on_conflict = match db.backend {
        Backend::Sqlite => {
            " ON CONFLICT (user_id, name, win_start) DO UPDATE SET used = used + excluded.used"
        }
        Backend::MySql => " ON DUPLICATE KEY UPDATE used = used + VALUES(used)",
    };
    for chunk in deltas.chunks(ROWS_PER_UPSERT) {
        let sql = insert_rows("limit_counters", &COLUMNS, chunk.len()) + on_conflict;
        let mut q = sqlx::query(&sql);
        for (k, end, d) in chunk {
            q = q
                .bind(k.user_id)
                .bind(k.name.as_str())
                .bind(k.start)
                .bind(*end)
                .bind(*d as i64);
        }
        q.execute(&db.pool).await?;
    }
    Ok(())
}

/// Every row of a window not ended at `now`: (user, name, start, end, used).
pub(super) async fn current(
    db: &Db,
    now: i64,
) -> Result<Vec<(i64, String, i64, i64, i64)>, sqlx::Error> {
    sqlx::query_as(
        "SELECT user_id, name, win_start, win_end, used FROM limit_counters WHERE win_end > ?",
    )
    .bind(now)
    .fetch_all(&db.pool)
    .await
}

/// Forget windows that ended more than a day ago.
pub(super) async fn purge(db: &Db, now: i64) -> Result<(), sqlx::Error> {
    sqlx::query("DELETE FROM limit_counters WHERE win_end < ?")
        .bind(now - 86_400_000)
        .execute(&db.pool)
        .await?;
    Ok(())
}
