//! The dashboard's figures for a period, read from the daily totals (`daily_user_totals`: day ×
//! user, `daily_method_totals`: day × module × method, each by outcome) and small tables — never by
//! scanning the request journal. The only journal read is [`latest`], an index-ordered `LIMIT` on
//! `at`.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::access::live::Snapshot;
use crate::access::settings;
use crate::journal::{Row, SELECT_ROWS};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::time::{date_of_day, parse_input};

/// Longest custom period, in days.
pub const MAX_DAYS: i64 = 366;

/// A period of whole days in the configured time zone, both ends included.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Period {
    pub from_day: i64,
    pub to_day: i64,
}

impl Period {
    /// From `preset` (`today`, `7d`, `30d`, `custom`) and, for `custom`, two dates `YYYY-MM-DD`.
    pub fn resolve(
        preset: &str,
        from: &str,
        until: &str,
        snap: &Snapshot,
        now_ms: i64,
    ) -> Result<Period, ServiceError> {
        let today = snap.day_of(now_ms);
        let back = |n: i64| Period {
            from_day: today - (n - 1),
            to_day: today,
        };
        match preset {
            "" | "today" => Ok(back(1)),
            "7d" => Ok(back(7)),
            "30d" => Ok(back(30)),
            "custom" => {
                let day = |field: &'static str, s: &str| -> Result<i64, ServiceError> {
                    let s = s.trim();
                    if s.len() != 10 {
                        return Err(ServiceError::invalid(field, "expected YYYY-MM-DD"));
                    }
                    // A plain date parses to its midnight at offset 0: exactly the day number.
                    parse_input(s, 0)
                        .map(|ms| ms.div_euclid(86_400_000))
                        .ok_or_else(|| ServiceError::invalid(field, "expected YYYY-MM-DD"))
                };
                let p = Period {
                    from_day: day("from", from)?,
                    to_day: day("until", until)?,
                };
                if p.to_day < p.from_day {
                    return Err(ServiceError::invalid("until", "is before from"));
                }
                if p.to_day - p.from_day + 1 > MAX_DAYS {
                    return Err(ServiceError::invalid(
                        "until",
                        format!("a period is at most {MAX_DAYS} days"),
                    ));
                }
                Ok(p)
            }
            _ => Err(ServiceError::invalid(
                "period",
                "must be today, 7d, 30d or custom",
            )),
        }
    }

    pub fn days(&self) -> i64 {
        self.to_day - self.from_day + 1
    }

    /// `[from, until)` in Unix milliseconds for a zone `offset_minutes` east of UTC.
    pub fn millis(&self, offset_minutes: i64) -> (i64, i64) {
        let start = |day: i64| (day * 86_400 - offset_minutes * 60) * 1000;
        (start(self.from_day), start(self.to_day + 1))
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outcomes {
    /// 2xx/3xx.
    pub ok: i64,
    /// 4xx: the caller's fault.
    pub bad: i64,
    /// 5xx: ours or the upstream's.
    pub error: i64,
}

impl Outcomes {
    pub fn total(&self) -> i64 {
        self.ok + self.bad + self.error
    }
    fn merge(&mut self, o: &Outcomes) {
        self.ok += o.ok;
        self.bad += o.bad;
        self.error += o.error;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayPoint {
    pub day: i64,
    /// `YYYY-MM-DD`.
    pub date: String,
    pub counts: Outcomes,
}

/// One line of a top list: a user (`login`, empty for requests without a valid key) or a method
/// (`module.method`; `me` alone; empty for unknown routes).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopRow {
    pub name: String,
    /// User id (0: no valid key) for user lists; 0 for method lists.
    pub user_id: i64,
    pub module: String,
    pub method: String,
    pub counts: Outcomes,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dashboard {
    pub period: Period,
    /// First and last day, `YYYY-MM-DD`.
    pub from_date: String,
    pub until_date: String,
    pub users_active: i64,
    pub users_blocked: i64,
    pub modules_enabled: i64,
    pub modules_total: i64,
    /// A method counts as enabled when its module and its own switch are on.
    pub methods_enabled: i64,
    pub methods_total: i64,
    pub totals: Outcomes,
    /// Every day of the period, zero-filled, oldest first.
    pub days: Vec<DayPoint>,
    pub top_users: Vec<TopRow>,
    pub top_users_bad: Vec<TopRow>,
    pub top_methods: Vec<TopRow>,
    pub top_methods_bad: Vec<TopRow>,
}

/// What one day's counters add up to, per user and per method (each split by outcome).
#[derive(Debug, Default)]
struct DayAgg {
    by_user: HashMap<i64, Outcomes>,
    by_method: HashMap<(String, String), Outcomes>,
}

/// A day is closed (its counters final) this long after it ends in the configured zone: journal
/// batches land within milliseconds, failed ones are retried for about half a minute.
const SETTLE_MS: i64 = 10 * 60_000;

/// The newest closed day at `now_ms`: its counters are final (see [`SETTLE_MS`]), so aggregates of
/// it may be kept in memory (the dashboard's and the reports' caches).
pub fn last_closed_day(snap: &Snapshot, now_ms: i64) -> i64 {
    snap.day_of(now_ms - SETTLE_MS) - 1
}
/// Closed days are read again after this long anyway (late writes after a long outage).
pub(crate) const CACHE_TTL: Duration = Duration::from_secs(3600);
const CACHE_DAYS: usize = 800;

/// Aggregates of closed days, kept in memory per process so a 30-day view reads only today's
/// counters from the database. Keyed by day number; days not yet closed are never cached.
#[derive(Default)]
pub struct Cache {
    days: Mutex<HashMap<i64, (Instant, Arc<DayAgg>)>>,
}

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("dashboard::Cache").finish_non_exhaustive()
    }
}

impl Cache {
    fn get(&self, day: i64) -> Option<Arc<DayAgg>> {
        let days = self.days.lock().unwrap_or_else(|e| e.into_inner());
        days.get(&day)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, a)| a.clone())
    }

    fn put(&self, day: i64, agg: Arc<DayAgg>) {
        let mut days = self.days.lock().unwrap_or_else(|e| e.into_inner());
        if days.len() >= CACHE_DAYS {
            days.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
            if days.len() >= CACHE_DAYS {
                days.clear();
            }
        }
        days.insert(day, (Instant::now(), agg));
    }
}

/// Per-day aggregates for `from..=to`: two reads of the totals' primary-key ranges, rows as
/// stored (one per day and user, one per day and method).
async fn fetch_days(db: &Db, from: i64, to: i64) -> Result<HashMap<i64, DayAgg>, ServiceError> {
    let mut out: HashMap<i64, DayAgg> = HashMap::new();
    // Side by side on two pool connections.
    let (by_user, by_method): (
        Vec<(i64, i64, i64, i64, i64)>,
        Vec<(i64, String, String, i64, i64, i64)>,
    ) = tokio::try_join!(
        sqlx::query_as(
            "SELECT day, user_id, ok, bad, error FROM daily_user_totals \
             WHERE day >= ? AND day <= ?",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool),
        sqlx::query_as(
            "SELECT day, module, method, ok, bad, error FROM daily_method_totals \
             WHERE day >= ? AND day <= ?",
        )
        .bind(from)
        .bind(to)
        .fetch_all(&db.pool),
    )?;
    for (day, uid, ok, bad, error) in by_user {
        out.entry(day)
            .or_default()
            .by_user
            .entry(uid)
            .or_default()
            .merge(&Outcomes { ok, bad, error });
    }
    for (day, m, x, ok, bad, error) in by_method {
        out.entry(day)
            .or_default()
            .by_method
            .entry((m, x))
            .or_default()
            .merge(&Outcomes { ok, bad, error });
    }
    Ok(out)
}

/// Everything the dashboard shows for `period`, tops cut to `top` lines. With a `cache`, closed
/// days are read from the database once and then from memory.
pub async fn load(
    db: &Db,
    snap: &Snapshot,
    period: Period,
    top: usize,
    cache: Option<&Cache>,
    now_ms: i64,
) -> Result<Dashboard, ServiceError> {
    let (from, to) = (period.from_day, period.to_day);

    // Users from the snapshot (every API user, kept within a moment of any change): no read.
    let users_active = snap.users().filter(|u| !u.blocked).count() as i64;
    let logins: HashMap<i64, &str> = snap.users().map(|u| (u.id, u.login.as_str())).collect();

    let on = |key: String| snap.settings.get(&key).map(|v| v == "true").unwrap_or(true);
    let modules = ccgate_catalogue::MODULES;
    let modules_enabled = modules
        .iter()
        .filter(|m| on(settings::module_key(m.name)))
        .count() as i64;
    let methods_total = ccgate_catalogue::all().count() as i64;
    let methods_enabled = ccgate_catalogue::all()
        .filter(|(m, x)| snap.method_enabled(m.name, x.name))
        .count() as i64;

    // Days from the cache where closed and cached; the rest in one read of their range.
    let last_closed = last_closed_day(snap, now_ms);
    let mut aggs: BTreeMap<i64, Arc<DayAgg>> = BTreeMap::new();
    let mut missing: Vec<i64> = Vec::new();
    for day in from..=to {
        match cache.and_then(|c| (day <= last_closed).then(|| c.get(day)).flatten()) {
            Some(a) => {
                aggs.insert(day, a);
            }
            None => missing.push(day),
        }
    }
    if let (Some(&lo), Some(&hi)) = (missing.first(), missing.last()) {
        let mut fetched = fetch_days(db, lo, hi).await?;
        for day in missing {
            let a = Arc::new(fetched.remove(&day).unwrap_or_default());
            if let Some(c) = cache.filter(|_| day <= last_closed) {
                c.put(day, a.clone());
            }
            aggs.insert(day, a);
        }
    }

    let mut totals = Outcomes::default();
    let mut per_user: HashMap<i64, Outcomes> = HashMap::new();
    let mut per_method: HashMap<(String, String), Outcomes> = HashMap::new();
    let mut days = Vec::with_capacity(aggs.len());
    for (day, a) in &aggs {
        let mut counts = Outcomes::default();
        for (uid, o) in &a.by_user {
            counts.merge(o);
            per_user.entry(*uid).or_default().merge(o);
        }
        for (k, o) in &a.by_method {
            per_method.entry(k.clone()).or_default().merge(o);
        }
        totals.merge(&counts);
        days.push(DayPoint {
            day: *day,
            date: date_of_day(*day),
            counts,
        });
    }
    let user_rows: Vec<TopRow> = per_user
        .into_iter()
        .map(|(uid, counts)| TopRow {
            name: logins.get(&uid).map(|l| l.to_string()).unwrap_or_default(),
            user_id: uid,
            module: String::new(),
            method: String::new(),
            counts,
        })
        .collect();
    let method_rows: Vec<TopRow> = per_method
        .into_iter()
        .map(|((m, x), counts)| TopRow {
            // `me` has no module; an unknown route has neither.
            name: if m.is_empty() {
                x.clone()
            } else {
                format!("{m}.{x}")
            },
            user_id: 0,
            module: m,
            method: x,
            counts,
        })
        .collect();

    Ok(Dashboard {
        period,
        from_date: date_of_day(from),
        until_date: date_of_day(to),
        users_active,
        users_blocked: logins.len() as i64 - users_active,
        modules_enabled,
        modules_total: modules.len() as i64,
        methods_enabled,
        methods_total,
        totals,
        days,
        top_users: top_by(&user_rows, top, |c| c.total()),
        top_users_bad: top_by(&user_rows, top, |c| c.bad),
        top_methods: top_by(&method_rows, top, |c| c.total()),
        top_methods_bad: top_by(&method_rows, top, |c| c.bad),
    })
}

/// The `n` rows with the largest non-zero `key`, ties by name.
fn top_by(rows: &[TopRow], n: usize, key: impl Fn(&Outcomes) -> i64) -> Vec<TopRow> {
    let mut v: Vec<&TopRow> = rows.iter().filter(|r| key(&r.counts) > 0).collect();
    v.sort_by(|a, b| {
        key(&b.counts)
            .cmp(&key(&a.counts))
            .then_with(|| a.name.cmp(&b.name))
            .then_with(|| a.user_id.cmp(&b.user_id))
    });
    v.into_iter().take(n).cloned().collect()
}

/// The newest journal rows in `[from_ms, until_ms)`, newest first (walks the `at` index; no count).
pub async fn latest(
    db: &Db,
    from_ms: i64,
    until_ms: i64,
    limit: i64,
) -> Result<Vec<Row>, ServiceError> {
    let sql = format!("{SELECT_ROWS} WHERE at >= ? AND at < ? ORDER BY at DESC, id DESC LIMIT ?");
    Ok(sqlx::query_as::<_, Row>(&sql)
        .bind(from_ms)
        .bind(until_ms)
        .bind(limit.clamp(1, 200))
        .fetch_all(&db.pool)
        .await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snap() -> Snapshot {
        let mut s = Snapshot::default();
        s.utc_offset_minutes = 180;
        s
    }

    #[test]
    fn presets_and_custom_periods() {
        let s = snap();
        // 2026-11-25T22:30:00Z is already the 26th at +03:00.
        let now = parse_input("2026-11-25T22:30:00Z", 0).unwrap();
        let today = parse_input("2026-11-26", 0).unwrap() / 86_400_000;
        let p = Period::resolve("today", "", "", &s, now).unwrap();
        assert_eq!((p.from_day, p.to_day), (today, today));
        assert_eq!(
            p.millis(180),
            (
                parse_input("2026-11-26", 180).unwrap(),
                parse_input("2026-11-27", 180).unwrap()
            )
        );
        let p = Period::resolve("7d", "", "", &s, now).unwrap();
        assert_eq!((p.days(), p.to_day), (7, today));
        assert_eq!(
            Period::resolve("30d", "x", "y", &s, now).unwrap().days(),
            30
        );
        let p = Period::resolve("custom", "2026-11-01", "2026-11-03", &s, now).unwrap();
        assert_eq!(date_of_day(p.from_day), "2026-11-01");
        assert_eq!(p.days(), 3);
        for (preset, from, until) in [
            ("custom", "2026-11-03", "2026-11-01"),
            ("custom", "2026-11-01", ""),
            ("custom", "2026-02-30", "2026-03-01"),
            ("custom", "2026-11-01T00:00:00Z", "2026-11-02"),
            ("custom", "2024-01-01", "2026-01-01"),
            ("week", "", ""),
        ] {
            assert!(
                matches!(
                    Period::resolve(preset, from, until, &s, now),
                    Err(ServiceError::Invalid { .. })
                ),
                "{preset} {from} {until}"
            );
        }
    }

    #[test]
    fn tops_skip_zeroes_and_order_by_key() {
        let row = |name: &str, ok, bad| TopRow {
            name: name.into(),
            user_id: 0,
            module: String::new(),
            method: String::new(),
            counts: Outcomes { ok, bad, error: 0 },
        };
        let rows = vec![row("a", 5, 0), row("b", 1, 3), row("c", 2, 3)];
        let names = |v: Vec<TopRow>| v.into_iter().map(|r| r.name).collect::<Vec<_>>();
        assert_eq!(
            names(top_by(&rows, 2, |c| c.total())),
            ["a", "c"].map(String::from)
        );
        assert_eq!(
            names(top_by(&rows, 5, |c| c.bad)),
            ["b", "c"].map(String::from)
        );
    }
}
