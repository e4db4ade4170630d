//! SMS: domain parsers (phones, texts, sender names), providers behind one trait, storage and the
//! `send` / `getStatus` services with failover, delivery reports and status polling.

/// Phone parsing is shared with `cc/add`: one parser in `crate::platform::phone`.
pub use crate::platform::phone;
pub mod gateways;
pub mod provider;
pub mod sender;
pub mod service;
pub mod smpp;
pub mod smsc;
pub mod smstraffic;
pub mod text;
pub mod xml;
