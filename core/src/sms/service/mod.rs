//! The SMS services: `send` (store every message, then submit through the active gateway with
//! failover down the ordered list), `get_status`, delivery reports and the status poller.
//!
//! Failover happens only on a definite, gateway-level non-acceptance (connection refused, a TLS
//! certificate that does not verify — `upstream_tls_error`, refused before the request is written —,
//! HTTP 5xx, SMS Traffic code 1000) — never on a message-level rejection (it would fail the same everywhere)
//! and never after an ambiguous failure such as a timeout once the request was sent (it may have
//! been accepted: resending could deliver twice).
//!
//! `send.rs` validates, stores and submits (with the submit lease and the recovery of stopped
//! submissions), `record.rs` stores what a submission came to, `status.rs` answers `getStatus`
//! (after `live.rs` asked the providers about stale non-final messages), `delivery.rs` applies
//! delivery reports (polled, POSTed, SMPP receipts, asked during reads), `poller.rs` runs the
//! status poller. This file holds what they share: limits, [`SmsError`], [`SmsHub`], [`Failure`].

mod delivery;
mod live;
mod poller;
mod record;
mod recovery;
mod send;
mod status;
#[cfg(test)]
mod tests;

use std::collections::HashMap;
use std::path::Path;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant, SystemTime};

use super::gateways::Gateway;
use super::phone::PhoneError;
use super::providers::{self, smpp, ErrorClass, GatewayError, Scope, SmsProvider};
use crate::platform::error::{ErrorCode, ItemError, PublicError, ServiceError};

pub use delivery::{apply_receipt, apply_reports, callback};
pub use live::{
    refresh_stale, LIVE_STATUS_GAP, LIVE_STATUS_MAX_CALLS, LIVE_STATUS_STALE, LIVE_STATUS_TIMEOUT,
};
pub use poller::{backoff, poll_once, spawn_poller};
pub use recovery::recover_once;
pub use send::{new_id, send, submit, SendItem, SendItemResult, SendOutcome, SendRequest};
pub use status::{get_status, read_status, MessageView, StatusEvent};

/// Recipients one `send` may carry.
pub const MAX_RECIPIENTS: usize = 10_000;
/// Up to this many recipients the answer waits for the submission; bigger batches are answered
/// at once (202) and submitted in the background.
pub const SYNC_LIMIT: usize = 100;
/// First status poll after submission, then doubling up to [`POLL_MAX`].
pub const POLL_FIRST: Duration = Duration::from_secs(60);
pub const POLL_MAX: Duration = Duration::from_secs(3600);
/// How often the poller looks for due messages.
pub const POLL_TICK: Duration = Duration::from_secs(5);
/// A stored message not yet handed to a gateway belongs to the submitting task until this lease
/// runs out (renewed every [`LEASE_RENEW`] while the task works); after that the recovery pass
/// submits it again — a process that died between storing and submitting loses nothing.
pub const SUBMIT_LEASE: Duration = Duration::from_secs(120);
pub const LEASE_RENEW: Duration = Duration::from_secs(30);
/// Texts longer than this many characters are refused before any part counting.
pub const MAX_TEXT_CHARS: usize = 17_085;

#[derive(Debug, thiserror::Error)]
pub enum SmsError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("invalid phone: {0}")]
    InvalidPhone(PhoneError),
    #[error("too many recipients: {0} (at most {MAX_RECIPIENTS})")]
    TooManyRecipients(usize),
    #[error("no SMS gateway is active")]
    NoGateway,
    /// Not enough left of the caller's SMS parts quota.
    #[error(transparent)]
    Quota(#[from] crate::limits::Exceeded),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl PublicError for SmsError {
    fn code(&self) -> ErrorCode {
        match self {
            SmsError::Invalid { .. } => ErrorCode::InvalidParameter,
            SmsError::InvalidPhone(_) => ErrorCode::InvalidPhone,
            SmsError::TooManyRecipients(_) => ErrorCode::BatchTooLarge,
            SmsError::NoGateway => ErrorCode::SmsGatewayNotConfigured,
            SmsError::Quota(e) => e.code(),
            SmsError::Service(s) => s.code(),
        }
    }

    fn public_message(&self) -> String {
        match self {
            SmsError::TooManyRecipients(n) => {
                format!("{n} recipients; at most {MAX_RECIPIENTS} in one request")
            }
            SmsError::InvalidPhone(p) => p.to_string(),
            SmsError::Service(s) => s.public_message(),
            other => other.to_string(),
        }
    }

    fn details(&self) -> Option<serde_json::Value> {
        use serde_json::json;
        match self {
            SmsError::Invalid { field, message } => {
                Some(json!({ "field": field, "reason": message }))
            }
            SmsError::InvalidPhone(p) => {
                Some(json!({ "field": "phone", "reason": p.code().as_str() }))
            }
            SmsError::TooManyRecipients(n) => {
                Some(json!({ "recipients": n, "max": MAX_RECIPIENTS }))
            }
            SmsError::NoGateway => None,
            SmsError::Quota(e) => e.details(),
            SmsError::Service(s) => s.details(),
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            SmsError::Invalid { field, .. } => Some(field),
            SmsError::InvalidPhone(_) => Some("phone"),
            SmsError::Service(s) => s.field(),
            _ => None,
        }
    }
}

impl From<sqlx::Error> for SmsError {
    fn from(e: sqlx::Error) -> Self {
        SmsError::Service(ServiceError::Db(e))
    }
}

fn invalid(field: &'static str, message: impl Into<String>) -> SmsError {
    SmsError::Invalid {
        field,
        message: message.into(),
    }
}

/// The HTTP client of SMS gateways: 5 s to connect, the system's CA store plus the CA
/// certificates of `ca_file` (a gateway behind a private CA).
pub fn gateway_client(ca_file: Option<&Path>) -> Result<reqwest::Client, String> {
    crate::platform::http::builder_with_ca(ca_file)?
        .connect_timeout(Duration::from_secs(5))
        .build()
        .map_err(|e| e.to_string())
}

/// A gateway's client built with its CA file, and the file's modification time then.
type CaClients = HashMap<String, (SystemTime, reqwest::Client)>;

/// Shared by all sends: the HTTP clients and a pacer per gateway (parts per second).
pub struct SmsHub {
    /// The client of gateways without a CA file of their own.
    pub http: reqwest::Client,
    /// Clients of gateways with one, by path (rebuilt when the file changes).
    ca_clients: Mutex<CaClients>,
    pacers: std::sync::Mutex<HashMap<i64, Instant>>,
    /// Kept SMPP binds (one per SMPP gateway) and their delivery receipts.
    pub smpp: smpp::Pool,
    /// When each message was last asked about during a `getStatus` read.
    asked: live::AskedAt,
}

impl Default for SmsHub {
    fn default() -> Self {
        SmsHub {
            http: gateway_client(None).expect("the SMS gateways' HTTP client builds"),
            ca_clients: Default::default(),
            pacers: Default::default(),
            smpp: Default::default(),
            asked: Default::default(),
        }
    }
}

impl SmsHub {
    /// The HTTP client of a gateway: the shared one, or one that also trusts the gateway's CA
    /// file (kept while the file is unchanged). The error says why the file cannot be used.
    pub fn client_for(&self, g: &Gateway) -> Result<reqwest::Client, String> {
        if g.ca_file.is_empty() {
            return Ok(self.http.clone());
        }
        let modified = std::fs::metadata(&g.ca_file)
            .and_then(|m| m.modified())
            .map_err(|e| format!("{}: {e}", g.ca_file))?;
        let mut m = self.ca_clients.lock().unwrap_or_else(|p| p.into_inner());
        if let Some((at, c)) = m.get(&g.ca_file) {
            if *at == modified {
                return Ok(c.clone());
            }
        }
        let c = gateway_client(Some(Path::new(&g.ca_file)))?;
        m.insert(g.ca_file.clone(), (modified, c.clone()));
        Ok(c)
    }

    /// The provider of a gateway: HTTP ones are built afresh, SMPP ones share the gateway's bind.
    /// A CA file that became unusable since it was saved leaves only the system's CA store
    /// trusted for the gateway (so a private CA's server is refused with `upstream_tls_error`).
    pub fn provider(&self, g: &Gateway) -> Arc<dyn SmsProvider> {
        let http = self.client_for(g).unwrap_or_else(|e| {
            tracing::error!(gateway = %g.name, error = %e, "the SMS gateway's CA file cannot be used; only the system CA store is trusted for it");
            self.http.clone()
        });
        providers::for_gateway(g, &http, &self.smpp)
    }

    /// Wait for this gateway's turn to send `parts` parts at `rate` parts per second.
    async fn pace(&self, gateway: i64, rate: i64, parts: usize) {
        let now = Instant::now();
        let start = {
            let mut m = self.pacers.lock().unwrap_or_else(|p| p.into_inner());
            let slot = m.entry(gateway).or_insert(now);
            let start = (*slot).max(now);
            *slot = start + Duration::from_secs_f64(parts as f64 / rate.max(1) as f64);
            start
        };
        tokio::time::sleep_until(start.into()).await;
    }
}

/// What became of a message that was not (or may not have been) delivered, stored in
/// `sms_messages.error_code` as [`Failure::as_str`] — the catalogue code it answers with.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Failure {
    /// No gateway took it (down, overloaded or refusing).
    GatewayUnavailable,
    /// The gateway refused the request (credentials, funds, route).
    GatewayRefused,
    /// The gateway may or may not have taken it; it was not resent.
    SubmitAmbiguous,
    PhoneRejected,
    SenderRejected,
    /// The gateway answered but did not queue it.
    NotQueued,
    MessageRejected,
    /// No final status within the gateway's retention.
    StatusExpired,
    /// Every gateway tried refused the TLS handshake (certificate not verified); nothing was sent.
    UpstreamTls,
}

impl Failure {
    pub const ALL: &'static [Failure] = &[
        Failure::GatewayUnavailable,
        Failure::GatewayRefused,
        Failure::SubmitAmbiguous,
        Failure::PhoneRejected,
        Failure::SenderRejected,
        Failure::NotQueued,
        Failure::MessageRejected,
        Failure::StatusExpired,
        Failure::UpstreamTls,
    ];

    pub fn code(self) -> ErrorCode {
        match self {
            Failure::GatewayUnavailable => ErrorCode::GatewayUnavailable,
            Failure::GatewayRefused => ErrorCode::GatewayRefused,
            Failure::SubmitAmbiguous => ErrorCode::SubmitAmbiguous,
            Failure::PhoneRejected => ErrorCode::PhoneRejected,
            Failure::SenderRejected => ErrorCode::SenderRejected,
            Failure::NotQueued => ErrorCode::NotQueued,
            Failure::MessageRejected => ErrorCode::MessageRejected,
            Failure::StatusExpired => ErrorCode::StatusExpired,
            Failure::UpstreamTls => ErrorCode::UpstreamTlsError,
        }
    }

    pub fn as_str(self) -> &'static str {
        self.code().as_str()
    }

    pub fn parse(s: &str) -> Option<Failure> {
        Self::ALL.iter().copied().find(|f| f.as_str() == s)
    }

    /// The request field it is about (empty when none).
    pub fn field(self) -> &'static str {
        match self {
            Failure::PhoneRejected => "phone",
            Failure::SenderRejected => "sender",
            _ => "",
        }
    }

    /// One line for the caller.
    pub fn text(self) -> &'static str {
        match self {
            Failure::GatewayUnavailable => {
                "no gateway took the message (down, overloaded or refusing)"
            }
            Failure::GatewayRefused => "the gateway refused the request (credentials, funds, route)",
            Failure::SubmitAmbiguous => "the gateway may or may not have taken the message (no answer in time); it was not resent",
            Failure::PhoneRejected => "the gateway refused the phone number",
            Failure::SenderRejected => "the gateway refused the sender name",
            Failure::NotQueued => "the gateway answered but did not queue the message",
            Failure::MessageRejected => "the gateway refused the message",
            Failure::StatusExpired => "no final status within the gateway's retention period",
            Failure::UpstreamTls => "the gateway's TLS certificate did not verify (for another name, expired or signed by an untrusted CA); nothing was sent",
        }
    }

    /// The per-message error of `sms/send` and `getStatus`.
    pub fn item_error(self) -> ItemError {
        ItemError::new(self.code(), self.field(), self.text())
    }
}

/// The settings page's "test" button: a balance query (credentials check). A CA file that cannot
/// be used answers `upstream_tls_error` without connecting.
pub async fn test_gateway(hub: &SmsHub, gw: &Gateway) -> Result<String, GatewayError> {
    if let Err(e) = hub.client_for(gw) {
        return Err(GatewayError::new(
            ErrorClass::Retryable,
            Scope::Gateway,
            TLS_ERROR,
            format!("the CA file cannot be used: {e}"),
        ));
    }
    hub.provider(gw).balance().await
}

/// The gateway error code of a TLS failure (the catalogue's `upstream_tls_error`).
pub const TLS_ERROR: &str = "upstream_tls_error";
