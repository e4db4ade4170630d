//! The «Онлайн статистика ЦОВ» settings block, declared once: its definitions (pulled into the
//! registry of `access::settings`) and [`StatsSettings`], the typed values parsed once per live
//! snapshot (`Snapshot::stats`). Every default is written here, in the declaration, and nowhere
//! else. The projects themselves are rows of `stats_projects` (see `projects`), not settings.

use std::time::Duration;

use crate::access::block::FromSetting;
use crate::access::settings::Kind;

/// The Settings page block and the prefix of its names (`stats.source`, …).
pub const BLOCK: &str = "stats";

/// Where `stats.get` / `stats.all` take their figures from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Computed by ccgate from FreeSWITCH and the CDR index.
    Builtin,
    /// The call center's own statistics server at `stats.external_url`.
    External,
}

impl FromSetting for Source {
    fn from_setting(s: &str) -> Option<Self> {
        match s {
            "builtin" => Some(Source::Builtin),
            "external" => Some(Source::External),
            _ => None,
        }
    }
}

crate::settings_block! {
    /// The «Онлайн статистика ЦОВ» block, typed. Built once per snapshot.
    pub struct StatsSettings in BLOCK {
        source: Source = Kind::Choice(vec!["builtin".into(), "external".into()]), "builtin",
            "Источник: builtin (считает ccgate по FreeSWITCH) или external (сервер статистики ЦОВ)",
            "Source: builtin (computed by ccgate from FreeSWITCH) or external (the call center's statistics server)";
        /// Empty: the external source answers 503 `upstream_unavailable`.
        external_url: String = Kind::Text { max: 1024 }, "",
            "Адрес сервера статистики (например http://host:82/onlinestat.php)",
            "Statistics server URL (e.g. http://host:82/onlinestat.php)";
        external_timeout_ms: u64 = Kind::Int { min: 100, max: 60_000 }, "5000",
            "Таймаут запроса к серверу статистики, мс", "Statistics server timeout, ms";
        /// 0: every request is forwarded (concurrent identical ones still share one).
        external_cache_seconds: u64 = Kind::Int { min: 0, max: 3600 }, "5",
            "Сколько секунд хранить ответ сервера статистики", "How long to keep the statistics server's answer, s";
    }
}

impl StatsSettings {
    pub fn external_timeout(&self) -> Duration {
        Duration::from_millis(self.external_timeout_ms)
    }

    pub fn external_cache(&self) -> Duration {
        Duration::from_secs(self.external_cache_seconds)
    }
}

#[cfg(test)]
mod tests {
    use std::collections::BTreeMap;

    use super::*;
    use crate::access::settings::normalize;

    #[test]
    fn every_default_is_valid_and_typed() {
        for d in defs() {
            assert_eq!(normalize(&d, &d.default).unwrap(), d.default, "{}", d.name);
            assert!(d.name.starts_with("stats."));
        }
        let d = StatsSettings::default();
        assert_eq!(d.source, Source::Builtin);
        assert_eq!(d.external_url, "");
        assert_eq!(d.external_timeout(), Duration::from_secs(5));
    }

    #[test]
    fn stored_values_win_and_unreadable_ones_fall_back() {
        let values: BTreeMap<String, String> = [
            ("stats.source", "external"),
            ("stats.external_url", "http://host:82/onlinestat.php"),
            ("stats.external_timeout_ms", "soon"),
            ("stats.external_cache_seconds", "0"),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = StatsSettings::from_values(&values);
        assert_eq!(s.source, Source::External);
        assert_eq!(s.external_url, "http://host:82/onlinestat.php");
        assert_eq!(s.external_timeout_ms, 5000);
        assert_eq!(s.external_cache(), Duration::ZERO);
    }
}
