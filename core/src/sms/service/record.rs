//! What a submission came to, stored: accepted messages with their provider ids (one per part),
//! refused or failed ones with their [`Failure`], and the status events of both.

use std::collections::HashSet;

use super::delivery::refresh_message;
use super::{Failure, POLL_FIRST};
use crate::platform::db::{Backend, Db};
use crate::platform::error::ServiceError;
use crate::platform::query::{insert_rows, Filter};
use crate::platform::time::now_ms;
use crate::sms::gateways::Gateway;
use crate::sms::providers::{
    ErrorClass, GatewayError, NormStatus, OutSms, Outcome, Reason, RecipientOutcome, Scope,
};

/// Our status and failure for a failed submission.
pub(super) fn failure_of(e: &GatewayError) -> (NormStatus, Failure) {
    match (e.class, e.scope) {
        (ErrorClass::Ambiguous, _) => (NormStatus::Unknown, Failure::SubmitAmbiguous),
        (_, Scope::Message) => match e.reason {
            Reason::Sender => (NormStatus::Rejected, Failure::SenderRejected),
            Reason::Phone => (NormStatus::Rejected, Failure::PhoneRejected),
            Reason::NotQueued => (NormStatus::Rejected, Failure::NotQueued),
            Reason::Other => (NormStatus::Rejected, Failure::MessageRejected),
        },
        (ErrorClass::Retryable, Scope::Gateway) if e.code == super::TLS_ERROR => {
            (NormStatus::Failed, Failure::UpstreamTls)
        }
        (ErrorClass::Retryable, Scope::Gateway) => {
            (NormStatus::Failed, Failure::GatewayUnavailable)
        }
        (_, Scope::Gateway) => (NormStatus::Failed, Failure::GatewayRefused),
    }
}

/// A part of an accepted message, as first stored.
const PART_COLUMNS: [&str; 6] = [
    "gateway_id",
    "provider_id",
    "message_id",
    "part_no",
    "status",
    "updated_at",
];

/// The status event of an accepted submission.
const EVENT_COLUMNS: [&str; 6] = [
    "message_id",
    "at",
    "source",
    "gateway_id",
    "provider_id",
    "status",
];

fn provider_error(e: &GatewayError) -> String {
    let mut s = format!("{}: {}", e.code, e.message);
    s.truncate(1000);
    s
}

pub(super) async fn record_events(
    db: &Db,
    chunk: &[OutSms],
    source: &str,
    gateway_id: Option<i64>,
    status: NormStatus,
    raw_error: &str,
) -> Result<(), ServiceError> {
    let now = now_ms();
    let mut tx = db.begin_write().await?;
    for m in chunk {
        sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, status, raw_error) VALUES (?, ?, ?, ?, ?, ?)")
            .bind(&m.local_id)
            .bind(now)
            .bind(source)
            .bind(gateway_id)
            .bind(status.as_str())
            .bind(raw_error)
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    Ok(())
}

pub(super) async fn record_failure(
    db: &Db,
    gw: Option<&Gateway>,
    chunk: &[OutSms],
    e: &GatewayError,
) -> Result<(), ServiceError> {
    let outcomes: Vec<RecipientOutcome> = chunk
        .iter()
        .map(|m| RecipientOutcome {
            local_id: m.local_id.clone(),
            outcome: Outcome::Rejected(e.clone()),
        })
        .collect();
    match gw {
        Some(gw) => record_outcomes(db, gw, chunk, &outcomes).await,
        None => {
            let (status, code) = failure_of(e);
            let now = now_ms();
            let mut tx = db.begin_write().await?;
            for m in chunk {
                sqlx::query("UPDATE sms_messages SET status = ?, final = 1, error_code = ?, error_message = ?, updated_at = ?, done_at = ? WHERE id = ? AND final = 0")
                    .bind(status.as_str())
                    .bind(code.as_str())
                    .bind(provider_error(e))
                    .bind(now)
                    .bind(now)
                    .bind(&m.local_id)
                    .execute(&mut *tx)
                    .await?;
                sqlx::query("INSERT INTO sms_status_events (message_id, at, source, status, raw_error) VALUES (?, ?, 'submit', ?, ?)")
                    .bind(&m.local_id)
                    .bind(now)
                    .bind(status.as_str())
                    .bind(provider_error(e))
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            Ok(())
        }
    }
}

pub(super) async fn record_outcomes(
    db: &Db,
    gw: &Gateway,
    chunk: &[OutSms],
    outcomes: &[RecipientOutcome],
) -> Result<(), ServiceError> {
    let now = now_ms();
    let first_poll = now + POLL_FIRST.as_millis() as i64;
    let mine: HashSet<&str> = chunk.iter().map(|m| m.local_id.as_str()).collect();
    let mut accepted: Vec<(&str, &Vec<String>)> = Vec::new();
    let mut rejected: Vec<(&str, &GatewayError)> = Vec::new();
    for o in outcomes
        .iter()
        .filter(|o| mine.contains(o.local_id.as_str()))
    {
        match &o.outcome {
            Outcome::Accepted { provider_ids } => accepted.push((&o.local_id, provider_ids)),
            Outcome::Rejected(e) => rejected.push((&o.local_id, e)),
        }
    }
    let ignore = match db.backend {
        Backend::Sqlite => "INSERT OR IGNORE",
        Backend::MySql => "INSERT IGNORE",
    };
    let mut tx = db.begin_write().await?;
    for part in accepted.chunks(500) {
        let mut f = Filter::new();
        f.and("final = 0", [])
            .and_in("id", part.iter().map(|(id, _)| *id));
        let sql = format!("UPDATE sms_messages SET status = 'accepted', gateway_id = ?, gateway_name = ?, submitted_at = ?, updated_at = ?, next_poll_at = ?{}", f.sql());
        let q = sqlx::query(&sql)
            .bind(gw.id)
            .bind(&gw.name)
            .bind(now)
            .bind(now)
            .bind(first_poll);
        f.bind(q).execute(&mut *tx).await?;
    }
    // A part may already be known (a delivery report raced the answer): keep it.
    let rows: Vec<(&str, usize, &String)> = accepted
        .iter()
        .flat_map(|(id, pids)| pids.iter().enumerate().map(move |(n, p)| (*id, n + 1, p)))
        .collect();
    let accepted_status = NormStatus::Accepted.as_str();
    for part in rows.chunks(200) {
        let sql = insert_rows("sms_parts", &PART_COLUMNS, part.len()).replacen("INSERT", ignore, 1);
        let mut q = sqlx::query(&sql);
        for (id, n, pid) in part {
            q = q
                .bind(gw.id)
                .bind(*pid)
                .bind(*id)
                .bind(*n as i64)
                .bind(accepted_status)
                .bind(now);
        }
        q.execute(&mut *tx).await?;
    }
    for part in accepted.chunks(200) {
        let sql = insert_rows("sms_status_events", &EVENT_COLUMNS, part.len());
        let mut q = sqlx::query(&sql);
        for (id, pids) in part {
            q = q
                .bind(*id)
                .bind(now)
                .bind("submit")
                .bind(gw.id)
                .bind(pids.join(","))
                .bind(accepted_status);
        }
        q.execute(&mut *tx).await?;
    }
    for (id, e) in &rejected {
        let (status, code) = failure_of(e);
        sqlx::query("UPDATE sms_messages SET status = ?, final = 1, gateway_id = ?, gateway_name = ?, error_code = ?, error_message = ?, updated_at = ?, done_at = ? WHERE id = ? AND final = 0")
            .bind(status.as_str())
            .bind(gw.id)
            .bind(&gw.name)
            .bind(code.as_str())
            .bind(provider_error(e))
            .bind(now)
            .bind(now)
            .bind(*id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, status, raw_error) VALUES (?, ?, 'submit', ?, ?, ?)")
            .bind(*id)
            .bind(now)
            .bind(gw.id)
            .bind(status.as_str())
            .bind(provider_error(e))
            .execute(&mut *tx)
            .await?;
    }
    tx.commit().await?;
    // Reports that arrived before the answer was stored.
    for part in accepted.chunks(500) {
        let mut f = Filter::new();
        f.and("gateway_id = ? AND status <> 'accepted'", [gw.id.into()])
            .and_in("message_id", part.iter().map(|(id, _)| *id));
        let sql = format!("SELECT DISTINCT message_id FROM sms_parts{}", f.sql());
        let q = f.bind(sqlx::query_scalar::<_, String>(&sql));
        for id in q.fetch_all(&db.pool).await? {
            refresh_message(db, &id).await?;
        }
    }
    Ok(())
}
