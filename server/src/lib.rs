#![recursion_limit = "256"]
//! The `ccgate` server: start-up, the public REST API under `/api`, the admin panel's SSR and
//! server functions under `/rpc`, and the command-line interface.

pub mod assets;
pub mod cli;
pub mod events;
pub mod guard;
pub mod metrics;
pub mod render;
pub mod reports_csv;
pub mod rest;
pub mod serve;
pub mod session;
pub mod startup;
pub mod telemetry;

pub use startup::Application;
