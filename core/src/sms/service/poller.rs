//! The status poller: due messages asked about in the provider's batch size, with a growing
//! back-off, until a final status or the provider's retention; every tick also runs the recovery
//! pass and drops the binds of SMPP gateways that are gone.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use sqlx::Row;

use super::delivery::{apply_reports, spawn_receipts};
use super::recovery::recover_once;
use super::{Failure, SmsHub, POLL_FIRST, POLL_MAX, POLL_TICK};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::query::Filter;
use crate::platform::time::now_ms;
use crate::sms::gateways;
use crate::sms::providers::GatewayKind;

pub fn backoff(attempt: i64) -> Duration {
    let secs = POLL_FIRST
        .as_secs()
        .saturating_mul(1u64 << attempt.clamp(0, 16) as u32);
    Duration::from_secs(secs.min(POLL_MAX.as_secs()))
}

/// One round of the status poller: every non-final submitted message that is due is asked about
/// (in the provider's batch size); those past the provider's retention become `unknown`.
pub async fn poll_once(db: &Db, hub: &SmsHub, now: i64) -> Result<usize, ServiceError> {
    let rows = sqlx::query("SELECT id, gateway_id, submitted_at, poll_attempts FROM sms_messages WHERE final = 0 AND status <> 'queued' AND next_poll_at IS NOT NULL AND next_poll_at <= ? ORDER BY next_poll_at LIMIT 1000")
        .bind(now)
        .fetch_all(&db.pool)
        .await?;
    let mut by_gw: HashMap<i64, Vec<(String, i64, i64)>> = HashMap::new();
    for r in &rows {
        let gw: Option<i64> = r.try_get("gateway_id")?;
        let Some(gw) = gw else { continue };
        by_gw.entry(gw).or_default().push((
            r.try_get("id")?,
            r.try_get::<Option<i64>, _>("submitted_at")?.unwrap_or(now),
            r.try_get("poll_attempts")?,
        ));
    }
    let mut asked = 0;
    for (gw_id, msgs) in by_gw {
        let gw = gateways::get(db, gw_id).await.ok();
        if let Some(gw) = &gw {
            let p = hub.provider(gw);
            let caps = p.capabilities();
            if gw.kind == GatewayKind::Smpp {
                // Receipts come over the bind: make sure there is one (after a restart, say).
                if let Err(e) = hub.smpp.session(gw).conn().await {
                    tracing::warn!(gateway = %gw.name, code = %e.code, "SMPP bind for delivery receipts failed");
                }
            }
            if caps.status_query {
                let mut ids = Vec::new();
                for chunk in msgs.chunks(200) {
                    let mut f = Filter::new();
                    f.and("gateway_id = ? AND final = 0", [gw_id.into()])
                        .and_in("message_id", chunk.iter().map(|(id, _, _)| id.as_str()));
                    let sql = format!("SELECT provider_id FROM sms_parts{}", f.sql());
                    let q = f.bind(sqlx::query_scalar::<_, String>(&sql));
                    ids.extend(q.fetch_all(&db.pool).await?);
                }
                for chunk in ids.chunks(caps.max_status_ids.max(1)) {
                    match p.status(chunk).await {
                        Ok(reports) => {
                            asked += chunk.len();
                            apply_reports(db, gw_id, &reports, "poll").await?;
                        }
                        Err(e) => {
                            tracing::warn!(gateway = %gw.name, code = %e.code, "SMS status query failed");
                        }
                    }
                }
            }
        }
        let retention = gw
            .as_ref()
            .map(|g| hub.provider(g).capabilities().retention_ms)
            .unwrap_or(0);
        for (id, submitted, attempts) in msgs {
            if gw.is_none() || submitted + retention <= now {
                sqlx::query("UPDATE sms_messages SET status = 'unknown', final = 1, error_code = ?, updated_at = ?, done_at = ?, next_poll_at = NULL WHERE id = ? AND final = 0")
                    .bind(Failure::StatusExpired.as_str())
                    .bind(now)
                    .bind(now)
                    .bind(&id)
                    .execute(&db.pool)
                    .await?;
            } else {
                let next = now + backoff(attempts + 1).as_millis() as i64;
                sqlx::query("UPDATE sms_messages SET next_poll_at = ?, poll_attempts = ? WHERE id = ? AND final = 0")
                    .bind(next.min(submitted + retention))
                    .bind(attempts + 1)
                    .bind(&id)
                    .execute(&db.pool)
                    .await?;
            }
        }
    }
    Ok(asked)
}

/// The background poller (every [`POLL_TICK`]) and the SMPP receipt writer.
pub fn spawn_poller(db: Db, hub: Arc<SmsHub>) -> tokio::task::JoinHandle<()> {
    spawn_receipts(db.clone(), &hub);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(POLL_TICK).await;
            if let Err(e) = poll_once(&db, &hub, now_ms()).await {
                tracing::warn!(error = %e, "SMS status poll failed");
            }
            if let Err(e) = recover_once(&db, &hub, now_ms()).await {
                tracing::warn!(error = %e, "SMS recovery pass failed");
            }
            // Unbind from SMPP gateways that were deleted, disabled or changed kind.
            if let Ok(all) = gateways::list(&db).await {
                let keep: Vec<i64> = all
                    .iter()
                    .filter(|g| g.kind == GatewayKind::Smpp && g.enabled)
                    .map(|g| g.id)
                    .collect();
                hub.smpp.retain(&keep);
            }
        }
    })
}
