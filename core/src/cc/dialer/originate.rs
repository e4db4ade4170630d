//! The FreeSWITCH side of one outbound call: the `originate` arguments built from a claimed
//! contact and the «FreeSWITCH» settings, and the reading of FreeSWITCH's answer.

use std::collections::BTreeMap;

use crate::cc::dialer::contact::{safe_value, Target};
use crate::cc::settings::FsSettings;

/// What is dialled: one contact of the call list.
#[derive(Debug, Clone, PartialEq)]
pub struct Dial {
    /// The call id, sent as `origination_uuid`.
    pub id: String,
    pub phone: String,
    pub target: Target,
    /// Empty: the default from the settings.
    pub cid_number: String,
    pub cid_name: String,
    pub crm_ref: String,
    pub variables: BTreeMap<String, String>,
}

/// A variable in `{…}`: quoted when it has spaces (validation already refused the syntax characters).
fn var(out: &mut Vec<String>, k: &str, v: &str) {
    if v.contains(' ') {
        out.push(format!("{k}='{v}'"));
    } else {
        out.push(format!("{k}={v}"));
    }
}

/// The `originate` arguments for one call. Errors name what in the settings is unusable.
pub fn originate_args(d: &Dial, fs: &FsSettings) -> Result<String, String> {
    let digits = d.phone.trim_start_matches('+');
    let tpl = fs.dial_template.trim();
    if !(tpl.contains("{number}") || tpl.contains("{e164}")) {
        return Err("the dial template has neither {number} nor {e164}".into());
    }
    let dial = tpl.replace("{number}", digits).replace("{e164}", &d.phone);
    if dial
        .chars()
        .any(|c| c.is_whitespace() || matches!(c, '{' | '}' | ',' | '\''))
    {
        return Err("the dial template must not contain spaces, braces, commas or quotes".into());
    }
    let or_default = |v: &'_ str, default: &'_ str| -> String {
        if v.is_empty() { default } else { v }.to_string()
    };
    let num = or_default(&d.cid_number, &fs.caller_id_number);
    let name = or_default(&d.cid_name, &fs.caller_id_name);
    let mut vars = Vec::new();
    var(&mut vars, "origination_uuid", &d.id);
    if !num.is_empty() {
        var(&mut vars, "origination_caller_id_number", &num);
    }
    if !name.is_empty() && safe_value(&name) {
        var(&mut vars, "origination_caller_id_name", &name);
    }
    var(
        &mut vars,
        "originate_timeout",
        &fs.originate_timeout_s.to_string(),
    );
    var(&mut vars, "ignore_early_media", "true");
    var(&mut vars, "ccgate_call_id", &d.id);
    if !d.crm_ref.is_empty() {
        var(&mut vars, "ccgate_crm_ref", &d.crm_ref);
    }
    for (k, v) in &d.variables {
        var(&mut vars, &format!("ccgate_{k}"), v);
    }
    let app = match &d.target {
        Target::Queue(q) => format!("&callcenter({q})"),
        Target::Extension(x) => format!("{x} XML default"),
    };
    Ok(format!("{{{}}}{dial} {app}", vars.join(",")))
}

/// How FreeSWITCH answered an originate.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Dialled {
    Answered,
    Busy,
    NoAnswer,
    Failed(String),
}

/// Read the reply to `originate` (`+OK <uuid>` or `-ERR <CAUSE>`).
pub fn classify_originate(reply: &str) -> Dialled {
    let t = reply.trim();
    if t.starts_with("+OK") {
        return Dialled::Answered;
    }
    let cause = t
        .strip_prefix("-ERR")
        .map(str::trim)
        .filter(|c| !c.is_empty())
        .map(|c| c.split_whitespace().next().unwrap_or(c))
        .unwrap_or("UNKNOWN");
    let cause: String = cause
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
        .take(64)
        .collect();
    match cause.as_str() {
        "USER_BUSY" => Dialled::Busy,
        "NO_ANSWER" | "NO_USER_RESPONSE" | "ALLOTTED_TIMEOUT" => Dialled::NoAnswer,
        "" => Dialled::Failed("UNKNOWN".into()),
        _ => Dialled::Failed(cause),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(tpl: &str) -> FsSettings {
        FsSettings {
            max_concurrent_calls: 2,
            calls_per_second: 1.0,
            dial_template: tpl.into(),
            caller_id_number: "4950000000".into(),
            caller_id_name: "Acme Support".into(),
            originate_timeout_s: 20,
            ..FsSettings::default()
        }
    }

    fn dial(id: &str, target: Target) -> Dial {
        Dial {
            id: id.into(),
            phone: "+79161234567".into(),
            target,
            cid_number: String::new(),
            cid_name: String::new(),
            crm_ref: String::new(),
            variables: BTreeMap::new(),
        }
    }

    #[test]
    fn originate_arguments() {
        let mut a = dial("u-1", Target::Queue("support@default".into()));
        a.crm_ref = "deal 42".into();
        a.variables.insert("lead_id".into(), "42".into());
        assert_eq!(
            originate_args(&a, &settings("sofia/gateway/gw1/{number}")).unwrap(),
            "{origination_uuid=u-1,origination_caller_id_number=4950000000,origination_caller_id_name='Acme Support',\
originate_timeout=20,ignore_early_media=true,ccgate_call_id=u-1,ccgate_crm_ref='deal 42',ccgate_lead_id=42}\
sofia/gateway/gw1/79161234567 &callcenter(support@default)"
        );
        let mut b = dial("u-2", Target::Extension("1000".into()));
        (b.cid_number, b.cid_name) = ("+7495".into(), "Bob".into());
        let b = originate_args(&b, &settings("loopback/{e164}/default")).unwrap();
        assert!(
            b.ends_with("}loopback/+79161234567/default 1000 XML default"),
            "{b}"
        );
        assert!(b.contains("origination_caller_id_number=+7495,origination_caller_id_name=Bob,"));
        let mut c = dial("u", Target::Extension("1".into()));
        c.phone = "+7".into();
        assert!(originate_args(&c, &settings("sofia/gateway/gw1/")).is_err());
        assert!(originate_args(&c, &settings("sofia/gateway/gw 1/{number}")).is_err());
    }

    #[test]
    fn originate_replies() {
        assert_eq!(classify_originate("+OK 1b2c\n"), Dialled::Answered);
        assert_eq!(classify_originate("-ERR USER_BUSY\n"), Dialled::Busy);
        assert_eq!(classify_originate("-ERR NO_ANSWER\n"), Dialled::NoAnswer);
        assert_eq!(
            classify_originate("-ERR NO_ROUTE_DESTINATION\n"),
            Dialled::Failed("NO_ROUTE_DESTINATION".into())
        );
        assert_eq!(
            classify_originate("-ERR\n"),
            Dialled::Failed("UNKNOWN".into())
        );
        assert_eq!(classify_originate(""), Dialled::Failed("UNKNOWN".into()));
        assert_eq!(
            classify_originate("-USAGE: <call url>"),
            Dialled::Failed("UNKNOWN".into())
        );
    }
}
