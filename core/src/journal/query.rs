//! Reading the journal back for the admin panel: one page of rows matching a filter, newest
//! first, with the total count.

use serde::{Deserialize, Serialize};

use crate::access::audit::like_pattern;
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::query::Filter as Where;

/// The columns of a [`Row`], in its field order, from `request_journal`.
pub(crate) const SELECT_ROWS: &str =
    "SELECT id, at, request_id, user_id, user_login, module, method, http_method, path, status, \
     error_code, outcome, latency_us, client_ip, response_bytes FROM request_journal";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, sqlx::FromRow)]
pub struct Row {
    pub id: i64,
    pub at: i64,
    pub request_id: String,
    pub user_id: Option<i64>,
    pub user_login: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    pub http_method: String,
    pub path: String,
    pub status: i64,
    pub error_code: Option<String>,
    pub outcome: String,
    pub latency_us: i64,
    pub client_ip: String,
    pub response_bytes: i64,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Filter {
    /// Login substring.
    pub user: Option<String>,
    pub module: Option<String>,
    pub method: Option<String>,
    /// `ok`, `bad` or `error`.
    pub outcome: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
    pub request_id: Option<String>,
}

/// A text criterion as given: trimmed, `None` when blank.
fn given(o: &Option<String>) -> Option<String> {
    o.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

impl Filter {
    /// The `WHERE` clause of this filter (an unknown outcome is refused).
    fn to_where(&self) -> Result<Where, ServiceError> {
        let outcome = given(&self.outcome);
        if let Some(o) = &outcome {
            if !matches!(o.as_str(), "ok" | "bad" | "error") {
                return Err(ServiceError::invalid("outcome", "must be ok, bad or error"));
            }
        }
        let mut w = Where::new();
        w.and_opt(
            "user_login LIKE ? ESCAPE '!'",
            given(&self.user).map(|u| like_pattern(&u)),
        )
        .and_opt("module = ?", given(&self.module))
        .and_opt("method = ?", given(&self.method))
        .and_opt("outcome = ?", outcome)
        .and_opt("at >= ?", self.from_ms)
        .and_opt("at < ?", self.until_ms)
        .and_opt("request_id = ?", given(&self.request_id));
        Ok(w)
    }
}

/// One page of rows matching `f` (newest first) and how many match in all.
pub async fn list(
    db: &Db,
    f: &Filter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<Row>, i64), ServiceError> {
    let w = f.to_where()?;
    let sql = format!(
        "{SELECT_ROWS}{} ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
        w.sql()
    );
    let items = w
        .bind(sqlx::query_as::<_, Row>(&sql))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    let count_sql = format!("SELECT COUNT(*) FROM request_journal{}", w.sql());
    let total = w
        .bind(sqlx::query_scalar::<_, i64>(&count_sql))
        .fetch_one(&db.pool)
        .await?;
    Ok((items, total))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_trim_escape_and_check_the_outcome() {
        let f = Filter {
            user: Some(" crm_1 ".into()),
            module: Some("  ".into()),
            outcome: Some("bad".into()),
            from_ms: Some(5),
            ..Default::default()
        };
        assert_eq!(
            f.to_where().unwrap().sql(),
            " WHERE user_login LIKE ? ESCAPE '!' AND outcome = ? AND at >= ?"
        );
        assert_eq!(Filter::default().to_where().unwrap().sql(), "");
        let bad = Filter {
            outcome: Some("fine".into()),
            ..Default::default()
        };
        assert!(matches!(bad.to_where(), Err(ServiceError::Invalid { .. })));
    }
}
