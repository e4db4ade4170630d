//! One trait for every SMS aggregator. Outcomes are per recipient (each recipient gets its own
//! provider id, or one per part); statuses are normalized next to the provider's raw text; errors
//! say whether it is worth trying again (and where): retryable / permanent / ambiguous, and
//! whether the whole gateway refused (gateway-level) or only this message (message-level).

use std::future::Future;
use std::pin::Pin;

use serde::Serialize;

use super::phone::E164;

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
    fn kind(&self) -> &'static str;
    fn capabilities(&self) -> Capabilities;
    /// The encoding this provider puts the text on the air with (parts are counted in it).
    fn wire_encoding(&self, text: &str) -> super::text::Encoding {
        super::text::encoding_of(text)
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
}
