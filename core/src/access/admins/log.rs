//! Reading the sign-in log (`admin_login_log`) back for the panel: the «Входы» page's filters
//! (username, outcome, IP, time), newest first, with the total count.

use serde::{Deserialize, Serialize};

use super::LoginLogEntry;
use crate::access::audit::like_pattern;
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::query::Filter as Where;

/// The outcomes a sign-in attempt is logged with.
pub const RESULTS: &[&str] = &["ok", "fail", "throttled", "password_ok"];

/// What the «Входы» page filters by; blank texts are no criterion.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LoginLogFilter {
    /// A substring of the username tried.
    pub username: Option<String>,
    /// One of [`RESULTS`].
    pub result: Option<String>,
    /// The client address exactly, or — ending in `.` or `:` — its beginning (`10.1.`).
    pub ip: Option<String>,
    pub from_ms: Option<i64>,
    pub until_ms: Option<i64>,
}

fn given(o: &Option<String>) -> Option<String> {
    o.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(String::from)
}

impl LoginLogFilter {
    /// The `WHERE` clause (an unknown outcome is refused).
    fn to_where(&self) -> Result<Where, ServiceError> {
        let result = given(&self.result);
        if let Some(r) = &result {
            if !RESULTS.contains(&r.as_str()) {
                return Err(ServiceError::invalid(
                    "result",
                    "must be ok, fail or throttled",
                ));
            }
        }
        let mut w = Where::new();
        w.and_opt(
            "username LIKE ? ESCAPE '!'",
            given(&self.username).map(|u| like_pattern(&u)),
        )
        .and_opt("result = ?", result);
        match given(&self.ip) {
            Some(p) if p.ends_with('.') || p.ends_with(':') => {
                let mut pattern = like_pattern(&p);
                pattern.remove(0); // anchored at the start
                w.and_opt("ip LIKE ? ESCAPE '!'", Some(pattern));
            }
            exact => {
                w.and_opt("ip = ?", exact);
            }
        }
        w.and_opt("at >= ?", self.from_ms)
            .and_opt("at < ?", self.until_ms);
        Ok(w)
    }
}

/// One page of sign-in attempts matching `f`, newest first, and how many match in all.
pub async fn search(
    db: &Db,
    f: &LoginLogFilter,
    limit: i64,
    offset: i64,
) -> Result<(Vec<LoginLogEntry>, i64), ServiceError> {
    let w = f.to_where()?;
    let sql = format!(
        "SELECT id, at, username, ip, user_agent, result FROM admin_login_log{} \
         ORDER BY at DESC, id DESC LIMIT ? OFFSET ?",
        w.sql()
    );
    let items = w
        .bind(sqlx::query_as::<_, LoginLogEntry>(&sql))
        .bind(limit.clamp(1, 1000))
        .bind(offset.max(0))
        .fetch_all(&db.pool)
        .await?;
    let count_sql = format!("SELECT COUNT(*) FROM admin_login_log{}", w.sql());
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
    fn filters_trim_check_the_outcome_and_take_an_address_prefix() {
        let f = LoginLogFilter {
            username: Some(" adm ".into()),
            result: Some("fail".into()),
            ip: Some("10.1.".into()),
            from_ms: Some(3),
            ..Default::default()
        };
        assert_eq!(
            f.to_where().unwrap().sql(),
            " WHERE username LIKE ? ESCAPE '!' AND result = ? AND ip LIKE ? ESCAPE '!' AND at >= ?"
        );
        let exact = LoginLogFilter {
            ip: Some("10.1.2.3".into()),
            until_ms: Some(4),
            ..Default::default()
        };
        assert_eq!(exact.to_where().unwrap().sql(), " WHERE ip = ? AND at < ?");
        assert_eq!(LoginLogFilter::default().to_where().unwrap().sql(), "");
        let bad = LoginLogFilter {
            result: Some("maybe".into()),
            ..Default::default()
        };
        assert!(matches!(bad.to_where(), Err(ServiceError::Invalid { .. })));
    }
}
