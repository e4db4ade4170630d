//! The server's integration tests, one binary: each module boots the real application on port 0
//! (`helpers`) and runs its scenarios on SQLite and on MariaDB.

#[macro_use]
mod helpers;

mod access;
mod admin_login;
mod assets;
mod bad_input;
mod contact_center;
mod dashboard;
mod demo;
mod docs;
mod faults;
mod hardening;
mod limits;
mod metrics;
mod openapi;
mod panel;
mod panel_audit;
mod panel_projects;
mod panel_reports;
mod panel_stats;
mod reports;
mod roles;
mod sms;
mod sms_status;
mod sms_tls;
mod stats;
mod totp;
