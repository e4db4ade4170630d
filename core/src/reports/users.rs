//! `reports.users`: per API user, the requests and bad requests of the range with the last
//! request's time (per-status daily counters), SMS sent and delivered (`sms_messages` by its
//! creation index) and calls placed through `cc.add` and answered (`cc_calls` by its creation
//! index).

use std::collections::HashMap;

use serde::Serialize;

use crate::dashboard::Period;
use crate::platform::db::Db;
use crate::platform::query::Filter;
use crate::platform::time::rfc3339;

use super::params::{GroupBy, Range};
use super::requests::{fetch, Source};
use super::ReportsError;
use crate::platform::csv::Csv;

/// `reports.users` has one grouping.
pub const GROUPS: &[GroupBy] = &[GroupBy::User];

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserCounts {
    pub requests: i64,
    /// 4xx.
    pub bad_requests: i64,
    /// 5xx.
    pub errors: i64,
    /// SMS recipients accepted by `sms.send` (one per message, whatever its parts).
    pub sms_sent: i64,
    pub sms_delivered: i64,
    /// Contacts accepted by `cc.add`.
    pub calls_placed: i64,
    pub calls_answered: i64,
}

impl UserCounts {
    fn merge(&mut self, o: &UserCounts) {
        self.requests += o.requests;
        self.bad_requests += o.bad_requests;
        self.errors += o.errors;
        self.sms_sent += o.sms_sent;
        self.sms_delivered += o.sms_delivered;
        self.calls_placed += o.calls_placed;
        self.calls_answered += o.calls_answered;
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UserRow {
    /// 0: requests without a valid key.
    pub user_id: i64,
    pub login: String,
    /// `active` or `blocked`; empty for requests without a valid key.
    pub status: String,
    #[serde(flatten)]
    pub counts: UserCounts,
    /// The newest request of the range's days, RFC 3339 UTC.
    pub last_request_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UsersReport {
    pub report: &'static str,
    #[serde(flatten)]
    pub range: Range,
    pub group_by: &'static str,
    pub user: Option<String>,
    pub totals: UserCounts,
    /// Every API user (or the one asked for), by login; requests without a valid key last when
    /// there were any.
    pub items: Vec<UserRow>,
    pub total: usize,
}

/// Per user: (count, of which the second condition) of rows in `[from, until)` of a table.
async fn per_user(
    db: &Db,
    sql_head: &str,
    time_col: &str,
    (from, until): (i64, i64),
    user_id: Option<i64>,
) -> Result<HashMap<i64, (i64, i64)>, ReportsError> {
    let mut w = Filter::new();
    w.and(&format!("{time_col} >= ?"), [from.into()])
        .and(&format!("{time_col} < ?"), [until.into()])
        .and_opt("user_id = ?", user_id);
    let sql = format!("{sql_head}{} GROUP BY user_id", w.sql());
    let rows: Vec<(i64, i64, i64)> = w.bind(sqlx::query_as(&sql)).fetch_all(&db.pool).await?;
    Ok(rows.into_iter().map(|(u, a, b)| (u, (a, b))).collect())
}

/// `reports.users`.
pub async fn users(
    src: Source<'_>,
    range: Range,
    period: &Period,
    offset_minutes: i64,
    user: Option<(String, i64)>,
) -> Result<UsersReport, ReportsError> {
    let uid = user.as_ref().map(|u| u.1);
    let millis = period.millis(offset_minutes);
    let db = src.db;
    let lines = fetch(src, period, GroupBy::User, uid, false).await?;
    let sms = per_user(
        db,
        "SELECT user_id, COUNT(*), \
         CAST(SUM(CASE WHEN status = 'delivered' THEN 1 ELSE 0 END) AS SIGNED) FROM sms_messages",
        "created_at",
        millis,
        uid,
    )
    .await?;
    let calls = per_user(
        db,
        "SELECT user_id, COUNT(*), \
         CAST(SUM(CASE WHEN answer_ms IS NOT NULL THEN 1 ELSE 0 END) AS SIGNED) FROM cc_calls",
        "created_ms",
        millis,
        uid,
    )
    .await?;
    let mut w = Filter::new();
    w.and_opt("id = ?", uid);
    let sql = format!("SELECT id, login, status FROM api_users{}", w.sql());
    let mut accounts: Vec<(i64, String, String)> =
        w.bind(sqlx::query_as(&sql)).fetch_all(&db.pool).await?;
    accounts.sort_by(|a, b| a.1.cmp(&b.1).then(a.0.cmp(&b.0)));

    let mut counts: HashMap<i64, (UserCounts, Option<i64>)> = HashMap::new();
    for l in &lines {
        let (c, last) = counts.entry(l.user_id).or_default();
        c.requests += l.count;
        match l.status {
            400..=499 => c.bad_requests += l.count,
            500.. => c.errors += l.count,
            _ => {}
        }
        *last = Some(last.map_or(l.last_at, |t: i64| t.max(l.last_at)));
    }
    for (u, (sent, delivered)) in sms {
        let c = &mut counts.entry(u).or_default().0;
        c.sms_sent += sent;
        c.sms_delivered += delivered;
    }
    for (u, (placed, answered)) in calls {
        let c = &mut counts.entry(u).or_default().0;
        c.calls_placed += placed;
        c.calls_answered += answered;
    }
    if uid.is_none() && counts.contains_key(&0) {
        accounts.push((0, String::new(), String::new()));
    }
    let mut totals = UserCounts::default();
    let items: Vec<UserRow> = accounts
        .into_iter()
        .map(|(user_id, login, status)| {
            let (c, last) = counts.get(&user_id).copied().unwrap_or_default();
            totals.merge(&c);
            UserRow {
                user_id,
                login,
                status,
                counts: c,
                last_request_at: last.map(rfc3339),
            }
        })
        .collect();
    Ok(UsersReport {
        report: "users",
        range,
        group_by: GroupBy::User.as_str(),
        user: user.map(|u| u.0),
        totals,
        total: items.len(),
        items,
    })
}

impl UsersReport {
    pub fn to_csv(&self, bom: bool) -> String {
        let mut c = Csv::new(
            &[
                "user_id",
                "login",
                "status",
                "requests",
                "bad_requests",
                "errors",
                "last_request_at",
                "sms_sent",
                "sms_delivered",
                "calls_placed",
                "calls_answered",
            ],
            bom,
        );
        for r in &self.items {
            let n = r.counts;
            c.row([
                r.user_id.to_string(),
                r.login.clone(),
                r.status.clone(),
                n.requests.to_string(),
                n.bad_requests.to_string(),
                n.errors.to_string(),
                r.last_request_at.clone().unwrap_or_default(),
                n.sms_sent.to_string(),
                n.sms_delivered.to_string(),
                n.calls_placed.to_string(),
                n.calls_answered.to_string(),
            ]);
        }
        c.finish()
    }
}
