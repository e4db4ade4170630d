//! The dashboard's data: figures for a period (from the daily counters) and the newest journal
//! rows. Live rows arrive over `/admin/events` as [`LiveBatch`] (see `server::events`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// How many rows the «latest requests» table keeps.
pub const LATEST: usize = 20;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    pub ok: i64,
    pub bad: i64,
    pub error: i64,
}

impl Counts {
    pub fn total(&self) -> i64 {
        self.ok + self.bad + self.error
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayCounts {
    /// `YYYY-MM-DD`.
    pub date: String,
    pub counts: Counts,
}

/// A top-list line: a user login or a `module.method` (empty: no valid key / unknown route).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TopLine {
    pub name: String,
    pub module: String,
    pub method: String,
    pub counts: Counts,
}

/// One journal row as the dashboard shows it (from the journal or from a live event).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveLine {
    /// Unix ms (the page formats it: `crate::time`).
    pub at: i64,
    pub user: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    pub status: i64,
    pub error_code: Option<String>,
    pub outcome: String,
    pub latency_ms: f64,
}

/// The body of a `written` event on `/admin/events`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LiveBatch {
    pub ok: i64,
    pub bad: i64,
    pub error: i64,
    /// Oldest first.
    pub rows: Vec<LiveLine>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DashData {
    /// First and last day of the period, `YYYY-MM-DD`.
    pub from_date: String,
    pub until_date: String,
    /// The journal page's `until` for this period (exclusive: the day after the last).
    pub journal_until: String,
    /// Does the period include today (so live rows belong to it)?
    pub includes_today: bool,
    pub users_active: i64,
    pub users_blocked: i64,
    pub modules_enabled: i64,
    pub modules_total: i64,
    pub methods_enabled: i64,
    pub methods_total: i64,
    pub totals: Counts,
    pub days: Vec<DayCounts>,
    pub top_users: Vec<TopLine>,
    pub top_users_bad: Vec<TopLine>,
    pub top_methods: Vec<TopLine>,
    pub top_methods_bad: Vec<TopLine>,
    /// Newest first.
    pub latest: Vec<LiveLine>,
}

#[cfg(feature = "ssr")]
mod from_core {
    use super::*;
    use ccgate_core::dashboard::{Dashboard, Outcomes, TopRow};
    use ccgate_core::journal::{LiveRow, Row, Written};
    use ccgate_core::platform::time::date_of_day;

    impl From<&Outcomes> for Counts {
        fn from(o: &Outcomes) -> Self {
            Counts {
                ok: o.ok,
                bad: o.bad,
                error: o.error,
            }
        }
    }

    impl From<TopRow> for TopLine {
        fn from(r: TopRow) -> Self {
            TopLine {
                counts: (&r.counts).into(),
                name: r.name,
                module: r.module,
                method: r.method,
            }
        }
    }

    impl From<Row> for LiveLine {
        fn from(r: Row) -> Self {
            LiveLine {
                at: r.at,
                user: r.user_login,
                module: r.module,
                method: r.method,
                status: r.status,
                error_code: r.error_code,
                outcome: r.outcome,
                latency_ms: r.latency_us as f64 / 1000.0,
            }
        }
    }

    impl From<&LiveRow> for LiveLine {
        fn from(r: &LiveRow) -> Self {
            LiveLine {
                at: r.at,
                user: r.user_login.clone(),
                module: r.module.clone(),
                method: r.method.clone(),
                status: r.status as i64,
                error_code: r.error_code.clone(),
                outcome: r.outcome.clone(),
                latency_ms: r.latency_us as f64 / 1000.0,
            }
        }
    }

    /// What the journal writer published, as the `written` event's body.
    impl From<&Written> for LiveBatch {
        fn from(w: &Written) -> Self {
            LiveBatch {
                ok: w.ok,
                bad: w.bad,
                error: w.error,
                rows: w.rows.iter().map(LiveLine::from).collect(),
            }
        }
    }

    impl DashData {
        /// The figures `d`, the day number `today` and the newest journal rows, newest first.
        pub fn new(d: Dashboard, today: i64, latest: Vec<Row>) -> Self {
            let top = |v: Vec<TopRow>| v.into_iter().map(TopLine::from).collect();
            DashData {
                journal_until: date_of_day(d.period.to_day + 1),
                includes_today: d.period.from_day <= today && today <= d.period.to_day,
                from_date: d.from_date,
                until_date: d.until_date,
                users_active: d.users_active,
                users_blocked: d.users_blocked,
                modules_enabled: d.modules_enabled,
                modules_total: d.modules_total,
                methods_enabled: d.methods_enabled,
                methods_total: d.methods_total,
                totals: (&d.totals).into(),
                days: d
                    .days
                    .iter()
                    .map(|p| DayCounts {
                        date: p.date.clone(),
                        counts: (&p.counts).into(),
                    })
                    .collect(),
                top_users: top(d.top_users),
                top_users_bad: top(d.top_users_bad),
                top_methods: top(d.top_methods),
                top_methods_bad: top(d.top_methods_bad),
                latest: latest.into_iter().map(LiveLine::from).collect(),
            }
        }
    }
}

/// Figures for a period: `preset` is `today`, `7d`, `30d` or `custom` (then `from` and `until` are
/// the first and last day, `YYYY-MM-DD`).
#[server(endpoint = "dashboard/data")]
pub async fn dashboard_data(
    preset: String,
    from: String,
    until: String,
) -> Result<DashData, AppError> {
    use ccgate_core::dashboard::{latest, load, Period};
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let snap = state.live.current();
    let now = ccgate_core::platform::time::now_ms();
    let period = Period::resolve(&preset, &from, &until, &snap, now)?;
    let (from_ms, until_ms) = period.millis(snap.utc_offset_minutes);
    // The figures and the newest rows, side by side.
    let (d, rows) = tokio::try_join!(
        load(&state.db, &snap, period, 5, Some(&state.dash_cache), now),
        latest(&state.db, from_ms, until_ms, LATEST as i64),
    )?;
    Ok(DashData::new(d, snap.day_of(now), rows))
}

/// A quota of an API user used to [`crate::pages::users::limits::WARN_AT_PERCENT`] or more (the
/// dashboard's «Квоты на исходе» card).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaAlert {
    pub user_id: i64,
    pub login: String,
    /// As stored: `calls_per_day`, `sms_parts_per_day`, `sms_parts_per_month`.
    pub name: String,
    pub used: u64,
    pub limit: u64,
    /// Unix ms when the window ends.
    pub reset_at: i64,
}

/// Every API user's quota at the warning mark, fullest first.
#[server(endpoint = "dashboard/quotas")]
pub async fn quotas_near_limit() -> Result<Vec<QuotaAlert>, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let snap = state.live.current();
    let now = ccgate_core::platform::time::now_ms();
    Ok(state
        .limits
        .quotas_near_limit(&snap, crate::pages::users::limits::WARN_AT_PERCENT, now)
        .into_iter()
        .map(|(user_id, login, s)| QuotaAlert {
            user_id,
            login,
            name: s.name,
            used: s.used,
            limit: s.limit,
            reset_at: s.reset_at,
        })
        .collect())
}
