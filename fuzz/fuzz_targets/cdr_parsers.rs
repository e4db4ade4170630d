//! CDR parsers (mod_xml_cdr, mod_json_cdr, mod_cdr_csv rows): any input is parsed or refused
//! cleanly. The first byte picks the parser so one corpus serves all three.
#![no_main]

use ccgate_core::cc::cdr::parse as cdr;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let text = String::from_utf8_lossy(rest);
    match which % 3 {
        0 => {
            let _ = cdr::parse_xml(&text);
        }
        1 => {
            let _ = cdr::parse_json(&text);
        }
        _ => {
            for line in text.lines().take(64) {
                let _ = cdr::split_csv(line);
                let _ = cdr::parse_csv_row(line, 180);
            }
        }
    }
});
