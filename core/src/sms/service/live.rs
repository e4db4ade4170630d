//! Fresh statuses for `sms/getStatus`: a requested message that is not final and whose stored
//! status is older than [`LIVE_STATUS_STALE`] is asked about at its provider during the read —
//! one status call per gateway (per the provider's batch size, at most [`LIVE_STATUS_MAX_CALLS`]
//! calls), a message at most once per [`LIVE_STATUS_GAP`] — and the read waits for the answers at
//! most [`LIVE_STATUS_TIMEOUT`]. Answers are stored by `apply_reports` (source `read`), like the
//! poller's and the delivery reports: a final status is never replaced. A late answer is still
//! stored when it comes (the next read sees it); a provider without a status query (SMPP, whose
//! receipts arrive over the bind) is answered from the store.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use sqlx::Row;

use super::delivery::apply_reports;
use super::SmsHub;
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::query::Filter;
use crate::platform::time::now_ms;
use crate::sms::gateways;
use crate::sms::providers::SmsProvider;

/// A stored non-final status younger than this is answered as it is.
pub const LIVE_STATUS_STALE: Duration = Duration::from_secs(2);
/// A message is asked about during reads at most once per this (a client polling every 100 ms
/// costs the provider one call per message per gap).
pub const LIVE_STATUS_GAP: Duration = Duration::from_secs(3);
/// The longest a read waits for the providers; then it answers from the store.
pub const LIVE_STATUS_TIMEOUT: Duration = Duration::from_millis(1500);
/// Status calls one read may make per gateway (each carries up to the provider's batch size of
/// ids: 15 for SMS Traffic, 1 for SMSC.ru); messages beyond that are answered from the store.
pub const LIVE_STATUS_MAX_CALLS: usize = 10;

/// When each message was last asked about during a read.
#[derive(Default)]
pub(super) struct AskedAt(std::sync::Mutex<HashMap<String, Instant>>);

impl AskedAt {
    /// Of `candidates` (message id, provider ids it needs), in order, those not asked about within
    /// [`LIVE_STATUS_GAP`] whose ids still fit in `max_ids`; they are marked asked at `now`.
    fn pick(&self, now: Instant, candidates: &[(String, usize)], max_ids: usize) -> Vec<String> {
        let mut m = self.0.lock().unwrap_or_else(|p| p.into_inner());
        m.retain(|_, at| now.saturating_duration_since(*at) < LIVE_STATUS_GAP);
        let mut room = max_ids;
        let mut out = Vec::new();
        for (id, n) in candidates {
            if *n == 0 || *n > room || m.contains_key(id) {
                continue;
            }
            room -= n;
            m.insert(id.clone(), now);
            out.push(id.clone());
        }
        out
    }
}

/// Ask the providers about the caller's stale, non-final messages among `ids` and store what they
/// answer within [`LIVE_STATUS_TIMEOUT`]. Returns how many status calls were made.
pub async fn refresh_stale(
    db: &Db,
    hub: &SmsHub,
    user_id: i64,
    ids: &[String],
) -> Result<usize, ServiceError> {
    let deadline = tokio::time::Instant::now() + LIVE_STATUS_TIMEOUT;
    let stale_before = now_ms() - LIVE_STATUS_STALE.as_millis() as i64;
    // Gateway → its stale messages, in the order asked for.
    let mut by_gw: Vec<(i64, Vec<String>)> = Vec::new();
    for chunk in ids.chunks(500) {
        let mut f = Filter::new();
        f.and(
            "user_id = ? AND final = 0 AND status <> 'queued' AND gateway_id IS NOT NULL AND updated_at <= ?",
            [user_id.into(), stale_before.into()],
        )
        .and_in("id", chunk.iter().map(String::as_str));
        let sql = format!("SELECT id, gateway_id FROM sms_messages{}", f.sql());
        for r in f.bind(sqlx::query(&sql)).fetch_all(&db.pool).await? {
            let id: String = r.try_get("id")?;
            let gw: i64 = r.try_get("gateway_id")?;
            match by_gw.iter_mut().find(|(g, _)| *g == gw) {
                Some((_, v)) => v.push(id),
                None => by_gw.push((gw, vec![id])),
            }
        }
    }
    let pos: HashMap<&str, usize> = ids
        .iter()
        .enumerate()
        .map(|(i, s)| (s.as_str(), i))
        .collect();
    let mut calls = Vec::new();
    for (gw_id, mut msgs) in by_gw {
        msgs.sort_by_key(|id| pos.get(id.as_str()).copied().unwrap_or(usize::MAX));
        let gw = match gateways::get(db, gw_id).await {
            Ok(g) => g,
            // Gone: the poller makes its messages `unknown`.
            Err(ServiceError::NotFound(_)) => continue,
            Err(e) => return Err(e),
        };
        let p: Arc<dyn SmsProvider> = hub.provider(&gw);
        let caps = p.capabilities();
        if !caps.status_query {
            continue;
        }
        let per_call = caps.max_status_ids.max(1);
        // The parts still open, per message.
        let mut parts: HashMap<String, Vec<String>> = HashMap::new();
        for chunk in msgs.chunks(500) {
            let mut f = Filter::new();
            f.and("gateway_id = ? AND final = 0", [gw_id.into()])
                .and_in("message_id", chunk.iter().map(String::as_str));
            let sql = format!(
                "SELECT message_id, provider_id FROM sms_parts{} ORDER BY message_id, part_no",
                f.sql()
            );
            let q = f.bind(sqlx::query_as::<_, (String, String)>(&sql));
            for (mid, pid) in q.fetch_all(&db.pool).await? {
                parts.entry(mid).or_default().push(pid);
            }
        }
        let candidates: Vec<(String, usize)> = msgs
            .iter()
            .map(|id| (id.clone(), parts.get(id).map_or(0, Vec::len)))
            .collect();
        let picked = hub.asked.pick(
            Instant::now(),
            &candidates,
            per_call * LIVE_STATUS_MAX_CALLS,
        );
        let pids: Vec<String> = picked
            .iter()
            .flat_map(|id| parts.remove(id).unwrap_or_default())
            .collect();
        for chunk in pids.chunks(per_call) {
            let (db, p, chunk, name) = (db.clone(), p.clone(), chunk.to_vec(), gw.name.clone());
            // Its own task: an answer that comes after the read gave up is still stored.
            calls.push(tokio::spawn(async move {
                match p.status(&chunk).await {
                    Ok(reports) => {
                        if let Err(e) = apply_reports(&db, gw_id, &reports, "read").await {
                            tracing::warn!(gateway = %name, error = %e, "storing SMS statuses asked during a read failed");
                        }
                    }
                    Err(e) => {
                        tracing::warn!(gateway = %name, code = %e.code, "SMS status query during a read failed");
                    }
                }
            }));
        }
    }
    let n = calls.len();
    for c in calls {
        if tokio::time::timeout_at(deadline, c).await.is_err() {
            tracing::debug!(
                "SMS status query during a read did not answer in time; answered from the store"
            );
        }
    }
    Ok(n)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn c(list: &[(&str, usize)]) -> Vec<(String, usize)> {
        list.iter().map(|(id, n)| (id.to_string(), *n)).collect()
    }

    #[test]
    fn each_message_is_asked_once_per_gap_within_the_room() {
        let a = AskedAt::default();
        let t0 = Instant::now();
        // Room for 4 ids: a (1) and b (2) fit, c (2) does not, d (1) does; e has no open part.
        let got = a.pick(
            t0,
            &c(&[("a", 1), ("b", 2), ("c", 2), ("d", 1), ("e", 0)]),
            4,
        );
        assert_eq!(got, ["a", "b", "d"]);
        // Within the gap the same ones are not asked again; c is.
        let got = a.pick(
            t0 + Duration::from_millis(100),
            &c(&[("a", 1), ("b", 2), ("c", 2)]),
            4,
        );
        assert_eq!(got, ["c"]);
        // After the gap they are, and old marks are forgotten.
        let later = t0 + LIVE_STATUS_GAP + Duration::from_millis(1);
        assert_eq!(a.pick(later, &c(&[("a", 1)]), 4), ["a"]);
        assert_eq!(
            a.0.lock().unwrap().len(),
            2,
            "a again, and c (asked 100 ms later)"
        );
    }
}
