//! [`StatsError`]: the one error of the online statistics (projects, the built-in figures from
//! FreeSWITCH and the database, the external statistics server), with its public code and message.

use serde_json::{json, Value};

use crate::cc::CcError;
use crate::freeswitch::client::TransportError;
use crate::platform::error::{ErrorCode, PublicError, ServiceError};

/// How an upstream (FreeSWITCH, or the external statistics server) failed. `Copy`, so one failure
/// can be shared by every request that waited on the same fetch.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Upstream {
    /// Refused or unreachable: 503 `upstream_unavailable`.
    Unavailable,
    /// No answer in time: 504 `upstream_timeout`.
    Timeout,
    /// Our credentials refused: 502 `upstream_auth_failed`.
    AuthFailed,
    /// An answer we cannot use: 502 `upstream_error`.
    BadAnswer,
    /// Its TLS certificate did not verify (nothing was sent): 502 `upstream_tls_error`.
    Tls,
}

impl Upstream {
    fn code(self) -> ErrorCode {
        match self {
            Upstream::Unavailable => ErrorCode::UpstreamUnavailable,
            Upstream::Timeout => ErrorCode::UpstreamTimeout,
            Upstream::AuthFailed => ErrorCode::UpstreamAuthFailed,
            Upstream::BadAnswer => ErrorCode::UpstreamError,
            Upstream::Tls => ErrorCode::UpstreamTlsError,
        }
    }

    /// The failure of a FreeSWITCH listing.
    pub fn of_cc(e: &CcError) -> Upstream {
        match e {
            CcError::Transport(TransportError::Unavailable(_) | TransportError::Interrupted(_)) => {
                Upstream::Unavailable
            }
            CcError::Transport(TransportError::Timeout) => Upstream::Timeout,
            CcError::Transport(TransportError::AuthFailed) => Upstream::AuthFailed,
            _ => Upstream::BadAnswer,
        }
    }
}

#[derive(Debug, Clone, thiserror::Error)]
pub enum StatsError {
    #[error("no project named {0:?}")]
    ProjectNotFound(String),
    #[error("a project named {0:?} already exists")]
    ProjectExists(String),
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0}")]
    InvalidRange(String),
    /// FreeSWITCH's listings failed.
    #[error("FreeSWITCH: {0:?}")]
    FreeSwitch(Upstream),
    /// The external statistics server failed (or none is configured: `Unavailable`).
    #[error("statistics server: {0:?}")]
    External(Upstream),
    /// Storage failed (the detail goes to the log only).
    #[error("internal error: {0}")]
    Internal(String),
    /// The database cannot be reached (the detail goes to the log only).
    #[error("database unavailable: {0}")]
    DatabaseUnavailable(String),
}

impl StatsError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> StatsError {
        StatsError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl From<sqlx::Error> for StatsError {
    fn from(e: sqlx::Error) -> Self {
        if crate::platform::error::is_unavailable(&e) {
            StatsError::DatabaseUnavailable(e.to_string())
        } else {
            StatsError::Internal(format!("database: {e}"))
        }
    }
}

impl From<ServiceError> for StatsError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { field, message } => StatsError::Invalid { field, message },
            ServiceError::Db(e) => e.into(),
            other => StatsError::Internal(other.to_string()),
        }
    }
}

impl PublicError for StatsError {
    fn code(&self) -> ErrorCode {
        match self {
            StatsError::ProjectNotFound(_) => ErrorCode::ProjectNotFound,
            StatsError::ProjectExists(_) => ErrorCode::Conflict,
            StatsError::Invalid { .. } => ErrorCode::InvalidParameter,
            StatsError::InvalidRange(_) => ErrorCode::InvalidRange,
            StatsError::FreeSwitch(u) | StatsError::External(u) => u.code(),
            StatsError::Internal(_) => ErrorCode::InternalError,
            StatsError::DatabaseUnavailable(_) => ErrorCode::DatabaseUnavailable,
        }
    }

    /// Neither FreeSWITCH's nor the statistics server's own text reaches a caller.
    fn public_message(&self) -> String {
        let what = |u: &Upstream, who: &str| match u {
            Upstream::Unavailable => format!("{who} cannot be reached"),
            Upstream::Timeout => format!("{who} did not answer in time"),
            Upstream::AuthFailed => format!("{who} refused the gateway's credentials"),
            Upstream::BadAnswer => format!("{who} answered something unexpected"),
            Upstream::Tls => format!("{who}'s TLS certificate did not verify"),
        };
        match self {
            StatsError::FreeSwitch(u) => what(u, "FreeSWITCH"),
            StatsError::External(u) => what(u, "the statistics server"),
            StatsError::Internal(_) => "internal error".into(),
            StatsError::DatabaseUnavailable(_) => {
                "the database cannot be reached right now; retry later".into()
            }
            other => other.to_string(),
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            StatsError::Invalid { field, message } => {
                Some(json!({ "field": field, "reason": message }))
            }
            StatsError::ProjectNotFound(name) | StatsError::ProjectExists(name) => {
                Some(json!({ "project": name }))
            }
            StatsError::External(_) => Some(json!({ "source": "external" })),
            _ => None,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            StatsError::Invalid { field, .. } => Some(field),
            StatsError::ProjectExists(_) => Some("name"),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn codes_and_messages() {
        let e = StatsError::ProjectNotFound("x".into());
        assert_eq!(e.code(), ErrorCode::ProjectNotFound);
        assert_eq!(e.code().status(), 404);
        assert_eq!(e.details().unwrap(), json!({"project": "x"}));
        let e = StatsError::External(Upstream::Timeout);
        assert_eq!(
            (e.code(), e.code().status()),
            (ErrorCode::UpstreamTimeout, 504)
        );
        assert_eq!(
            e.public_message(),
            "the statistics server did not answer in time"
        );
        let e = StatsError::External(Upstream::Unavailable);
        assert_eq!(e.code().status(), 503);
        let e = StatsError::External(Upstream::BadAnswer);
        assert_eq!(
            (e.code(), e.code().status()),
            (ErrorCode::UpstreamError, 502)
        );
        let e = StatsError::FreeSwitch(Upstream::of_cc(&CcError::Upstream("-ERR x".into())));
        assert_eq!(
            e.public_message(),
            "FreeSWITCH answered something unexpected"
        );
        assert_eq!(
            StatsError::Internal("db is gone".into()).public_message(),
            "internal error"
        );
    }
}
