//! The «FreeSWITCH» settings block, declared once: its definitions (pulled into the registry of
//! `access::settings`) and [`FsSettings`], the typed values parsed once per live snapshot
//! (`Snapshot::freeswitch`). Every default is written here, in the declaration, and nowhere else.

use std::path::PathBuf;
use std::time::Duration;

use crate::access::block::FromSetting;
use crate::access::settings::Kind;
use crate::freeswitch::client::{FsConfig, Transport};
use crate::platform::secret::Secret;

/// The Settings page block and the prefix of its names (`freeswitch.host`, …).
pub const BLOCK: &str = "freeswitch";

impl FromSetting for Transport {
    fn from_setting(s: &str) -> Option<Self> {
        match s {
            "xml_rpc" => Some(Transport::XmlRpc),
            "esl" => Some(Transport::Esl),
            _ => None,
        }
    }
}

fn text(max: usize) -> Kind {
    Kind::Text { max }
}

fn int(min: i64, max: i64) -> Kind {
    Kind::Int { min, max }
}

crate::settings_block! {
    /// The «FreeSWITCH» block, typed. Built once per snapshot from the effective settings.
    pub struct FsSettings in BLOCK {
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
    use std::collections::BTreeMap;

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
