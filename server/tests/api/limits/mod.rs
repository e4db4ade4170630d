//! Per-user hardening of `/api`: the IP allow-list and the trusted-proxy rule for the client
//! address (`ip.rs`). Each scenario runs on SQLite and on MariaDB.

mod ip;
