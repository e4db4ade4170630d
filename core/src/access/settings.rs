//! Settings kept in the database, validated against one registry, cached in memory by [`crate::access::live`]
//! and applied without a restart. Every change is audited (secrets masked).

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::access::audit::{Actor, AuditedWrite};
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::time::now_ms;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum Kind {
    Bool,
    Int {
        min: i64,
        max: i64,
    },
    Text {
        max: usize,
    },
    /// Write-only: never shown, never printed, masked in the audit log.
    Secret,
    /// A UTC offset such as `+03:00`.
    UtcOffset,
    /// One of a fixed list.
    Choice(Vec<String>),
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Def {
    pub name: String,
    /// The Settings page block this belongs to (`modules`, `general`, …).
    pub block: String,
    pub kind: Kind,
    pub default: String,
    pub title_ru: String,
    pub title_en: String,
}

pub fn module_key(module: &str) -> String {
    format!("modules.{module}.enabled")
}

pub fn method_key(module: &str, method: &str) -> String {
    format!("methods.{module}.{method}.enabled")
}

pub const TIMEZONE_OFFSET: &str = "general.utc_offset";
/// The declared default of [`TIMEZONE_OFFSET`] (Moscow time), written here only.
const TIMEZONE_DEFAULT: &str = "+03:00";

/// The time zone of reports and daily counters in minutes east of UTC: the stored value of
/// [`TIMEZONE_OFFSET`] in `values` (the effective settings) when it parses, else the declared default.
pub fn utc_offset_minutes(values: &BTreeMap<String, String>) -> i64 {
    values
        .get(TIMEZONE_OFFSET)
        .and_then(|v| parse_offset(v))
        .or_else(|| parse_offset(TIMEZONE_DEFAULT))
        .expect("the default time zone must parse")
}

/// Every setting there is.
pub fn registry() -> Vec<Def> {
    let mut v = vec![Def {
        name: TIMEZONE_OFFSET.into(),
        block: "general".into(),
        kind: Kind::UtcOffset,
        default: TIMEZONE_DEFAULT.into(),
        title_ru: "Часовой пояс отчётов и дневных счётчиков (смещение от UTC)".into(),
        title_en: "Time zone of reports and daily counters (UTC offset)".into(),
    }];
    // The «FreeSWITCH» block is declared by the contact-center module, with its typed view.
    v.extend(crate::cc::settings::defs());
    // «Отчеты ЦОВ»: the external report server of `reports.demoReport`.
    v.extend(crate::reports::settings::defs());
    // «Онлайн статистика ЦОВ», declared by the statistics module.
    v.extend(crate::stats::settings::defs());
    // «База данных»: how long the request journal is kept.
    v.extend(crate::journal::retention::defs());
    for m in ccgate_catalogue::MODULES {
        v.push(Def {
            name: module_key(m.name),
            block: "modules".into(),
            kind: Kind::Bool,
            default: "true".into(),
            title_ru: format!("Модуль «{}» включён", m.title_ru),
            title_en: format!("Module “{}” enabled", m.title_en),
        });
        for x in m.methods {
            v.push(Def {
                name: method_key(m.name, x.name),
                block: "modules".into(),
                kind: Kind::Bool,
                default: "true".into(),
                title_ru: format!("Метод {}.{} включён", m.name, x.name),
                title_en: format!("Method {}.{} enabled", m.name, x.name),
            });
        }
    }
    v
}

pub fn def(name: &str) -> Result<Def, ServiceError> {
    registry()
        .into_iter()
        .find(|d| d.name == name)
        .ok_or_else(|| ServiceError::invalid("setting", format!("unknown setting `{name}`")))
}

/// Parse a UTC offset `+HH:MM` / `-HH:MM` into minutes.
pub fn parse_offset(s: &str) -> Option<i64> {
    let s = s.trim();
    let (sign, rest) = match s.as_bytes().first()? {
        b'+' => (1, &s[1..]),
        b'-' => (-1, &s[1..]),
        _ => return None,
    };
    let (h, m) = rest.split_once(':')?;
    if h.len() != 2 || m.len() != 2 {
        return None;
    }
    let (h, m): (i64, i64) = (h.parse().ok()?, m.parse().ok()?);
    (h <= 14 && m < 60).then_some(sign * (h * 60 + m))
}

/// Validate and normalise a value for a setting.
pub fn normalize(def: &Def, value: &str) -> Result<String, ServiceError> {
    let v = value.trim();
    let bad = |msg: String| ServiceError::Invalid {
        field: "value",
        message: format!("{}: {msg}", def.name),
    };
    match &def.kind {
        Kind::Bool => match v.to_ascii_lowercase().as_str() {
            "true" | "1" | "on" | "yes" => Ok("true".into()),
            "false" | "0" | "off" | "no" => Ok("false".into()),
            _ => Err(bad("expected true or false".into())),
        },
        Kind::Int { min, max } => match v.parse::<i64>() {
            Ok(n) if (*min..=*max).contains(&n) => Ok(n.to_string()),
            _ => Err(bad(format!("expected a whole number from {min} to {max}"))),
        },
        Kind::Text { max } => {
            if v.chars().count() > *max {
                Err(bad(format!("at most {max} characters")))
            } else {
                Ok(v.to_string())
            }
        }
        Kind::Secret => Ok(value.to_string()),
        Kind::Choice(options) => options
            .iter()
            .find(|o| o.as_str() == v)
            .cloned()
            .ok_or_else(|| bad(format!("expected one of {}", options.join(", ")))),
        Kind::UtcOffset => parse_offset(v)
            .map(|_| v.to_string())
            .ok_or_else(|| bad("expected an offset like +03:00".into())),
    }
}

/// Stored values (not defaults) by name.
pub async fn stored(db: &Db) -> Result<BTreeMap<String, String>, ServiceError> {
    let rows: Vec<(String, String)> = sqlx::query_as("SELECT name, value FROM settings")
        .fetch_all(&db.pool)
        .await?;
    Ok(rows.into_iter().collect())
}

/// Effective values: defaults overlaid with stored values.
pub async fn effective(db: &Db) -> Result<BTreeMap<String, String>, ServiceError> {
    let mut all: BTreeMap<String, String> = registry()
        .into_iter()
        .map(|d| (d.name, d.default))
        .collect();
    for (k, v) in stored(db).await? {
        if all.contains_key(&k) {
            all.insert(k, v);
        }
    }
    Ok(all)
}

/// What a setting shows to people: secrets as `***` (or empty when unset).
pub fn display_value(def: &Def, value: &str) -> String {
    match def.kind {
        Kind::Secret if value.is_empty() => String::new(),
        Kind::Secret => "***".into(),
        _ => value.to_string(),
    }
}

/// Set several settings in one transaction (one audit row each).
pub async fn set_many(
    db: &Db,
    actor: &Actor,
    changes: &[(String, String)],
) -> Result<usize, ServiceError> {
    let mut normalized = Vec::with_capacity(changes.len());
    for (name, value) in changes {
        let d = def(name)?;
        normalized.push((d.clone(), normalize(&d, value)?));
    }
    let current = effective(db).await?;
    let stored_now = stored(db).await?;
    let now = now_ms();
    let mut tx = AuditedWrite::begin(db, actor).await?;
    for (d, value) in &normalized {
        let old = current.get(&d.name).cloned().unwrap_or_default();
        if &old == value {
            continue;
        }
        if stored_now.contains_key(&d.name) {
            sqlx::query(
                "UPDATE settings SET value = ?, updated_at = ?, updated_by = ? WHERE name = ?",
            )
            .bind(value)
            .bind(now)
            .bind(actor.label())
            .bind(&d.name)
            .execute(tx.conn())
            .await?;
        } else {
            sqlx::query(
                "INSERT INTO settings (name, value, updated_at, updated_by) VALUES (?, ?, ?, ?)",
            )
            .bind(&d.name)
            .bind(value)
            .bind(now)
            .bind(actor.label())
            .execute(tx.conn())
            .await?;
        }
        tx.record(
            "setting.set",
            &d.name,
            Some(&display_value(d, &old)),
            Some(&display_value(d, value)),
        )
        .await?;
    }
    tx.commit().await
}

pub async fn set(db: &Db, actor: &Actor, name: &str, value: &str) -> Result<usize, ServiceError> {
    set_many(db, actor, &[(name.to_string(), value.to_string())]).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn registry_covers_the_catalogue() {
        let r = registry();
        assert!(r.iter().any(|d| d.name == "modules.cc.enabled"));
        assert!(r.iter().any(|d| d.name == "methods.sms.getStatus.enabled"));
        // general + FreeSWITCH (connection 11, originate and pacing 6) + reports 4 + online
        // statistics 4 + database 1 + modules + methods
        assert_eq!(r.len(), 1 + 17 + 4 + 4 + 1 + 4 + 16);
    }

    #[test]
    fn values_normalise() {
        let b = def("modules.cc.enabled").unwrap();
        assert_eq!(normalize(&b, "OFF").unwrap(), "false");
        assert!(normalize(&b, "maybe").is_err());
        let tz = def(TIMEZONE_OFFSET).unwrap();
        assert_eq!(normalize(&tz, "+05:30").unwrap(), "+05:30");
        assert!(normalize(&tz, "UTC").is_err());
        assert_eq!(parse_offset("-03:00"), Some(-180));
        assert_eq!(parse_offset("+15:00"), None);
        assert!(def("nope").is_err());
        let t = def("freeswitch.transport").unwrap();
        assert_eq!(normalize(&t, "esl").unwrap(), "esl");
        assert!(normalize(&t, "sip").is_err());
        let pw = def("freeswitch.password").unwrap();
        assert_eq!(display_value(&pw, "works"), "***");
    }

    #[test]
    fn time_zone_reads_the_stored_value_else_the_declared_default() {
        let mut values = BTreeMap::new();
        assert_eq!(utc_offset_minutes(&values), 180);
        values.insert(TIMEZONE_OFFSET.to_string(), "-05:30".to_string());
        assert_eq!(utc_offset_minutes(&values), -330);
        values.insert(TIMEZONE_OFFSET.to_string(), "garbage".to_string());
        assert_eq!(utc_offset_minutes(&values), 180);
        assert_eq!(def(TIMEZONE_OFFSET).unwrap().default, TIMEZONE_DEFAULT);
    }
}
