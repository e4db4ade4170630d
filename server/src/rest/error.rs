//! REST errors: the JSON body `{"error":{"code","message","request_id","more_info","details"?}}`
//! and its HTTP status, both from the catalogue's [`ErrorCode`] table. Every module error reaches
//! it through one generic conversion from [`PublicError`]. The request pipeline fills in
//! `request_id` and the absolute `more_info` link for every error it passes on.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccgate_core::platform::error::{ErrorCodeSchema, PublicError};
use serde::Serialize;
use serde_json::Value;

fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}

pub use ccgate_catalogue::errors::ErrorCode;

/// The body of every error answer (the OpenAPI component `ErrorBody`).
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ErrorDetail {
    /// The stable code; the HTTP status follows from it.
    #[schema(value_type = ErrorCodeSchema, example = "invalid_parameter")]
    pub code: &'static str,
    /// Safe to show; wording may change, the code does not.
    #[schema(example = "`name` is required")]
    pub message: String,
    /// The request's id (also the `X-Request-Id` answer header); quote it to support.
    #[schema(example = "0193a1b2c3d4e5f60718293a4b5c6d7e")]
    pub request_id: Option<String>,
    /// `<public_url or http://Host>/docs/errors#<code>`.
    #[schema(example = "https://cc.example.com/docs/errors#invalid_parameter")]
    pub more_info: String,
    /// Code-specific details, e.g. `{"field": "name", "reason": "required"}` or
    /// `{"missing": "cc.add"}`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub details: Option<Value>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub code: ErrorCode,
    pub message: String,
    pub details: Option<Value>,
}

/// Put on every error response so the pipeline can add the request id and journal the code.
#[derive(Debug, Clone)]
pub struct ErrorInfo(pub ApiError);

impl ApiError {
    pub fn new(code: ErrorCode, message: impl Into<String>) -> Self {
        ApiError {
            code,
            message: message.into(),
            details: None,
        }
    }

    pub fn with_details(mut self, details: Value) -> Self {
        self.details = Some(details);
        self
    }

    /// `base` is the origin integrators reach ccgate at (`https://cc.example.com`), or empty.
    pub fn body(&self, request_id: Option<&str>, base: &str) -> ErrorBody {
        ErrorBody {
            error: ErrorDetail {
                code: self.code.as_str(),
                message: self.message.clone(),
                request_id: request_id.map(str::to_string),
                more_info: more_info(base, self.code),
                details: self.details.clone(),
            },
        }
    }

    pub fn to_response(&self, request_id: Option<&str>, base: &str) -> Response {
        let mut resp = (status_of(self.code), Json(self.body(request_id, base))).into_response();
        if self.code.status() == 401 {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer, Basic realm=\"ccgate\""),
            );
        }
        resp.extensions_mut().insert(ErrorInfo(self.clone()));
        resp
    }
}

impl ApiError {
    /// The response, to add headers to before returning it.
    pub fn into_response_parts(self) -> Response {
        self.to_response(None, "")
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response(None, "")
    }
}

/// The docs anchor of a code: `<base>/docs/errors#<code>`.
pub fn more_info(base: &str, code: ErrorCode) -> String {
    format!("{base}/docs/errors#{}", code.as_str())
}

/// Every module error becomes an API error here, and only here.
impl<E: PublicError> From<E> for ApiError {
    fn from(e: E) -> Self {
        let code = e.code();
        if code == ErrorCode::InternalError {
            tracing::error!(error = %e, "internal error in REST handler");
        } else if code == ErrorCode::UpstreamError {
            tracing::warn!(error = %e, "unexpected upstream answer");
        }
        ApiError {
            code,
            message: e.public_message(),
            details: e.details(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn body_shape() {
        let e = ApiError::new(ErrorCode::PermissionDenied, "no")
            .with_details(json!({"missing": "cc.add"}));
        let b = serde_json::to_value(e.body(Some("r1"), "https://cc.example.com")).unwrap();
        assert_eq!(b["error"]["code"], "permission_denied");
        assert_eq!(b["error"]["request_id"], "r1");
        assert_eq!(b["error"]["details"]["missing"], "cc.add");
        assert_eq!(
            b["error"]["more_info"],
            "https://cc.example.com/docs/errors#permission_denied"
        );
    }
}
