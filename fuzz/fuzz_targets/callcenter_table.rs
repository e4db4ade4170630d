//! mod_callcenter pipe tables and reply classification: any text is parsed or refused cleanly.
#![no_main]

use ccgate_core::freeswitch::{reply, table};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Ok(rows) = table::parse(&text) {
        for r in &rows {
            let _ = table::get(r, &["name", "queue", "agent", "instance_id", "system"]);
        }
    }
    let _ = reply::classify(&text);
    let _ = reply::count(&text);
    let _ = reply::error_of(&text);
});
