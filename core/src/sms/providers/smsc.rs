//! SMSC.ru HTTP API (`send.php`, `status.php`, `balance.php` with `fmt=3` JSON answers). One id per
//! send request, so a recipient's provider id is `ID:PHONE` (status is asked by id *and* phone).
//! Status is asked one message at a time (the multi-id answer shape is not documented).

use serde_json::Value;

use super::http::{self, HttpConfig};
use super::{
    BoxFuture, Capabilities, ErrorClass, GatewayError, GatewayKind, NormStatus, OutSms, Outcome,
    Reason, RecipientOutcome, Scope, SmsProvider, StatusReport,
};

pub struct Smsc {
    cfg: HttpConfig,
    http: reqwest::Client,
}

/// Not documented; kept like SMS Traffic's so the poller gives up in time.
pub const RETENTION_MS: i64 = 2 * 86_400_000;

impl Smsc {
    pub fn new(cfg: HttpConfig, http: reqwest::Client) -> Self {
        Smsc { cfg, http }
    }

    /// `…/sys/send.php` → `…/sys/<script>`.
    fn url_for(base: &str, script: &str) -> String {
        match base.rfind('/') {
            Some(i) if base[i + 1..].ends_with(".php") => format!("{}/{script}", &base[..i]),
            _ => format!("{}/{script}", base.trim_end_matches('/')),
        }
    }

    /// POST a form to `script` beside the main URL, then (on a definite non-acceptance) beside
    /// the reserve.
    async fn post(&self, script: &str, form: &[(&str, &str)]) -> Result<Value, GatewayError> {
        let url_of = |base: &str| Self::url_for(base, script);
        http::post_form(&self.http, &self.cfg, url_of, form, &REPLY).await
    }
}

/// `fmt=3` JSON replies; code 4 (this IP blocked for a while) sends the request to the reserve.
const REPLY: http::ReplyFormat<Value> = http::ReplyFormat {
    parse: |text| serde_json::from_str(text).map_err(|e| e.to_string()),
    error_of,
};

/// `{"error": "...", "error_code": N}`.
pub fn error_of(v: &Value) -> Option<GatewayError> {
    let code = v.get("error_code")?.as_i64()?;
    let text = v
        .get("error")
        .and_then(Value::as_str)
        .unwrap_or("")
        .to_string();
    let (class, scope, reason) = match code {
        // IP temporarily blocked after frequent errors: this gateway definitely refused.
        4 => (ErrorClass::Retryable, Scope::Gateway, Reason::Other),
        // An identical request within a minute: the first one may well have been taken.
        9 => (ErrorClass::Ambiguous, Scope::Gateway, Reason::Other),
        6 => (ErrorClass::Permanent, Scope::Message, Reason::Sender),
        7 | 8 => (ErrorClass::Permanent, Scope::Message, Reason::Phone),
        5 => (ErrorClass::Permanent, Scope::Message, Reason::Other),
        _ => (ErrorClass::Permanent, Scope::Gateway, Reason::Other),
    };
    Some(GatewayError::new(class, scope, code.to_string(), text).with_reason(reason))
}

/// SMSC's numeric status → ours.
pub fn normalize(code: i64) -> NormStatus {
    match code {
        -3 => NormStatus::Unknown,
        -2 => NormStatus::Deleted,
        -1 => NormStatus::Accepted,
        0 => NormStatus::Enroute,
        1 | 2 | 4 => NormStatus::Delivered,
        3 => NormStatus::Expired,
        20 | 25 => NormStatus::Undelivered,
        22 | 23 => NormStatus::Rejected,
        24 => NormStatus::Failed,
        _ => NormStatus::Enroute,
    }
}

/// The send answer: the request's id for every recipient (`ID:PHONE`).
pub fn parse_send_reply(v: &Value) -> Result<String, GatewayError> {
    if let Some(e) = error_of(v) {
        return Err(e);
    }
    match v.get("id") {
        Some(Value::Number(n)) => Ok(n.to_string()),
        Some(Value::String(s)) if !s.is_empty() => Ok(s.clone()),
        _ => Err(GatewayError::new(
            ErrorClass::Ambiguous,
            Scope::Gateway,
            "bad_reply",
            "no id in the reply",
        )),
    }
}

pub fn parse_status_reply(v: &Value, provider_id: &str) -> Result<StatusReport, GatewayError> {
    if let Some(e) = error_of(v) {
        return Err(e);
    }
    let code = v
        .get("status")
        .and_then(|s| {
            s.as_i64()
                .or_else(|| s.as_str().and_then(|x| x.parse().ok()))
        })
        .ok_or_else(|| {
            GatewayError::new(
                ErrorClass::Ambiguous,
                Scope::Gateway,
                "bad_reply",
                "no status",
            )
        })?;
    let err = v.get("err").and_then(Value::as_i64).unwrap_or(0);
    Ok(StatusReport {
        provider_id: provider_id.to_string(),
        status: normalize(code),
        raw_status: code.to_string(),
        raw_error: (err != 0).then(|| err.to_string()),
        at: v
            .get("last_timestamp")
            .and_then(Value::as_i64)
            .map(|s| s * 1000),
        not_found: code == -3,
    })
}

pub fn parse_callback_form(form: &[(String, String)]) -> Result<Vec<StatusReport>, String> {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let id = get("id")
        .filter(|v| !v.is_empty() && v.bytes().all(|b| b.is_ascii_digit()))
        .ok_or("id is missing")?;
    let phone: String = get("phone")
        .unwrap_or_default()
        .chars()
        .filter(char::is_ascii_digit)
        .collect();
    if phone.is_empty() {
        return Err("phone is missing".into());
    }
    let code: i64 = get("status")
        .and_then(|s| s.parse().ok())
        .ok_or("status is missing")?;
    let err = get("err").filter(|e| !e.is_empty() && e != "0");
    Ok(vec![StatusReport {
        provider_id: format!("{id}:{phone}"),
        status: normalize(code),
        raw_status: code.to_string(),
        raw_error: err,
        at: None,
        not_found: false,
    }])
}

impl SmsProvider for Smsc {
    fn kind(&self) -> GatewayKind {
        GatewayKind::Smsc
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_recipients: 500,
            max_status_ids: 1,
            status_query: true,
            callbacks: true,
            balance: true,
            max_parts: self.cfg.max_parts.min(255),
            retention_ms: RETENTION_MS,
        }
    }

    fn send<'a>(
        &'a self,
        batch: &'a [OutSms],
    ) -> BoxFuture<'a, Result<Vec<RecipientOutcome>, GatewayError>> {
        Box::pin(async move {
            let Some(first) = batch.first() else {
                return Ok(Vec::new());
            };
            let phones = batch
                .iter()
                .map(|m| m.phone.digits())
                .collect::<Vec<_>>()
                .join(",");
            let maxsms = self.cfg.max_parts.to_string();
            let mut form: Vec<(&str, &str)> = vec![
                ("login", &self.cfg.login),
                ("psw", self.cfg.password.expose()),
                ("phones", &phones),
                ("mes", &first.text),
                ("charset", "utf-8"),
                ("fmt", "3"),
                ("maxsms", &maxsms),
            ];
            if let Some(s) = &first.sender {
                form.push(("sender", s));
            }
            let v = self.post("send.php", &form).await?;
            let id = parse_send_reply(&v)?;
            Ok(batch
                .iter()
                .map(|m| RecipientOutcome {
                    local_id: m.local_id.clone(),
                    outcome: Outcome::Accepted {
                        provider_ids: vec![format!("{id}:{}", m.phone.digits())],
                    },
                })
                .collect())
        })
    }

    fn status<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<StatusReport>, GatewayError>> {
        Box::pin(async move {
            let mut out = Vec::with_capacity(ids.len());
            for pid in ids {
                let Some((id, phone)) = pid.split_once(':') else {
                    continue;
                };
                let v = self
                    .post(
                        "status.php",
                        &[
                            ("login", &self.cfg.login),
                            ("psw", self.cfg.password.expose()),
                            ("phone", phone),
                            ("id", id),
                            ("fmt", "3"),
                        ],
                    )
                    .await?;
                out.push(parse_status_reply(&v, pid)?);
            }
            Ok(out)
        })
    }

    fn parse_callback(&self, form: &[(String, String)]) -> Result<Vec<StatusReport>, String> {
        parse_callback_form(form)
    }

    fn balance(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            let v = self
                .post(
                    "balance.php",
                    &[
                        ("login", &self.cfg.login),
                        ("psw", self.cfg.password.expose()),
                        ("fmt", "3"),
                    ],
                )
                .await?;
            if let Some(e) = error_of(&v) {
                return Err(e);
            }
            match v.get("balance") {
                Some(Value::String(s)) => Ok(s.clone()),
                Some(Value::Number(n)) => Ok(n.to_string()),
                _ => Err(GatewayError::new(
                    ErrorClass::Permanent,
                    Scope::Gateway,
                    "bad_reply",
                    "no balance in the reply",
                )),
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::form::form_pairs;
    use serde_json::json;

    #[test]
    fn send_replies() {
        assert_eq!(
            parse_send_reply(&json!({"id": 12345, "cnt": 1})).unwrap(),
            "12345"
        );
        let e =
            parse_send_reply(&json!({"error": "authorise error", "error_code": 2})).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.scope, e.fails_over()),
            ("2", Scope::Gateway, false)
        );
        let e = parse_send_reply(&json!({"error": "invalid number", "error_code": 7, "id": 12345}))
            .unwrap_err();
        assert_eq!((e.scope, e.reason), (Scope::Message, Reason::Phone));
        assert!(
            parse_send_reply(&json!({"error": "blocked", "error_code": 4}))
                .unwrap_err()
                .fails_over()
        );
        assert_eq!(
            parse_send_reply(&json!({"error": "duplicate", "error_code": 9}))
                .unwrap_err()
                .class,
            ErrorClass::Ambiguous
        );
        assert_eq!(
            parse_send_reply(&json!({"cnt": 1})).unwrap_err().class,
            ErrorClass::Ambiguous
        );
    }

    #[test]
    fn status_replies() {
        let r = parse_status_reply(&json!({"status": 1, "last_date": "10.10.2010 10:10:10", "last_timestamp": 1286524541, "flag": 0, "err": 0}), "1:79161234567").unwrap();
        assert_eq!(
            (r.status, r.raw_status.as_str(), r.raw_error.clone(), r.at),
            (NormStatus::Delivered, "1", None, Some(1_286_524_541_000))
        );
        let r = parse_status_reply(&json!({"status": 20, "err": 1}), "1:7").unwrap();
        assert_eq!(
            (r.status, r.raw_error.as_deref()),
            (NormStatus::Undelivered, Some("1"))
        );
        assert!(
            parse_status_reply(&json!({"status": -3}), "1:7")
                .unwrap()
                .not_found
        );
        assert!(parse_status_reply(&json!({"error": "x", "error_code": 9}), "1:7").is_err());
        for (c, s) in [
            (-1, NormStatus::Accepted),
            (0, NormStatus::Enroute),
            (3, NormStatus::Expired),
            (22, NormStatus::Rejected),
            (24, NormStatus::Failed),
        ] {
            assert_eq!(normalize(c), s);
        }
    }

    #[test]
    fn callbacks_and_urls() {
        let f = form_pairs("id=12345&phone=%2B79161234567&status=1&err=0");
        let r = parse_callback_form(&f).unwrap();
        assert_eq!(r[0].provider_id, "12345:79161234567");
        assert_eq!(r[0].status, NormStatus::Delivered);
        assert!(parse_callback_form(&form_pairs("phone=7&status=1")).is_err());
        assert_eq!(
            Smsc::url_for("https://smsc.ru/sys/send.php", "status.php"),
            "https://smsc.ru/sys/status.php"
        );
        assert_eq!(
            Smsc::url_for("http://127.0.0.1:9/sys", "balance.php"),
            "http://127.0.0.1:9/sys/balance.php"
        );
    }
}
