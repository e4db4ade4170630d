//! ccgate-core: everything the REST API (`server`) and the admin panel (`app`, `ssr` build) share —
//! configuration, storage, domain types that parse, and the service functions both boundaries call.
//!
//! Invariant: nothing here knows about HTTP frameworks or Leptos. Handlers and server functions stay
//! thin and call into this crate.

pub mod admin;
pub mod audit;
pub mod cc;
pub mod cdr;
pub mod cdr_index;
pub mod config;
pub mod dashboard;
pub mod db;
pub mod dialer;
pub mod error;
pub mod freeswitch;
pub mod idempotency;
pub mod journal;
pub mod keys;
pub mod live;
pub mod password;
pub mod perms;
pub mod phone;
pub mod recordings;
pub mod secret;
pub mod settings;
pub mod sms;
pub mod time;
pub mod users;

pub use config::Config;
pub use db::{Backend, Db};
pub use error::ServiceError;
pub use secret::Secret;
