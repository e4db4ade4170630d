//! fs-sim: a protocol-faithful FreeSWITCH simulator for tests and demos.
//!
//! It speaks the inbound Event Socket protocol ([`esl`]) and mod_xml_rpc's HTTP API ([`http`]),
//! keeps an in-memory mod_callcenter ([`callcenter`]) and models outbound calls
//! ([`originate`]) with events, CDR files and WAV recordings. [`reports`] fakes the call
//! center's historical report server (`reports.demoReport`). Formats follow the real
//! FreeSWITCH 1.11.2 captures in `testdata/freeswitch`.

pub mod callcenter;
pub mod esl;
pub mod event;
pub mod http;
pub mod originate;
pub mod reports;
pub mod scenario;
pub mod sim;
pub mod util;
