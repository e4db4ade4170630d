//! The «Онлайн статистика ЦОВ» settings block, declared once: its definitions (pulled into the
//! registry of `access::settings`) and [`StatsSettings`], the typed values parsed once per live
//! snapshot (`Snapshot::stats`). Every default is written here, in the declaration, and nowhere
//! else. The projects themselves are rows of `stats_projects` (see `projects`), not settings.

use std::collections::BTreeMap;
use std::time::Duration;

use crate::access::settings::{Def, Kind};

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

/// A value type of the block, read from a setting's text (stored or default).
trait FromSetting: Sized {
    fn from_setting(s: &str) -> Option<Self>;
}

impl FromSetting for String {
    fn from_setting(s: &str) -> Option<Self> {
        Some(s.to_string())
    }
}

impl FromSetting for u64 {
    fn from_setting(s: &str) -> Option<Self> {
        s.parse().ok()
    }
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

fn typed<T: FromSetting>(values: &BTreeMap<String, String>, key: &str, default: &str) -> T {
    values
        .get(&format!("{BLOCK}.{key}"))
        .and_then(|v| T::from_setting(v))
        .or_else(|| T::from_setting(default))
        .unwrap_or_else(|| panic!("the default of {BLOCK}.{key} must read as its type"))
}

/// One line per setting: `field: type = kind, default, Russian title, English title;` gives the
/// registry definition (in this order on the Settings page) and the typed field.
macro_rules! stats_block {
    ($($(#[$doc:meta])* $field:ident: $ty:ty = $kind:expr, $default:literal, $ru:literal, $en:literal;)*) => {
        /// The «Онлайн статистика ЦОВ» block, typed. Built once per snapshot.
        #[derive(Debug, Clone, PartialEq)]
        pub struct StatsSettings {
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// The block's definitions, in the Settings page's order.
        pub fn defs() -> Vec<Def> {
            vec![$(Def {
                name: format!("{BLOCK}.{}", stringify!($field)),
                block: BLOCK.into(),
                kind: $kind,
                default: $default.into(),
                title_ru: $ru.into(),
                title_en: $en.into(),
            }),*]
        }

        impl StatsSettings {
            /// Read the block from effective values (`stats.*` names); a value missing or
            /// unreadable as its type falls back to the declared default.
            pub fn from_values(values: &BTreeMap<String, String>) -> StatsSettings {
                StatsSettings { $($field: typed(values, stringify!($field), $default),)* }
            }
        }
    };
}

stats_block! {
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

impl Default for StatsSettings {
    /// The declared defaults.
    fn default() -> Self {
        StatsSettings::from_values(&BTreeMap::new())
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
