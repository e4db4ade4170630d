//! The «Отчеты ЦОВ» settings block, declared once: its definitions (pulled into the registry of
//! `access::settings`) and [`ReportsSettings`], the typed values parsed once per live snapshot
//! (`Snapshot::reports`). Every default is written here, in [`defs`], and nowhere else.

use std::collections::BTreeMap;

use crate::access::settings::{Def, Kind};
use crate::platform::secret::Secret;

/// The Settings page block and the prefix of its names (`reports.demo_url`, …).
pub const BLOCK: &str = "reports";

fn def(key: &str, kind: Kind, default: &str, ru: &str, en: &str) -> Def {
    Def {
        name: format!("{BLOCK}.{key}"),
        block: BLOCK.into(),
        kind,
        default: default.into(),
        title_ru: ru.into(),
        title_en: en.into(),
    }
}

/// The block's definitions, in the Settings page's order.
pub fn defs() -> Vec<Def> {
    vec![
        def(
            "demo_url",
            Kind::Text { max: 1024 },
            "",
            "Адрес сервера исторических отчётов ЦОВ (reports.demoReport; пусто — не подключён)",
            "URL of the call center's historical report server (reports.demoReport; empty: none)",
        ),
        def(
            "demo_login",
            Kind::Text { max: 255 },
            "",
            "Логин сервера отчётов",
            "Report server login",
        ),
        def(
            "demo_password",
            Kind::Secret,
            "",
            "Пароль сервера отчётов",
            "Report server password",
        ),
        def(
            "demo_timeout_ms",
            Kind::Int {
                min: 100,
                max: 120_000,
            },
            "10000",
            "Таймаут запроса к серверу отчётов, мс",
            "Report server timeout, ms",
        ),
    ]
}

/// The «Отчеты ЦОВ» block, typed. Built once per snapshot from the effective settings.
#[derive(Debug, Clone, PartialEq)]
pub struct ReportsSettings {
    /// Empty: `reports.demoReport` answers 503 `not_configured`.
    pub demo_url: String,
    /// Sent with the password as HTTP Basic when not empty.
    pub demo_login: String,
    pub demo_password: Secret<String>,
    pub demo_timeout_ms: u64,
}

impl ReportsSettings {
    /// Read the block from effective values; a value missing or unreadable as its type falls back
    /// to the declared default.
    pub fn from_values(values: &BTreeMap<String, String>) -> ReportsSettings {
        let defs = defs();
        let get = |key: &str| -> String {
            let name = format!("{BLOCK}.{key}");
            values.get(&name).cloned().unwrap_or_else(|| {
                defs.iter()
                    .find(|d| d.name == name)
                    .map(|d| d.default.clone())
                    .unwrap_or_default()
            })
        };
        let default_timeout = || {
            defs.iter()
                .find(|d| d.name == "reports.demo_timeout_ms")
                .and_then(|d| d.default.parse().ok())
                .expect("the default of reports.demo_timeout_ms is a number")
        };
        ReportsSettings {
            demo_url: get("demo_url").trim().to_string(),
            demo_login: get("demo_login"),
            demo_password: Secret::new(get("demo_password")),
            demo_timeout_ms: get("demo_timeout_ms")
                .parse()
                .unwrap_or_else(|_| default_timeout()),
        }
    }
}

impl Default for ReportsSettings {
    /// The declared defaults.
    fn default() -> Self {
        ReportsSettings::from_values(&BTreeMap::new())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::settings::normalize;

    #[test]
    fn defaults_are_valid_and_stored_values_win() {
        for d in defs() {
            assert_eq!(normalize(&d, &d.default).unwrap(), d.default, "{}", d.name);
        }
        let d = ReportsSettings::default();
        assert_eq!((d.demo_url.as_str(), d.demo_timeout_ms), ("", 10_000));
        let values: BTreeMap<String, String> = [
            ("reports.demo_url", " http://127.0.0.1:18082/report "),
            ("reports.demo_password", "pw"),
            ("reports.demo_timeout_ms", "soon"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = ReportsSettings::from_values(&values);
        assert_eq!(s.demo_url, "http://127.0.0.1:18082/report");
        assert_eq!(s.demo_password.expose(), "pw");
        assert_eq!(s.demo_timeout_ms, 10_000);
    }
}
