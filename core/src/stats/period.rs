//! Figures of a period (today so far, or `from`/`until`) from indexed tables only: queue outcomes
//! from the member legs in `cdr` (range over `cdr_cc_member`: side, queue, joined time), outbound
//! `cc/add` calls from `cc_calls` (`cc_calls_target`), SMS from `sms_messages`
//! (`stats_sms_created`). A queue call belongs to the period it joined the queue in.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::platform::db::Db;
use crate::platform::query::{Filter, Value};
use crate::platform::time::rfc3339;
use crate::stats::StatsError;

/// mod_callcenter's cancel reasons, always present in `abandoned_by_reason`.
pub const CANCEL_REASONS: &[&str] = &["BREAK_OUT", "EXIT_WITH_KEY", "NO_AGENT_TIMEOUT", "TIMEOUT"];
/// `cc_calls` statuses, always present in `outbound.by_status`.
pub const CALL_STATUSES: &[&str] = &[
    "queued",
    "dialing",
    "answered",
    "completed",
    "busy",
    "no_answer",
    "failed",
    "cancelled",
    "expired",
];

/// `[from, until)` in Unix milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Range {
    pub from_ms: i64,
    pub until_ms: i64,
}

/// The queue outcomes of some queues, mergeable (a total is the sum of its parts).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tally {
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    pub abandoned_by_reason: BTreeMap<String, u64>,
    pub answered_within: u64,
    pub wait_ms_sum: i64,
    pub wait_ms_max: Option<i64>,
    pub talk_ms_sum: i64,
}

impl Tally {
    pub fn add(&mut self, o: &Tally) {
        self.offered += o.offered;
        self.answered += o.answered;
        self.abandoned += o.abandoned;
        for (k, v) in &o.abandoned_by_reason {
            *self.abandoned_by_reason.entry(k.clone()).or_default() += v;
        }
        self.answered_within += o.answered_within;
        self.wait_ms_sum += o.wait_ms_sum;
        self.wait_ms_max = self.wait_ms_max.max(o.wait_ms_max);
        self.talk_ms_sum += o.talk_ms_sum;
    }
}

fn queue_filter(queues: &[&str], range: Range, side_col: &str, time_col: &str) -> Filter {
    let mut w = Filter::new();
    let marks = vec!["?"; queues.len()].join(", ");
    w.and(&format!("{side_col} = ?"), [Value::from("member")]);
    w.and(
        &format!("queue IN ({marks})"),
        queues.iter().map(|q| Value::from(*q)),
    );
    w.and(
        &format!("{time_col} >= ? AND {time_col} < ?"),
        [range.from_ms.into(), range.until_ms.into()],
    );
    w
}

/// Queue outcomes of `queues` in `range`, a call answered within `threshold_s` seconds of joining
/// counting for the service level.
pub async fn queue_tally(
    db: &Db,
    queues: &[&str],
    threshold_s: u32,
    range: Range,
) -> Result<Tally, StatsError> {
    let mut t = Tally::default();
    for r in CANCEL_REASONS {
        t.abandoned_by_reason.insert(r.to_string(), 0);
    }
    if queues.is_empty() {
        return Ok(t);
    }
    let w = queue_filter(queues, range, "cc_side", "cc_queue_joined_ms");
    // wait: from joining to an agent's answer; talk: from that answer to the member leg's end.
    let sql = format!(
        "SELECT cc_cause, cc_cancel_reason, COUNT(*), \
         CAST(SUM(CASE WHEN cc_queue_answered_ms - cc_queue_joined_ms <= ? THEN 1 ELSE 0 END) AS SIGNED), \
         CAST(SUM(cc_queue_answered_ms - cc_queue_joined_ms) AS SIGNED), \
         CAST(MAX(cc_queue_answered_ms - cc_queue_joined_ms) AS SIGNED), \
         CAST(SUM(end_ms - cc_queue_answered_ms) AS SIGNED) \
         FROM cdr{} GROUP BY cc_cause, cc_cancel_reason",
        w.sql()
    );
    type TallyRow = (
        String,
        String,
        i64,
        Option<i64>,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let q = sqlx::query_as::<_, TallyRow>(&sql).bind(i64::from(threshold_s) * 1000);
    let rows: Vec<TallyRow> = w.bind(q).fetch_all(&db.pool).await?;
    for (cause, reason, n, within, wait_sum, wait_max, talk_sum) in rows {
        let n = n.max(0) as u64;
        t.offered += n;
        match cause.as_str() {
            "answered" => {
                t.answered += n;
                t.answered_within += within.unwrap_or(0).max(0) as u64;
                t.wait_ms_sum += wait_sum.unwrap_or(0).max(0);
                t.wait_ms_max = t.wait_ms_max.max(wait_max.map(|m| m.max(0)));
                t.talk_ms_sum += talk_sum.unwrap_or(0).max(0);
            }
            "cancel" => {
                t.abandoned += n;
                let reason = if reason.is_empty() {
                    "NONE".to_string()
                } else {
                    reason
                };
                *t.abandoned_by_reason.entry(reason).or_default() += n;
            }
            _ => {}
        }
    }
    Ok(t)
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = OutboundFigures))]
pub struct Outbound {
    /// `cc/add` calls into these queues created in the period.
    pub total: u64,
    pub by_status: BTreeMap<String, u64>,
}

/// `cc/add` calls into `queues` created in `range`, by status.
pub async fn outbound(db: &Db, queues: &[&str], range: Range) -> Result<Outbound, StatsError> {
    let mut by_status: BTreeMap<String, u64> =
        CALL_STATUSES.iter().map(|s| (s.to_string(), 0)).collect();
    let mut total = 0;
    if !queues.is_empty() {
        let mut w = Filter::new();
        w.and("target_kind = ?", [Value::from("queue")]);
        w.and(
            &format!("target IN ({})", vec!["?"; queues.len()].join(", ")),
            queues.iter().map(|q| Value::from(*q)),
        );
        w.and(
            "created_ms >= ? AND created_ms < ?",
            [range.from_ms.into(), range.until_ms.into()],
        );
        let sql = format!(
            "SELECT status, COUNT(*) FROM cc_calls{} GROUP BY status",
            w.sql()
        );
        let rows: Vec<(String, i64)> = w.bind(sqlx::query_as(&sql)).fetch_all(&db.pool).await?;
        for (status, n) in rows {
            let n = n.max(0) as u64;
            total += n;
            *by_status.entry(status).or_default() += n;
        }
    }
    Ok(Outbound { total, by_status })
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = SmsFigures))]
pub struct Sms {
    /// Messages (one per recipient) created in the period.
    pub created: u64,
    /// Of those, handed to a gateway.
    pub sent: u64,
    /// Of those, reported delivered.
    pub delivered: u64,
}

/// SMS of the whole installation created in `range`.
pub async fn sms(db: &Db, range: Range) -> Result<Sms, StatsError> {
    let (created, sent, delivered): (i64, Option<i64>, Option<i64>) = sqlx::query_as(
        "SELECT COUNT(*), \
         CAST(SUM(CASE WHEN submitted_at IS NOT NULL THEN 1 ELSE 0 END) AS SIGNED), \
         CAST(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS SIGNED) \
         FROM sms_messages WHERE created_at >= ? AND created_at < ?",
    )
    .bind(range.from_ms)
    .bind(range.until_ms)
    .fetch_one(&db.pool)
    .await?;
    Ok(Sms {
        created: created.max(0) as u64,
        sent: sent.unwrap_or(0).max(0) as u64,
        delivered: delivered.unwrap_or(0).max(0) as u64,
    })
}

/// Seconds with one decimal.
fn secs(ms: f64) -> f64 {
    (ms / 100.0).round() / 10.0
}

/// A percentage with one decimal, `None` of nothing.
fn pct(part: u64, whole: u64) -> Option<f64> {
    (whole > 0).then(|| (part as f64 * 1000.0 / whole as f64).round() / 10.0)
}

/// What the API shows of a period.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeriodFigures {
    pub from: String,
    pub until: String,
    /// Queue calls that joined in the period and have ended (a call still in the queue is in
    /// `live`).
    pub offered: u64,
    pub answered: u64,
    /// Left the queue without an agent (`cc_cause=cancel`), whatever the reason.
    pub abandoned: u64,
    /// `abandoned / offered`, percent; `null` with nothing offered.
    pub abandon_rate: Option<f64>,
    pub abandoned_by_reason: BTreeMap<String, u64>,
    /// The project's threshold; in a total of projects with different thresholds, `null` (each
    /// queue then counts with the threshold of the first project, by name, that lists it).
    pub service_level_seconds: Option<u32>,
    pub answered_within_threshold: u64,
    /// `answered_within_threshold / offered`, percent; `null` with nothing offered.
    pub service_level: Option<f64>,
    /// From joining the queue to an agent's answer, answered calls only.
    pub avg_wait_seconds: Option<f64>,
    pub max_wait_seconds: Option<f64>,
    /// From the agent's answer to the end of the call.
    pub avg_talk_seconds: Option<f64>,
    pub outbound: Outbound,
}

impl PeriodFigures {
    pub fn new(
        range: Range,
        threshold_s: Option<u32>,
        t: &Tally,
        outbound: Outbound,
    ) -> PeriodFigures {
        let avg = |sum: i64| (t.answered > 0).then(|| secs(sum as f64 / t.answered as f64));
        PeriodFigures {
            from: rfc3339(range.from_ms),
            until: rfc3339(range.until_ms),
            offered: t.offered,
            answered: t.answered,
            abandoned: t.abandoned,
            abandon_rate: pct(t.abandoned, t.offered),
            abandoned_by_reason: t.abandoned_by_reason.clone(),
            service_level_seconds: threshold_s,
            answered_within_threshold: t.answered_within,
            service_level: pct(t.answered_within, t.offered),
            avg_wait_seconds: avg(t.wait_ms_sum),
            max_wait_seconds: t.wait_ms_max.map(|m| secs(m as f64)),
            avg_talk_seconds: avg(t.talk_ms_sum),
            outbound,
        }
    }
}

#[cfg(test)]
#[path = "period_tests.rs"]
mod tests;
