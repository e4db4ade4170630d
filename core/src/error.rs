//! The service boundary's one error enum. REST (`server::rest::error`) and the admin panel
//! (`app::error`) each map it to their own representation in one place.

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
    #[error("database error")]
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
