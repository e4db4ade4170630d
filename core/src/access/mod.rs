//! Access control: the panel's admins, API users, their keys, permissions and limits, the settings
//! registry, the audit trail of every change, and the in-memory snapshot (`live`) that authorises
//! every API request without touching the database.

pub mod admins;
pub mod audit;
pub mod block;
pub mod explain;
pub mod keys;
pub mod limits;
pub mod live;
pub mod perms;
pub mod settings;
pub mod users;
