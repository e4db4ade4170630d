//! Reports (`reports.*`): `request` and `badRequest` (requests.rs) and `users` (users.rs) from the
//! per-status daily counters the journal writer keeps (`daily_request_counters`, never a scan of
//! the journal), `sms` (sms.rs) from `sms_messages` by its creation index, and `demoReport`
//! (demo.rs), the external historical-report server of Settings → «Отчеты ЦОВ» (settings.rs).
//! Common parameters are read in params.rs; CSV is written by csv.rs.
//!
//! [`build`] is the one entry point of the four counter reports: parameters in, JSON or CSV out.

pub mod demo;
mod error;
pub mod params;
pub mod requests;
pub mod settings;
pub mod sms;
pub mod users;

use std::collections::HashMap;

use serde::Serialize;

use crate::access::live::Snapshot;
use crate::platform::db::Db;

pub use error::ReportsError;
use params::{Format, GroupBy, Range, ReportQuery};
pub use requests::Cache;
use requests::Source;

/// The reports answered from counters and tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Report {
    Request,
    BadRequest,
    Users,
    Sms,
}

impl Report {
    fn groups(self) -> &'static [GroupBy] {
        match self {
            Report::Request | Report::BadRequest => requests::GROUPS,
            Report::Users => users::GROUPS,
            Report::Sms => sms::GROUPS,
        }
    }
}

/// A report as answered.
#[derive(Debug, Clone, PartialEq)]
pub enum Output {
    Json(serde_json::Value),
    Csv(String),
}

fn output<T: Serialize>(format: Format, report: &T, csv: impl Fn(&T, bool) -> String) -> Output {
    match format {
        Format::Json => Output::Json(serde_json::to_value(report).unwrap_or_default()),
        Format::Csv { bom } => Output::Csv(csv(report, bom)),
    }
}

/// Read the parameters (`param(name)` gives a non-empty value or `None`; the names are
/// [`params::PARAMS`]) and build the report.
pub async fn build<'a>(
    db: &Db,
    cache: Option<&Cache>,
    snap: &Snapshot,
    report: Report,
    param: impl Fn(&str) -> Option<&'a str>,
    now_ms: i64,
) -> Result<Output, ReportsError> {
    let q = ReportQuery::parse(param, report.groups(), snap, now_ms)?;
    let user = match &q.user {
        Some(login) => Some((login.clone(), user_id(db, login).await?)),
        None => None,
    };
    let range = Range::of(&q.period, snap);
    let tz = snap.utc_offset_minutes;
    let p = &q.period;
    let src = Source {
        db,
        cache,
        last_closed: crate::dashboard::last_closed_day(snap, now_ms),
    };
    Ok(match report {
        Report::Request => output(
            q.format,
            &requests::request(src, range, p, q.group_by, user).await?,
            requests::RequestReport::to_csv,
        ),
        Report::BadRequest => output(
            q.format,
            &requests::bad_request(src, range, p, q.group_by, user).await?,
            requests::BadReport::to_csv,
        ),
        Report::Users => output(
            q.format,
            &users::users(src, range, p, tz, user).await?,
            users::UsersReport::to_csv,
        ),
        Report::Sms => output(
            q.format,
            &sms::sms(db, range, p, tz, q.group_by, user).await?,
            sms::SmsReport::to_csv,
        ),
    })
}

/// The id of the API user `login` (the `user` parameter).
async fn user_id(db: &Db, login: &str) -> Result<i64, ReportsError> {
    sqlx::query_scalar("SELECT id FROM api_users WHERE login = ?")
        .bind(login)
        .fetch_optional(&db.pool)
        .await?
        .ok_or_else(|| ReportsError::invalid("user", "no API user with this login"))
}

/// Logins by id when the rows are grouped by user (else nothing is read).
async fn logins(db: &Db, g: GroupBy) -> Result<HashMap<i64, String>, ReportsError> {
    if g != GroupBy::User {
        return Ok(HashMap::new());
    }
    let rows: Vec<(i64, String)> = sqlx::query_as("SELECT id, login FROM api_users")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().collect())
}

#[cfg(test)]
mod tests;
