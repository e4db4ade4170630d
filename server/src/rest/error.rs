//! REST errors: one enum of stable codes (the public contract, listed once here) and the mapping to
//! HTTP status and the JSON body `{"error":{"code","message","request_id","more_info","details"?}}`.
//! The request pipeline fills in `request_id` for every error it passes on.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use ccgate_core::ServiceError;
use serde_json::{json, Value};

macro_rules! codes {
    ($($variant:ident => ($code:literal, $status:ident, $doc:literal)),* $(,)?) => {
        /// Stable error codes. Never rename one: add new ones instead.
        #[derive(Debug, Clone, Copy, PartialEq, Eq)]
        pub enum ErrorCode { $($variant),* }

        impl ErrorCode {
            pub const ALL: &'static [ErrorCode] = &[$(ErrorCode::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(ErrorCode::$variant => $code),* }
            }
            pub fn status(self) -> StatusCode {
                match self { $(ErrorCode::$variant => StatusCode::$status),* }
            }
            /// One line for the docs.
            pub fn doc(self) -> &'static str {
                match self { $(ErrorCode::$variant => $doc),* }
            }
        }
    };
}

codes! {
    AuthMissing => ("auth_missing", UNAUTHORIZED, "No API key: send Authorization: Bearer <key>, X-API-Key or Basic login:key."),
    AuthInvalid => ("auth_invalid", UNAUTHORIZED, "The API key is unknown or revoked, or does not belong to the login given."),
    KeyExpired => ("key_expired", UNAUTHORIZED, "The API key has expired; ask for a new one."),
    UserBlocked => ("user_blocked", FORBIDDEN, "The API user is blocked."),
    MethodDisabled => ("method_disabled", FORBIDDEN, "The method (or its module) is switched off for everyone."),
    PermissionDenied => ("permission_denied", FORBIDDEN, "The API user may not call this method; details.missing names it."),
    NotFound => ("not_found", NOT_FOUND, "No such route or resource."),
    MethodNotAllowed => ("method_not_allowed", METHOD_NOT_ALLOWED, "The route exists but not with this HTTP method."),
    PayloadTooLarge => ("payload_too_large", PAYLOAD_TOO_LARGE, "The request body is larger than 1 MiB."),
    UnsupportedMediaType => ("unsupported_media_type", UNSUPPORTED_MEDIA_TYPE, "Send JSON with Content-Type: application/json."),
    InvalidJson => ("invalid_json", BAD_REQUEST, "The body is not valid JSON; details give line and column."),
    UnknownField => ("unknown_field", BAD_REQUEST, "The body has a field this method does not know."),
    InvalidParameter => ("invalid_parameter", BAD_REQUEST, "A parameter is missing or invalid; details name it."),
    Conflict => ("conflict", CONFLICT, "The request conflicts with the current state."),
    NotImplemented => ("not_implemented", NOT_IMPLEMENTED, "The method is in the catalogue but its module is not available yet."),
    InternalError => ("internal_error", INTERNAL_SERVER_ERROR, "An unexpected failure; quote the request_id to support."),
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
        let mut resp = (self.code.status(), Json(self.body(request_id))).into_response();
        if self.code.status() == StatusCode::UNAUTHORIZED {
            resp.headers_mut().insert(
                header::WWW_AUTHENTICATE,
                HeaderValue::from_static("Bearer, Basic realm=\"ccgate\""),
            );
        }
        resp.extensions_mut().insert(ErrorInfo(self.clone()));
        resp
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
    fn codes_are_unique_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            let s = c.as_str();
            assert!(seen.insert(s), "duplicate code {s}");
            assert!(
                s.chars().all(|ch| ch.is_ascii_lowercase() || ch == '_'),
                "{s}"
            );
            assert!(c.status().is_client_error() || c.status().is_server_error());
        }
    }

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
