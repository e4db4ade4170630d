//! Messages a stopped submission left `queued` (its lease ran out): resubmitted when no gateway
//! was handed them, `unknown` / `submit_ambiguous` when one may have been — never sent twice.

use std::sync::Arc;

use sqlx::Row;

use super::record::record_events;
use super::send::submit;
use super::{Failure, SmsHub, SUBMIT_LEASE};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::phone;
use crate::sms::gateways;
use crate::sms::providers::{NormStatus, OutSms};

/// Messages left `queued` by a submitting task that is gone (its lease ran out): those never
/// handed to a gateway are claimed (a conditional UPDATE, safe with several instances) and
/// submitted again down the current failover list; those a gateway may have received become
/// `unknown` / `submit_ambiguous` — never sent twice. Returns how many were resubmitted.
pub async fn recover_once(db: &Db, hub: &Arc<SmsHub>, now: i64) -> Result<usize, ServiceError> {
    let rows = sqlx::query("SELECT id, phone, sender, text, parts, gateway_id, next_poll_at FROM sms_messages WHERE final = 0 AND status = 'queued' AND next_poll_at IS NOT NULL AND next_poll_at <= ? ORDER BY next_poll_at LIMIT 1000")
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    if rows.is_empty() {
        return Ok(0);
    }
    let order = gateways::failover_order(db).await?;
    let until = now + SUBMIT_LEASE.as_millis() as i64;
    let mut again = Vec::new();
    for r in &rows {
        let id: String = r.try_get("id")?;
        let due: i64 = r.try_get("next_poll_at")?;
        let handed: Option<i64> = r.try_get("gateway_id")?;
        if handed.is_some() {
            let mut tx = db.begin_write().await?;
            let done = sqlx::query("UPDATE sms_messages SET status = 'unknown', final = 1, error_code = ?, error_message = 'the submitting process stopped before the gateway answered', updated_at = ?, done_at = ?, next_poll_at = NULL WHERE id = ? AND status = 'queued' AND final = 0 AND next_poll_at = ?")
                .bind(Failure::SubmitAmbiguous.as_str())
                .bind(now)
                .bind(now)
                .bind(&id)
                .bind(due)
                .execute(&mut *tx)
                .await?;
            if done.rows_affected() == 1 {
                sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, status, raw_error) VALUES (?, ?, 'recovery', ?, 'unknown', 'submit_interrupted')")
                    .bind(&id)
                    .bind(now)
                    .bind(handed)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
            continue;
        }
        if order.is_empty() {
            continue; // no gateway now: it stays queued and is looked at again later
        }
        let claimed = sqlx::query("UPDATE sms_messages SET next_poll_at = ? WHERE id = ? AND status = 'queued' AND final = 0 AND gateway_id IS NULL AND next_poll_at = ?")
            .bind(until)
            .bind(&id)
            .bind(due)
            .execute(&db.pool)
            .await?;
        if claimed.rows_affected() != 1 {
            continue; // another instance took it
        }
        let phone: String = r.try_get("phone")?;
        let Ok(phone) = phone::parse(&phone) else {
            continue;
        };
        let sender: String = r.try_get("sender")?;
        again.push(OutSms {
            local_id: id,
            phone,
            // MariaDB's MEDIUMTEXT reaches the Any driver as a BLOB.
            text: r.try_get::<String, _>("text").or_else(|_| {
                r.try_get::<Vec<u8>, _>("text")
                    .map(|b| String::from_utf8_lossy(&b).into_owned())
            })?,
            sender: (!sender.is_empty()).then_some(sender),
            parts: r.try_get::<i64, _>("parts")?.max(1) as usize,
        });
    }
    let n = again.len();
    if n > 0 {
        tracing::warn!(
            messages = n,
            "resubmitting SMS left queued by a stopped submission"
        );
        record_events(db, &again, "recovery", None, NormStatus::Queued, "").await?;
        tokio::spawn(submit(db.clone(), hub.clone(), order, again));
    }
    Ok(n)
}
