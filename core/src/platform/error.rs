//! Errors at the service boundary. Every module has one error type (`ServiceError` here for the
//! plain storage-backed modules — access, journal, dashboard —, `cc::CcError`, `sms::SmsError`) and
//! each implements [`PublicError`]: a stable [`ErrorCode`] from the catalogue, a message safe to
//! show, optional details. The REST layer (`server::rest::error`) and the panel (`app::error`)
//! each convert *any* `PublicError` in one generic `From`, so no module maps codes of its own and no
//! code is a string.

use serde::ser::SerializeStruct;
use serde_json::{json, Value};

pub use ccgate_catalogue::errors::ErrorCode;

/// What a module's error tells the boundaries. Internal failures (`code() == InternalError`) keep
/// their detail for the log: the message shown is always "internal error".
pub trait PublicError: std::error::Error {
    fn code(&self) -> ErrorCode;

    /// Text for the caller: never secrets, paths or raw upstream answers.
    fn public_message(&self) -> String {
        if self.code() == ErrorCode::InternalError {
            "internal error".to_string()
        } else {
            self.to_string()
        }
    }

    /// Machine-readable context (`{"field": …, "reason": …}` for invalid input).
    fn details(&self) -> Option<Value> {
        None
    }

    /// The field a validation error is about, if any (the panel shows it beside the input).
    fn field(&self) -> Option<&str> {
        None
    }
}

/// The error of the plain storage-backed services (access control, journal, dashboard) and of the
/// platform itself.
#[derive(Debug, thiserror::Error)]
pub enum ServiceError {
    /// Input failed validation; `field` names what was wrong.
    #[error("{field}: {message}")]
    Invalid {
        field: &'static str,
        message: String,
    },
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{0}")]
    Conflict(String),
    /// Storage failed; the detail is logged, never shown.
    #[error("database error: {0}")]
    Db(#[from] sqlx::Error),
    #[error("internal error: {0}")]
    Internal(String),
}

impl ServiceError {
    pub fn invalid(field: &'static str, message: impl Into<String>) -> Self {
        ServiceError::Invalid {
            field,
            message: message.into(),
        }
    }
}

impl PublicError for ServiceError {
    fn code(&self) -> ErrorCode {
        match self {
            ServiceError::Invalid { .. } => ErrorCode::InvalidParameter,
            ServiceError::NotFound(_) => ErrorCode::NotFound,
            ServiceError::Conflict(_) => ErrorCode::Conflict,
            ServiceError::Db(e) if is_unavailable(e) => ErrorCode::DatabaseUnavailable,
            ServiceError::Db(_) | ServiceError::Internal(_) => ErrorCode::InternalError,
        }
    }

    fn public_message(&self) -> String {
        match self.code() {
            ErrorCode::InternalError => "internal error".to_string(),
            ErrorCode::DatabaseUnavailable => {
                "the database cannot be reached right now; retry later".to_string()
            }
            _ => self.to_string(),
        }
    }

    fn details(&self) -> Option<Value> {
        match self {
            ServiceError::Invalid { field, message } => {
                Some(json!({ "field": field, "reason": message }))
            }
            _ => None,
        }
    }

    fn field(&self) -> Option<&str> {
        match self {
            ServiceError::Invalid { field, .. } => Some(field),
            _ => None,
        }
    }
}

/// Why one item of a batch (`cc/add` contacts, `sms/send` recipients) was refused: the same shape
/// in every module, `{"code", "field", "message"}`.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ItemError {
    #[cfg_attr(feature = "openapi", schema(value_type = ErrorCodeSchema))]
    pub code: ErrorCode,
    pub field: &'static str,
    pub message: String,
}

impl ItemError {
    pub fn new(code: ErrorCode, field: &'static str, message: impl Into<String>) -> ItemError {
        ItemError {
            code,
            field,
            message: message.into(),
        }
    }

    /// `invalid_parameter` on `field`.
    pub fn invalid(field: &'static str, message: impl Into<String>) -> ItemError {
        ItemError::new(ErrorCode::InvalidParameter, field, message)
    }
}

impl serde::Serialize for ItemError {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut st = s.serialize_struct("ItemError", 3)?;
        st.serialize_field("code", self.code.as_str())?;
        st.serialize_field("field", self.field)?;
        st.serialize_field("message", &self.message)?;
        st.end()
    }
}

/// The OpenAPI schema of an error code: a string enum of every [`ErrorCode`] (component
/// `ErrorCode`), its description the table of codes with their HTTP status and doc line.
#[cfg(feature = "openapi")]
pub struct ErrorCodeSchema;

#[cfg(feature = "openapi")]
impl utoipa::PartialSchema for ErrorCodeSchema {
    fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use std::fmt::Write;
        let mut doc = String::from(
            "A stable error code (never renamed):\n\n| code | HTTP | meaning |\n|---|---|---|\n",
        );
        for c in ErrorCode::ALL {
            let _ = writeln!(doc, "| `{}` | {} | {} |", c.as_str(), c.status(), c.doc());
        }
        utoipa::openapi::ObjectBuilder::new()
            .schema_type(utoipa::openapi::schema::Type::String)
            .enum_values(Some(ErrorCode::ALL.iter().map(|c| c.as_str())))
            .description(Some(doc))
            .into()
    }
}

#[cfg(feature = "openapi")]
impl utoipa::ToSchema for ErrorCodeSchema {
    fn name() -> std::borrow::Cow<'static, str> {
        "ErrorCode".into()
    }
}

/// Is this sqlx error the database being away (no connection, a connection lost, none free in
/// time) rather than a failure of the statement? Answered as 503 `database_unavailable`.
pub fn is_unavailable(e: &sqlx::Error) -> bool {
    matches!(
        e,
        sqlx::Error::Io(_)
            | sqlx::Error::Tls(_)
            | sqlx::Error::PoolTimedOut
            | sqlx::Error::PoolClosed
            | sqlx::Error::WorkerCrashed
    )
}

/// Is this sqlx error a unique-constraint violation (both backends)?
pub fn is_unique_violation(e: &sqlx::Error) -> bool {
    match e {
        sqlx::Error::Database(db) => {
            db.is_unique_violation()
                || db.code().as_deref() == Some("23000")
                || db.message().contains("UNIQUE constraint failed")
                || db.message().contains("Duplicate entry")
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn internal_detail_never_shown() {
        let e = ServiceError::Internal("disk /var/lib/x full".into());
        assert_eq!(e.code(), ErrorCode::InternalError);
        assert_eq!(e.public_message(), "internal error");
        let e = ServiceError::invalid("login", "too long");
        assert_eq!(e.code(), ErrorCode::InvalidParameter);
        assert_eq!(e.public_message(), "login: too long");
        assert_eq!(e.field(), Some("login"));
    }

    #[test]
    fn item_errors_have_one_shape() {
        let v = serde_json::to_value(ItemError::invalid("phone", "too short")).unwrap();
        assert_eq!(
            v,
            json!({"code": "invalid_parameter", "field": "phone", "message": "too short"})
        );
    }
}
