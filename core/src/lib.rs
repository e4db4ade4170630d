//! ccgate-core: everything the REST API (`server`) and the admin panel (`app`, `ssr` build) share —
//! configuration, storage, domain types that parse, and the service functions both boundaries call.
//!
//! One folder per module: `platform` (what every module stands on), `access` (admins, API users,
//! keys, permissions, settings, audit, the live snapshot), `journal` (the request journal and daily
//! counters), `dashboard`, `cc` (contact center), `freeswitch` (the wire codecs and clients),
//! `sms`, `reports` (the `reports.*` methods over the counters and indexed tables).
//!
//! Invariant: nothing here knows about HTTP frameworks or Leptos. Handlers and server functions stay
//! thin and call into this crate.

pub mod access;
pub mod cc;
pub mod dashboard;
pub mod freeswitch;
pub mod journal;
pub mod platform;
pub mod reports;
pub mod services;
pub mod sms;

pub use platform::config::Config;
pub use platform::db::{Backend, Db};
pub use platform::error::ServiceError;
pub use platform::secret::Secret;
pub use services::Services;
