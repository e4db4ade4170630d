//! `reports.sms`: SMS of the range by day, status, gateway or user, with parts, the outcome of
//! each message and the delivery rate. Read from `sms_messages` through its creation-time index
//! (migration 0007), grouped in the database; the SMS module's code is not involved.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::dashboard::Period;
use crate::platform::db::{Backend, Db};
use crate::platform::query::Filter;
use crate::platform::time::date_of_day;

use super::params::{GroupBy, Range};
use super::requests::rate;
use super::ReportsError;
use crate::platform::csv::Csv;

/// The groupings of `reports.sms`; the first is the default.
pub const GROUPS: &[GroupBy] = &[
    GroupBy::Day,
    GroupBy::Status,
    GroupBy::Gateway,
    GroupBy::User,
];

/// Statuses of a message not yet final (everything else is).
const PENDING: &[&str] = &["queued", "accepted", "enroute"];

#[derive(Debug, Clone, Default, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsRow {
    /// `YYYY-MM-DD`, a status, a gateway's name (empty: not handed to one) or a login.
    pub key: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub user_id: Option<i64>,
    /// Messages (one per recipient).
    pub messages: i64,
    /// Their parts (segments billed by the gateway).
    pub parts: i64,
    pub delivered: i64,
    /// Final but not delivered (undelivered, expired, rejected, failed, deleted, unknown).
    pub failed: i64,
    /// Not final yet (queued, accepted, enroute).
    pub pending: i64,
    /// `delivered` in per cent of `messages`, one decimal.
    pub delivery_rate: f64,
    pub by_status: BTreeMap<String, i64>,
}

impl SmsRow {
    fn add(&mut self, status: &str, messages: i64, parts: i64) {
        self.messages += messages;
        self.parts += parts;
        match status {
            "delivered" => self.delivered += messages,
            s if PENDING.contains(&s) => self.pending += messages,
            _ => self.failed += messages,
        }
        *self.by_status.entry(status.to_string()).or_default() += messages;
    }

    fn close(&mut self) {
        self.delivery_rate = rate(self.delivered, self.messages);
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SmsReport {
    pub report: &'static str,
    #[serde(flatten)]
    pub range: Range,
    pub group_by: &'static str,
    pub user: Option<String>,
    pub totals: SmsRow,
    pub items: Vec<SmsRow>,
    pub total: usize,
}

/// `reports.sms`.
pub async fn sms(
    db: &Db,
    range: Range,
    period: &Period,
    offset_minutes: i64,
    group_by: GroupBy,
    user: Option<(String, i64)>,
) -> Result<SmsReport, ReportsError> {
    let (from, until) = period.millis(offset_minutes);
    let day = match db.backend {
        Backend::Sqlite => "(created_at + ?) / 86400000",
        Backend::MySql => "(created_at + ?) DIV 86400000",
    };
    let mut w = Filter::new();
    w.and("created_at >= ?", [from.into()])
        .and("created_at < ?", [until.into()])
        .and_opt("user_id = ?", user.as_ref().map(|u| u.1));
    let sql = format!(
        "SELECT {day} AS d, gateway_name, status, user_id, COUNT(*), \
         CAST(SUM(parts) AS SIGNED) FROM sms_messages{} GROUP BY d, gateway_name, status, user_id",
        w.sql()
    );
    let q = sqlx::query_as(&sql).bind(offset_minutes * 60_000);
    let lines: Vec<(i64, String, String, i64, i64, i64)> = w.bind(q).fetch_all(&db.pool).await?;
    let logins = super::logins(db, group_by).await?;

    // (order, key) → row; days zero-filled.
    let mut groups: BTreeMap<(i64, String), SmsRow> = BTreeMap::new();
    if group_by == GroupBy::Day {
        for d in period.from_day..=period.to_day {
            groups.insert((d, date_of_day(d)), SmsRow::default());
        }
    }
    let mut totals = SmsRow::default();
    for (d, gateway, status, uid, messages, parts) in &lines {
        let key = match group_by {
            GroupBy::Day => (*d, date_of_day(*d)),
            GroupBy::Status => (0, status.clone()),
            GroupBy::Gateway => (0, gateway.clone()),
            _ => (*uid, logins.get(uid).cloned().unwrap_or_default()),
        };
        let row = groups.entry(key).or_default();
        if group_by == GroupBy::User {
            row.user_id = Some(*uid);
        }
        row.add(status, *messages, *parts);
        totals.add(status, *messages, *parts);
    }
    totals.close();
    let mut items: Vec<(i64, SmsRow)> = groups
        .into_iter()
        .map(|((order, key), mut r)| {
            r.key = key;
            r.close();
            (order, r)
        })
        .collect();
    if group_by != GroupBy::Day {
        items.sort_by(|a, b| {
            b.1.messages
                .cmp(&a.1.messages)
                .then_with(|| a.1.key.cmp(&b.1.key))
                .then_with(|| a.0.cmp(&b.0))
        });
    }
    let items: Vec<SmsRow> = items.into_iter().map(|(_, r)| r).collect();
    Ok(SmsReport {
        report: "sms",
        range,
        group_by: group_by.as_str(),
        user: user.map(|u| u.0),
        totals,
        total: items.len(),
        items,
    })
}

impl SmsReport {
    pub fn to_csv(&self, bom: bool) -> String {
        let mut c = Csv::new(
            &[
                self.group_by,
                "messages",
                "parts",
                "delivered",
                "failed",
                "pending",
                "delivery_rate",
            ],
            bom,
        );
        for r in &self.items {
            c.row([
                r.key.clone(),
                r.messages.to_string(),
                r.parts.to_string(),
                r.delivered.to_string(),
                r.failed.to_string(),
                r.pending.to_string(),
                format!("{:.1}", r.delivery_rate),
            ]);
        }
        c.finish()
    }
}
