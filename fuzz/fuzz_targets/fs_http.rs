//! mod_xml_rpc responses: any bytes, looked at after a data-chosen prefix and then whole at the end
//! of the stream, give a response or a clean error — never a panic; a response found early is the
//! one found at the end.
#![no_main]

use ccgate_core::freeswitch::http::{parse, Progress};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data
        .first()
        .map(|b| *b as usize % (data.len() + 1))
        .unwrap_or(0);
    let early = parse(&data[..split], false);
    let whole = parse(data, true);
    if let Ok(Progress::Done(r)) = early {
        match &whole {
            Ok(Progress::Done(w)) => {
                assert_eq!(r.status, w.status);
                assert_eq!(r.body, w.body);
            }
            other => panic!("complete early, then {other:?}"),
        }
    }
    assert!(
        !matches!(whole, Ok(Progress::More)),
        "more after the end of the stream"
    );
});
