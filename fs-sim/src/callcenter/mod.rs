//! In-memory model of mod_callcenter and its `callcenter_config` API.
//!
//! The output formats (pipe tables, `+OK`, `-ERR …`, bare counts, usage text) follow
//! FreeSWITCH 1.11.2 byte for byte, as captured in `testdata/freeswitch/esl_cc_*.raw`.
//!
//! Modules: `model` holds the tables (queues, agents, tiers, members) and their lookups,
//! `config_api` parses and executes `callcenter_config`, `render` prints the pipe tables.

mod config_api;
mod model;
mod render;

pub use config_api::USAGE;
pub use model::{
    Agent, Callcenter, Member, Queue, QueueConfig, Tier, AGENT_STATES, AGENT_STATUSES, STRATEGIES,
    TIER_STATES,
};
pub use render::Render;

#[cfg(test)]
mod tests;
