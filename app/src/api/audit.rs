//! The «Аудит» page's listing (`ccgate_core::access::audit`): every audited change, newest
//! first, with its filters' choices; and the «Входы» page's (`ccgate_core::access::admins`).

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// Rows per page of «Аудит» and «Входы».
pub const AUDIT_PAGE: i64 = 50;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditRow {
    pub id: i64,
    /// Unix ms (the page formats it: `crate::time`).
    pub at: i64,
    /// `admin:<name>` or `cli`.
    pub actor: String,
    /// The admin's client address; none for the command line.
    pub ip: Option<String>,
    pub action: String,
    pub target: String,
    /// As recorded: secrets were masked before they were stored.
    pub old_value: Option<String>,
    pub new_value: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditPage {
    pub items: Vec<AuditRow>,
    pub total: i64,
    pub offset: i64,
}

/// What the filters offer: the actions and the actors that occur in the log.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AuditFilterChoices {
    pub actions: Vec<String>,
    pub actors: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SignInListPage {
    pub items: Vec<super::SignIn>,
    pub total: i64,
    pub offset: i64,
}

#[cfg(feature = "ssr")]
impl From<ccgate_core::access::audit::AuditEntry> for AuditRow {
    fn from(r: ccgate_core::access::audit::AuditEntry) -> Self {
        AuditRow {
            id: r.id,
            at: r.at,
            actor: r.actor,
            ip: r.ip,
            action: r.action,
            target: r.target,
            old_value: r.old_value,
            new_value: r.new_value,
        }
    }
}

/// The `from` and `until` inputs of a listing as a half-open range of Unix ms: a plain date
/// `until` includes that whole day.
#[cfg(feature = "ssr")]
fn range(from: &str, until: &str, tz: i64) -> Result<(Option<i64>, Option<i64>), AppError> {
    const EXPECTED: &str = "expected YYYY-MM-DD or RFC 3339";
    let from_ms = super::time_input("from", from, tz, EXPECTED)?;
    let mut until_ms = super::time_input("until", until, tz, EXPECTED)?;
    if until.trim().len() == 10 {
        until_ms = until_ms.map(|ms| ms + 86_400_000);
    }
    Ok((from_ms, until_ms))
}

/// One page of audited changes (admin only). `action` ending in `.` is a prefix (`setting.`).
#[server(endpoint = "audit/list")]
pub async fn list_audit(
    actor: String,
    action: String,
    target: String,
    from: String,
    until: String,
    offset: i64,
) -> Result<AuditPage, AppError> {
    use ccgate_core::access::audit;
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let (from_ms, until_ms) = range(&from, &until, state.live.current().utc_offset_minutes)?;
    let f = audit::Filter {
        actor: Some(actor),
        action: Some(action),
        target: Some(target),
        from_ms,
        until_ms,
    };
    let (rows, total) = audit::search(&state.db, &f, AUDIT_PAGE, offset).await?;
    Ok(AuditPage {
        items: rows.into_iter().map(AuditRow::from).collect(),
        total,
        offset: offset.max(0),
    })
}

/// The choices of the «Аудит» page's action and actor filters (admin only).
#[server(endpoint = "audit/choices")]
pub async fn audit_choices() -> Result<AuditFilterChoices, AppError> {
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let (actions, actors) = ccgate_core::access::audit::choices(&state.db).await?;
    Ok(AuditFilterChoices { actions, actors })
}

/// One page of the sign-in log (admin only): `username` a substring, `result` `ok` | `fail` |
/// `throttled`, `ip` exact or a beginning ending in `.` or `:`.
#[server(endpoint = "signins/list")]
pub async fn list_signins(
    username: String,
    result: String,
    ip: String,
    from: String,
    until: String,
    offset: i64,
) -> Result<SignInListPage, AppError> {
    use ccgate_core::access::admins;
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let (from_ms, until_ms) = range(&from, &until, state.live.current().utc_offset_minutes)?;
    let f = admins::LoginLogFilter {
        username: Some(username),
        result: Some(result),
        ip: Some(ip),
        from_ms,
        until_ms,
    };
    let (rows, total) = admins::search_login_log(&state.db, &f, AUDIT_PAGE, offset).await?;
    Ok(SignInListPage {
        items: rows.into_iter().map(super::SignIn::from).collect(),
        total,
        offset: offset.max(0),
    })
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    #[test]
    fn a_plain_until_date_includes_its_day() {
        let (from, until) = super::range("2026-12-01", "2026-12-01", 180).unwrap();
        assert_eq!(until.unwrap() - from.unwrap(), 86_400_000);
        let (_, exact) = super::range("", "2026-12-01T10:00:00Z", 180).unwrap();
        assert_eq!(
            exact,
            ccgate_core::platform::time::parse_input("2026-12-01T10:00:00Z", 0)
        );
        assert_eq!(super::range("", "", 0).unwrap(), (None, None));
        assert!(super::range("yesterday", "", 0).is_err());
    }
}
