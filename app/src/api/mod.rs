//! Server functions (under `/rpc`), one file per `ccgate-core` module: `auth` (admin sign-in and
//! its second step), `access` (API users, keys, permissions, module switches, settings blocks),
//! `audit` (the «Аудит» and «Входы» pages' listings), `journal`, `dashboard`, `cc` (FreeSWITCH
//! check), `sms` (gateways), `reports` (the «Отчёты» page and the report server's check),
//! `security` (the admin's own second factor), `stats` (the statistics source's check),
//! `live_stats` (the «Онлайн статистика» page; used by its path, not re-exported) and `platform`
//! (the «База данных» block).
//! Each is thin: `require_admin()` (a read) or `require_editor()` / `require_actor()` (a change,
//! refused to a viewer), call a `ccgate-core` service, convert. Data types here cross to the
//! browser; each one built from a core type has a `From` impl (ssr only) beside it, and every
//! error reaches [`AppError`] through its one generic `From<PublicError>`.
//!
//! **Roles, deny by default.** [`VIEWER_RPC`] lists the server functions an admin with role
//! `viewer` may call; the server's gate answers 403 to a viewer for every other one before it
//! runs, and each changing function refuses a viewer again itself. A new server function is
//! therefore a change until it is added to the list.
//!
//! [`AppError`]: crate::error::AppError

pub mod access;
pub mod audit;
pub mod auth;
pub mod cc;
pub mod dashboard;
pub mod docs;
pub mod journal;
pub mod live_stats;
pub mod platform;
pub mod reports;
pub mod security;
pub mod sms;
pub mod stats;

pub use access::*;
pub use audit::*;
pub use auth::*;
pub use cc::*;
pub use dashboard::*;
pub use journal::*;
pub use platform::*;
pub use reports::*;
pub use security::*;
pub use sms::*;
pub use stats::*;

use serde::{Deserialize, Serialize};

/// The server functions (endpoints under `/rpc/`) an admin with role `viewer` may call: reads
/// (listings, pages' data, the «Проверить» connection checks, which only read saved settings) and
/// what concerns only the signed-in admin (sign-in, sign-out, its own second factor). Everything
/// else is a change and is refused to a viewer.
pub const VIEWER_RPC: &[&str] = &[
    // auth.rs
    "login",
    "login/code",
    "logout",
    "current_admin",
    "signins",
    // security.rs: the admin's own second factor
    "security/status",
    "security/totp/begin",
    "security/totp/confirm",
    "security/totp/disable",
    // access.rs
    "users/list",
    "users/get",
    "settings/modules",
    "settings/block",
    // audit.rs
    "audit/list",
    "audit/choices",
    "signins/list",
    // cc.rs, stats.rs, reports/, platform.rs: the checks of saved settings
    "settings/check_freeswitch",
    "settings/check_stats",
    "settings/check_reports",
    "settings/check_database",
    "settings/database",
    "settings/stats_projects",
    // dashboard.rs, journal.rs, live_stats.rs, reports/
    "dashboard/data",
    "dashboard/quotas",
    "journal/list",
    "stats/live",
    "reports/meta",
    "reports/run",
    // docs.rs
    "docs/chapter",
    "docs/reference",
    "docs/key",
    // sms.rs
    "sms/gateways",
    "sms/gateways/defaults",
    "sms/gateways/test",
];

/// May a viewer call the server function at `path` (`/rpc/<endpoint>`)?
pub fn viewer_may_call(path: &str) -> bool {
    path.strip_prefix("/rpc/")
        .is_some_and(|endpoint| VIEWER_RPC.contains(&endpoint))
}

/// The outcome of a «Проверить» button (a connection or credentials test).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CheckResult {
    pub ok: bool,
    pub message: String,
}

/// An optional time input: empty is `None`, otherwise RFC 3339 or `YYYY-MM-DD` (midnight at
/// `tz` minutes east of UTC) in Unix ms; anything else is invalid `field`.
#[cfg(feature = "ssr")]
fn time_input(
    field: &'static str,
    s: &str,
    tz: i64,
    expected: &'static str,
) -> Result<Option<i64>, crate::error::AppError> {
    use ccgate_core::platform::error::ServiceError;
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    let ms = ccgate_core::platform::time::parse_input(s, tz)
        .ok_or_else(|| ServiceError::invalid(field, expected))?;
    Ok(Some(ms))
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use super::*;

    /// Every endpoint of the viewer's list is a registered server function (a renamed one would
    /// silently become a change), and the list names each once.
    #[test]
    fn the_viewer_list_names_registered_server_functions() {
        let registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths()
            .map(|(path, _)| path)
            .collect();
        for endpoint in VIEWER_RPC {
            let path = format!("/rpc/{endpoint}");
            assert!(
                registered.contains(&path.as_str()),
                "{path} is not registered"
            );
            assert!(viewer_may_call(&path));
        }
        let mut sorted = VIEWER_RPC.to_vec();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), VIEWER_RPC.len());
        assert!(!viewer_may_call("/rpc/settings/save"));
        assert!(!viewer_may_call("/rpc/users/create"));
        assert!(!viewer_may_call("users/list"));
    }
}
