//! Online statistics (`stats` in the catalogue; Settings → «Онлайн статистика ЦОВ»): a project
//! is a named set of queues (`projects`); `stats.get` shows one, `stats.all` every project and
//! their overall figures. Two sources, chosen by `stats.source` (`settings`):
//!
//! * built-in (`service`): live figures from one set of mod_callcenter listings (`live`), shared
//!   by every request through a single-flight cache (`flight`) for at most [`LIVE_MAX_AGE`], and
//!   the period's figures (today so far, or `from`/`until`) from indexed tables (`period`): the
//!   member legs of queue calls in `cdr`, `cc_calls`, `sms_messages`;
//! * external (`external`): the call center's own statistics server, forwarded.
//!
//! The module's one error is [`StatsError`] (`error`).

use std::sync::Arc;
use std::time::Duration;

pub mod error;
pub mod external;
pub mod flight;
pub mod live;
pub mod period;
pub mod projects;
pub mod service;
pub mod settings;

pub use error::StatsError;

use crate::cc::queues::Listing;
use error::Upstream;
use flight::Flight;

/// Live figures are at most this old (plus one fetch): FreeSWITCH sees at most one set of
/// listings per this period, however many requests arrive.
pub const LIVE_MAX_AGE: Duration = Duration::from_secs(1);
/// The period's figures are recomputed at most this often per distinct request.
pub const PERIOD_MAX_AGE: Duration = Duration::from_secs(1);

/// One set of mod_callcenter listings and when it was read (Unix milliseconds).
#[derive(Debug, Clone, PartialEq)]
pub struct Snapshot {
    pub at_ms: i64,
    pub listing: Listing,
}

/// The caches of the statistics (held by `Services`).
#[derive(Default)]
pub struct StatsHub {
    /// By settings generation: a change of the «FreeSWITCH» block is never served old listings.
    listings: Flight<i64, Result<Arc<Snapshot>, Upstream>>,
    periods: Flight<String, Result<Arc<service::PeriodSet>, StatsError>>,
    pub external: external::External,
}
