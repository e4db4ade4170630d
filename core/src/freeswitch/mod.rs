//! FreeSWITCH: wire formats and (later) the client transports. Everything that reads FreeSWITCH
//! bytes lives in the parsers here, tested against real captures (`testdata/freeswitch`).

pub mod client;
pub mod encode;
pub mod frame;
pub mod http;
pub mod reply;
pub mod table;

#[cfg(test)]
mod robustness;
