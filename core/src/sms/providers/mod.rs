//! One trait for every SMS aggregator. Outcomes are per recipient (each recipient gets its own
//! provider id, or one per part); statuses are normalized next to the provider's raw text; errors
//! say whether it is worth trying again (and where): retryable / permanent / ambiguous, and
//! whether the whole gateway refused (gateway-level) or only this message (message-level).
//!
//! [`GatewayKind`] names the implementations and [`for_gateway`] builds the one of a stored
//! gateway: `smstraffic.rs` and `smsc.rs` (HTTP, over the one submit/failover loop of `http.rs`),
//! `smpp/` (SMPP 3.4 over kept binds).

pub mod http;
pub mod smpp;
pub mod smsc;
pub mod smstraffic;
pub mod xml;

use std::fmt;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use serde::Serialize;

use super::gateways::Gateway;
use super::text;
use crate::platform::phone::E164;

/// The provider implementations a gateway can be of; stored as [`GatewayKind::as_str`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GatewayKind {
    /// SMS Traffic's HTTP API (`multi.php`).
    SmsTraffic,
    /// SMSC.ru's HTTP API (`send.php`, `status.php`).
    Smsc,
    /// SMPP 3.4 (any SMSC).
    Smpp,
}

impl GatewayKind {
    pub const ALL: &'static [GatewayKind] = &[
        GatewayKind::SmsTraffic,
        GatewayKind::Smsc,
        GatewayKind::Smpp,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GatewayKind::SmsTraffic => "smstraffic",
            GatewayKind::Smsc => "smsc",
            GatewayKind::Smpp => "smpp",
        }
    }

    /// `None` for a kind this build does not know.
    pub fn parse(s: &str) -> Option<GatewayKind> {
        Self::ALL.iter().copied().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for GatewayKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for GatewayKind {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// The provider of a stored gateway: HTTP ones are built afresh around the shared client, SMPP
/// ones share the gateway's bind from `pool`.
pub fn for_gateway(
    g: &Gateway,
    http_client: &reqwest::Client,
    pool: &smpp::Pool,
) -> Arc<dyn SmsProvider> {
    match g.kind {
        GatewayKind::SmsTraffic => Arc::new(smstraffic::SmsTraffic::new(
            http::HttpConfig::of(g),
            http_client.clone(),
        )),
        GatewayKind::Smsc => Arc::new(smsc::Smsc::new(
            http::HttpConfig::of(g),
            http_client.clone(),
        )),
        GatewayKind::Smpp => Arc::new(smpp::Smpp::new(
            pool.session(g),
            g.max_parts.clamp(1, 255) as usize,
        )),
    }
}

/// Our normalized delivery status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum NormStatus {
    /// Stored, not yet handed to a gateway.
    Queued,
    /// The gateway took it.
    Accepted,
    /// On its way (handed to the operator / buffered at the SMSC).
    Enroute,
    Delivered,
    Undelivered,
    Expired,
    /// Refused by the gateway or the operator.
    Rejected,
    /// Could not be submitted (no gateway took it).
    Failed,
    Deleted,
    /// Nobody can tell (the provider forgot it, or the submit timed out after it may have arrived).
    Unknown,
}

impl NormStatus {
    pub const ALL: &'static [NormStatus] = &[
        NormStatus::Queued,
        NormStatus::Accepted,
        NormStatus::Enroute,
        NormStatus::Delivered,
        NormStatus::Undelivered,
        NormStatus::Expired,
        NormStatus::Rejected,
        NormStatus::Failed,
        NormStatus::Deleted,
        NormStatus::Unknown,
    ];
    pub fn as_str(self) -> &'static str {
        match self {
            NormStatus::Queued => "queued",
            NormStatus::Accepted => "accepted",
            NormStatus::Enroute => "enroute",
            NormStatus::Delivered => "delivered",
            NormStatus::Undelivered => "undelivered",
            NormStatus::Expired => "expired",
            NormStatus::Rejected => "rejected",
            NormStatus::Failed => "failed",
            NormStatus::Deleted => "deleted",
            NormStatus::Unknown => "unknown",
        }
    }
    pub fn parse(s: &str) -> Option<NormStatus> {
        Self::ALL.iter().copied().find(|x| x.as_str() == s)
    }
    pub fn is_final(self) -> bool {
        !matches!(
            self,
            NormStatus::Queued | NormStatus::Accepted | NormStatus::Enroute
        )
    }
    /// How far along a non-final status is (for aggregating parts), or how bad a final one is.
    fn rank(self) -> u8 {
        match self {
            NormStatus::Queued => 0,
            NormStatus::Accepted => 1,
            NormStatus::Enroute => 2,
            NormStatus::Delivered => 3,
            NormStatus::Unknown => 4,
            NormStatus::Deleted => 5,
            NormStatus::Expired => 6,
            NormStatus::Undelivered => 7,
            NormStatus::Rejected => 8,
            NormStatus::Failed => 9,
        }
    }
    /// The status of a message from its parts: delivered only when every part is; otherwise any
    /// unfinished part keeps it at the least advanced unfinished status; when all are final the
    /// worst final status wins.
    pub fn aggregate(parts: &[NormStatus]) -> NormStatus {
        if parts.is_empty() {
            return NormStatus::Queued;
        }
        if let Some(s) = parts
            .iter()
            .copied()
            .filter(|s| !s.is_final())
            .min_by_key(|s| s.rank())
        {
            return s;
        }
        parts
            .iter()
            .copied()
            .max_by_key(|s| s.rank())
            .unwrap_or(NormStatus::Unknown)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorClass {
    /// Definitely not accepted; trying again (or elsewhere) is safe.
    Retryable,
    /// Will fail the same way again.
    Permanent,
    /// May or may not have been accepted (e.g. a timeout after the request was sent): never resend
    /// blindly.
    Ambiguous,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Scope {
    /// The gateway refused the whole request (down, overloaded, credentials…).
    Gateway,
    /// This message or recipient was refused (bad number, forbidden sender…): it would fail the
    /// same way on any gateway.
    Message,
}

/// What a message-level rejection was about (for our error codes and for finding the culprit in a
/// multi-recipient request the provider refused as a whole).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    /// A phone number (the provider may refuse the whole request for one).
    Phone,
    /// The sender name.
    Sender,
    /// Accepted as a request, but the recipient was not queued.
    NotQueued,
    Other,
}

/// What went wrong talking to a gateway.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{code}: {message}")]
pub struct GatewayError {
    pub class: ErrorClass,
    pub scope: Scope,
    pub reason: Reason,
    /// Our code (`connect_failed`, `http_503`, `timeout`) or the provider's (`1000`, `411`).
    pub code: String,
    /// Provider text or our description (never shown to API callers verbatim).
    pub message: String,
}

impl GatewayError {
    pub fn new(
        class: ErrorClass,
        scope: Scope,
        code: impl Into<String>,
        message: impl Into<String>,
    ) -> Self {
        GatewayError {
            class,
            scope,
            reason: Reason::Other,
            code: code.into(),
            message: message.into(),
        }
    }
    pub fn with_reason(mut self, reason: Reason) -> Self {
        self.reason = reason;
        self
    }
    /// Only a definite, gateway-level non-acceptance moves the message to the next gateway.
    pub fn fails_over(&self) -> bool {
        self.class == ErrorClass::Retryable && self.scope == Scope::Gateway
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Capabilities {
    /// Recipients one send request may carry.
    pub max_recipients: usize,
    /// Provider ids one status request may carry (0 = no status query).
    pub max_status_ids: usize,
    pub status_query: bool,
    pub callbacks: bool,
    pub balance: bool,
    pub max_parts: usize,
    /// How long the provider answers status queries about a message (ms).
    pub retention_ms: i64,
}

/// One message to one recipient.
#[derive(Debug, Clone)]
pub struct OutSms {
    pub local_id: String,
    pub phone: E164,
    pub text: String,
    pub sender: Option<String>,
    pub parts: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    /// Accepted; one provider id per part where the provider says so.
    Accepted {
        provider_ids: Vec<String>,
    },
    Rejected(GatewayError),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientOutcome {
    pub local_id: String,
    pub outcome: Outcome,
}

/// A status the provider reported for one of its ids.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StatusReport {
    pub provider_id: String,
    pub status: NormStatus,
    pub raw_status: String,
    pub raw_error: Option<String>,
    /// When the provider says it changed (Unix ms).
    pub at: Option<i64>,
    /// The provider no longer knows the id (archived or never existed).
    pub not_found: bool,
}

pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

pub trait SmsProvider: Send + Sync {
    fn kind(&self) -> GatewayKind;
    fn capabilities(&self) -> Capabilities;
    /// The encoding this provider puts the text on the air with (parts are counted in it).
    fn wire_encoding(&self, text: &str) -> text::Encoding {
        text::encoding_of(text)
    }
    /// Submit messages that share one text and sender (the caller groups them and keeps each
    /// phone at most once per call). `Err` means the request as a whole failed.
    fn send<'a>(
        &'a self,
        batch: &'a [OutSms],
    ) -> BoxFuture<'a, Result<Vec<RecipientOutcome>, GatewayError>>;
    fn status<'a>(
        &'a self,
        ids: &'a [String],
    ) -> BoxFuture<'a, Result<Vec<StatusReport>, GatewayError>>;
    /// A delivery report POSTed to us (form fields).
    fn parse_callback(&self, form: &[(String, String)]) -> Result<Vec<StatusReport>, String>;
    /// Balance (or at least a credentials check).
    fn balance(&self) -> BoxFuture<'_, Result<String, GatewayError>>;
}

#[cfg(test)]
mod tests {
    use super::NormStatus::*;
    use super::*;

    #[test]
    fn parts_aggregate() {
        assert_eq!(NormStatus::aggregate(&[Delivered, Delivered]), Delivered);
        assert_eq!(NormStatus::aggregate(&[Delivered, Enroute]), Enroute);
        assert_eq!(NormStatus::aggregate(&[Accepted, Enroute]), Accepted);
        assert_eq!(NormStatus::aggregate(&[Delivered, Expired]), Expired);
        assert_eq!(
            NormStatus::aggregate(&[Undelivered, Expired, Delivered]),
            Undelivered
        );
        assert_eq!(NormStatus::aggregate(&[]), Queued);
        for s in NormStatus::ALL {
            assert_eq!(NormStatus::parse(s.as_str()), Some(*s));
        }
        assert!(Delivered.is_final() && !Enroute.is_final() && Unknown.is_final());
    }

    #[test]
    fn gateway_kinds_round_trip_and_unknown_ones_are_refused() {
        for k in GatewayKind::ALL {
            assert_eq!(GatewayKind::parse(k.as_str()), Some(*k));
        }
        assert_eq!(
            GatewayKind::parse("smstraffic"),
            Some(GatewayKind::SmsTraffic)
        );
        for bad in ["twilio", "", "SMPP", "smstraffic "] {
            assert_eq!(GatewayKind::parse(bad), None, "{bad:?}");
        }
        assert_eq!(
            serde_json::to_value(GatewayKind::Smsc).unwrap(),
            serde_json::json!("smsc")
        );
    }
}
