//! SMS: domain parsers (texts and parts, sender names), the providers behind one trait
//! (`providers/`: SMS Traffic, SMSC.ru, SMPP 3.4), the audited gateway list (`gateways.rs`) and
//! the services (`service/`: `send` / `getStatus` with failover, delivery reports, status polling,
//! recovery).

/// Phone parsing is shared with `cc/add`: one parser in `crate::platform::phone`.
pub use crate::platform::phone;
pub mod gateways;
pub mod providers;
pub mod sender;
pub mod service;
pub mod text;
