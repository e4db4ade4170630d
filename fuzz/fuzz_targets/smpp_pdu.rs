//! SMPP PDUs from the network: any bytes give a header or a clean error, and any body parses as a
//! submit_sm/deliver_sm, a message id, a system id and a delivery receipt without a panic.
#![no_main]

use ccgate_core::sms::providers::smpp::pdu;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(Some(h)) = pdu::header(data) {
        let _ = (h.command_id, h.status, h.sequence);
    }
    let body = data.get(pdu::HEADER_LEN.min(data.len())..).unwrap_or(&[]);
    if let Ok(m) = pdu::parse_short_message(body) {
        let _ = pdu::receipt(&m);
        // What parses also encodes back to the same fields.
        let again = pdu::parse_short_message(&pdu::submit_sm(&m));
        if m.short_message.len() <= 254
            && m.service_type.len() < 6
            && m.source_addr.len() < 21
            && m.dest_addr.len() < 21
            && m.tlvs.iter().all(|(_, v)| v.len() <= u16::MAX as usize)
            && !m.service_type.contains('\u{fffd}')
            && !m.source_addr.contains('\u{fffd}')
            && !m.dest_addr.contains('\u{fffd}')
        {
            assert_eq!(again.as_ref(), Ok(&m));
        }
    }
    let _ = pdu::parse_message_id(body);
    let _ = pdu::parse_system_id(body);
    let _ = pdu::id_variants(&String::from_utf8_lossy(body));
    let _ = pdu::gsm7_decode(body);
});
