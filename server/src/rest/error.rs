//! REST errors: one enum of stable codes (the public contract, listed once here) and the mapping to
//! HTTP status and the JSON body `{"error":{"code","message","request_id","more_info","details"?}}`.
//! The request pipeline fills in `request_id` for every error it passes on.

use axum::http::{header, HeaderValue, StatusCode};

fn status_of(code: ErrorCode) -> StatusCode {
    StatusCode::from_u16(code.status()).unwrap_or(StatusCode::INTERNAL_SERVER_ERROR)
}
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccgate_core::ServiceError;
use serde_json::{json, Value};

pub use ccgate_catalogue::errors::ErrorCode;

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

    pub fn body(&self, request_id: Option<&str>) -> Value {
        let mut err = json!({
            "code": self.code.as_str(),
            "message": self.message,
            "request_id": request_id,
            "more_info": format!("/docs#error-{}", self.code.as_str()),
        });
        if let Some(d) = &self.details {
            err["details"] = d.clone();
        }
        json!({ "error": err })
    }

    pub fn to_response(&self, request_id: Option<&str>) -> Response {
        let mut resp = (status_of(self.code), Json(self.body(request_id))).into_response();
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
        self.to_response(None)
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        self.to_response(None)
    }
}

impl From<ServiceError> for ApiError {
    fn from(e: ServiceError) -> Self {
        match e {
            ServiceError::Invalid { field, message } => {
                ApiError::new(ErrorCode::InvalidParameter, format!("{field}: {message}"))
                    .with_details(json!({ "field": field, "reason": message }))
            }
            ServiceError::NotFound(what) => {
                ApiError::new(ErrorCode::NotFound, format!("{what} not found"))
            }
            ServiceError::Conflict(m) => ApiError::new(ErrorCode::Conflict, m),
            ServiceError::Db(err) => {
                tracing::error!(error = %err, "database error in REST handler");
                ApiError::new(ErrorCode::InternalError, "internal error")
            }
            ServiceError::Internal(m) => {
                tracing::error!(error = %m, "internal error in REST handler");
                ApiError::new(ErrorCode::InternalError, "internal error")
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn body_shape() {
        let e = ApiError::new(ErrorCode::PermissionDenied, "no")
            .with_details(json!({"missing": "cc.add"}));
        let b = e.body(Some("r1"));
        assert_eq!(b["error"]["code"], "permission_denied");
        assert_eq!(b["error"]["request_id"], "r1");
        assert_eq!(b["error"]["details"]["missing"], "cc.add");
        assert_eq!(b["error"]["more_info"], "/docs#error-permission_denied");
    }
}
