//! FreeSWITCH: the wire codecs (`frame` ESL framing, `reply` `+OK`/`-ERR` classification, `table`
//! mod_callcenter pipe tables, `encode` mod_xml_rpc arguments, `http` the little HTTP mod_xml_rpc
//! speaks), the two transports behind one client (`client`) and the client for the current
//! settings (`hub`). Everything that reads FreeSWITCH bytes lives in the parsers here, tested
//! against real captures (`testdata/freeswitch`).

pub mod client;
pub mod encode;
pub mod frame;
pub mod http;
pub mod hub;
pub mod reply;
pub mod table;

#[cfg(test)]
mod robustness;
