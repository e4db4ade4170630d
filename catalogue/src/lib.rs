//! The single source of truth for the public API's modules and methods. The router, the
//! permission editor, the settings page, the docs and the reports all read this table.
//! Names are the public contract: `/api/v1/{module}/{method}`.

pub mod errors;
mod errors_ru;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verb {
    Get,
    Post,
}

impl Verb {
    pub fn as_str(self) -> &'static str {
        match self {
            Verb::Get => "GET",
            Verb::Post => "POST",
        }
    }
}

#[derive(Debug)]
pub struct Method {
    pub name: &'static str,
    pub verb: Verb,
    pub title_ru: &'static str,
    pub title_en: &'static str,
}

#[derive(Debug)]
pub struct Module {
    pub name: &'static str,
    pub title_ru: &'static str,
    pub title_en: &'static str,
    pub methods: &'static [Method],
}

const fn get(name: &'static str, title_ru: &'static str, title_en: &'static str) -> Method {
    Method {
        name,
        verb: Verb::Get,
        title_ru,
        title_en,
    }
}
const fn post(name: &'static str, title_ru: &'static str, title_en: &'static str) -> Method {
    Method {
        name,
        verb: Verb::Post,
        title_ru,
        title_en,
    }
}

pub static MODULES: &[Module] = &[
    Module {
        name: "cc",
        title_ru: "Контакт-центр",
        title_en: "Contact center",
        methods: &[
            post(
                "add",
                "Исходящий звонок / контакт в обзвон",
                "Outbound call / contact into the call list",
            ),
            get("audio", "Запись разговора", "Call recording"),
            get(
                "cdr",
                "Детализация звонков (CDR)",
                "Call detail records (CDR)",
            ),
            get("tier", "Связка очередь–оператор", "Queue–agent tier"),
            get("tiers", "Список связок", "Tiers"),
            get("queues", "Список очередей", "Queues"),
            get("queue", "Очередь", "Queue"),
        ],
    },
    Module {
        name: "sms",
        title_ru: "SMS",
        title_en: "SMS",
        methods: &[
            post(
                "send",
                "Отправка SMS (одиночная и пакетная)",
                "Send SMS (single and batch)",
            ),
            get("getStatus", "Статус SMS", "SMS status"),
        ],
    },
    Module {
        name: "stats",
        title_ru: "Онлайн статистика",
        title_en: "Online statistics",
        methods: &[
            get("get", "Статистика проекта", "One project's statistics"),
            get(
                "all",
                "Статистика всех проектов",
                "All projects' statistics",
            ),
        ],
    },
    Module {
        name: "reports",
        title_ru: "Отчетность",
        title_en: "Reports",
        methods: &[
            get("sms", "Отчёт по SMS", "SMS report"),
            get("users", "Отчёт по пользователям", "Users report"),
            get(
                "demoReport",
                "Демо-отчёт (внешний сервер отчётов)",
                "Demo report (external report server)",
            ),
            get("request", "Отчёт по запросам", "Requests report"),
            get(
                "badRequest",
                "Отчёт по ошибочным запросам",
                "Bad requests report",
            ),
        ],
    },
];

pub fn module(name: &str) -> Option<&'static Module> {
    MODULES.iter().find(|m| m.name == name)
}

/// Look a method up by module and method name (case-sensitive, as published).
pub fn method(module_name: &str, method_name: &str) -> Option<(&'static Module, &'static Method)> {
    let m = module(module_name)?;
    m.methods
        .iter()
        .find(|x| x.name == method_name)
        .map(|x| (m, x))
}

/// Every `(module, method)` pair, in catalogue order.
pub fn all() -> impl Iterator<Item = (&'static Module, &'static Method)> {
    MODULES
        .iter()
        .flat_map(|m| m.methods.iter().map(move |x| (m, x)))
}

/// Parse `module.method` (e.g. `cc.queues`) into catalogue names.
pub fn parse_dotted(s: &str) -> Option<(&'static str, &'static str)> {
    let (a, b) = s.trim().split_once('.')?;
    method(a, b).map(|(m, x)| (m.name, x.name))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_published_contract() {
        let names: Vec<String> = all()
            .map(|(m, x)| format!("{}.{}", m.name, x.name))
            .collect();
        assert_eq!(
            names,
            [
                "cc.add",
                "cc.audio",
                "cc.cdr",
                "cc.tier",
                "cc.tiers",
                "cc.queues",
                "cc.queue",
                "sms.send",
                "sms.getStatus",
                "stats.get",
                "stats.all",
                "reports.sms",
                "reports.users",
                "reports.demoReport",
                "reports.request",
                "reports.badRequest"
            ]
        );
        assert_eq!(method("cc", "add").unwrap().1.verb, Verb::Post);
        assert_eq!(method("sms", "send").unwrap().1.verb, Verb::Post);
        assert_eq!(method("sms", "getStatus").unwrap().1.verb, Verb::Get);
    }

    #[test]
    fn dotted_names() {
        assert_eq!(parse_dotted("cc.queues"), Some(("cc", "queues")));
        assert_eq!(parse_dotted("sms.getstatus"), None);
        assert_eq!(parse_dotted("nope"), None);
    }
}
