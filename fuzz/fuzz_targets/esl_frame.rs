//! ESL framing: any byte stream, fed in two pieces at a data-chosen split, yields frames or a clean
//! error — never a panic, never an endless loop; plain event bodies decode without panicking.
#![no_main]

use ccgate_core::freeswitch::frame::{parse_plain_event, FrameParser};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let split = data
        .first()
        .map(|b| *b as usize % (data.len() + 1))
        .unwrap_or(0);
    let mut p = FrameParser::new();
    p.feed(&data[..split]);
    for _ in 0..4096 {
        match p.next_frame() {
            Ok(Some(f)) => {
                let _ = parse_plain_event(&f.body_text());
            }
            Ok(None) | Err(_) => break,
        }
    }
    p.feed(&data[split..]);
    for _ in 0..4096 {
        match p.next_frame() {
            Ok(Some(f)) => {
                let _ = f.content_type();
                let _ = parse_plain_event(&f.body_text());
            }
            Ok(None) | Err(_) => break,
        }
    }
});
