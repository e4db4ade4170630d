//! `reports.request` (every API request of the range, grouped) and `reports.badRequest` (the 4xx
//! ones, with a breakdown by error code; 5xx counted apart, as the dashboard does), both from the
//! per-status daily counters (`daily_request_counters`) — one grouped read of their primary-key
//! range, never the journal.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use serde::Serialize;

use crate::dashboard::{Period, CACHE_TTL};
use crate::platform::db::Db;
use crate::platform::query::Filter;
use crate::platform::time::date_of_day;

use super::params::{GroupBy, Range};
use super::ReportsError;
use crate::platform::csv::Csv;

/// The groupings of the request reports; the first is the default.
pub const GROUPS: &[GroupBy] = &[
    GroupBy::Day,
    GroupBy::User,
    GroupBy::Module,
    GroupBy::Method,
    GroupBy::Status,
    GroupBy::ErrorCode,
];

/// One grouped line of the counters; the columns not grouped by are 0 or empty.
#[derive(Debug, Clone, sqlx::FromRow)]
pub(super) struct Line {
    pub day: i64,
    pub user_id: i64,
    pub module: String,
    pub method: String,
    pub status: i64,
    pub error_code: String,
    pub count: i64,
    pub last_at: i64,
}

/// Closed days' grouped counters kept in memory per process, so a 90-day report reads only the
/// days not yet closed from the database (the dashboard's rule: a day is closed ten minutes after
/// it ends, and closed days are read again after an hour anyway).
#[derive(Default)]
pub struct Cache {
    days: Mutex<HashMap<CacheKey, (Instant, Arc<Vec<Line>>)>>,
}

/// (day, grouping, user filter, with error codes).
type CacheKey = (i64, GroupBy, Option<i64>, bool);

/// Cached day-groupings before the cache is emptied of stale ones, then of all.
const CACHE_ENTRIES: usize = 8192;

impl std::fmt::Debug for Cache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("reports::Cache").finish_non_exhaustive()
    }
}

impl Cache {
    fn get(&self, key: &CacheKey) -> Option<Arc<Vec<Line>>> {
        let days = self.days.lock().unwrap_or_else(|e| e.into_inner());
        days.get(key)
            .filter(|(at, _)| at.elapsed() < CACHE_TTL)
            .map(|(_, l)| l.clone())
    }

    fn put(&self, key: CacheKey, lines: Arc<Vec<Line>>) {
        let mut days = self.days.lock().unwrap_or_else(|e| e.into_inner());
        if days.len() >= CACHE_ENTRIES {
            days.retain(|_, (at, _)| at.elapsed() < CACHE_TTL);
            if days.len() >= CACHE_ENTRIES {
                days.clear();
            }
        }
        days.insert(key, (Instant::now(), lines));
    }
}

/// Where counters are read from: the database, and closed days from a cache when given.
#[derive(Clone, Copy)]
pub struct Source<'a> {
    pub db: &'a Db,
    pub cache: Option<&'a Cache>,
    /// Days up to this one are closed.
    pub last_closed: i64,
}

/// The counters of `period` (of one user, if given) grouped by day, `group_by` and status (and
/// error code with `codes`).
pub(super) async fn fetch(
    src: Source<'_>,
    period: &Period,
    group_by: GroupBy,
    user_id: Option<i64>,
    codes: bool,
) -> Result<Vec<Line>, ReportsError> {
    let key = |day: i64| (day, group_by, user_id, codes);
    let mut out: Vec<Line> = Vec::new();
    let mut missing: Vec<i64> = Vec::new();
    for day in period.from_day..=period.to_day {
        let cached = src
            .cache
            .filter(|_| day <= src.last_closed)
            .and_then(|c| c.get(&key(day)));
        match cached {
            Some(lines) => out.extend(lines.iter().cloned()),
            None => missing.push(day),
        }
    }
    let (Some(&lo), Some(&hi)) = (missing.first(), missing.last()) else {
        return Ok(out);
    };
    let lines = fetch_days(src.db, lo, hi, group_by, user_id, codes).await?;
    let mut per_day: HashMap<i64, Vec<Line>> = HashMap::new();
    for l in lines {
        per_day.entry(l.day).or_default().push(l);
    }
    for day in missing {
        let lines = per_day.remove(&day).unwrap_or_default();
        match src.cache.filter(|_| day <= src.last_closed) {
            Some(c) => {
                let lines = Arc::new(lines);
                out.extend(lines.iter().cloned());
                c.put(key(day), lines);
            }
            None => out.extend(lines),
        }
    }
    Ok(out)
}

/// One grouped read of the counters' primary-key range `from..=to`.
async fn fetch_days(
    db: &Db,
    from: i64,
    to: i64,
    group_by: GroupBy,
    user_id: Option<i64>,
    codes: bool,
) -> Result<Vec<Line>, ReportsError> {
    let dims = [
        (true, "day", "day"),
        (group_by == GroupBy::User, "user_id", "CAST(0 AS SIGNED)"),
        (
            matches!(group_by, GroupBy::Module | GroupBy::Method),
            "module",
            "''",
        ),
        (group_by == GroupBy::Method, "method", "''"),
        (true, "status", "status"),
        (codes || group_by == GroupBy::ErrorCode, "error_code", "''"),
    ];
    let select: Vec<String> = dims
        .iter()
        .map(|(on, col, none)| format!("{} AS {col}", if *on { col } else { none }))
        .collect();
    let group: Vec<&str> = dims.iter().filter(|d| d.0).map(|d| d.1).collect();
    let mut w = Filter::new();
    w.and("day >= ?", [from.into()])
        .and("day <= ?", [to.into()])
        .and_opt("user_id = ?", user_id);
    let sql = format!(
        "SELECT {}, CAST(SUM(count) AS SIGNED) AS count, MAX(last_at) AS last_at \
         FROM daily_request_counters{} GROUP BY {}",
        select.join(", "),
        w.sql(),
        group.join(", ")
    );
    Ok(w.bind(sqlx::query_as::<_, Line>(&sql))
        .fetch_all(&db.pool)
        .await?)
}

/// The public name of a group.
fn key_of(g: GroupBy, l: &Line, logins: &HashMap<i64, String>) -> String {
    match g {
        GroupBy::Day => date_of_day(l.day),
        GroupBy::User => logins.get(&l.user_id).cloned().unwrap_or_default(),
        GroupBy::Module => l.module.clone(),
        // `me` has no module; an unknown route has neither.
        GroupBy::Method if l.module.is_empty() => l.method.clone(),
        GroupBy::Method => format!("{}.{}", l.module, l.method),
        GroupBy::Status => l.status.to_string(),
        GroupBy::ErrorCode | GroupBy::Gateway => l.error_code.clone(),
    }
}

/// How groups are ordered: days and statuses by their value, the rest busiest first.
fn order_of(g: GroupBy, l: &Line) -> i64 {
    match g {
        GroupBy::Day => l.day,
        GroupBy::Status => l.status,
        GroupBy::User => l.user_id,
        _ => 0,
    }
}

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = RequestCounts))]
pub struct Counts {
    pub requests: i64,
    /// 2xx/3xx.
    pub ok: i64,
    /// 4xx: the caller's fault.
    pub bad: i64,
    /// 5xx: ours or the upstream's.
    pub error: i64,
}

impl Counts {
    fn add(&mut self, status: i64, n: i64) {
        self.requests += n;
        match status {
            ..=399 => self.ok += n,
            400..=499 => self.bad += n,
            _ => self.error += n,
        }
    }
}

/// One group of `reports.request`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestRow {
    /// The group: `YYYY-MM-DD`, a login (empty: no valid key), a module, `module.method`, an HTTP
    /// status or an error code (empty: none).
    pub key: String,
    /// With `group_by=user`: the user's id (0: no valid key).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    #[serde(flatten)]
    pub counts: Counts,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RequestReport {
    pub report: &'static str,
    #[serde(flatten)]
    pub range: Range,
    pub group_by: &'static str,
    pub user: Option<String>,
    pub totals: Counts,
    pub items: Vec<RequestRow>,
    pub total: usize,
}

/// Group keys in answer order, with each group's sort value; days zero-filled.
struct Groups<T> {
    rows: BTreeMap<(i64, String), (Option<i64>, T)>,
}

impl<T: Default> Groups<T> {
    fn new(g: GroupBy, period: &Period) -> Groups<T> {
        let mut rows = BTreeMap::new();
        if g == GroupBy::Day {
            for day in period.from_day..=period.to_day {
                rows.insert((day, date_of_day(day)), (None, T::default()));
            }
        }
        Groups { rows }
    }

    fn get(&mut self, g: GroupBy, l: &Line, logins: &HashMap<i64, String>) -> &mut T {
        let user_id = (g == GroupBy::User).then_some(l.user_id);
        let key = (order_of(g, l), key_of(g, l, logins));
        &mut self
            .rows
            .entry(key)
            .or_insert_with(|| (user_id, T::default()))
            .1
    }

    /// Days and statuses in their order; other groups by `weight`, largest first, then by name.
    fn into_sorted(self, g: GroupBy, weight: impl Fn(&T) -> i64) -> Vec<(String, Option<i64>, T)> {
        let mut v: Vec<_> = self
            .rows
            .into_iter()
            .map(|((order, key), (uid, t))| (order, key, uid, t))
            .collect();
        if !matches!(g, GroupBy::Day | GroupBy::Status) {
            v.sort_by(|a, b| {
                weight(&b.3)
                    .cmp(&weight(&a.3))
                    .then_with(|| a.1.cmp(&b.1))
                    .then_with(|| a.0.cmp(&b.0))
            });
        }
        v.into_iter().map(|(_, k, u, t)| (k, u, t)).collect()
    }
}

/// `reports.request`.
pub async fn request(
    src: Source<'_>,
    range: Range,
    period: &Period,
    group_by: GroupBy,
    user: Option<(String, i64)>,
) -> Result<RequestReport, ReportsError> {
    let lines = fetch(src, period, group_by, user.as_ref().map(|u| u.1), false).await?;
    let logins = super::logins(src.db, group_by).await?;
    let mut groups: Groups<Counts> = Groups::new(group_by, period);
    let mut totals = Counts::default();
    for l in &lines {
        groups.get(group_by, l, &logins).add(l.status, l.count);
        totals.add(l.status, l.count);
    }
    let items: Vec<RequestRow> = groups
        .into_sorted(group_by, |c| c.requests)
        .into_iter()
        .map(|(key, user_id, counts)| RequestRow {
            key,
            user_id,
            counts,
        })
        .collect();
    Ok(RequestReport {
        report: "request",
        range,
        group_by: group_by.as_str(),
        user: user.map(|u| u.0),
        totals,
        total: items.len(),
        items,
    })
}

impl RequestReport {
    pub fn to_csv(&self, bom: bool) -> String {
        let mut c = Csv::new(&[self.group_by, "requests", "ok", "bad", "error"], bom);
        for r in &self.items {
            let n = r.counts;
            c.row([
                r.key.clone(),
                n.requests.to_string(),
                n.ok.to_string(),
                n.bad.to_string(),
                n.error.to_string(),
            ]);
        }
        c.finish()
    }
}

/// How often one error code was answered.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CodeCount {
    pub error_code: String,
    pub status: i64,
    pub count: i64,
}

/// One group of `reports.badRequest`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadRow {
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// All requests of the group, for the rate.
    pub requests: i64,
    /// 4xx.
    pub bad: i64,
    /// 5xx, counted apart.
    pub error: i64,
    /// The 4xx by error code.
    pub by_error_code: BTreeMap<String, i64>,
}

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadTotals {
    pub requests: i64,
    pub bad: i64,
    /// `bad` in per cent of `requests`, one decimal; 0 without requests.
    pub bad_rate: f64,
    pub error: i64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BadReport {
    pub report: &'static str,
    #[serde(flatten)]
    pub range: Range,
    pub group_by: &'static str,
    pub user: Option<String>,
    pub totals: BadTotals,
    /// The 4xx by error code, most frequent first.
    pub by_error_code: Vec<CodeCount>,
    /// The 5xx by error code, most frequent first (not bad requests: ours or an upstream's).
    pub server_errors: Vec<CodeCount>,
    /// Groups with at least one 4xx or 5xx (with `group_by=day`: every day).
    pub items: Vec<BadRow>,
    pub total: usize,
}

/// Per cent with one decimal.
pub(super) fn rate(part: i64, whole: i64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        (part as f64 * 1000.0 / whole as f64).round() / 10.0
    }
}

fn by_count(map: HashMap<(String, i64), i64>) -> Vec<CodeCount> {
    let mut v: Vec<CodeCount> = map
        .into_iter()
        .map(|((error_code, status), count)| CodeCount {
            error_code,
            status,
            count,
        })
        .collect();
    v.sort_by(|a, b| {
        b.count
            .cmp(&a.count)
            .then_with(|| a.error_code.cmp(&b.error_code))
            .then_with(|| a.status.cmp(&b.status))
    });
    v
}

/// `reports.badRequest`.
pub async fn bad_request(
    src: Source<'_>,
    range: Range,
    period: &Period,
    group_by: GroupBy,
    user: Option<(String, i64)>,
) -> Result<BadReport, ReportsError> {
    let lines = fetch(src, period, group_by, user.as_ref().map(|u| u.1), true).await?;
    let logins = super::logins(src.db, group_by).await?;
    let mut groups: Groups<BadRow> = Groups::new(group_by, period);
    let mut totals = BadTotals::default();
    let mut bad_codes: HashMap<(String, i64), i64> = HashMap::new();
    let mut server_codes: HashMap<(String, i64), i64> = HashMap::new();
    for l in &lines {
        let row = groups.get(group_by, l, &logins);
        row.requests += l.count;
        totals.requests += l.count;
        match l.status {
            400..=499 => {
                row.bad += l.count;
                *row.by_error_code.entry(l.error_code.clone()).or_default() += l.count;
                totals.bad += l.count;
                *bad_codes
                    .entry((l.error_code.clone(), l.status))
                    .or_default() += l.count;
            }
            500.. => {
                row.error += l.count;
                totals.error += l.count;
                *server_codes
                    .entry((l.error_code.clone(), l.status))
                    .or_default() += l.count;
            }
            _ => {}
        }
    }
    totals.bad_rate = rate(totals.bad, totals.requests);
    let items: Vec<BadRow> = groups
        .into_sorted(group_by, |r| r.bad)
        .into_iter()
        .filter(|(_, _, r)| group_by == GroupBy::Day || r.bad + r.error > 0)
        .map(|(key, user_id, r)| BadRow { key, user_id, ..r })
        .collect();
    Ok(BadReport {
        report: "badRequest",
        range,
        group_by: group_by.as_str(),
        user: user.map(|u| u.0),
        totals,
        by_error_code: by_count(bad_codes),
        server_errors: by_count(server_codes),
        total: items.len(),
        items,
    })
}

impl BadReport {
    /// One column per 4xx error code (most frequent first) after the group's counts.
    pub fn to_csv(&self, bom: bool) -> String {
        // A code answered with two statuses is one column.
        let mut ordered: Vec<&str> = Vec::new();
        for c in &self.by_error_code {
            if !ordered.contains(&c.error_code.as_str()) {
                ordered.push(&c.error_code);
            }
        }
        let mut header = vec![self.group_by, "requests", "bad", "error"];
        header.extend(ordered.iter().copied());
        let mut c = Csv::new(&header, bom);
        for r in &self.items {
            let mut cells = vec![
                r.key.clone(),
                r.requests.to_string(),
                r.bad.to_string(),
                r.error.to_string(),
            ];
            cells.extend(
                ordered
                    .iter()
                    .map(|k| r.by_error_code.get(*k).copied().unwrap_or(0).to_string()),
            );
            c.row(cells);
        }
        c.finish()
    }
}
