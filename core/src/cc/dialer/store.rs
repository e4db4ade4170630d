//! The call list in the database (table `cc_calls`): storing validated contacts, reading one call
//! or a batch of a user (with talk time from the indexed CDR), cancelling a queued call, and the
//! statements of the pacing worker (due contacts, claims, state changes).

use std::collections::BTreeMap;

use serde::Serialize;

use crate::cc::dialer::contact::{NewCall, Target};
use crate::cc::dialer::originate::Dial;
use crate::cc::CcError;
use crate::freeswitch::client::new_uuid;
use crate::platform::db::Db;
use crate::platform::query::insert_rows;
use crate::platform::time::{now_ms, rfc3339};

/// One row of the call list, as the status method reports it.
#[derive(Debug, Clone, Serialize, PartialEq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Call {
    pub id: String,
    pub batch_id: String,
    pub phone: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub queue: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub extension: Option<String>,
    pub caller_id_number: String,
    pub caller_id_name: String,
    pub crm_ref: String,
    pub variables: BTreeMap<String, String>,
    pub priority: i64,
    pub not_before: String,
    pub not_after: Option<String>,
    pub status: String,
    pub hangup_cause: Option<String>,
    pub attempts: i64,
    pub created_at: String,
    pub updated_at: String,
    pub dialed_at: Option<String>,
    pub answered_at: Option<String>,
    pub ended_at: Option<String>,
    /// Seconds talked, once the CDR of the call has been indexed.
    pub billsec: Option<i64>,
}

/// A row of `cc_calls`; its fields are [`COLUMNS`], in order.
#[derive(sqlx::FromRow)]
struct CallRow {
    id: String,
    batch_id: String,
    phone: String,
    target_kind: String,
    target: String,
    caller_id_number: String,
    caller_id_name: String,
    crm_ref: String,
    variables: String,
    priority: i64,
    not_before_ms: i64,
    not_after_ms: Option<i64>,
    status: String,
    hangup_cause: String,
    attempts: i64,
    created_ms: i64,
    updated_ms: i64,
    dial_ms: Option<i64>,
    answer_ms: Option<i64>,
    end_ms: Option<i64>,
}

const COLUMNS: &[&str] = &[
    "id",
    "batch_id",
    "phone",
    "target_kind",
    "target",
    "caller_id_number",
    "caller_id_name",
    "crm_ref",
    "variables",
    "priority",
    "not_before_ms",
    "not_after_ms",
    "status",
    "hangup_cause",
    "attempts",
    "created_ms",
    "updated_ms",
    "dial_ms",
    "answer_ms",
    "end_ms",
];

/// Contacts per INSERT: 22 values each, well under SQLite's 32 766 and MariaDB's 65 535
/// placeholders per statement.
const INSERT_CHUNK: usize = 200;

fn call_of(r: CallRow, billsec: Option<i64>, cdr_cause: Option<String>) -> Call {
    let (queue, extension) = match Target::from_columns(&r.target_kind, r.target) {
        Target::Queue(q) => (Some(q), None),
        Target::Extension(x) => (None, Some(x)),
    };
    let hangup_cause = if !r.hangup_cause.is_empty() {
        Some(r.hangup_cause)
    } else {
        cdr_cause.filter(|c| !c.is_empty())
    };
    Call {
        id: r.id,
        batch_id: r.batch_id,
        phone: r.phone,
        queue,
        extension,
        caller_id_number: r.caller_id_number,
        caller_id_name: r.caller_id_name,
        crm_ref: r.crm_ref,
        variables: serde_json::from_str(&r.variables).unwrap_or_default(),
        priority: r.priority,
        not_before: rfc3339(r.not_before_ms),
        not_after: r.not_after_ms.map(rfc3339),
        status: r.status,
        hangup_cause,
        attempts: r.attempts,
        created_at: rfc3339(r.created_ms),
        updated_at: rfc3339(r.updated_ms),
        dialed_at: r.dial_ms.map(rfc3339),
        answered_at: r.answer_ms.map(rfc3339),
        ended_at: r.end_ms.map(rfc3339),
        billsec,
    }
}

/// Store validated contacts of one request, queued; returns the batch id and a call id per
/// contact. All of them or none: one transaction.
pub async fn enqueue(
    db: &Db,
    user_id: i64,
    calls: &[NewCall],
) -> Result<(String, Vec<String>), CcError> {
    let batch_id = new_uuid();
    let now = now_ms();
    let ids: Vec<String> = calls.iter().map(|_| new_uuid()).collect();
    let variables: Vec<String> = calls
        .iter()
        .map(|c| serde_json::to_string(&c.variables).unwrap_or_else(|_| "{}".into()))
        .collect();
    let mut columns = vec!["user_id", "batch_index"];
    columns.extend(COLUMNS);
    let rows: Vec<(usize, (&NewCall, &String), &String)> = calls
        .iter()
        .zip(&ids)
        .zip(&variables)
        .enumerate()
        .map(|(i, (c, v))| (i, c, v))
        .collect();
    let mut tx = db.begin_write().await?;
    for chunk in rows.chunks(INSERT_CHUNK) {
        let sql = insert_rows("cc_calls", &columns, chunk.len());
        let mut q = sqlx::query(&sql);
        for &(index, (c, id), vars) in chunk {
            let (kind, target) = c.target.columns();
            q = q
                .bind(user_id)
                .bind(index as i64)
                .bind(id)
                .bind(&batch_id)
                .bind(c.phone.as_str())
                .bind(kind)
                .bind(target)
                .bind(&c.caller_id_number)
                .bind(&c.caller_id_name)
                .bind(&c.crm_ref)
                .bind(vars)
                .bind(c.priority)
                .bind(c.not_before_ms)
                .bind(c.not_after_ms)
                .bind("queued")
                .bind("")
                .bind(0i64)
                .bind(now)
                .bind(now)
                .bind(None::<i64>)
                .bind(None::<i64>)
                .bind(None::<i64>);
        }
        q.execute(&mut *tx).await?;
    }
    tx.commit().await?;
    Ok((batch_id, ids))
}

async fn with_cdr(db: &Db, rows: Vec<CallRow>) -> Result<Vec<Call>, CcError> {
    let mut out = Vec::with_capacity(rows.len());
    for r in rows {
        let cdr: Option<(i64, String)> = if matches!(r.status.as_str(), "answered" | "completed") {
            sqlx::query_as("SELECT billsec, hangup_cause FROM cdr WHERE uuid = ?")
                .bind(&r.id)
                .fetch_optional(&db.pool)
                .await?
        } else {
            None
        };
        let (billsec, cause) = match cdr {
            Some((b, c)) => (Some(b), Some(c)),
            None => (None, None),
        };
        out.push(call_of(r, billsec, cause));
    }
    Ok(out)
}

/// One call of this user.
pub async fn get(db: &Db, user_id: i64, id: &str) -> Result<Option<Call>, CcError> {
    let sql = format!(
        "SELECT {} FROM cc_calls WHERE id = ? AND user_id = ?",
        COLUMNS.join(", ")
    );
    let row: Option<CallRow> = sqlx::query_as(&sql)
        .bind(id)
        .bind(user_id)
        .fetch_optional(&db.pool)
        .await?;
    Ok(with_cdr(db, row.into_iter().collect()).await?.pop())
}

/// All calls of one batch of this user (in the order they were sent); empty when there is none.
pub async fn batch(db: &Db, user_id: i64, batch_id: &str) -> Result<Vec<Call>, CcError> {
    let sql = format!(
        "SELECT {} FROM cc_calls WHERE batch_id = ? AND user_id = ? ORDER BY batch_index",
        COLUMNS.join(", ")
    );
    let rows: Vec<CallRow> = sqlx::query_as(&sql)
        .bind(batch_id)
        .bind(user_id)
        .fetch_all(&db.pool)
        .await?;
    with_cdr(db, rows).await
}

/// Cancel a queued call of this user (cancelling a cancelled call is fine).
pub async fn cancel(db: &Db, user_id: i64, id: &str) -> Result<(), CcError> {
    let now = now_ms();
    let r = sqlx::query(
        "UPDATE cc_calls SET status = 'cancelled', updated_ms = ?, end_ms = ? \
         WHERE id = ? AND user_id = ? AND status = 'queued'",
    )
    .bind(now)
    .bind(now)
    .bind(id)
    .bind(user_id)
    .execute(&db.pool)
    .await?;
    if r.rows_affected() == 1 {
        return Ok(());
    }
    let st: Option<String> =
        sqlx::query_scalar("SELECT status FROM cc_calls WHERE id = ? AND user_id = ?")
            .bind(id)
            .bind(user_id)
            .fetch_optional(&db.pool)
            .await?;
    match st {
        None => Err(CcError::CallNotFound { batch: false }),
        Some(s) if s == "cancelled" => Ok(()),
        Some(s) => Err(CcError::NotCancellable(s)),
    }
}

// ---- the worker's statements ------------------------------------------------------------------

/// A contact due for dialling, with the attempts made so far.
pub struct Due {
    pub dial: Dial,
    pub attempts: i64,
}

/// Queued contacts whose window is open, best first (priority, then age), at most `limit`.
pub async fn due(db: &Db, now: i64, limit: i64) -> Result<Vec<Due>, CcError> {
    let sql = format!(
        "SELECT {} FROM cc_calls WHERE status = 'queued' AND not_before_ms <= ? \
         AND (not_after_ms IS NULL OR not_after_ms >= ?) \
         ORDER BY priority DESC, created_ms, id LIMIT ?",
        COLUMNS.join(", ")
    );
    let rows: Vec<CallRow> = sqlx::query_as(&sql)
        .bind(now)
        .bind(now)
        .bind(limit)
        .fetch_all(&db.pool)
        .await?;
    Ok(rows
        .into_iter()
        .map(|r| Due {
            attempts: r.attempts,
            dial: Dial {
                target: Target::from_columns(&r.target_kind, r.target),
                variables: serde_json::from_str(&r.variables).unwrap_or_default(),
                id: r.id,
                phone: r.phone,
                cid_number: r.caller_id_number,
                cid_name: r.caller_id_name,
                crm_ref: r.crm_ref,
            },
        })
        .collect())
}

/// Calls being dialled or talked: `dialing` + `answered`.
pub async fn active(db: &Db) -> Result<i64, CcError> {
    Ok(
        sqlx::query_scalar("SELECT COUNT(*) FROM cc_calls WHERE status IN ('dialing', 'answered')")
            .fetch_one(&db.pool)
            .await?,
    )
}

/// The active calls: `(id, status, dial_ms)`.
pub async fn in_progress(db: &Db) -> Result<Vec<(String, String, Option<i64>)>, CcError> {
    Ok(sqlx::query_as(
        "SELECT id, status, dial_ms FROM cc_calls WHERE status IN ('dialing', 'answered')",
    )
    .fetch_all(&db.pool)
    .await?)
}

/// Queued contacts whose `not_after` passed become `expired`.
pub async fn expire(db: &Db, now: i64) -> Result<(), CcError> {
    sqlx::query(
        "UPDATE cc_calls SET status = 'expired', updated_ms = ?, end_ms = ? \
         WHERE status = 'queued' AND not_after_ms IS NOT NULL AND not_after_ms < ?",
    )
    .bind(now)
    .bind(now)
    .bind(now)
    .execute(&db.pool)
    .await?;
    Ok(())
}

/// Move a queued contact to `dialing` (one more attempt). A conditional UPDATE: exactly one
/// instance wins a row, even with several on one MariaDB. `false`: someone else has it.
pub async fn claim(db: &Db, id: &str, now: i64) -> Result<bool, CcError> {
    let r = sqlx::query(
        "UPDATE cc_calls SET status = 'dialing', dial_ms = ?, updated_ms = ?, attempts = attempts + 1 \
         WHERE id = ? AND status = 'queued'",
    )
    .bind(now)
    .bind(now)
    .bind(id)
    .execute(&db.pool)
    .await?;
    Ok(r.rows_affected() == 1)
}

/// A state change of a call the worker follows.
pub enum Change<'a> {
    /// `dialing` → `answered`.
    Answered,
    /// `dialing`/`answered` → a final status with its hangup cause.
    Finished { status: &'a str, cause: &'a str },
    /// `dialing` → `queued` again, not before `not_before_ms`.
    Requeued { not_before_ms: i64 },
}

pub async fn change(db: &Db, id: &str, change: Change<'_>) -> Result<(), CcError> {
    let now = now_ms();
    let q = match change {
        Change::Answered => sqlx::query(
            "UPDATE cc_calls SET status = 'answered', answer_ms = ?, updated_ms = ? \
             WHERE id = ? AND status = 'dialing'",
        )
        .bind(now),
        Change::Finished { status, cause } => sqlx::query(
            "UPDATE cc_calls SET status = ?, hangup_cause = ?, end_ms = ?, updated_ms = ? \
             WHERE id = ? AND status IN ('dialing', 'answered')",
        )
        .bind(status)
        .bind(cause)
        .bind(now),
        Change::Requeued { not_before_ms } => sqlx::query(
            "UPDATE cc_calls SET status = 'queued', not_before_ms = ?, dial_ms = NULL, updated_ms = ? \
             WHERE id = ? AND status = 'dialing'",
        )
        .bind(not_before_ms),
    };
    q.bind(now).bind(id).execute(&db.pool).await?;
    Ok(())
}
