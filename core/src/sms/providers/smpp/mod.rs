//! SMPP 3.4 provider: `submit_sm` per part over a kept transceiver bind (UDH concatenation,
//! GSM 03.38 or UCS-2), `ESME_RTHROTTLED`/`ESME_RMSGQFUL` answered by waiting and resubmitting
//! the same part, delivery receipts over the bind instead of status queries.
//!
//! Gateway fields: `url` = `smpp://host:port` (reserve: `reserve_url`), `login` = system_id,
//! `password` ≤ 8 characters, `sender` = source address (digits → TON 1/NPI 1, else alphanumeric
//! TON 5/NPI 0), `rate_limit` = parts per second, `timeout_ms` = answer timeout.

pub mod pdu;
pub mod session;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use tokio::sync::mpsc;

use super::{
    BoxFuture, Capabilities, ErrorClass, GatewayError, GatewayKind, OutSms, Outcome, Reason,
    RecipientOutcome, Scope, SmsProvider, StatusReport,
};
use crate::sms::gateways::Gateway;
use crate::sms::text::{self, Encoding};
use pdu::status as st;
use session::{Config, Incoming, RequestError, Session};

/// How long an SMSC is expected to keep sending receipts (after that a message becomes `unknown`).
pub const RECEIPT_RETENTION_MS: i64 = 72 * 3_600_000;
/// Resubmits of one part the SMSC answered "throttled" or "queue full" (waits 0.25 s, 0.5 s, …).
const THROTTLE_RETRIES: u32 = 6;

/// `smpp://host:port` → `host:port` (port 2775 when absent).
pub fn host_of(url: &str) -> Option<String> {
    let rest = url.trim().strip_prefix("smpp://")?;
    let rest = rest.trim_end_matches('/');
    if rest.is_empty() || rest.contains(['/', '?', '#', '@']) || rest.contains(char::is_whitespace)
    {
        return None;
    }
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) if !h.ends_with(':') => (h, p.parse::<u16>().ok().filter(|p| *p > 0)?),
        _ => (rest, 2775),
    };
    if host.is_empty() {
        return None;
    }
    Some(format!("{host}:{port}"))
}

fn config_of(g: &Gateway) -> Config {
    Config {
        hosts: [&g.url, &g.reserve_url]
            .into_iter()
            .filter_map(|u| host_of(u))
            .collect(),
        system_id: g.login.clone(),
        password: g.password.clone(),
        timeout: Duration::from_millis(g.timeout_ms.clamp(100, 300_000) as u64),
        enquire_every: Duration::from_secs(30),
        rate_per_sec: g.rate_limit.clamp(1, 100_000) as u32,
        window: 10,
    }
}

/// The binds of all SMPP gateways, and the receipts they bring in.
pub struct Pool {
    sessions: Mutex<HashMap<i64, Arc<Session>>>,
    receipts_tx: mpsc::UnboundedSender<Incoming>,
    receipts_rx: Mutex<Option<mpsc::UnboundedReceiver<Incoming>>>,
}

impl Default for Pool {
    fn default() -> Self {
        let (tx, rx) = mpsc::unbounded_channel();
        Pool {
            sessions: Default::default(),
            receipts_tx: tx,
            receipts_rx: Mutex::new(Some(rx)),
        }
    }
}

impl Pool {
    /// The session for a gateway's current settings (a changed gateway gets a new bind; the old one
    /// unbinds).
    pub fn session(&self, g: &Gateway) -> Arc<Session> {
        let cfg = config_of(g);
        let mut m = self.sessions.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(s) = m.get(&g.id).filter(|s| s.cfg == cfg) {
            return s.clone();
        }
        let s = Session::new(g.id, cfg, self.receipts_tx.clone());
        m.insert(g.id, s.clone());
        s
    }

    /// Drop the binds of gateways that are gone, disabled or no longer SMPP.
    pub fn retain(&self, keep: &[i64]) {
        self.sessions
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .retain(|id, _| keep.contains(id));
    }

    /// The receiver of delivery receipts (once: the service's receipt task takes it).
    pub fn take_receipts(&self) -> Option<mpsc::UnboundedReceiver<Incoming>> {
        self.receipts_rx
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }
}

pub struct Smpp {
    session: Arc<Session>,
    max_parts: usize,
}

impl Smpp {
    pub fn new(session: Arc<Session>, max_parts: usize) -> Self {
        Smpp { session, max_parts }
    }
}

fn refused(status: u32) -> GatewayError {
    let code = format!("smpp_{status:#04x}");
    let (class, scope, reason, what) = match status {
        st::INVALID_DST_ADDR | st::INVALID_DST_TON | st::INVALID_DST_NPI => (
            ErrorClass::Permanent,
            Scope::Message,
            Reason::Phone,
            "invalid destination address",
        ),
        st::INVALID_SRC_ADDR | st::INVALID_SRC_TON | st::INVALID_SRC_NPI => (
            ErrorClass::Permanent,
            Scope::Message,
            Reason::Sender,
            "invalid source address",
        ),
        st::THROTTLED => (
            ErrorClass::Retryable,
            Scope::Gateway,
            Reason::Other,
            "throttled",
        ),
        st::MSG_QUEUE_FULL => (
            ErrorClass::Retryable,
            Scope::Gateway,
            Reason::Other,
            "message queue full",
        ),
        st::SYSTEM_ERROR | st::INVALID_BIND_STATUS => (
            ErrorClass::Retryable,
            Scope::Gateway,
            Reason::Other,
            "SMSC system error",
        ),
        st::SUBMIT_FAILED => (
            ErrorClass::Permanent,
            Scope::Message,
            Reason::Other,
            "submit failed",
        ),
        _ => (
            ErrorClass::Permanent,
            Scope::Message,
            Reason::Other,
            "refused",
        ),
    };
    GatewayError::new(class, scope, code, format!("{what} (status {status:#04x})"))
        .with_reason(reason)
}

/// The submit_sm bodies of one message: one per part, with a concatenation header when there are
/// several.
fn bodies(m: &OutSms, reference: u8) -> Vec<Vec<u8>> {
    let (enc, parts) = text::split(&m.text);
    let (source_ton, source_addr) = pdu::Ton::of_sender(m.sender.as_deref().unwrap_or(""));
    let total = parts.len();
    parts
        .iter()
        .enumerate()
        .map(|(i, part)| {
            let payload = match enc {
                Encoding::Gsm7 => pdu::gsm7_unpacked(part),
                Encoding::Ucs2 => pdu::ucs2(part),
            };
            let (esm_class, short_message) = if total > 1 {
                (
                    pdu::ESM_UDHI,
                    [
                        &pdu::udh_concat(reference, total as u8, i as u8 + 1)[..],
                        &payload,
                    ]
                    .concat(),
                )
            } else {
                (0, payload)
            };
            pdu::submit_sm(&pdu::ShortMessage {
                source_ton: source_ton.0,
                source_npi: source_ton.1,
                source_addr: source_addr.clone(),
                dest_ton: pdu::Ton::INTERNATIONAL.0,
                dest_npi: pdu::Ton::INTERNATIONAL.1,
                dest_addr: m.phone.digits().to_string(),
                esm_class,
                registered_delivery: 1,
                data_coding: if enc == Encoding::Ucs2 { 8 } else { 0 },
                short_message,
                ..Default::default()
            })
        })
        .collect()
}

/// Submit every part of one message; the SMSC's id per part.
async fn submit_one(
    session: Arc<Session>,
    conn: Arc<session::Conn>,
    parts: Vec<Vec<u8>>,
) -> Outcome {
    let timeout = session.cfg.timeout;
    let mut ids = Vec::with_capacity(parts.len());
    for body in &parts {
        let mut attempt = 0;
        let failure = loop {
            session.pace().await;
            match conn.request(pdu::SUBMIT_SM, body, timeout).await {
                Ok((h, resp)) if h.status == st::OK && h.command_id == pdu::SUBMIT_SM_RESP => {
                    match pdu::parse_message_id(&resp) {
                        Ok(id) if !id.is_empty() => {
                            ids.push(id);
                            break None;
                        }
                        _ => {
                            break Some(GatewayError::new(
                                ErrorClass::Ambiguous,
                                Scope::Message,
                                "smpp_no_message_id",
                                "submit_sm_resp without a message id",
                            ))
                        }
                    }
                }
                Ok((h, _))
                    if matches!(h.status, st::THROTTLED | st::MSG_QUEUE_FULL)
                        && attempt < THROTTLE_RETRIES =>
                {
                    tokio::time::sleep(Duration::from_millis(250) * 2u32.pow(attempt)).await;
                    attempt += 1;
                }
                Ok((h, _)) => break Some(refused(h.status)),
                Err(RequestError::NotSent) => {
                    break Some(GatewayError::new(
                        ErrorClass::Retryable,
                        Scope::Gateway,
                        "connection_lost",
                        format!("{}: connection lost before the submit", conn.peer),
                    ))
                }
                Err(RequestError::NoAnswer) => {
                    break Some(GatewayError::new(
                        ErrorClass::Ambiguous,
                        Scope::Gateway,
                        "timeout",
                        format!("{}: no answer to submit_sm", conn.peer),
                    ))
                }
            }
        };
        if let Some(e) = failure {
            if ids.is_empty() {
                return Outcome::Rejected(e);
            }
            // Some parts went out: the recipient may get a fragment; never resend blindly.
            return Outcome::Rejected(GatewayError::new(
                ErrorClass::Ambiguous,
                Scope::Message,
                "partial_submit",
                format!(
                    "{} of {} parts accepted, then {}",
                    ids.len(),
                    parts.len(),
                    e
                ),
            ));
        }
    }
    Outcome::Accepted { provider_ids: ids }
}

impl SmsProvider for Smpp {
    fn kind(&self) -> GatewayKind {
        GatewayKind::Smpp
    }

    fn capabilities(&self) -> Capabilities {
        Capabilities {
            max_recipients: 100,
            max_status_ids: 0,
            status_query: false,
            callbacks: true,
            balance: true,
            max_parts: self.max_parts,
            retention_ms: RECEIPT_RETENTION_MS,
        }
    }

    fn send<'a>(
        &'a self,
        batch: &'a [OutSms],
    ) -> BoxFuture<'a, Result<Vec<RecipientOutcome>, GatewayError>> {
        Box::pin(async move {
            let conn = self.session.conn().await?;
            let mut set = tokio::task::JoinSet::new();
            for (i, m) in batch.iter().enumerate() {
                let parts = bodies(m, self.session.next_ref());
                let (session, conn) = (self.session.clone(), conn.clone());
                set.spawn(async move { (i, submit_one(session, conn, parts).await) });
            }
            let mut outcomes: Vec<Option<Outcome>> = vec![None; batch.len()];
            while let Some(done) = set.join_next().await {
                if let Ok((i, o)) = done {
                    outcomes[i] = Some(o);
                }
            }
            let outcomes: Vec<RecipientOutcome> = batch
                .iter()
                .zip(outcomes)
                .map(|(m, o)| RecipientOutcome {
                    local_id: m.local_id.clone(),
                    outcome: o.unwrap_or_else(|| {
                        Outcome::Rejected(GatewayError::new(
                            ErrorClass::Ambiguous,
                            Scope::Message,
                            "internal",
                            "submit task failed",
                        ))
                    }),
                })
                .collect();
            // Nothing went out and the gateway itself refused: the whole request fails over.
            let all_down = outcomes
                .iter()
                .all(|o| matches!(&o.outcome, Outcome::Rejected(e) if e.fails_over()));
            if all_down {
                if let Some(RecipientOutcome {
                    outcome: Outcome::Rejected(e),
                    ..
                }) = outcomes.first()
                {
                    return Err(e.clone());
                }
            }
            Ok(outcomes)
        })
    }

    fn status<'a>(
        &'a self,
        _ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<StatusReport>, GatewayError>> {
        Box::pin(async {
            Err(GatewayError::new(
                ErrorClass::Permanent,
                Scope::Gateway,
                "no_status_query",
                "SMPP statuses arrive as delivery receipts",
            ))
        })
    }

    fn parse_callback(&self, _form: &[(String, String)]) -> Result<Vec<StatusReport>, String> {
        Err("SMPP delivery receipts arrive over the bind, not by HTTP".into())
    }

    fn balance(&self) -> BoxFuture<'_, Result<String, GatewayError>> {
        Box::pin(async move {
            let conn = self.session.conn().await?;
            // A round trip proves the bind is usable.
            conn.request(pdu::ENQUIRE_LINK, &[], self.session.cfg.timeout)
                .await
                .map_err(|_| {
                    GatewayError::new(
                        ErrorClass::Retryable,
                        Scope::Gateway,
                        "timeout",
                        "no answer to enquire_link",
                    )
                })?;
            Ok(format!(
                "bound as {} to {}",
                self.session.cfg.system_id, conn.peer
            ))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::platform::phone;

    #[test]
    fn smpp_urls() {
        assert_eq!(
            host_of("smpp://10.0.0.1:2775").as_deref(),
            Some("10.0.0.1:2775")
        );
        assert_eq!(
            host_of("smpp://smsc.example").as_deref(),
            Some("smsc.example:2775")
        );
        assert_eq!(
            host_of("smpp://server1.smstraffic.ru:4442/").as_deref(),
            Some("server1.smstraffic.ru:4442")
        );
        for bad in [
            "http://x:1",
            "smpp://",
            "smpp://:2775",
            "smpp://h:0",
            "smpp://h:99999",
            "smpp://u@h:1",
            "smpp://h:1/x",
            "smpp://h x:1",
        ] {
            assert_eq!(host_of(bad), None, "{bad}");
        }
    }

    fn out(text: &str, sender: Option<&str>) -> OutSms {
        OutSms {
            local_id: "m1".into(),
            phone: phone::parse("+79161234567").unwrap(),
            text: text.into(),
            sender: sender.map(str::to_string),
            parts: 1,
        }
    }

    #[test]
    fn parts_carry_udh_and_coding() {
        let one = bodies(&out("Hello", Some("FRONTLINE")), 9);
        assert_eq!(one.len(), 1);
        let m = pdu::parse_short_message(&one[0]).unwrap();
        assert_eq!((m.source_ton, m.source_npi), (5, 0));
        assert_eq!(m.source_addr, "FRONTLINE");
        assert_eq!(
            (m.dest_ton, m.dest_npi, m.dest_addr.as_str()),
            (1, 1, "79161234567")
        );
        assert_eq!(
            (m.esm_class, m.data_coding, m.registered_delivery),
            (0, 0, 1)
        );
        assert_eq!(m.short_message, b"Hello");

        let text = "Ж".repeat(100);
        let two = bodies(&out(&text, Some("+79001112233")), 42);
        assert_eq!(two.len(), 2);
        let (a, b) = (
            pdu::parse_short_message(&two[0]).unwrap(),
            pdu::parse_short_message(&two[1]).unwrap(),
        );
        assert_eq!((a.source_ton, a.source_addr.as_str()), (1, "79001112233"));
        assert_eq!((a.esm_class, a.data_coding), (pdu::ESM_UDHI, 8));
        assert_eq!(a.short_message[..6], [5, 0, 3, 42, 2, 1]);
        assert_eq!(b.short_message[..6], [5, 0, 3, 42, 2, 2]);
        assert_eq!(a.short_message.len(), 6 + 67 * 2);
        assert_eq!(b.short_message.len(), 6 + 33 * 2);
    }

    #[test]
    fn refusals_are_classified() {
        let e = refused(st::INVALID_DST_ADDR);
        assert_eq!(
            (e.scope, e.reason, e.code.as_str()),
            (Scope::Message, Reason::Phone, "smpp_0x0b")
        );
        assert!(!e.fails_over());
        assert_eq!(refused(st::INVALID_SRC_ADDR).reason, Reason::Sender);
        assert!(refused(st::THROTTLED).fails_over());
        assert!(refused(st::SYSTEM_ERROR).fails_over());
        assert!(!refused(0x61).fails_over());
    }
}
