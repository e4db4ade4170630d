//! Server functions (under `/rpc`), one file per `ccgate-core` module: `auth` (admin sign-in),
//! `access` (API users, keys, permissions, module switches, settings blocks), `audit` (the
//! «Аудит» and «Входы» pages' listings), `journal`,
//! `dashboard`, `cc` (FreeSWITCH check), `sms` (gateways), `reports` (the «Отчёты» page and the
//! report server's check), `stats` (the statistics source's check), `live_stats` (the «Онлайн
//! статистика» page; used by its path, not re-exported) and `platform` (the «База данных» block).
//! Each is thin: `require_admin()`, call a `ccgate-core` service, convert. Data types here cross
//! to the browser; each one built from a core type has a `From` impl (ssr only) beside it, and
//! every error reaches [`AppError`] through its one generic `From<PublicError>`.
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
pub use sms::*;
pub use stats::*;

use serde::{Deserialize, Serialize};

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
