//! [`CcError`]: the one error of the contact-center module (queues, CDRs, recordings, the call
//! list), with its public code, message and details.

use serde_json::{json, Value};

use crate::freeswitch::client::TransportError;
use crate::platform::error::{ErrorCode, ItemError, PublicError, ServiceError};

#[derive(Debug, thiserror::Error)]
pub enum CcError {
    #[error(transparent)]
    Transport(#[from] TransportError),
    /// FreeSWITCH answered, but not as expected (module not loaded, malformed table…).
    #[error("unexpected answer from FreeSWITCH: {0}")]
    Upstream(String),
    #[error("queue not found")]
    QueueNotFound,
    #[error("agent not found")]
    AgentNotFound,
    #[error("tier not found")]
    TierNotFound,
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// A time range that is empty or reversed.
    #[error("{0}")]
    InvalidRange(String),
    /// The one contact of a single `cc/add` was refused.
    #[error("{}: {}", .0.field, .0.message)]
    Contact(ItemError),
    /// Every contact of a `cc/add` batch was refused: `(index, why)` each.
    #[error("contacts: no contact in the batch is valid")]
    NoValidContact(Vec<(usize, ItemError)>),
    /// No such call (or, when `batch`, no such call or batch) of this user.
    #[error("call not found")]
    CallNotFound { batch: bool },
    /// Only queued calls can be cancelled; the call's status.
    #[error("the call is already {0}; only queued calls can be cancelled")]
    NotCancellable(String),
    #[error("no CDR for that call")]
    CdrNotFound,
    #[error("recording not found")]
    RecordingNotFound,
    /// The configured recordings directory cannot be read: a recording-not-found to the caller.
    #[error("the recordings directory is not available")]
    RecordingsUnavailable,
    /// A `Range` header against a file of `len` bytes that cannot be served.
    #[error("the recording has {len} bytes")]
    RangeNotSatisfiable { len: u64 },
    /// Not enough left of the caller's daily contacts quota.
    #[error(transparent)]
    Quota(#[from] crate::limits::Exceeded),
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl CcError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> CcError {
        CcError::Invalid {
            field,
            message: message.into(),
        }
    }

    pub fn internal(detail: impl Into<String>) -> CcError {
        CcError::Service(ServiceError::Internal(detail.into()))
    }
}

impl From<sqlx::Error> for CcError {
    fn from(e: sqlx::Error) -> Self {
        CcError::Service(ServiceError::Db(e))
    }
}

/// `field: message`, or the message alone for an item error about no field.
fn item_message(e: &ItemError) -> String {
    if e.field.is_empty() {
        e.message.clone()
    } else {
        format!("{}: {}", e.field, e.message)
    }
}

impl PublicError for CcError {
    fn code(&self) -> ErrorCode {
        match self {
            CcError::Transport(TransportError::Unavailable(_) | TransportError::Interrupted(_)) => {
                ErrorCode::UpstreamUnavailable
            }
            CcError::Transport(TransportError::AuthFailed) => ErrorCode::UpstreamAuthFailed,
            CcError::Transport(TransportError::Timeout) => ErrorCode::UpstreamTimeout,
            CcError::Transport(TransportError::Protocol(_)) | CcError::Upstream(_) => {
                ErrorCode::UpstreamError
            }
            CcError::QueueNotFound => ErrorCode::QueueNotFound,
            CcError::AgentNotFound => ErrorCode::AgentNotFound,
            CcError::TierNotFound => ErrorCode::TierNotFound,
            CcError::Invalid { .. } | CcError::NoValidContact(_) => ErrorCode::InvalidParameter,
            CcError::InvalidRange(_) => ErrorCode::InvalidRange,
            CcError::Contact(e) => e.code,
            CcError::CallNotFound { .. } => ErrorCode::CallNotFound,
            CcError::NotCancellable(_) => ErrorCode::CallNotCancellable,
            CcError::CdrNotFound => ErrorCode::CdrNotFound,
            CcError::RecordingNotFound | CcError::RecordingsUnavailable => {
                ErrorCode::RecordingNotFound
            }
            CcError::RangeNotSatisfiable { .. } => ErrorCode::RangeNotSatisfiable,
            CcError::Quota(e) => e.code(),
            CcError::Service(s) => s.code(),
        }
    }

    /// FreeSWITCH's own text and the recordings directory never reach a caller.
    fn public_message(&self) -> String {
        match self {
            CcError::Transport(TransportError::Unavailable(_) | TransportError::Interrupted(_)) => {
                "FreeSWITCH cannot be reached"
            }
            CcError::Transport(TransportError::AuthFailed) => {
                "FreeSWITCH refused the gateway's credentials"
            }
            CcError::Transport(TransportError::Timeout) => "FreeSWITCH did not answer in time",
            CcError::Transport(TransportError::Protocol(_)) | CcError::Upstream(_) => {
                "FreeSWITCH answered something unexpected"
            }
            CcError::QueueNotFound => "no such queue",
            CcError::AgentNotFound => "no such agent",
            CcError::TierNotFound => "no such tier",
            CcError::CallNotFound { batch: true } => {
                "no call or batch with this id in your call list"
            }
            CcError::CallNotFound { batch: false } => "no call with this id in your call list",
            CcError::RecordingNotFound | CcError::RecordingsUnavailable => {
                "no recording of that call"
            }
            CcError::Contact(e) => return item_message(e),
            CcError::Service(s) => return s.public_message(),
            _ => return self.to_string(),
        }
        .to_string()
    }

    fn details(&self) -> Option<Value> {
        match self {
            CcError::Invalid { field, message } => {
                Some(json!({ "field": field, "reason": message }))
            }
            CcError::Contact(e) => serde_json::to_value(e).ok(),
            CcError::NoValidContact(items) => {
                let items: Vec<Value> = items
                    .iter()
                    .map(|(i, e)| json!({"index": i, "error": e}))
                    .collect();
                Some(json!({ "field": "contacts", "items": items }))
            }
            CcError::NotCancellable(status) => Some(json!({ "status": status })),
            CcError::Quota(e) => e.details(),
            CcError::Service(s) => s.details(),
            _ => None,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            CcError::Invalid { field, .. } => Some(field),
            CcError::Contact(e) => Some(e.field).filter(|f| !f.is_empty()),
            CcError::NoValidContact(_) => Some("contacts"),
            CcError::Service(s) => s.field(),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_refused_contact_names_its_field_and_code() {
        let e = CcError::Contact(ItemError::new(ErrorCode::InvalidRange, "not_after", "past"));
        assert_eq!(e.code(), ErrorCode::InvalidRange);
        assert_eq!(e.public_message(), "not_after: past");
        assert_eq!(e.field(), Some("not_after"));
        assert_eq!(
            e.details().unwrap(),
            json!({"code": "invalid_range", "field": "not_after", "message": "past"})
        );
        let e = CcError::Contact(ItemError::new(ErrorCode::UnknownField, "", "unknown field"));
        assert_eq!(e.public_message(), "unknown field");
        assert_eq!(e.field(), None);
    }

    #[test]
    fn recordings_directory_never_shown() {
        let e = CcError::RecordingsUnavailable;
        assert_eq!(e.code(), ErrorCode::RecordingNotFound);
        assert_eq!(e.public_message(), "no recording of that call");
        assert_eq!(
            CcError::Upstream("-ERR secret".into()).public_message(),
            "FreeSWITCH answered something unexpected"
        );
    }
}
