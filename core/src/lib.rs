//! ccgate-core: everything the REST API (`server`) and the admin panel (`app`, `ssr` build) share —
//! configuration, storage, domain types that parse, and the service functions both boundaries call.
//!
//! One folder per module: `platform` (what every module stands on), `access` (admins, API users,
//! keys, permissions, settings, audit, the live snapshot), `journal` (the request journal and daily
//! counters), `dashboard`, `cc` (contact center), `freeswitch` (the wire codecs and clients),
//! `sms`, `stats` (online statistics), `reports` (the `reports.*` methods over the counters and
//! indexed tables).
//!
//! Invariant: nothing here knows about HTTP frameworks or Leptos. Handlers and server functions stay
//! thin and call into this crate.

pub mod access;
pub mod cc;
pub mod dashboard;
pub mod demo;
pub mod freeswitch;
pub mod journal;
pub mod limits;
pub mod observe;
pub mod platform;
pub mod reports;
pub mod sms;
pub mod stats;

pub use platform::config::Config;
pub use platform::db::{Backend, Db};
pub use platform::error::ServiceError;
pub use platform::secret::Secret;

use std::sync::Arc;

use crate::access::live::Live;
use crate::cc::cdr::query::Totals;
use crate::cc::dialer::Dialer;
use crate::dashboard::Cache;
use crate::freeswitch::hub::FsHub;
use crate::journal::JournalHandle;
use crate::sms::service::SmsHub;
use crate::stats::StatsHub;

/// The one state object both boundaries hold. The REST API (`server::rest`) takes it as its router
/// state; the panel's `AppState` wraps the same value. Cheap to clone: one reference count (the
/// router clones its state for every layer of every request, so a clone of a dozen handles — each
/// an atomic add on a cache line both cores write — showed in the request path's profile).
/// Reads as its [`Shared`] fields (`services.db`, `services.live`…).
#[derive(Clone)]
pub struct Services(Arc<Shared>);

impl std::ops::Deref for Services {
    type Target = Shared;
    fn deref(&self) -> &Shared {
        &self.0
    }
}

/// What [`Services`] holds.
pub struct Shared {
    pub db: Db,
    pub config: Arc<Config>,
    /// Users, keys, permissions and settings as of now (reloaded on every change).
    pub live: Arc<Live>,
    pub journal: JournalHandle,
    /// The FreeSWITCH client for the current settings.
    pub fs: Arc<FsHub>,
    /// The outbound call list's pacing worker (`cc.add`).
    pub dialer: Arc<Dialer>,
    /// SMS gateways' clients, binds and pacers.
    pub sms: Arc<SmsHub>,
    /// The dashboard's aggregates of closed days.
    pub dash_cache: Arc<Cache>,
    /// Totals of CDR searches until the CDR index next changes.
    pub cdr_totals: Arc<Totals>,
    /// The reports' grouped counters of closed days.
    pub reports_cache: Arc<crate::reports::Cache>,
    /// The online statistics' caches (live listings, period figures, external answers).
    pub stats: Arc<StatsHub>,
    /// The API users' limit counters (`limits`), shared with other instances through the database.
    pub limits: Arc<crate::limits::Limiter>,
}

impl Services {
    /// Load the live snapshot and start the journal writer over a migrated database. Nothing runs
    /// in the background yet but the journal writer: [`Services::spawn_workers`] starts the rest.
    pub async fn build(config: Config, db: Db) -> Result<Services, ServiceError> {
        let live = Live::new(db.clone()).await?;
        // Counters added by a later migration are filled from older journal rows once, before
        // this instance's writer adds to them.
        if let Some(n) =
            crate::journal::backfill::status_counters(&db, live.current().utc_offset_minutes)
                .await?
        {
            tracing::info!(
                rows = n,
                "journal rows counted into the per-status daily counters"
            );
        }
        let journal = crate::journal::spawn(db.clone(), live.clone())
            .map_err(|e| ServiceError::Internal(format!("cannot start the journal writer: {e}")))?;
        let fs = Arc::new(FsHub::default());
        let dialer = Dialer::new(db.clone(), live.clone(), fs.clone());
        // The stored counts of the current windows, before the first request is admitted.
        let limits = crate::limits::Limiter::new(db.clone()).await?;
        Ok(Services(Arc::new(Shared {
            db,
            config: Arc::new(config),
            live,
            journal,
            fs,
            dialer,
            sms: Arc::new(SmsHub::default()),
            dash_cache: Arc::default(),
            cdr_totals: Arc::default(),
            reports_cache: Arc::default(),
            stats: Arc::default(),
            limits,
        })))
    }

    /// The background workers: settings poller, CDR indexer, call-list pacing, idempotency purge,
    /// SMS status poller, limit counters' sync, journal retention. The caller aborts them at
    /// shutdown.
    pub fn spawn_workers(&self) -> Vec<tokio::task::JoinHandle<()>> {
        vec![
            self.live.spawn_poller(),
            crate::cc::cdr::index::spawn_indexer(
                self.db.clone(),
                self.cdr_totals.clone(),
                self.live.clone(),
            ),
            self.dialer.spawn(),
            crate::platform::idempotency::spawn_purge(self.db.clone()),
            crate::sms::service::spawn_poller(self.db.clone(), self.sms.clone()),
            self.limits.spawn(self.live.clone()),
            crate::journal::retention::spawn(self.db.clone(), self.live.clone()),
        ]
    }
}
