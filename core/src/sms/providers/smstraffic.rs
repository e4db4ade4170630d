//! SMS Traffic HTTP(S) API (`multi.php`): send with `want_sms_ids=1` (one id per part), UTF-8 text
//! (`rus=5`, UCS-2 on the air) or plain GSM text (`rus=0`), status via `operation=status`,
//! balance via `operation=account`, delivery reports POSTed as `sms_id`, `status`,
//! `delivery_date`. A main and a reserve URL: the reserve is tried when the main one definitely did
//! not take the request (connection refused, HTTP 5xx, code 1000).

use std::collections::HashMap;

use super::http::{self, HttpConfig};
use super::xml::{self, Element};
use super::{
    BoxFuture, Capabilities, ErrorClass, GatewayError, GatewayKind, NormStatus, OutSms, Outcome,
    Reason, RecipientOutcome, Scope, SmsProvider, StatusReport,
};
use crate::sms::text;

pub struct SmsTraffic {
    cfg: HttpConfig,
    http: reqwest::Client,
}

/// Statuses are kept this long by SMS Traffic; after that the id is unknown to it.
pub const RETENTION_MS: i64 = 2 * 86_400_000;
/// Status ids per request (a client library's figure; the vendor PDF names none).
pub const MAX_STATUS_IDS: usize = 15;
/// `want_sms_ids` needs the whole request sent within 5 minutes.
const ID_WINDOW_SECS: f64 = 290.0;

impl SmsTraffic {
    pub fn new(cfg: HttpConfig, http: reqwest::Client) -> Self {
        SmsTraffic { cfg, http }
    }

    fn gap(&self) -> f64 {
        (1.0 / self.cfg.rate_per_sec.max(1) as f64).max(0.05)
    }

    /// How many recipients of `parts` parts fit one request inside the `want_sms_ids` window.
    pub fn recipients_per_request(&self, parts: usize) -> usize {
        let per_request = (ID_WINDOW_SECS / self.gap()) as usize / parts.max(1);
        per_request.clamp(1, 1000)
    }

    /// POST a form to the main URL, then (on a definite non-acceptance) to the reserve.
    async fn post(&self, form: &[(&str, &str)]) -> Result<Element, GatewayError> {
        http::post_form(&self.http, &self.cfg, str::to_string, form, &REPLY).await
    }
}

/// XML replies; code 1000 in one sends the request to the reserve URL.
const REPLY: http::ReplyFormat<Element> = http::ReplyFormat {
    parse: xml::parse,
    error_of,
};

/// How an SMS Traffic error code is to be treated.
pub fn classify(code: &str) -> (ErrorClass, Scope) {
    match code {
        "1000" => (ErrorClass::Retryable, Scope::Gateway),
        // The message or its recipient/sender: the same everywhere.
        "406" | "408" | "409" | "420" | "421" | "422" | "423" | "424" | "425" | "426" | "427"
        | "428" | "429" | "430" | "431" | "432" | "436" | "437" | "438" => {
            (ErrorClass::Permanent, Scope::Message)
        }
        // Request shape, credentials, account, funds, route.
        _ => (ErrorClass::Permanent, Scope::Gateway),
    }
}

/// Codes where the provider names no recipient but refused the whole request because of one.
pub fn is_phone_error(code: &str) -> bool {
    matches!(
        code,
        "425" | "426" | "427" | "428" | "429" | "430" | "431" | "432"
    )
}

/// `<reply><result>ERROR</result><code>…</code><description>…</description></reply>`
pub fn error_of(reply: &Element) -> Option<GatewayError> {
    if reply.text_of("result") != "ERROR" {
        return None;
    }
    let code = reply.text_of("code");
    let (class, scope) = classify(&code);
    let reason = if is_phone_error(&code) {
        Reason::Phone
    } else if matches!(code.as_str(), "421" | "436") {
        Reason::Sender
    } else {
        Reason::Other
    };
    Some(GatewayError::new(class, scope, code, reply.text_of("description")).with_reason(reason))
}

/// The send reply: ids by phone (digits), several per phone for a long message.
pub fn parse_send_reply(reply: &Element) -> Result<HashMap<String, Vec<String>>, GatewayError> {
    if let Some(e) = error_of(reply) {
        return Err(e);
    }
    if reply.text_of("result") != "OK" {
        return Err(GatewayError::new(
            ErrorClass::Ambiguous,
            Scope::Gateway,
            "bad_reply",
            "reply without a result",
        ));
    }
    let mut ids: HashMap<String, Vec<String>> = HashMap::new();
    if let Some(infos) = reply.child("message_infos") {
        for info in infos.all("message_info") {
            let phone = info.text_of("phone");
            let id = info.text_of("sms_id");
            if !phone.is_empty() && !id.is_empty() {
                ids.entry(phone).or_default().push(id);
            }
        }
    }
    Ok(ids)
}

/// SMS Traffic's `status` text → ours.
pub fn normalize(raw: &str) -> NormStatus {
    match raw.trim() {
        "" => NormStatus::Accepted,
        "Buffered SMSC" => NormStatus::Enroute,
        "Delivered" => NormStatus::Delivered,
        "Non Delivered" => NormStatus::Undelivered,
        "Rejected" => NormStatus::Rejected,
        "Expired" => NormStatus::Expired,
        "Deleted" => NormStatus::Deleted,
        "Unknown status" => NormStatus::Unknown,
        // Something new: keep asking until the retention runs out.
        _ => NormStatus::Enroute,
    }
}

/// `YYYY-MM-DD HH:MM:SS` in Moscow time → Unix ms.
pub fn parse_msk(s: &str) -> Option<i64> {
    let s = s.trim();
    if s.len() != 19 {
        return None;
    }
    crate::platform::time::parse_input(&format!("{}T{}+03:00", &s[..10], &s[11..]), 180)
}

fn report_of(el: &Element) -> Option<StatusReport> {
    let id = el.text_of("sms_id");
    if id.is_empty() {
        return None;
    }
    let error = el.text_of("error");
    let raw = el.text_of("status");
    let not_found = error.to_ascii_lowercase().contains("no such message");
    Some(StatusReport {
        provider_id: id,
        status: if not_found {
            NormStatus::Unknown
        } else {
            normalize(&raw)
        },
        raw_status: raw,
        raw_error: (!error.is_empty()).then_some(error),
        at: parse_msk(&el.text_of("last_status_change_date")),
        not_found,
    })
}

/// The status reply: flat for one id, `<sms>` items for several.
pub fn parse_status_reply(
    reply: &Element,
    asked: &[String],
) -> Result<Vec<StatusReport>, GatewayError> {
    if let Some(e) = error_of(reply) {
        // One id the provider no longer knows comes back as a request error.
        if asked.len() == 1 && matches!(e.code.as_str(), "434") {
            return Ok(vec![StatusReport {
                provider_id: asked[0].clone(),
                status: NormStatus::Unknown,
                raw_status: String::new(),
                raw_error: Some(e.message),
                at: None,
                not_found: true,
            }]);
        }
        return Err(e);
    }
    if reply.child("sms").is_some() {
        Ok(reply.all("sms").filter_map(report_of).collect())
    } else {
        Ok(report_of(reply).into_iter().collect())
    }
}

/// A delivery report: `sms_id`, `status`, `delivery_date`.
pub fn parse_callback_form(form: &[(String, String)]) -> Result<Vec<StatusReport>, String> {
    let get = |k: &str| {
        form.iter()
            .find(|(n, _)| n == k)
            .map(|(_, v)| v.trim().to_string())
    };
    let id = get("sms_id")
        .filter(|v| !v.is_empty())
        .ok_or("sms_id is missing")?;
    if !id.bytes().all(|b| b.is_ascii_digit()) || id.len() > 64 {
        return Err("sms_id is not a number".into());
    }
    let raw = get("status").unwrap_or_default();
    Ok(vec![StatusReport {
        provider_id: id,
        status: normalize(&raw),
        raw_status: raw,
        raw_error: None,
        at: get("delivery_date").and_then(|d| parse_msk(&d)),
        not_found: false,
    }])
}

/// `rus=0` (GSM text as is) only for plain ASCII that GSM-7 carries; everything else goes as UTF-8
/// (`rus=5`), which SMS Traffic sends as UCS-2.
pub fn rus_param(text: &str) -> &'static str {
    if text.is_ascii() && text::encoding_of(text) == text::Encoding::Gsm7 {
        "0"
    } else {
        "5"
    }
}

impl SmsProvider for SmsTraffic {
    fn kind(&self) -> GatewayKind {
        GatewayKind::SmsTraffic
    }

    /// `rus=5` is UCS-2 on the air even for GSM-7 text that is not plain ASCII (`€`, `é`).
    fn wire_encoding(&self, text: &str) -> text::Encoding {
        if rus_param(text) == "0" {
            text::Encoding::Gsm7
        } else {
            text::Encoding::Ucs2
        }
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_recipients: self.recipients_per_request(1),
            max_status_ids: MAX_STATUS_IDS,
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
            let gap = format!("{}", self.gap());
            let max_parts = self.cfg.max_parts.to_string();
            let mut form: Vec<(&str, &str)> = vec![
                ("login", &self.cfg.login),
                ("password", self.cfg.password.expose()),
                ("want_sms_ids", "1"),
                ("phones", &phones),
                ("message", &first.text),
                ("rus", rus_param(&first.text)),
                ("max_parts", &max_parts),
                ("gap", &gap),
            ];
            if let Some(s) = &first.sender {
                form.push(("originator", s));
            }
            let reply = self.post(&form).await?;
            let ids = parse_send_reply(&reply)?;
            Ok(batch
                .iter()
                .map(|m| RecipientOutcome {
                    local_id: m.local_id.clone(),
                    outcome: match ids.get(m.phone.digits()) {
                        Some(v) if !v.is_empty() => Outcome::Accepted {
                            provider_ids: v.clone(),
                        },
                        _ => Outcome::Rejected(
                            GatewayError::new(
                                ErrorClass::Permanent,
                                Scope::Message,
                                "not_queued",
                                reply.text_of("description"),
                            )
                            .with_reason(Reason::NotQueued),
                        ),
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
            let joined = ids.join(",");
            let reply = self
                .post(&[
                    ("login", &self.cfg.login),
                    ("password", self.cfg.password.expose()),
                    ("operation", "status"),
                    ("sms_id", &joined),
                ])
                .await?;
            parse_status_reply(&reply, ids)
        })
    }

    fn parse_callback(&self, form: &[(String, String)]) -> Result<Vec<StatusReport>, String> {
        parse_callback_form(form)
    }

    fn balance(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            let reply = self
                .post(&[
                    ("login", &self.cfg.login),
                    ("password", self.cfg.password.expose()),
                    ("operation", "account"),
                ])
                .await?;
            if let Some(e) = error_of(&reply) {
                return Err(e);
            }
            let account = reply.text_of("account");
            if account.is_empty() {
                return Err(GatewayError::new(
                    ErrorClass::Permanent,
                    Scope::Gateway,
                    "bad_reply",
                    "no account in the reply",
                ));
            }
            Ok(account)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::form::form_pairs;

    // Replies as printed in the vendor's API description (v1.85) and seen in client fixtures.
    const SEND_OK: &str = r#"<?xml version="1.0" ?>
<reply>
  <result>OK</result>
  <code></code>
  <description>queued 2 messages</description>
  <message_infos>
    <message_info><phone>79051112233</phone><sms_id>1000472891</sms_id></message_info>
    <message_info><phone>79261112233</phone><sms_id>1000472892</sms_id></message_info>
  </message_infos>
</reply>"#;
    const SEND_LONG: &str = "<reply><result>OK</result><code>0</code><description>queued 3 messages</description><message_infos><message_info><phone>79051112233</phone><sms_id>8287366071</sms_id></message_info><message_info><phone>79051112233</phone><sms_id>8287366073</sms_id></message_info><message_info><phone>79261112233</phone><sms_id>8287366075</sms_id></message_info></message_infos></reply>";
    const SEND_NONE: &str = "<reply><result>OK</result><code>0</code><description>queued 0 messages</description></reply>";
    const SEND_ERR: &str = r#"<?xml version="1.0" ?>
<reply><result>ERROR</result><code>401</code><description>login param is missing</description></reply>"#;
    const SEND_TEMP: &str = "<reply><result>ERROR</result><code>1000</code><description>Temporary error</description></reply>";
    const STATUS_ONE: &str = "<reply>
  <submition_date>2012-12-11 14:11:39</submition_date>
  <send_date>2012-12-11 14:11:39</send_date>
  <last_status_change_date>2012-12-11 14:12:00</last_status_change_date>
  <status>Delivered</status>
  <error></error>
  <sms_id>8287713301</sms_id>
</reply>";
    const STATUS_MANY: &str = "<reply>
  <sms><error></error><submition_date>2012-12-11 14:11:39</submition_date><send_date>2012-12-11 14:11:39</send_date>
       <last_status_change_date>2012-12-11 14:12:00</last_status_change_date><sms_id>8287713301</sms_id><status>Expired</status></sms>
  <sms><error></error><submition_date>2012-12-11 14:11:39</submition_date><send_date>2012-12-11 14:11:39</send_date><last_status_change_date>2012-12-11 14:12:00</last_status_change_date><sms_id>8287713303</sms_id><status>Delivered</status></sms>
  <sms><error>no such message or this message does not belong to you</error><sms_id>82877133031</sms_id></sms>
</reply>";

    fn el(s: &str) -> Element {
        xml::parse(s).unwrap()
    }

    #[test]
    fn send_replies() {
        let ids = parse_send_reply(&el(SEND_OK)).unwrap();
        assert_eq!(ids["79051112233"], vec!["1000472891"]);
        assert_eq!(ids["79261112233"], vec!["1000472892"]);
        let ids = parse_send_reply(&el(SEND_LONG)).unwrap();
        assert_eq!(ids["79051112233"], vec!["8287366071", "8287366073"]);
        assert!(parse_send_reply(&el(SEND_NONE)).unwrap().is_empty());
        let e = parse_send_reply(&el(SEND_ERR)).unwrap_err();
        assert_eq!(
            (e.code.as_str(), e.class, e.scope),
            ("401", ErrorClass::Permanent, Scope::Gateway)
        );
        assert!(!e.fails_over());
        let e = parse_send_reply(&el(SEND_TEMP)).unwrap_err();
        assert!(e.fails_over());
        let blocked = "<reply><result>ERROR</result><code>432</code><description>Blocked phone. No messages has been sent.</description></reply>";
        let e = parse_send_reply(&el(blocked)).unwrap_err();
        assert_eq!(e.scope, Scope::Message);
        assert!(!e.fails_over() && is_phone_error(&e.code));
        let sender = "<reply><result>ERROR</result><code>436</code><description>Originator is forbidden</description></reply>";
        assert_eq!(
            parse_send_reply(&el(sender)).unwrap_err().scope,
            Scope::Message
        );
    }

    #[test]
    fn status_replies() {
        let r = parse_status_reply(&el(STATUS_ONE), &["8287713301".into()]).unwrap();
        assert_eq!(r.len(), 1);
        assert_eq!(r[0].provider_id, "8287713301");
        assert_eq!(r[0].status, NormStatus::Delivered);
        assert_eq!(r[0].raw_status, "Delivered");
        assert_eq!(r[0].raw_error, None);
        // 14:12:00 MSK = 11:12:00 UTC
        assert_eq!(
            r[0].at.map(crate::platform::time::rfc3339).as_deref(),
            Some("2012-12-11T11:12:00Z")
        );
        let ids: Vec<String> = ["8287713301", "8287713303", "82877133031"]
            .iter()
            .map(|s| s.to_string())
            .collect();
        let r = parse_status_reply(&el(STATUS_MANY), &ids).unwrap();
        assert_eq!(r.len(), 3);
        assert_eq!(r[0].status, NormStatus::Expired);
        assert_eq!(r[1].status, NormStatus::Delivered);
        assert!(r[2].not_found);
        assert_eq!(r[2].status, NormStatus::Unknown);
        let gone = "<reply><result>ERROR</result><code>434</code><description>No such message or this message does not belong to you</description></reply>";
        let r = parse_status_reply(&el(gone), &["1".into()]).unwrap();
        assert!(r[0].not_found);
        let auth = "<reply><result>ERROR</result><code>411</code><description>Authentication failed</description></reply>";
        assert!(parse_status_reply(&el(auth), &["1".into()]).is_err());
    }

    #[test]
    fn status_names() {
        for (raw, want) in [
            ("", NormStatus::Accepted),
            ("Buffered SMSC", NormStatus::Enroute),
            ("Delivered", NormStatus::Delivered),
            ("Non Delivered", NormStatus::Undelivered),
            ("Rejected", NormStatus::Rejected),
            ("Expired", NormStatus::Expired),
            ("Deleted", NormStatus::Deleted),
            ("Unknown status", NormStatus::Unknown),
        ] {
            assert_eq!(normalize(raw), want, "{raw}");
        }
    }

    #[test]
    fn callbacks() {
        let form =
            form_pairs("sms_id=15166254108&status=Delivered&delivery_date=2013-11-07 17:04:00");
        let r = parse_callback_form(&form).unwrap();
        assert_eq!(r[0].provider_id, "15166254108");
        assert_eq!(r[0].status, NormStatus::Delivered);
        assert_eq!(
            r[0].at.map(crate::platform::time::rfc3339).as_deref(),
            Some("2013-11-07T14:04:00Z")
        );
        assert!(parse_callback_form(&form_pairs("status=Delivered")).is_err());
        assert!(parse_callback_form(&form_pairs("sms_id=1;drop&status=x")).is_err());
    }

    #[test]
    fn encodings_on_the_wire() {
        assert_eq!(rus_param("Hello"), "0");
        assert_eq!(rus_param("Привет"), "5");
        assert_eq!(rus_param("5€"), "5");
        assert_eq!(rus_param("ok 👍"), "5");
    }
}
