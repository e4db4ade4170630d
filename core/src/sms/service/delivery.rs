//! Delivery reports, however they arrive — answers to the poller, reports POSTed to the callback
//! URL, SMPP receipts over the bind — applied to the parts and their message: the first final
//! status stays, repeats change nothing.

use std::time::Duration;

use sqlx::Row;

use super::SmsHub;
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::time::now_ms;
use crate::sms::gateways;
use crate::sms::providers::smpp::pdu;
use crate::sms::providers::{NormStatus, StatusReport};

/// Apply provider reports for one gateway: a part's first final status is never replaced (neither
/// by a late non-final report nor by another final one), repeats change nothing, and the message status is the aggregate of its parts. Returns how
/// many reports changed something.
pub async fn apply_reports(
    db: &Db,
    gateway_id: i64,
    reports: &[StatusReport],
    source: &str,
) -> Result<usize, ServiceError> {
    let mut changed = 0;
    let now = now_ms();
    for r in reports {
        if r.not_found {
            continue;
        }
        let row = sqlx::query("SELECT message_id, status, raw_status, final FROM sms_parts WHERE gateway_id = ? AND provider_id = ?")
            .bind(gateway_id)
            .bind(&r.provider_id)
            .fetch_optional(&db.pool)
            .await?;
        let Some(row) = row else { continue };
        let message_id: String = row.try_get("message_id")?;
        let old_status: String = row.try_get("status")?;
        let old_raw: String = row.try_get("raw_status")?;
        let old_final = row.try_get::<i64, _>("final")? != 0;
        if old_final {
            continue;
        }
        if old_status == r.status.as_str() && old_raw == r.raw_status {
            continue;
        }
        let mut tx = db.begin_write().await?;
        // The first final status stays (a late or repeated report never replaces it).
        let res = sqlx::query("UPDATE sms_parts SET status = ?, raw_status = ?, final = ?, updated_at = ? WHERE gateway_id = ? AND provider_id = ? AND final = 0")
            .bind(r.status.as_str())
            .bind(&r.raw_status)
            .bind(i64::from(r.status.is_final()))
            .bind(now)
            .bind(gateway_id)
            .bind(&r.provider_id)
            .execute(&mut *tx)
            .await?;
        if res.rows_affected() == 0 {
            continue;
        }
        sqlx::query("INSERT INTO sms_status_events (message_id, at, source, gateway_id, provider_id, status, raw_status, raw_error, provider_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)")
            .bind(&message_id)
            .bind(now)
            .bind(source)
            .bind(gateway_id)
            .bind(&r.provider_id)
            .bind(r.status.as_str())
            .bind(&r.raw_status)
            .bind(r.raw_error.clone().unwrap_or_default())
            .bind(r.at)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        refresh_message(db, &message_id).await?;
        changed += 1;
    }
    Ok(changed)
}

/// Recompute a submitted message's status from its parts (never leaving a final status).
pub(super) async fn refresh_message(db: &Db, message_id: &str) -> Result<(), ServiceError> {
    let rows = sqlx::query(
        "SELECT status, raw_status FROM sms_parts WHERE message_id = ? ORDER BY part_no",
    )
    .bind(message_id)
    .fetch_all(&db.pool)
    .await?;
    if rows.is_empty() {
        return Ok(());
    }
    let mut statuses = Vec::with_capacity(rows.len());
    let mut raws = Vec::new();
    for r in &rows {
        let s: String = r.try_get("status")?;
        statuses.push(NormStatus::parse(&s).unwrap_or(NormStatus::Unknown));
        let raw: String = r.try_get("raw_status")?;
        if !raws.contains(&raw) {
            raws.push(raw);
        }
    }
    let agg = NormStatus::aggregate(&statuses);
    let now = now_ms();
    let fin = agg.is_final();
    sqlx::query("UPDATE sms_messages SET status = ?, final = ?, raw_status = ?, updated_at = ?, done_at = CASE WHEN ? = 1 THEN ? ELSE done_at END, next_poll_at = CASE WHEN ? = 1 THEN NULL ELSE next_poll_at END WHERE id = ? AND final = 0 AND status <> 'queued'")
        .bind(agg.as_str())
        .bind(i64::from(fin))
        .bind(raws.join(","))
        .bind(now)
        .bind(i64::from(fin))
        .bind(now)
        .bind(i64::from(fin))
        .bind(message_id)
        .execute(&db.pool)
        .await?;
    Ok(())
}

/// A delivery report POSTed to `/callbacks/sms/{gateway}/{token}`. `Ok(None)` when the gateway or
/// token is wrong (the caller answers 404).
pub async fn callback(
    db: &Db,
    hub: &SmsHub,
    gateway_id: i64,
    token: &str,
    form: &[(String, String)],
) -> Result<Option<usize>, ServiceError> {
    let gw = match gateways::get(db, gateway_id).await {
        Ok(g) => g,
        Err(ServiceError::NotFound(_)) => return Ok(None),
        Err(e) => return Err(e),
    };
    if !constant_time_eq(gw.callback_token.expose().as_bytes(), token.as_bytes()) {
        return Ok(None);
    }
    let reports = hub
        .provider(&gw)
        .parse_callback(form)
        .map_err(|m| ServiceError::invalid("callback", m))?;
    Ok(Some(apply_reports(db, gw.id, &reports, "callback").await?))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    if a.len() != b.len() {
        return false;
    }
    a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// number in the other base. A receipt can overtake the storing of the submit answer, so an
/// unknown id is looked up again for a few seconds. `Ok(false)` when no message has that id.
pub async fn apply_receipt(
    db: &Db,
    gateway_id: i64,
    r: &pdu::Receipt,
) -> Result<bool, ServiceError> {
    let variants = pdu::id_variants(&r.message_id);
    for attempt in 0..20 {
        for id in &variants {
            let known: Option<i64> = sqlx::query_scalar(
                "SELECT 1 FROM sms_parts WHERE gateway_id = ? AND provider_id = ?",
            )
            .bind(gateway_id)
            .bind(id)
            .fetch_optional(&db.pool)
            .await?;
            if known.is_some() {
                let report = StatusReport {
                    provider_id: id.clone(),
                    status: r.status,
                    raw_status: r.raw_status.clone(),
                    raw_error: r.raw_error.clone(),
                    at: r.done_at,
                    not_found: false,
                };
                apply_reports(db, gateway_id, &[report], "receipt").await?;
                return Ok(true);
            }
        }
        if attempt < 19 {
            tokio::time::sleep(Duration::from_millis(250)).await;
        }
    }
    Ok(false)
}

/// Stores the delivery receipts the SMPP binds bring in; each is acknowledged to the SMSC only
/// after it is stored (a failed store makes the SMSC send it again).
pub(super) fn spawn_receipts(db: Db, hub: &SmsHub) {
    let Some(mut rx) = hub.smpp.take_receipts() else {
        return;
    };
    tokio::spawn(async move {
        while let Some(inc) = rx.recv().await {
            let db = db.clone();
            tokio::spawn(async move {
                let stored = match apply_receipt(&db, inc.gateway_id, &inc.receipt).await {
                    Ok(true) => true,
                    Ok(false) => {
                        tracing::warn!(gateway = inc.gateway_id, id = %inc.receipt.message_id, "SMPP receipt for an unknown message id acknowledged and dropped");
                        true
                    }
                    Err(e) => {
                        tracing::warn!(error = %e, "storing an SMPP receipt failed; the SMSC will send it again");
                        false
                    }
                };
                let _ = inc.ack.send(stored);
            });
        }
    });
}
