//! The «FreeSWITCH» settings block, declared once: its definitions (pulled into the registry of
//! `access::settings`) and [`FsSettings`], the typed values parsed once per live snapshot
//! (`Snapshot::freeswitch`). Every default is written here, in the declaration, and nowhere else.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Duration;

use crate::access::settings::{Def, Kind};
use crate::freeswitch::client::{FsConfig, Transport};
use crate::platform::secret::Secret;

/// The Settings page block and the prefix of its names (`freeswitch.host`, …).
pub const BLOCK: &str = "freeswitch";

/// A value type of the block, read from a setting's text (stored or default).
trait FromSetting: Sized {
    fn from_setting(s: &str) -> Option<Self>;
}

macro_rules! from_str_setting {
    ($($t:ty),*) => {$(
        impl FromSetting for $t {
            fn from_setting(s: &str) -> Option<Self> {
                s.parse().ok()
            }
        }
    )*};
}
from_str_setting!(String, u16, u64, i64, f64, PathBuf);

impl FromSetting for Secret<String> {
    fn from_setting(s: &str) -> Option<Self> {
        Some(Secret::new(s.to_string()))
    }
}

impl FromSetting for Transport {
    fn from_setting(s: &str) -> Option<Self> {
        match s {
            "xml_rpc" => Some(Transport::XmlRpc),
            "esl" => Some(Transport::Esl),
            _ => None,
        }
    }
}

/// The stored value of `freeswitch.{key}` when it reads as a `T`, else the declared default.
fn typed<T: FromSetting>(values: &BTreeMap<String, String>, key: &str, default: &str) -> T {
    values
        .get(&format!("{BLOCK}.{key}"))
        .and_then(|v| T::from_setting(v))
        .or_else(|| T::from_setting(default))
        .unwrap_or_else(|| panic!("the default of {BLOCK}.{key} must read as its type"))
}

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

/// One line per setting: `field: type = kind, default, Russian title, English title;` gives the
/// registry definition (in this order on the Settings page) and the typed field.
macro_rules! freeswitch_block {
    ($($(#[$doc:meta])* $field:ident: $ty:ty = $kind:expr, $default:literal, $ru:literal, $en:literal;)*) => {
        /// The «FreeSWITCH» block, typed. Built once per snapshot from the effective settings.
        #[derive(Debug, Clone, PartialEq)]
        pub struct FsSettings {
            $($(#[$doc])* pub $field: $ty,)*
        }

        /// The block's definitions, in the Settings page's order.
        pub fn defs() -> Vec<Def> {
            vec![$(def(stringify!($field), $kind, $default, $ru, $en)),*]
        }

        impl FsSettings {
            /// Read the block from effective values (`freeswitch.*` names); a value missing or
            /// unreadable as its type falls back to the declared default.
            pub fn from_values(values: &BTreeMap<String, String>) -> FsSettings {
                FsSettings { $($field: typed(values, stringify!($field), $default),)* }
            }
        }
    };
}

fn text(max: usize) -> Kind {
    Kind::Text { max }
}

fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

freeswitch_block! {
    transport: Transport = Kind::Choice(vec!["xml_rpc".into(), "esl".into()]), "xml_rpc",
        "Протокол: xml_rpc (HTTP) или esl (Event Socket)",
        "Transport: xml_rpc (HTTP) or esl (Event Socket)";
    host: String = text(255), "127.0.0.1", "Сервер FreeSWITCH", "FreeSWITCH server";
    /// mod_xml_rpc's HTTP port.
    port: u16 = int(1, 65535), "8080", "Порт mod_xml_rpc", "mod_xml_rpc port";
    user: String = text(255), "freeswitch", "Пользователь mod_xml_rpc", "mod_xml_rpc user";
    password: Secret<String> = Kind::Secret, "works", "Пароль mod_xml_rpc", "mod_xml_rpc password";
    esl_port: u16 = int(1, 65535), "8021", "Порт Event Socket", "Event Socket port";
    esl_password: Secret<String> = Kind::Secret, "ClueCon",
        "Пароль Event Socket", "Event Socket password";
    timeout_ms: u64 = int(100, 60_000), "5000", "Таймаут запроса, мс", "Request timeout, ms";
    /// Empty: no CDRs are indexed.
    cdr_path: PathBuf = text(255), "/var/log/freeswitch/cdr", "Каталог CDR", "CDR directory";
    wav_path: PathBuf = text(255), "/var/lib/freeswitch/recordings",
        "Каталог записей разговоров", "Recordings directory";
    cdr_scan_seconds: u64 = int(1, 3600), "10",
        "Период чтения новых CDR, с", "How often new CDR files are read, s";
    dial_template: String = text(255), "sofia/gateway/default/{number}",
        "Шаблон строки набора исходящего звонка ({number} — номер без +, {e164} — с +)",
        "Outbound dial string template ({number}: digits without +, {e164}: with +)";
    caller_id_number: String = text(32), "",
        "Номер вызывающего абонента по умолчанию", "Default caller id number";
    caller_id_name: String = text(64), "ccgate",
        "Имя вызывающего абонента по умолчанию", "Default caller id name";
    originate_timeout_s: u64 = int(5, 300), "30",
        "Сколько ждать ответа абонента, с", "How long to ring before giving up, s";
    /// 0 pauses dialling.
    max_concurrent_calls: i64 = int(0, 10_000), "10",
        "Максимум одновременных исходящих звонков (0 — обзвон на паузе)",
        "Maximum concurrent outbound calls (0 pauses dialing)";
    calls_per_second: f64 = int(1, 1000), "5",
        "Максимум новых исходящих звонков в секунду", "Maximum new outbound calls per second";
}

impl Default for FsSettings {
    /// The declared defaults.
    fn default() -> Self {
        FsSettings::from_values(&BTreeMap::new())
    }
}

impl FsSettings {
    /// How to reach FreeSWITCH with these settings.
    pub fn client_config(&self) -> FsConfig {
        FsConfig {
            transport: self.transport.clone(),
            host: self.host.clone(),
            http_port: self.port,
            http_user: self.user.clone(),
            http_password: self.password.clone(),
            esl_port: self.esl_port,
            esl_password: self.esl_password.clone(),
            timeout: Duration::from_millis(self.timeout_ms),
        }
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
        }
        let values: BTreeMap<String, String> =
            defs().into_iter().map(|d| (d.name, d.default)).collect();
        assert_eq!(FsSettings::from_values(&values), FsSettings::default());
    }

    #[test]
    fn stored_values_win_and_unreadable_ones_fall_back() {
        let d = FsSettings::default();
        let values: BTreeMap<String, String> = [
            ("freeswitch.transport", "esl"),
            ("freeswitch.port", "9090"),
            ("freeswitch.calls_per_second", "many"),
            ("freeswitch.cdr_path", ""),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect();
        let s = FsSettings::from_values(&values);
        assert_eq!(s.transport, Transport::Esl);
        assert_eq!(s.port, 9090);
        assert_eq!(s.calls_per_second, d.calls_per_second);
        assert_eq!(s.cdr_path, PathBuf::new());
        let cfg = s.client_config();
        assert_eq!(cfg.http_port, 9090);
        assert_eq!(cfg.timeout, Duration::from_millis(d.timeout_ms));
    }
}
