//! Per-user hardening of `/api`: the IP allow-list and the trusted-proxy rule for the client
//! address (`ip.rs`), the per-minute limits and the daily and monthly quotas (`rate.rs`), and
//! what the OpenAPI document says of them (`document.rs`). Each scenario runs on SQLite and on
//! MariaDB.

mod document;
mod ip;
mod rate;
