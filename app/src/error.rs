//! The admin panel's error type for server functions. It crosses to the browser, so it holds no
//! internals: database and other failures become `Internal` and the detail stays in the server log.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("not signed in")]
    Unauthorized,
    #[error("wrong username or password")]
    BadCredentials,
    #[error("too many attempts, retry in {0} s")]
    Throttled(u64),
    #[error("{field}: {message}")]
    Invalid { field: String, message: String },
    #[error("{0}")]
    Conflict(String),
    #[error("{0} not found")]
    NotFound(String),
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
            AppError::Unauthorized | AppError::BadCredentials => C::UNAUTHORIZED,
            AppError::Throttled(_) => C::TOO_MANY_REQUESTS,
            AppError::Invalid { .. } => C::BAD_REQUEST,
            AppError::Conflict(_) => C::CONFLICT,
            AppError::NotFound(_) => C::NOT_FOUND,
            AppError::Internal | AppError::ServerFn(_) => C::INTERNAL_SERVER_ERROR,
        };
        crate::ssr::respond_with(status);
        self
    }
}

#[cfg(feature = "ssr")]
impl From<ccgate_core::ServiceError> for AppError {
    fn from(e: ccgate_core::ServiceError) -> Self {
        use ccgate_core::ServiceError as S;
        let e = match e {
            S::Invalid { field, message } => AppError::Invalid {
                field: field.to_string(),
                message,
            },
            S::NotFound(what) => AppError::NotFound(what.to_string()),
            S::Conflict(m) => AppError::Conflict(m),
            S::Db(err) => {
                tracing::error!(error = %err, "database error in server function");
                AppError::Internal
            }
            S::Internal(m) => {
                tracing::error!(error = %m, "internal error in server function");
                AppError::Internal
            }
        };
        e.with_status()
    }
}
