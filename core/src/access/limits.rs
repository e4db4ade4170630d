//! The limits set for an API user (table `api_limits`, one row per limit): requests per minute
//! (all methods together, and optionally per method), `cc/add` contacts per day, SMS parts per
//! day and per month (days and months of the configured zone). No row: no limit. Written only
//! through [`set`] (audited, so every instance's snapshot reloads); counted by `crate::limits`.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;

/// Requests per minute, every method together (`/v1/me` included).
pub const PER_MINUTE: &str = "requests_per_minute";
/// Contacts `cc/add` may queue per day.
pub const CALLS_PER_DAY: &str = "calls_per_day";
/// SMS parts `sms/send` may store per day.
pub const SMS_PER_DAY: &str = "sms_parts_per_day";
/// SMS parts `sms/send` may store per month.
pub const SMS_PER_MONTH: &str = "sms_parts_per_month";

/// The largest value a limit may have.
pub const MAX_VALUE: u64 = 1_000_000_000;

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    pub per_minute: Option<u64>,
    /// Requests per minute of one catalogue method, by `module.method`.
    pub per_method: BTreeMap<String, u64>,
    pub calls_per_day: Option<u64>,
    pub sms_parts_per_day: Option<u64>,
    pub sms_parts_per_month: Option<u64>,
}

/// The stored name of a per-method limit.
pub fn method_limit_name(dotted: &str) -> String {
    format!("{PER_MINUTE}:{dotted}")
}

fn number(field: &'static str, s: &str) -> Result<Option<u64>, ServiceError> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    match s.parse::<u64>() {
        Ok(n) if (1..=MAX_VALUE).contains(&n) => Ok(Some(n)),
        _ => Err(ServiceError::invalid(
            field,
            format!(
                "`{s}`: expected a whole number from 1 to {MAX_VALUE}, or nothing for no limit"
            ),
        )),
    }
}

impl Limits {
    /// From the panel's form or the command line's options: each value empty (no limit) or a
    /// whole number; `per_method` is `module.method=N` items separated by commas or lines.
    pub fn parse(
        per_minute: &str,
        per_method: &str,
        calls_per_day: &str,
        sms_parts_per_day: &str,
        sms_parts_per_month: &str,
    ) -> Result<Limits, ServiceError> {
        let mut methods = BTreeMap::new();
        for item in per_method.split([',', '\n']).map(str::trim) {
            if item.is_empty() {
                continue;
            }
            let bad = || {
                ServiceError::invalid(
                    "per_method",
                    format!("`{item}`: expected module.method=N with a method of the catalogue"),
                )
            };
            let (m, n) = item.split_once('=').ok_or_else(bad)?;
            let (module, method) = ccgate_catalogue::parse_dotted(m.trim()).ok_or_else(bad)?;
            let n = number("per_method", n)?.ok_or_else(bad)?;
            methods.insert(format!("{module}.{method}"), n);
        }
        Ok(Limits {
            per_minute: number(PER_MINUTE, per_minute)?,
            per_method: methods,
            calls_per_day: number(CALLS_PER_DAY, calls_per_day)?,
            sms_parts_per_day: number(SMS_PER_DAY, sms_parts_per_day)?,
            sms_parts_per_month: number(SMS_PER_MONTH, sms_parts_per_month)?,
        })
    }

    pub fn is_empty(&self) -> bool {
        self.rows().is_empty()
    }

    /// As stored: (name, value).
    pub fn rows(&self) -> Vec<(String, u64)> {
        let mut out = Vec::new();
        let mut one = |name: &str, v: Option<u64>| {
            if let Some(v) = v {
                out.push((name.to_string(), v));
            }
        };
        one(PER_MINUTE, self.per_minute);
        one(CALLS_PER_DAY, self.calls_per_day);
        one(SMS_PER_DAY, self.sms_parts_per_day);
        one(SMS_PER_MONTH, self.sms_parts_per_month);
        for (m, v) in &self.per_method {
            out.push((method_limit_name(m), *v));
        }
        out
    }

    /// From stored rows; names this version does not know (a method removed from the catalogue)
    /// limit nothing.
    pub fn from_rows(rows: impl IntoIterator<Item = (String, i64)>) -> Limits {
        let mut l = Limits::default();
        for (name, v) in rows {
            let Ok(v) = u64::try_from(v) else { continue };
            match name.as_str() {
                PER_MINUTE => l.per_minute = Some(v),
                CALLS_PER_DAY => l.calls_per_day = Some(v),
                SMS_PER_DAY => l.sms_parts_per_day = Some(v),
                SMS_PER_MONTH => l.sms_parts_per_month = Some(v),
                other => {
                    if let Some(d) = other
                        .strip_prefix(PER_MINUTE)
                        .and_then(|r| r.strip_prefix(':'))
                        .filter(|d| ccgate_catalogue::parse_dotted(d).is_some())
                    {
                        l.per_method.insert(d.to_string(), v);
                    }
                }
            }
        }
        l
    }

    /// One line for people (the audit trail, the command line): `name=value, …` or `none`.
    pub fn to_text(&self) -> String {
        let rows = self.rows();
        if rows.is_empty() {
            return "none".to_string();
        }
        rows.iter()
            .map(|(n, v)| format!("{n}={v}"))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The per-method limits as the form shows them: one `module.method=N` per line.
    pub fn per_method_text(&self) -> String {
        self.per_method
            .iter()
            .map(|(m, v)| format!("{m}={v}"))
            .collect::<Vec<_>>()
            .join("\n")
    }
}

pub async fn of_user(db: &Db, user_id: i64) -> Result<Limits, ServiceError> {
    let rows: Vec<(String, i64)> =
        sqlx::query_as("SELECT name, value FROM api_limits WHERE user_id = ?")
            .bind(user_id)
            .fetch_all(&db.pool)
            .await?;
    Ok(Limits::from_rows(rows))
}

/// Every user's limits (users without any are absent), for the live snapshot.
pub async fn all(db: &Db) -> Result<BTreeMap<i64, Limits>, ServiceError> {
    let rows: Vec<(i64, String, i64)> =
        sqlx::query_as("SELECT user_id, name, value FROM api_limits")
            .fetch_all(&db.pool)
            .await?;
    let mut by_user: BTreeMap<i64, Vec<(String, i64)>> = BTreeMap::new();
    for (uid, n, v) in rows {
        by_user.entry(uid).or_default().push((n, v));
    }
    Ok(by_user
        .into_iter()
        .map(|(uid, rows)| (uid, Limits::from_rows(rows)))
        .collect())
}

/// Replace a user's limits with exactly `limits`; in force on its next request, on every instance.
pub async fn set(
    db: &Db,
    actor: &Actor,
    user_id: i64,
    limits: &Limits,
) -> Result<Limits, ServiceError> {
    let user = crate::access::users::get(db, user_id).await?;
    let before = of_user(db, user_id).await?;
    if &before == limits {
        return Ok(before);
    }
    let mut tx = AuditedWrite::begin(db, actor).await?;
    sqlx::query("DELETE FROM api_limits WHERE user_id = ?")
        .bind(user_id)
        .execute(tx.conn())
        .await?;
    for (name, value) in limits.rows() {
        sqlx::query("INSERT INTO api_limits (user_id, name, value) VALUES (?, ?, ?)")
            .bind(user_id)
            .bind(&name)
            .bind(value as i64)
            .execute(tx.conn())
            .await?;
    }
    tx.record(
        "user.limits",
        &user.login,
        Some(&before.to_text()),
        Some(&limits.to_text()),
    )
    .await?;
    tx.commit().await?;
    of_user(db, user_id).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_parse_and_round_trip() {
        let l = Limits::parse("60", "cc.add=10\n sms.send = 5 ,", "1000", "", "30000").unwrap();
        assert_eq!(l.per_minute, Some(60));
        assert_eq!(l.per_method.get("cc.add"), Some(&10));
        assert_eq!(l.per_method.get("sms.send"), Some(&5));
        assert_eq!(l.sms_parts_per_day, None);
        assert_eq!(
            l.to_text(),
            "requests_per_minute=60, calls_per_day=1000, sms_parts_per_month=30000, \
             requests_per_minute:cc.add=10, requests_per_minute:sms.send=5"
        );
        let rows = l.rows().into_iter().map(|(n, v)| (n, v as i64));
        assert_eq!(Limits::from_rows(rows), l);
        assert_eq!(l.per_method_text(), "cc.add=10\nsms.send=5");
        assert!(Limits::parse("", "", "", "", "").unwrap().is_empty());
        assert_eq!(Limits::default().to_text(), "none");
    }

    #[test]
    fn bad_limits_name_the_field() {
        let field = |r: Result<Limits, ServiceError>| match r.unwrap_err() {
            ServiceError::Invalid { field, .. } => field,
            e => panic!("{e}"),
        };
        assert_eq!(field(Limits::parse("0", "", "", "", "")), PER_MINUTE);
        assert_eq!(field(Limits::parse("-1", "", "", "", "")), PER_MINUTE);
        assert_eq!(field(Limits::parse("", "", "ten", "", "")), CALLS_PER_DAY);
        assert_eq!(field(Limits::parse("", "", "", "1e3", "")), SMS_PER_DAY);
        assert_eq!(
            field(Limits::parse("", "", "", "", "1000000001")),
            SMS_PER_MONTH
        );
        assert_eq!(
            field(Limits::parse("", "cc.nope=1", "", "", "")),
            "per_method"
        );
        assert_eq!(field(Limits::parse("", "cc.add", "", "", "")), "per_method");
        assert_eq!(
            field(Limits::parse("", "cc.add=0", "", "", "")),
            "per_method"
        );
    }

    #[test]
    fn unknown_stored_names_limit_nothing() {
        let l = Limits::from_rows([
            ("requests_per_minute:cc.gone".to_string(), 5),
            ("something_else".to_string(), 5),
        ]);
        assert!(l.is_empty());
    }
}
