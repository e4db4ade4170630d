//! Server functions (under `/rpc`), grouped by page. Each is thin: `require_admin()`, call a
//! `ccgate-core` service, map the error. Data types here cross to the browser.

pub mod auth;
pub mod dashboard;
pub mod gateway;
pub mod sms;

pub use auth::*;
pub use dashboard::*;
pub use gateway::*;
pub use sms::*;
