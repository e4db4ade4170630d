//! What every module stands on: configuration, storage (and what the panel shows of it), the shared error type, secrets, time,
//! password hashing, the one place outgoing HTTP(S) clients are built, idempotency claims, phone numbers, SQL built at run time, percent-decoding and client addresses (CIDR blocks, trusted proxies). Nothing here knows a module.

pub mod config;
pub mod csv;
pub mod db;
pub mod dbinfo;
pub mod error;
pub mod form;
pub mod http;
pub mod idempotency;
pub mod metrics;
pub mod net;
pub mod password;
pub mod phone;
pub mod query;
pub mod secret;
pub mod time;
pub mod totp;
