//! The «Отчеты ЦОВ» settings block, declared once: its definitions (pulled into the registry of
//! `access::settings`) and [`ReportsSettings`], the typed values parsed once per live snapshot
//! (`Snapshot::reports`). Every default is written here, in the declaration, and nowhere else.

use crate::access::settings::Kind;
use crate::platform::secret::Secret;

/// The Settings page block and the prefix of its names (`reports.demo_url`, …).
pub const BLOCK: &str = "reports";

crate::settings_block! {
    /// The «Отчеты ЦОВ» block, typed. Built once per snapshot from the effective settings.
    pub struct ReportsSettings in BLOCK {
        /// Empty: `reports.demoReport` answers 503 `not_configured`.
        demo_url: String = Kind::Text { max: 1024 }, "",
            "Адрес сервера исторических отчётов ЦОВ (reports.demoReport; пусто — не подключён)",
            "URL of the call center's historical report server (reports.demoReport; empty: none)";
        /// Sent with the password as HTTP Basic when not empty.
        demo_login: String = Kind::Text { max: 255 }, "",
            "Логин сервера отчётов", "Report server login";
        demo_password: Secret<String> = Kind::Secret, "",
            "Пароль сервера отчётов", "Report server password";
        demo_timeout_ms: u64 = Kind::Int { min: 100, max: 120_000 }, "10000",
            "Таймаут запроса к серверу отчётов, мс", "Report server timeout, ms";
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

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
