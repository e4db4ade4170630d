//! The admin panel's error type for server functions. It crosses to the browser, so it holds no
//! internals: database and other failures become `Internal` and the detail stays in the server log.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    /// Signed in, but the admin's role may not do this (a viewer asking for a change).
    #[error("read only: the role `viewer` may not change anything")]
    Forbidden,
    #[error("wrong username or password")]
    BadCredentials,
    /// The second factor's code (or recovery code, or password) was wrong or already used.
    #[error("wrong or used code")]
    BadCode,
    #[error("too many attempts, retry in {0} s")]
    Throttled(u64),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0}")]
    NotFound(String),
    /// Any other refusal of a service (an upstream down, a switched-off method…), with its stable
    /// public code and HTTP status.
    #[error("{message}")]
    Failed {
        code: String,
        status: u16,
        message: String,
    },
    #[error("internal error")]
    Internal,
    #[error("request failed: {0}")]
    ServerFn(ServerFnErrorErr),
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        AppError::ServerFn(value)
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    /// Mark the server-function response with the status this error deserves — 4xx for the
    /// caller's mistakes, never a 500 for bad input — and return the error.
    pub fn with_status(self) -> Self {
        use http::StatusCode as C;
        let status = match &self {
            AppError::Unauthorized | AppError::BadCredentials | AppError::BadCode => {
                C::UNAUTHORIZED
            }
            AppError::Forbidden => C::FORBIDDEN,
            AppError::Throttled(_) => C::TOO_MANY_REQUESTS,
            AppError::Invalid { .. } => C::BAD_REQUEST,
            AppError::Conflict(_) => C::CONFLICT,
            AppError::NotFound(_) => C::NOT_FOUND,
            AppError::Failed { status, .. } => {
                C::from_u16(*status).unwrap_or(C::INTERNAL_SERVER_ERROR)
            }
            AppError::Internal | AppError::ServerFn(_) => C::INTERNAL_SERVER_ERROR,
        };
        crate::ssr::respond_with(status);
        self
    }
}

/// Every module error reaches the panel through this one conversion: the code's status decides
/// the variant, internal detail goes to the log only.
#[cfg(feature = "ssr")]
impl<E: ccgate_core::platform::error::PublicError> From<E> for AppError {
    fn from(e: E) -> Self {
        let code = e.code();
        let e = match code.status() {
            400 | 422 => AppError::Invalid {
                field: e.field().unwrap_or_default().to_string(),
                message: e
                    .details()
                    .and_then(|d| d.get("reason").and_then(|r| r.as_str()).map(str::to_string))
                    .unwrap_or_else(|| e.public_message()),
            },
            404 => AppError::NotFound(e.public_message()),
            409 => AppError::Conflict(e.public_message()),
            500 => {
                tracing::error!(error = %e, "internal error in server function");
                AppError::Internal
            }
            status => AppError::Failed {
                code: code.as_str().to_string(),
                status,
                message: e.public_message(),
            },
        };
        e.with_status()
    }
}
