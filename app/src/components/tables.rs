//! Cells shared by the tables of journal rows (the journal page, the dashboard's latest requests),
//! of users and keys, and of sign-in attempts (the dashboard's card, the «Входы» page).

use crate::i18n::Strings;

/// The badge class of a request outcome (`ok`, `bad` = 4xx, otherwise a server error).
pub fn outcome_badge(outcome: &str) -> &'static str {
    match outcome {
        "ok" => "badge ok",
        "bad" => "badge warn",
        _ => "badge bad",
    }
}

/// `module.method`, the bare method (`me`), or a dash for an unknown route.
pub fn method_label(module: &Option<String>, method: &Option<String>) -> String {
    match (module, method) {
        (Some(m), Some(x)) => format!("{m}.{x}"),
        (None, Some(x)) => x.clone(),
        _ => "—".into(),
    }
}

/// The value, or a dash when there is none.
pub fn or_dash(v: Option<String>) -> String {
    v.unwrap_or_else(|| "—".into())
}

/// The badge class of an API user's status.
pub fn status_badge(blocked: bool) -> &'static str {
    if blocked {
        "badge bad"
    } else {
        "badge ok"
    }
}

/// The badge class of a sign-in attempt's result (`ok`; `throttled` and `password_ok` — a second
/// step followed —; otherwise a failure).
pub fn signin_badge(result: &str) -> &'static str {
    match result {
        "ok" => "badge ok",
        "throttled" | "password_ok" => "badge warn",
        _ => "badge bad",
    }
}

/// How a sign-in attempt's result reads.
pub fn signin_text(s: &Strings, result: &str) -> &'static str {
    match result {
        "ok" => s.result_ok,
        "throttled" => s.result_throttled,
        "password_ok" => s.result_password_ok,
        _ => s.result_fail,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cells() {
        assert_eq!(outcome_badge("ok"), "badge ok");
        assert_eq!(outcome_badge("bad"), "badge warn");
        assert_eq!(outcome_badge("error"), "badge bad");
        let s = |v: &str| Some(v.to_string());
        assert_eq!(method_label(&s("cc"), &s("queues")), "cc.queues");
        assert_eq!(method_label(&None, &s("me")), "me");
        assert_eq!(method_label(&None, &None), "—");
        assert_eq!(or_dash(None), "—");
        assert_eq!(signin_badge("throttled"), "badge warn");
        assert_eq!(signin_badge("fail"), "badge bad");
        assert_eq!(
            signin_text(&crate::i18n::EN, "ok"),
            crate::i18n::EN.result_ok
        );
    }
}
