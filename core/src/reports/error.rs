//! [`ReportsError`]: the one error of the reports module, with its public code, message and
//! details. The external report server's own text never reaches a caller.

use serde_json::{json, Value};

use crate::platform::error::{ErrorCode, PublicError, ServiceError};

#[derive(Debug, thiserror::Error)]
pub enum ReportsError {
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    /// `from` is not before `until`.
    #[error("{0}")]
    InvalidRange(String),
    #[error("a report covers at most {max_days} days; this range has {days}")]
    RangeTooLarge { days: i64, max_days: i64 },
    /// A setting the method needs is empty (or unusable).
    #[error("{setting} is not set: configure it in Settings → «Отчеты ЦОВ»")]
    NotConfigured { setting: &'static str },
    #[error("the report server cannot be reached")]
    UpstreamUnavailable,
    #[error("the report server did not answer in time")]
    UpstreamTimeout,
    /// The report server's TLS certificate did not verify (nothing was sent).
    #[error("the report server's TLS certificate did not verify")]
    UpstreamTls,
    /// The report server refused the configured credentials (HTTP 401/403).
    #[error("the report server refused the configured credentials")]
    UpstreamAuthFailed { status: u16 },
    /// The report server answered with an error status or a body that cannot be used.
    #[error("the report server answered something unusable")]
    UpstreamBad { status: u16, reason: &'static str },
    #[error(transparent)]
    Service(#[from] ServiceError),
}

impl ReportsError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ReportsError {
        ReportsError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for ReportsError {
    fn from(e: sqlx::Error) -> Self {
        ReportsError::Service(ServiceError::Db(e))
    }
}

impl PublicError for ReportsError {
    fn code(&self) -> ErrorCode {
        match self {
            ReportsError::Invalid { .. } => ErrorCode::InvalidParameter,
            ReportsError::InvalidRange(_) => ErrorCode::InvalidRange,
            ReportsError::RangeTooLarge { .. } => ErrorCode::RangeTooLarge,
            ReportsError::NotConfigured { .. } => ErrorCode::NotConfigured,
            ReportsError::UpstreamUnavailable => ErrorCode::UpstreamUnavailable,
            ReportsError::UpstreamTimeout => ErrorCode::UpstreamTimeout,
            ReportsError::UpstreamTls => ErrorCode::UpstreamTlsError,
            ReportsError::UpstreamAuthFailed { .. } => ErrorCode::UpstreamAuthFailed,
            ReportsError::UpstreamBad { .. } => ErrorCode::UpstreamError,
            ReportsError::Service(s) => s.code(),
        }
    }

    fn public_message(&self) -> String {
        match self {
            ReportsError::Service(s) => s.public_message(),
            _ => self.to_string(),
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            ReportsError::Invalid { field, message } => {
                Some(json!({ "field": field, "reason": message }))
            }
            ReportsError::RangeTooLarge { days, max_days } => {
                Some(json!({ "field": "until", "days": days, "max_days": max_days }))
            }
            ReportsError::NotConfigured { setting } => Some(json!({ "setting": setting })),
            ReportsError::UpstreamAuthFailed { status } => {
                Some(json!({ "upstream_status": status }))
            }
            ReportsError::UpstreamBad { status, reason } => {
                Some(json!({ "upstream_status": status, "reason": reason }))
            }
            ReportsError::Service(s) => s.details(),
            _ => None,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ReportsError::Invalid { field, .. } => Some(field),
            ReportsError::RangeTooLarge { .. } => Some("until"),
            ReportsError::Service(s) => s.field(),
            _ => None,
        }
    }
}
