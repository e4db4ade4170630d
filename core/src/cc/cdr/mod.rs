//! Call detail records: the parsers of FreeSWITCH's CDR files (`parse`) and the incremental index
//! of the CDR directory with the queries behind `cc/cdr` (`index`).

pub mod index;
pub mod parse;
