//! Counting the limits of `access::limits` without a database round trip per request.
//!
//! Each instance keeps, per (user, limit, window), the total it last read from the table
//! `limit_counters` (`base`) and what it admitted since (`pending`, then `flushing` while being
//! written). A request is admitted when `base + flushing + pending + n <= limit`, decided under
//! one lock, so on one instance a limit is never exceeded. Every [`SYNC_INTERVAL`] (and at
//! graceful shutdown) [`Limiter::sync`] adds the deltas to the stored rows (one multi-row upsert)
//! and reads back every row of the current windows (one indexed query): that is how the
//! instances sharing a database see each other's counts and how counts survive a restart (the
//! first sync runs before the instance serves). Instances with no limited user do neither.
//!
//! **The bound on over-admission.** An instance does not see what the others admitted since its
//! last read. With `K` instances on one database a window can therefore admit at most, beyond
//! its limit, what the other `K − 1` instances admitted in the last two sync intervals (their
//! unflushed deltas plus the ones this instance has not read back yet: 200 ms), and never more
//! than `(K − 1) × limit`. With one instance: never more than the limit. A crash (not a graceful
//! stop) loses at most the deltas of the last sync interval, which may then be admitted again.
//! Nothing is ever refused that fits: refusals come only from counts that were admitted.
//!
//! `window.rs` the windows (the minute, the zone's day and month), `store.rs` the table.

mod store;
pub mod window;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::access::limits::{self, Limits};
use crate::access::live::{Live, Snapshot};
use crate::platform::db::Db;
use crate::platform::error::{ErrorCode, PublicError, ServiceError};
use crate::platform::time::now_ms;
use window::{window, Span};

/// How often deltas are written and the totals of the other instances read.
pub const SYNC_INTERVAL: Duration = Duration::from_millis(100);

/// One limit as it stands for a caller: what the `RateLimit-*` headers tell.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Standing {
    /// As stored (`requests_per_minute`, `requests_per_minute:cc.add`, `calls_per_day`, …).
    pub name: String,
    pub limit: u64,
    pub used: u64,
    /// Unix ms when the window ends (the count starts again).
    pub reset_at: i64,
}

impl Standing {
    pub fn remaining(&self) -> u64 {
        self.limit.saturating_sub(self.used)
    }
    /// Whole seconds until the window ends, at least 1 (`RateLimit-Reset`, `Retry-After`).
    pub fn reset_secs(&self, now: i64) -> i64 {
        ((self.reset_at - now).max(1) + 999) / 1000
    }
}

/// The most binding of `standings`: the least remaining, then the latest reset.
pub fn tightest(standings: Vec<Standing>) -> Option<Standing> {
    standings
        .into_iter()
        .min_by_key(|s| (s.remaining(), std::cmp::Reverse(s.reset_at)))
}

/// A request (or a part of it) that does not fit a limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{} limit of {} reached ({} used, {} asked for); the count starts again in {} s", .standing.name, .standing.limit, .standing.used, .requested, .retry_after)]
pub struct Exceeded {
    pub standing: Standing,
    pub requested: u64,
    /// Seconds until the window ends.
    pub retry_after: i64,
}

impl PublicError for Exceeded {
    /// Requests per minute: `rate_limited`; the daily and monthly quotas: `quota_exceeded`.
    fn code(&self) -> ErrorCode {
        if self.standing.name.starts_with(limits::PER_MINUTE) {
            ErrorCode::RateLimited
        } else {
            ErrorCode::QuotaExceeded
        }
    }
    fn details(&self) -> Option<serde_json::Value> {
        Some(json!({
            "limit": self.standing.name,
            "value": self.standing.limit,
            "used": self.standing.used,
            "requested": self.requested,
            "retry_after": self.retry_after,
        }))
    }
}

/// What a method's handler counts against the daily and monthly quotas.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Quota {
    /// Contacts `cc/add` queues: `calls_per_day`.
    Calls,
    /// SMS parts `sms/send` stores: `sms_parts_per_day` and `sms_parts_per_month`.
    SmsParts,
}

/// (name, limit, span) of every limit that applies.
type Applicable = Vec<(String, u64, Span)>;

fn quota_limits(l: &Limits, q: Quota) -> Applicable {
    let mut out = Vec::new();
    let mut one = |name: &str, v: Option<u64>, span| {
        if let Some(v) = v {
            out.push((name.to_string(), v, span));
        }
    };
    match q {
        Quota::Calls => one(limits::CALLS_PER_DAY, l.calls_per_day, Span::Day),
        Quota::SmsParts => {
            one(limits::SMS_PER_DAY, l.sms_parts_per_day, Span::Day);
            one(limits::SMS_PER_MONTH, l.sms_parts_per_month, Span::Month);
        }
    }
    out
}

/// The quota a catalogue method counts against, if any.
pub fn quota_of(dotted: &str) -> Option<Quota> {
    match dotted {
        "cc.add" => Some(Quota::Calls),
        "sms.send" => Some(Quota::SmsParts),
        _ => None,
    }
}

fn request_limits(l: &Limits, dotted: Option<&str>) -> Applicable {
    let mut out = Vec::new();
    if let Some(v) = l.per_minute {
        out.push((limits::PER_MINUTE.to_string(), v, Span::Minute));
    }
    if let Some(d) = dotted {
        if let Some(v) = l.per_method.get(d) {
            out.push((limits::method_limit_name(d), *v, Span::Minute));
        }
    }
    out
}

#[derive(Debug, Clone, PartialEq, Eq, Hash)]
struct Key {
    user_id: i64,
    name: String,
    start: i64,
}

#[derive(Debug, Default, Clone)]
struct Counter {
    end: i64,
    /// The stored total as last read.
    base: u64,
    /// Admitted here, not written yet.
    pending: u64,
    /// Admitted here, being written.
    flushing: u64,
}

impl Counter {
    fn used(&self) -> u64 {
        self.base + self.flushing + self.pending
    }
}

/// The counters of one instance (held by `Services`).
pub struct Limiter {
    db: Db,
    counters: Mutex<HashMap<Key, Counter>>,
    /// One sync at a time (the worker and the shutdown's last one).
    sync_lock: tokio::sync::Mutex<i64>,
}

impl Limiter {
    /// A limiter holding the stored counts of the current windows (read once, now).
    pub async fn new(db: Db) -> Result<Arc<Limiter>, ServiceError> {
        let l = Arc::new(Limiter {
            db,
            counters: Mutex::new(HashMap::new()),
            sync_lock: tokio::sync::Mutex::new(0),
        });
        l.sync().await?;
        Ok(l)
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<Key, Counter>> {
        self.counters.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Count `n` against every limit of `applicable`, or nothing if one of them would be passed.
    fn take(
        &self,
        user_id: i64,
        applicable: &Applicable,
        n: u64,
        now: i64,
        offset: i64,
    ) -> Result<(), Exceeded> {
        // Most users have no limit: nothing to count, and no lock every request would contend on.
        if applicable.is_empty() {
            return Ok(());
        }
        let mut map = self.lock();
        let mut keys = Vec::with_capacity(applicable.len());
        for (name, limit, span) in applicable {
            let (start, end) = window(*span, now, offset);
            let key = Key {
                user_id,
                name: name.clone(),
                start,
            };
            let used = map.get(&key).map(Counter::used).unwrap_or(0);
            if used + n > *limit {
                let standing = Standing {
                    name: name.clone(),
                    limit: *limit,
                    used,
                    reset_at: end,
                };
                let retry_after = standing.reset_secs(now);
                return Err(Exceeded {
                    standing,
                    requested: n,
                    retry_after,
                });
            }
            keys.push((key, end));
        }
        for (key, end) in keys {
            let c = map.entry(key).or_default();
            c.end = end;
            c.pending += n;
        }
        Ok(())
    }

    /// Admit one request of `user_id` to `dotted` (`None`: `/v1/me`) against its per-minute
    /// limits.
    pub fn admit_request(
        &self,
        user_id: i64,
        l: &Limits,
        dotted: Option<&str>,
        now: i64,
        offset: i64,
    ) -> Result<(), Exceeded> {
        self.take(user_id, &request_limits(l, dotted), 1, now, offset)
    }

    /// Count `n` units of `quota` (contacts, SMS parts), all or nothing.
    pub fn take_quota(
        &self,
        user_id: i64,
        l: &Limits,
        quota: Quota,
        n: u64,
        now: i64,
        offset: i64,
    ) -> Result<(), Exceeded> {
        self.take(user_id, &quota_limits(l, quota), n, now, offset)
    }

    /// Give back `n` units taken by [`Limiter::take_quota`] for something that was then not done
    /// (its storage failed).
    pub fn refund_quota(
        &self,
        user_id: i64,
        l: &Limits,
        quota: Quota,
        n: u64,
        now: i64,
        offset: i64,
    ) {
        let mut map = self.lock();
        for (name, _, span) in quota_limits(l, quota) {
            let (start, _) = window(span, now, offset);
            let key = Key {
                user_id,
                name,
                start,
            };
            if let Some(c) = map.get_mut(&key) {
                // What is not pending any more was written: the stored row keeps it until the
                // window ends (under-admission only, never over).
                c.pending = c.pending.saturating_sub(n);
            }
        }
    }

    fn standings(
        &self,
        user_id: i64,
        applicable: Applicable,
        now: i64,
        offset: i64,
    ) -> Vec<Standing> {
        if applicable.is_empty() {
            return Vec::new();
        }
        let map = self.lock();
        applicable
            .into_iter()
            .map(|(name, limit, span)| {
                let (start, end) = window(span, now, offset);
                let key = Key {
                    user_id,
                    name: name.clone(),
                    start,
                };
                Standing {
                    used: map.get(&key).map(Counter::used).unwrap_or(0),
                    name,
                    limit,
                    reset_at: end,
                }
            })
            .collect()
    }

    /// Every limit that applies to a request to `dotted`: the per-minute ones and the method's
    /// quotas.
    pub fn for_request(
        &self,
        user_id: i64,
        l: &Limits,
        dotted: Option<&str>,
        now: i64,
        offset: i64,
    ) -> Vec<Standing> {
        let mut a = request_limits(l, dotted);
        if let Some(q) = dotted.and_then(quota_of) {
            a.extend(quota_limits(l, q));
        }
        self.standings(user_id, a, now, offset)
    }

    /// Every limit of the user (the panel's user page).
    pub fn usage(&self, user_id: i64, l: &Limits, now: i64, offset: i64) -> Vec<Standing> {
        let mut a = request_limits(l, None);
        for (d, v) in &l.per_method {
            a.push((limits::method_limit_name(d), *v, Span::Minute));
        }
        a.extend(quota_limits(l, Quota::Calls));
        a.extend(quota_limits(l, Quota::SmsParts));
        self.standings(user_id, a, now, offset)
    }

    /// The quotas (daily contacts, daily and monthly SMS parts; not the per-minute request
    /// limits) of every API user used to `percent` % or more in their current windows, fullest
    /// first, as (user id, login, standing). The dashboard's «Квоты на исходе» card.
    pub fn quotas_near_limit(
        &self,
        snap: &Snapshot,
        percent: u64,
        now: i64,
    ) -> Vec<(i64, String, Standing)> {
        let mut out = Vec::new();
        for u in snap.users() {
            if u.limits.is_empty() {
                continue;
            }
            for s in self.usage(u.id, &u.limits, now, snap.utc_offset_minutes) {
                let quota = !s.name.starts_with("requests_per_minute");
                if quota && s.limit > 0 && s.used * 100 >= s.limit * percent {
                    out.push((u.id, u.login.clone(), s));
                }
            }
        }
        // Fullest first (used/limit compared without division), then by login.
        out.sort_by(|a, b| {
            (b.2.used * a.2.limit)
                .cmp(&(a.2.used * b.2.limit))
                .then_with(|| a.1.cmp(&b.1))
        });
        out
    }

    /// Write what was admitted here since the last sync and read every instance's totals of the
    /// current windows.
    pub async fn sync(&self) -> Result<(), ServiceError> {
        let mut last_purge = self.sync_lock.lock().await;
        let now = now_ms();
        let deltas: Vec<(Key, i64, u64)> = {
            let mut map = self.lock();
            map.iter_mut()
                .filter(|(_, c)| c.pending > 0)
                .map(|(k, c)| {
                    let d = c.pending;
                    c.flushing += d;
                    c.pending = 0;
                    (k.clone(), c.end, d)
                })
                .collect()
        };
        if let Err(e) = store::add(&self.db, &deltas).await {
            let mut map = self.lock();
            for (k, _, d) in &deltas {
                if let Some(c) = map.get_mut(k) {
                    c.flushing -= d;
                    c.pending += d;
                }
            }
            return Err(e.into());
        }
        let rows = match store::current(&self.db, now).await {
            Ok(r) => r,
            Err(e) => {
                // Written, so counted in `base` from the next successful read: keep them as
                // pending-free but still counted until then.
                let mut map = self.lock();
                for (k, _, d) in &deltas {
                    if let Some(c) = map.get_mut(k) {
                        c.flushing -= d;
                        c.base += d;
                    }
                }
                return Err(e.into());
            }
        };
        {
            let mut map = self.lock();
            for (k, _, d) in &deltas {
                if let Some(c) = map.get_mut(k) {
                    c.flushing -= d;
                }
            }
            for (user_id, name, start, end, used) in rows {
                let c = map
                    .entry(Key {
                        user_id,
                        name,
                        start,
                    })
                    .or_default();
                c.end = end;
                c.base = used.max(0) as u64;
            }
            map.retain(|_, c| c.end > now);
        }
        if now - *last_purge > 60_000 {
            *last_purge = now;
            store::purge(&self.db, now).await?;
        }
        Ok(())
    }

    /// Sync every [`SYNC_INTERVAL`] while any user has a limit (or something is left to write).
    pub fn spawn(self: &Arc<Self>, live: Arc<Live>) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(SYNC_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let busy = live.current().any_limits() || me.lock().values().any(|c| c.pending > 0);
                if !busy {
                    continue;
                }
                if let Err(e) = me.sync().await {
                    tracing::warn!(error = %e, "limit counters: sync failed; retrying");
                }
            }
        })
    }
}

/// One caller's quotas as a handler counts against them: the limiter, the caller's limits and
/// the zone its days and months are counted in.
#[derive(Clone)]
pub struct Charge {
    limiter: Arc<Limiter>,
    user_id: i64,
    limits: Arc<Limits>,
    offset: i64,
}

impl Charge {
    pub fn new(limiter: Arc<Limiter>, user_id: i64, limits: Arc<Limits>, offset: i64) -> Charge {
        Charge {
            limiter,
            user_id,
            limits,
            offset,
        }
    }

    /// Count `n` units now, or refuse them all.
    pub fn take(&self, quota: Quota, n: u64) -> Result<(), Exceeded> {
        self.limiter
            .take_quota(self.user_id, &self.limits, quota, n, now_ms(), self.offset)
    }

    /// Give back what [`Charge::take`] counted for something that was then not done.
    pub fn refund(&self, quota: Quota, n: u64) {
        self.limiter
            .refund_quota(self.user_id, &self.limits, quota, n, now_ms(), self.offset)
    }
}

#[cfg(test)]
mod tests;
