//! The contact-center module (`cc` in the catalogue): queues and tiers read from FreeSWITCH
//! mod_callcenter (`queues`), call detail records (`cdr`), recordings (`recordings`) and the
//! outbound call list behind `cc/add` (`dialer`).

pub mod cdr;
pub mod dialer;
pub mod queues;
pub mod recordings;
