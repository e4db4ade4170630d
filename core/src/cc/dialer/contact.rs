//! Parsing a `cc/add` body: one contact or `{"contacts": […]}`, each contact validated on its own
//! into a [`NewCall`] or a per-item [`ItemError`].

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::cc::dialer::MAX_BATCH;
use crate::cc::queues::parse_name;
use crate::cc::CcError;
use crate::platform::error::{ErrorCode, ItemError};
use crate::platform::phone;
use crate::platform::time::parse_input;

/// One contact as the client sends it.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ContactInput {
    pub phone: String,
    #[serde(default)]
    pub queue: Option<String>,
    #[serde(default)]
    pub extension: Option<String>,
    #[serde(default)]
    pub caller_id_number: Option<String>,
    #[serde(default)]
    pub caller_id_name: Option<String>,
    #[serde(default)]
    pub crm_ref: Option<String>,
    #[serde(default)]
    pub variables: BTreeMap<String, Value>,
    #[serde(default)]
    pub not_before: Option<String>,
    #[serde(default)]
    pub not_after: Option<String>,
    #[serde(default)]
    pub priority: Option<i64>,
}

/// Where an answered call goes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    /// `&callcenter(<queue>)`
    Queue(String),
    /// A dialplan extension in the `default` context (XML dialplan).
    Extension(String),
}

impl Target {
    /// As stored: `target_kind` (`queue` or `extension`) and `target`.
    pub fn columns(&self) -> (&'static str, &str) {
        match self {
            Target::Queue(q) => ("queue", q),
            Target::Extension(x) => ("extension", x),
        }
    }

    /// From the stored `target_kind` and `target`.
    pub fn from_columns(kind: &str, target: String) -> Target {
        if kind == "queue" {
            Target::Queue(target)
        } else {
            Target::Extension(target)
        }
    }
}

/// A contact that passed validation.
#[derive(Debug, Clone, PartialEq)]
pub struct NewCall {
    pub phone: phone::E164,
    pub target: Target,
    pub caller_id_number: String,
    pub caller_id_name: String,
    pub crm_ref: String,
    pub variables: BTreeMap<String, String>,
    pub priority: i64,
    pub not_before_ms: i64,
    pub not_after_ms: Option<i64>,
}

/// A parsed `cc/add` body: one contact, or `{"contacts":[…]}`.
#[derive(Debug)]
pub struct AddRequest {
    pub batch: bool,
    pub items: Vec<Result<NewCall, ItemError>>,
}

/// Characters FreeSWITCH's `{var=value}` syntax would take as syntax.
pub(crate) fn safe_value(s: &str) -> bool {
    !s.chars()
        .any(|c| c.is_control() || matches!(c, ',' | '\'' | '{' | '}' | '^' | '[' | ']' | '"'))
}

fn parse_var_name(n: &str) -> bool {
    let b = n.as_bytes();
    !b.is_empty()
        && b.len() <= 32
        && b[0].is_ascii_lowercase()
        && b.iter()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'_')
}

/// Text of at most `max` characters that is safe inside `{var=value}`.
fn safe_text(field: &'static str, v: Option<String>, max: usize) -> Result<String, ItemError> {
    let v = v.unwrap_or_default().trim().to_string();
    if v.chars().count() > max || !safe_value(&v) {
        return Err(ItemError::invalid(
            field,
            format!("at most {max} characters, without , ' \" {{ }} [ ] ^"),
        ));
    }
    Ok(v)
}

fn parse_target(queue: Option<&str>, extension: Option<&str>) -> Result<Target, ItemError> {
    match (queue, extension) {
        (Some(q), None) => parse_name("queue", q)
            .map(Target::Queue)
            .map_err(|e| ItemError::invalid("queue", e.to_string())),
        (None, Some(x)) => {
            let x = x.trim();
            let ok = !x.is_empty()
                && x.len() <= 64
                && x.bytes().all(|b| {
                    b.is_ascii_alphanumeric()
                        || matches!(b, b'_' | b'+' | b'*' | b'#' | b'.' | b'-')
                });
            if !ok {
                return Err(ItemError::invalid(
                    "extension",
                    "expected 1 to 64 characters from A-Z a-z 0-9 _ + * # . -",
                ));
            }
            Ok(Target::Extension(x.to_string()))
        }
        (Some(_), Some(_)) => Err(ItemError::invalid(
            "queue",
            "give either queue or extension, not both",
        )),
        (None, None) => Err(ItemError::invalid(
            "queue",
            "give queue (the call joins it on answer) or extension",
        )),
    }
}

fn parse_variables(input: BTreeMap<String, Value>) -> Result<BTreeMap<String, String>, ItemError> {
    let bad = |msg: String| ItemError::invalid("variables", msg);
    if input.len() > 20 {
        return Err(bad("at most 20 variables".into()));
    }
    let mut variables = BTreeMap::new();
    for (k, v) in input {
        if !parse_var_name(&k) {
            return Err(bad(format!(
                "variable name {k:?}: expected a-z, then a-z 0-9 _, at most 32"
            )));
        }
        let v = match v {
            Value::String(s) => s,
            Value::Number(n) => n.to_string(),
            Value::Bool(b) => b.to_string(),
            _ => {
                return Err(bad(format!(
                    "variable {k}: expected a string, number or boolean"
                )))
            }
        };
        if v.chars().count() > 256 || !safe_value(&v) {
            return Err(bad(format!(
                "variable {k}: at most 256 characters, without , ' \" {{ }} [ ] ^"
            )));
        }
        variables.insert(k, v);
    }
    Ok(variables)
}

/// Validate one contact. `now` and `tz` (minutes east of UTC) read the time window.
pub fn parse_contact(c: ContactInput, now: i64, tz: i64) -> Result<NewCall, ItemError> {
    let phone =
        phone::parse(&c.phone).map_err(|e| ItemError::new(e.code(), "phone", e.to_string()))?;
    let target = parse_target(c.queue.as_deref(), c.extension.as_deref())?;
    let caller_id_number = match c.caller_id_number.as_deref().map(str::trim) {
        None | Some("") => String::new(),
        Some(n) => {
            let digits = n.strip_prefix('+').unwrap_or(n);
            if digits.is_empty() || digits.len() > 20 || !digits.bytes().all(|b| b.is_ascii_digit())
            {
                return Err(ItemError::invalid(
                    "caller_id_number",
                    "expected up to 20 digits, optionally after +",
                ));
            }
            n.to_string()
        }
    };
    let caller_id_name = safe_text("caller_id_name", c.caller_id_name, 64)?;
    let crm_ref = safe_text("crm_ref", c.crm_ref, 128)?;
    let variables = parse_variables(c.variables)?;
    let when = |field: &'static str, v: Option<String>| -> Result<Option<i64>, ItemError> {
        match v {
            None => Ok(None),
            Some(s) => parse_input(&s, tz).map(Some).ok_or_else(|| {
                ItemError::invalid(
                    field,
                    "expected an ISO-8601 date-time such as 2026-11-25T10:00:00+03:00",
                )
            }),
        }
    };
    let not_before_ms = when("not_before", c.not_before)?.unwrap_or(now);
    let not_after_ms = when("not_after", c.not_after)?;
    if let Some(after) = not_after_ms {
        let range = |msg: &str| ItemError::new(ErrorCode::InvalidRange, "not_after", msg);
        if after <= now {
            return Err(range("not_after is already in the past"));
        }
        if after <= not_before_ms {
            return Err(range("not_after must be later than not_before"));
        }
    }
    let priority = c.priority.unwrap_or(0);
    if !(0..=100).contains(&priority) {
        return Err(ItemError::invalid(
            "priority",
            "expected 0 to 100 (higher is dialled first)",
        ));
    }
    Ok(NewCall {
        phone,
        target,
        caller_id_number,
        caller_id_name,
        crm_ref,
        variables,
        priority,
        not_before_ms,
        not_after_ms,
    })
}

/// The fields of [`ContactInput`], as an item error names them.
const FIELDS: &[&str] = &[
    "phone",
    "queue",
    "extension",
    "caller_id_number",
    "caller_id_name",
    "crm_ref",
    "variables",
    "not_before",
    "not_after",
    "priority",
];

fn item_from_value(v: Value, now: i64, tz: i64) -> Result<NewCall, ItemError> {
    // The error names the field it is in (`priority` for a number no i64 holds).
    let c: ContactInput = serde_path_to_error::deserialize(v).map_err(|e| {
        let path = e.path().to_string();
        let msg = e.into_inner().to_string();
        let code = if msg.starts_with("unknown field") {
            ErrorCode::UnknownField
        } else {
            ErrorCode::InvalidParameter
        };
        let first = path.split(['.', '[']).next().unwrap_or("");
        let field = match code {
            ErrorCode::UnknownField => "",
            _ => FIELDS.iter().copied().find(|f| *f == first).unwrap_or(""),
        };
        ItemError::new(code, field, msg)
    })?;
    parse_contact(c, now, tz)
}

/// Parse a `cc/add` body. A single contact that fails is an error of the request; in a batch each
/// contact is judged on its own.
pub fn parse_request(body: Value, now: i64, tz: i64) -> Result<AddRequest, CcError> {
    let Value::Object(mut map) = body else {
        return Err(CcError::invalid(
            "body",
            "expected a JSON object: one contact or {\"contacts\": [...]}",
        ));
    };
    let Some(list) = map.remove("contacts") else {
        return Ok(AddRequest {
            batch: false,
            items: vec![item_from_value(Value::Object(map), now, tz)],
        });
    };
    if let Some(extra) = map.keys().next() {
        return Err(CcError::invalid(
            "body",
            format!("unknown field `{extra}` next to contacts"),
        ));
    }
    let Value::Array(list) = list else {
        return Err(CcError::invalid("contacts", "expected an array"));
    };
    if list.is_empty() {
        return Err(CcError::invalid("contacts", "the list is empty"));
    }
    if list.len() > MAX_BATCH {
        return Err(CcError::invalid(
            "contacts",
            format!(
                "at most {MAX_BATCH} contacts per request, got {}",
                list.len()
            ),
        ));
    }
    Ok(AddRequest {
        batch: true,
        items: list
            .into_iter()
            .map(|v| item_from_value(v, now, tz))
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    const NOW: i64 = 1_764_000_000_000;

    fn one(v: Value) -> Result<NewCall, ItemError> {
        let r = parse_request(v, NOW, 180).unwrap();
        assert!(!r.batch);
        r.items.into_iter().next().unwrap()
    }

    #[test]
    fn single_contact_parses_and_normalizes() {
        let c = one(
            json!({"phone": "8 (916) 123-45-67", "queue": "support@default",
            "crm_ref": "deal 42", "variables": {"lead_id": 42, "vip": true}, "priority": 7}),
        )
        .unwrap();
        assert_eq!(c.phone.as_str(), "+79161234567");
        assert_eq!(c.target, Target::Queue("support@default".into()));
        assert_eq!(c.variables["lead_id"], "42");
        assert_eq!(c.variables["vip"], "true");
        assert_eq!(c.priority, 7);
        assert_eq!(c.not_before_ms, NOW);
    }

    #[test]
    fn contact_errors_name_the_field() {
        let field = |v: Value| one(v).unwrap_err().field;
        assert_eq!(field(json!({"phone": "12", "queue": "q"})), "phone");
        assert_eq!(field(json!({"phone": "+79161234567"})), "queue");
        // Each of these extra fields, next to a valid phone, is refused and named.
        for (extra, name) in [
            (json!({"queue": "q", "extension": "1"}), "queue"),
            (json!({"queue": "a b"}), "queue"),
            (json!({"extension": "1 2"}), "extension"),
            (json!({"queue": "q", "variables": {"A": "1"}}), "variables"),
            (
                json!({"queue": "q", "variables": {"a": "x,y"}}),
                "variables",
            ),
            (json!({"queue": "q", "variables": {"a": [1]}}), "variables"),
            (json!({"queue": "q", "crm_ref": "a}b"}), "crm_ref"),
            (
                json!({"queue": "q", "caller_id_number": "abc"}),
                "caller_id_number",
            ),
            (json!({"queue": "q", "priority": 101}), "priority"),
            (
                json!({"queue": "q", "not_before": "tomorrow"}),
                "not_before",
            ),
            (
                json!({"queue": "q", "not_after": "2020-01-01T00:00:00Z"}),
                "not_after",
            ),
            // Of the wrong type, or a number no i64 holds.
            (json!({"queue": "q", "priority": 1e20}), "priority"),
            (json!({"queue": "q", "priority": -1.5}), "priority"),
            (json!({"queue": "q", "priority": "7"}), "priority"),
            (json!({"queue": 5}), "queue"),
        ] {
            let mut body = extra.clone();
            body["phone"] = json!("+79161234567");
            assert_eq!(field(body), name, "{extra}");
        }
        let e = one(json!({"phone": "+79161234567", "queue": "q", "qeue": "x"})).unwrap_err();
        assert_eq!(e.code, ErrorCode::UnknownField);
        let e = one(
            json!({"phone": "+79161234567", "queue": "q", "not_after": "2020-01-01T00:00:00Z"}),
        )
        .unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidRange);
    }

    #[test]
    fn batch_judges_each_contact() {
        let r = parse_request(
            json!({"contacts": [{"phone": "+79161234567", "queue": "q"}, {"phone": "x", "queue": "q"}]}),
            NOW,
            0,
        )
        .unwrap();
        assert!(r.batch);
        assert!(r.items[0].is_ok());
        assert_eq!(r.items[1].as_ref().unwrap_err().field, "phone");
        assert!(parse_request(json!({"contacts": []}), NOW, 0).is_err());
        assert!(parse_request(json!({"contacts": [], "x": 1}), NOW, 0).is_err());
        assert!(parse_request(json!([1]), NOW, 0).is_err());
        let many: Vec<Value> = (0..1001)
            .map(|_| json!({"phone": "+79161234567", "queue": "q"}))
            .collect();
        assert!(parse_request(json!({ "contacts": many }), NOW, 0).is_err());
    }
}
