//! SMPP 3.4 PDUs: the 16-byte header, the bodies this client sends and receives, TLVs, the GSM
//! 03.38 default alphabet (unpacked, as SMPP carries it with `data_coding` 0) and delivery-receipt
//! parsing. Pure functions, no I/O: fuzzed and unit-tested.

use crate::sms::providers::NormStatus;
use crate::sms::text;

pub const BIND_TRANSCEIVER: u32 = 0x0000_0009;
pub const BIND_TRANSCEIVER_RESP: u32 = 0x8000_0009;
pub const SUBMIT_SM: u32 = 0x0000_0004;
pub const SUBMIT_SM_RESP: u32 = 0x8000_0004;
pub const DELIVER_SM: u32 = 0x0000_0005;
pub const DELIVER_SM_RESP: u32 = 0x8000_0005;
pub const UNBIND: u32 = 0x0000_0006;
pub const UNBIND_RESP: u32 = 0x8000_0006;
pub const ENQUIRE_LINK: u32 = 0x0000_0015;
pub const ENQUIRE_LINK_RESP: u32 = 0x8000_0015;
pub const GENERIC_NACK: u32 = 0x8000_0000;

/// Command statuses this client acts on.
pub mod status {
    pub const OK: u32 = 0x00;
    pub const INVALID_MSG_LEN: u32 = 0x01;
    pub const INVALID_CMD_LEN: u32 = 0x02;
    pub const INVALID_CMD_ID: u32 = 0x03;
    pub const INVALID_BIND_STATUS: u32 = 0x04;
    pub const ALREADY_BOUND: u32 = 0x05;
    pub const SYSTEM_ERROR: u32 = 0x08;
    pub const INVALID_SRC_ADDR: u32 = 0x0A;
    pub const INVALID_DST_ADDR: u32 = 0x0B;
    pub const BIND_FAILED: u32 = 0x0D;
    pub const INVALID_PASSWORD: u32 = 0x0E;
    pub const INVALID_SYSTEM_ID: u32 = 0x0F;
    pub const MSG_QUEUE_FULL: u32 = 0x14;
    pub const SUBMIT_FAILED: u32 = 0x45;
    pub const INVALID_SRC_TON: u32 = 0x48;
    pub const INVALID_SRC_NPI: u32 = 0x49;
    pub const INVALID_DST_TON: u32 = 0x50;
    pub const INVALID_DST_NPI: u32 = 0x51;
    pub const THROTTLED: u32 = 0x58;
    /// "Application temporarily unavailable": the SMSC keeps the receipt and sends it again.
    pub const TEMP_APP_ERROR: u32 = 0x64;
}

/// The TLV tags this client reads.
pub const TLV_RECEIPTED_MESSAGE_ID: u16 = 0x001E;
pub const TLV_MESSAGE_STATE: u16 = 0x0427;

/// A PDU is never larger than this (the longest legal submit_sm/deliver_sm is far smaller).
pub const MAX_PDU_LEN: usize = 64 * 1024;
pub const HEADER_LEN: usize = 16;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Header {
    pub length: u32,
    pub command_id: u32,
    pub status: u32,
    pub sequence: u32,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum PduError {
    #[error("PDU length {0} out of range")]
    Length(u32),
    #[error("PDU truncated")]
    Truncated,
    #[error("C-octet string {0} not terminated within {1} bytes")]
    Unterminated(&'static str, usize),
    #[error("TLV truncated")]
    Tlv,
}

/// Read the header of the next PDU; `Ok(None)` when fewer than 16 bytes are there yet.
pub fn header(buf: &[u8]) -> Result<Option<Header>, PduError> {
    if buf.len() < HEADER_LEN {
        return Ok(None);
    }
    let word = |i: usize| u32::from_be_bytes([buf[i], buf[i + 1], buf[i + 2], buf[i + 3]]);
    let h = Header {
        length: word(0),
        command_id: word(4),
        status: word(8),
        sequence: word(12),
    };
    if (h.length as usize) < HEADER_LEN || h.length as usize > MAX_PDU_LEN {
        return Err(PduError::Length(h.length));
    }
    Ok(Some(h))
}

/// A PDU as bytes: header (length filled in) + body.
pub fn encode(command_id: u32, status: u32, sequence: u32, body: &[u8]) -> Vec<u8> {
    let len = (HEADER_LEN + body.len()) as u32;
    let mut out = Vec::with_capacity(len as usize);
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(&command_id.to_be_bytes());
    out.extend_from_slice(&status.to_be_bytes());
    out.extend_from_slice(&sequence.to_be_bytes());
    out.extend_from_slice(body);
    out
}

fn cstr(out: &mut Vec<u8>, s: &str, max: usize) {
    // `max` counts the terminating NUL; callers validate lengths, this only guards the wire.
    let b = s.as_bytes();
    out.extend_from_slice(&b[..b.len().min(max - 1)]);
    out.push(0);
}

pub struct Bind<'a> {
    pub system_id: &'a str,
    pub password: &'a str,
    pub system_type: &'a str,
}

pub fn bind_transceiver(b: &Bind<'_>) -> Vec<u8> {
    let mut body = Vec::with_capacity(64);
    cstr(&mut body, b.system_id, 16);
    cstr(&mut body, b.password, 9);
    cstr(&mut body, b.system_type, 13);
    body.push(0x34); // interface_version 3.4
    body.push(0); // addr_ton
    body.push(0); // addr_npi
    cstr(&mut body, "", 41); // address_range
    body
}

/// Type of number / numbering plan of an address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ton(pub u8, pub u8);

impl Ton {
    pub const INTERNATIONAL: Ton = Ton(1, 1);
    pub const ALPHANUMERIC: Ton = Ton(5, 0);
    pub const UNKNOWN: Ton = Ton(0, 0);
    /// A sender name: digits only (an optional leading `+`) is a number, anything else alphanumeric.
    pub fn of_sender(s: &str) -> (Ton, String) {
        let digits = s.strip_prefix('+').unwrap_or(s);
        if s.is_empty() {
            (Ton::UNKNOWN, String::new())
        } else if !digits.is_empty() && digits.bytes().all(|b| b.is_ascii_digit()) {
            (Ton::INTERNATIONAL, digits.to_string())
        } else {
            (Ton::ALPHANUMERIC, s.to_string())
        }
    }
}

/// The fields of a submit_sm (and of a deliver_sm, which has the same layout).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct ShortMessage {
    pub service_type: String,
    pub source_ton: u8,
    pub source_npi: u8,
    pub source_addr: String,
    pub dest_ton: u8,
    pub dest_npi: u8,
    pub dest_addr: String,
    pub esm_class: u8,
    pub registered_delivery: u8,
    pub data_coding: u8,
    pub short_message: Vec<u8>,
    pub tlvs: Vec<(u16, Vec<u8>)>,
}

pub const ESM_UDHI: u8 = 0x40;
pub const ESM_DELIVERY_RECEIPT: u8 = 0x04;

pub fn submit_sm(m: &ShortMessage) -> Vec<u8> {
    let mut body = Vec::with_capacity(64 + m.short_message.len());
    cstr(&mut body, &m.service_type, 6);
    body.push(m.source_ton);
    body.push(m.source_npi);
    cstr(&mut body, &m.source_addr, 21);
    body.push(m.dest_ton);
    body.push(m.dest_npi);
    cstr(&mut body, &m.dest_addr, 21);
    body.push(m.esm_class);
    body.push(0); // protocol_id
    body.push(0); // priority_flag
    cstr(&mut body, "", 17); // schedule_delivery_time: now
    cstr(&mut body, "", 17); // validity_period: SMSC default
    body.push(m.registered_delivery);
    body.push(0); // replace_if_present_flag
    body.push(m.data_coding);
    body.push(0); // sm_default_msg_id
    let sm = &m.short_message[..m.short_message.len().min(254)];
    body.push(sm.len() as u8);
    body.extend_from_slice(sm);
    for (tag, value) in &m.tlvs {
        body.extend_from_slice(&tag.to_be_bytes());
        body.extend_from_slice(&(value.len() as u16).to_be_bytes());
        body.extend_from_slice(value);
    }
    body
}

/// A reader over a PDU body.
struct Body<'a> {
    b: &'a [u8],
    at: usize,
}

impl<'a> Body<'a> {
    fn u8(&mut self) -> Result<u8, PduError> {
        let v = *self.b.get(self.at).ok_or(PduError::Truncated)?;
        self.at += 1;
        Ok(v)
    }
    fn cstr(&mut self, field: &'static str, max: usize) -> Result<String, PduError> {
        let rest = &self.b[self.at.min(self.b.len())..];
        let window = &rest[..rest.len().min(max)];
        let n = window
            .iter()
            .position(|&c| c == 0)
            .ok_or(PduError::Unterminated(field, max))?;
        let s = String::from_utf8_lossy(&window[..n]).into_owned();
        self.at += n + 1;
        Ok(s)
    }
    fn bytes(&mut self, n: usize) -> Result<&'a [u8], PduError> {
        let end = self.at.checked_add(n).ok_or(PduError::Truncated)?;
        let v = self.b.get(self.at..end).ok_or(PduError::Truncated)?;
        self.at = end;
        Ok(v)
    }
    fn tlvs(&mut self) -> Result<Vec<(u16, Vec<u8>)>, PduError> {
        let mut out = Vec::new();
        while self.at < self.b.len() {
            let h = self.bytes(4).map_err(|_| PduError::Tlv)?;
            let tag = u16::from_be_bytes([h[0], h[1]]);
            let len = u16::from_be_bytes([h[2], h[3]]) as usize;
            let v = self.bytes(len).map_err(|_| PduError::Tlv)?;
            out.push((tag, v.to_vec()));
        }
        Ok(out)
    }
}

/// A submit_sm or deliver_sm body.
pub fn parse_short_message(body: &[u8]) -> Result<ShortMessage, PduError> {
    let mut r = Body { b: body, at: 0 };
    let service_type = r.cstr("service_type", 6)?;
    let source_ton = r.u8()?;
    let source_npi = r.u8()?;
    let source_addr = r.cstr("source_addr", 21)?;
    let dest_ton = r.u8()?;
    let dest_npi = r.u8()?;
    let dest_addr = r.cstr("destination_addr", 21)?;
    let esm_class = r.u8()?;
    let _protocol_id = r.u8()?;
    let _priority = r.u8()?;
    r.cstr("schedule_delivery_time", 17)?;
    r.cstr("validity_period", 17)?;
    let registered_delivery = r.u8()?;
    let _replace = r.u8()?;
    let data_coding = r.u8()?;
    let _default_msg = r.u8()?;
    let len = r.u8()? as usize;
    let short_message = r.bytes(len)?.to_vec();
    let tlvs = r.tlvs()?;
    Ok(ShortMessage {
        service_type,
        source_ton,
        source_npi,
        source_addr,
        dest_ton,
        dest_npi,
        dest_addr,
        esm_class,
        registered_delivery,
        data_coding,
        short_message,
        tlvs,
    })
}

/// The message id of a submit_sm_resp (empty when the SMSC sent an error without a body).
pub fn parse_message_id(body: &[u8]) -> Result<String, PduError> {
    if body.is_empty() {
        return Ok(String::new());
    }
    Body { b: body, at: 0 }.cstr("message_id", 65)
}

/// The system id of a bind_*_resp.
pub fn parse_system_id(body: &[u8]) -> Result<String, PduError> {
    if body.is_empty() {
        return Ok(String::new());
    }
    Body { b: body, at: 0 }.cstr("system_id", 16)
}

// ---------------------------------------------------------------------------------------------
// Text

/// GSM 03.38 default alphabet, one septet per octet (SMPP `data_coding` 0). Characters outside the
/// alphabet (callers choose UCS-2 for such texts) become `?`.
pub fn gsm7_unpacked(text: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        if let Some(septet) = text::gsm_septet(c) {
            out.push(septet);
        } else if let Some(code) = text::gsm_ext(c) {
            out.push(0x1B);
            out.push(code);
        } else {
            out.push(0x3F);
        }
    }
    out
}

/// Decode unpacked GSM 03.38 (what a receipt's text may be in).
pub fn gsm7_decode(b: &[u8]) -> String {
    let basic: Vec<char> = text::GSM_SEPTETS.chars().collect();
    let mut out = String::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == 0x1B && i + 1 < b.len() {
            if let Some((c, _)) = text::GSM_EXT.iter().find(|(_, code)| *code == b[i + 1]) {
                out.push(*c);
                i += 2;
                continue;
            }
        }
        out.push(*basic.get(b[i] as usize).unwrap_or(&'?'));
        i += 1;
    }
    out
}

pub fn ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(|u| u.to_be_bytes()).collect()
}

/// The 6-byte concatenation header of part `seq` (1-based) of `total`.
pub fn udh_concat(reference: u8, total: u8, seq: u8) -> [u8; 6] {
    [0x05, 0x00, 0x03, reference, total, seq]
}

// ---------------------------------------------------------------------------------------------
// Delivery receipts

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Receipt {
    pub message_id: String,
    pub status: NormStatus,
    /// `stat:` of the text, or `state:<n>` from the TLV.
    pub raw_status: String,
    /// `err:` of the text when it is not all zeros.
    pub raw_error: Option<String>,
    /// `done date:` as Unix ms (UTC), when given.
    pub done_at: Option<i64>,
}

fn state_of(n: u8) -> NormStatus {
    match n {
        1 => NormStatus::Enroute,
        2 => NormStatus::Delivered,
        3 => NormStatus::Expired,
        4 => NormStatus::Deleted,
        5 => NormStatus::Undelivered,
        6 => NormStatus::Accepted,
        8 => NormStatus::Rejected,
        _ => NormStatus::Unknown,
    }
}

fn stat_of(s: &str) -> NormStatus {
    match s.to_ascii_uppercase().as_str() {
        "DELIVRD" | "DELIVERED" => NormStatus::Delivered,
        "EXPIRED" => NormStatus::Expired,
        "DELETED" => NormStatus::Deleted,
        "UNDELIV" | "UNDELIVERABLE" | "FAILED" => NormStatus::Undelivered,
        "ACCEPTD" | "ACCEPTED" => NormStatus::Accepted,
        "ENROUTE" => NormStatus::Enroute,
        "REJECTD" | "REJECTED" => NormStatus::Rejected,
        _ => NormStatus::Unknown,
    }
}

/// The value after `key:` in a receipt text (up to the next space).
fn field<'a>(text: &'a str, key: &str) -> Option<&'a str> {
    let lower = text.to_ascii_lowercase();
    let mut from = 0;
    while let Some(i) = lower[from..].find(key) {
        let at = from + i;
        // A key starts the text or follows a space (`submit date:` must not match `date:`).
        if at == 0 || text.as_bytes()[at - 1] == b' ' {
            let rest = &text[at + key.len()..];
            return Some(rest.split(' ').next().unwrap_or(""));
        }
        from = at + key.len();
    }
    None
}

/// `YYMMDDhhmm[ss]` → Unix ms (UTC).
fn receipt_date(s: &str) -> Option<i64> {
    if !(s.len() == 10 || s.len() == 12) || !s.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n = |i: usize| s[i..i + 2].parse::<i64>().ok();
    let (y, mo, d, h, mi) = (2000 + n(0)?, n(2)?, n(4)?, n(6)?, n(8)?);
    let sec = if s.len() == 12 { n(10)? } else { 0 };
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || sec > 59 {
        return None;
    }
    let days = crate::platform::time::days_from_civil(y, mo, d);
    Some(((days * 24 + h) * 60 + mi) * 60_000 + sec * 1000)
}

/// A deliver_sm that is a delivery receipt (`esm_class` says so), with the TLVs preferred over the
/// text. `None` for an ordinary (mobile-originated) message or a receipt without an id.
pub fn receipt(m: &ShortMessage) -> Option<Receipt> {
    if m.esm_class & 0x3C != ESM_DELIVERY_RECEIPT {
        return None;
    }
    let text = if m.data_coding == 8 {
        let units: Vec<u16> = m
            .short_message
            .chunks_exact(2)
            .map(|c| u16::from_be_bytes([c[0], c[1]]))
            .collect();
        String::from_utf16_lossy(&units)
    } else {
        String::from_utf8_lossy(&m.short_message).into_owned()
    };
    let tlv = |tag: u16| m.tlvs.iter().find(|(t, _)| *t == tag).map(|(_, v)| v);
    let tlv_id = tlv(TLV_RECEIPTED_MESSAGE_ID).map(|v| {
        let n = v.iter().position(|&c| c == 0).unwrap_or(v.len());
        String::from_utf8_lossy(&v[..n]).into_owned()
    });
    let message_id = tlv_id
        .filter(|s| !s.is_empty())
        .or_else(|| field(&text, "id:").map(str::to_string))
        .filter(|s| !s.is_empty())?;
    let stat = field(&text, "stat:").filter(|s| !s.is_empty());
    let state = tlv(TLV_MESSAGE_STATE).and_then(|v| v.first().copied());
    let (status, raw_status) = match (state, stat) {
        (Some(n), Some(s)) => (state_of(n), s.to_string()),
        (Some(n), None) => (state_of(n), format!("state:{n}")),
        (None, Some(s)) => (stat_of(s), s.to_string()),
        (None, None) => (NormStatus::Unknown, String::new()),
    };
    let raw_error = field(&text, "err:")
        .filter(|e| !e.is_empty() && !e.bytes().all(|b| b == b'0'))
        .map(str::to_string);
    Some(Receipt {
        message_id,
        status,
        raw_status,
        raw_error,
        done_at: field(&text, "done date:").and_then(receipt_date),
    })
}

/// The same id written in the other base: SMSCs that answer submit_sm with a hex id often put it
/// in decimal into the receipt, or the other way round.
pub fn id_variants(id: &str) -> Vec<String> {
    let mut out = vec![id.to_string()];
    let mut push = |s: String| {
        if !out.contains(&s) {
            out.push(s);
        }
    };
    if !id.is_empty() && id.len() <= 20 && id.bytes().all(|b| b.is_ascii_digit()) {
        if let Ok(n) = id.parse::<u64>() {
            push(format!("{n:x}"));
            push(format!("{n:X}"));
            push(n.to_string());
        }
    }
    if !id.is_empty() && id.len() <= 16 && id.bytes().all(|b| b.is_ascii_hexdigit()) {
        if let Ok(n) = u64::from_str_radix(id, 16) {
            push(n.to_string());
            push(format!("{n:x}"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn header_round_trip_and_limits() {
        let p = encode(ENQUIRE_LINK, 0, 7, &[]);
        assert_eq!(p.len(), 16);
        let h = header(&p).unwrap().unwrap();
        assert_eq!(
            h,
            Header {
                length: 16,
                command_id: ENQUIRE_LINK,
                status: 0,
                sequence: 7
            }
        );
        assert_eq!(header(&p[..15]), Ok(None));
        let mut bad = p.clone();
        bad[..4].copy_from_slice(&8u32.to_be_bytes());
        assert_eq!(header(&bad), Err(PduError::Length(8)));
        bad[..4].copy_from_slice(&(MAX_PDU_LEN as u32 + 1).to_be_bytes());
        assert!(header(&bad).is_err());
    }

    #[test]
    fn bind_body_is_the_wire_layout() {
        let b = bind_transceiver(&Bind {
            system_id: "ccgate",
            password: "secret",
            system_type: "",
        });
        assert_eq!(b, b"ccgate\0secret\0\0\x34\0\0\0".to_vec());
        // Over-long values are cut to the field size (the caller validated them before).
        let b = bind_transceiver(&Bind {
            system_id: "0123456789abcdefXYZ",
            password: "123456789",
            system_type: "",
        });
        assert!(b.starts_with(b"0123456789abcde\012345678\0"));
    }

    #[test]
    fn submit_sm_parses_back() {
        let m = ShortMessage {
            source_ton: 5,
            source_addr: "FRONTLINE".into(),
            dest_ton: 1,
            dest_npi: 1,
            dest_addr: "79161234567".into(),
            esm_class: ESM_UDHI,
            registered_delivery: 1,
            data_coding: 8,
            short_message: [&udh_concat(7, 2, 1)[..], &ucs2("Привет")].concat(),
            tlvs: vec![(0x0204, vec![0, 1])],
            ..Default::default()
        };
        let body = submit_sm(&m);
        assert_eq!(parse_short_message(&body).unwrap(), m);
        for cut in 0..body.len() {
            // Any truncation is an error, never a panic.
            let _ = parse_short_message(&body[..cut]);
        }
    }

    #[test]
    fn senders_pick_ton() {
        assert_eq!(
            Ton::of_sender("FRONTLINE"),
            (Ton::ALPHANUMERIC, "FRONTLINE".into())
        );
        assert_eq!(
            Ton::of_sender("+79161234567"),
            (Ton::INTERNATIONAL, "79161234567".into())
        );
        assert_eq!(
            Ton::of_sender("Shop-24"),
            (Ton::ALPHANUMERIC, "Shop-24".into())
        );
        assert_eq!(Ton::of_sender(""), (Ton::UNKNOWN, String::new()));
    }

    #[test]
    fn gsm7_table() {
        assert_eq!(gsm7_unpacked("@A a"), vec![0x00, 0x41, 0x20, 0x61]);
        assert_eq!(
            gsm7_unpacked("€[x]"),
            vec![0x1B, 0x65, 0x1B, 0x3C, 0x78, 0x1B, 0x3E]
        );
        assert_eq!(
            gsm7_unpacked("£$¥èΔ_"),
            vec![0x01, 0x02, 0x03, 0x04, 0x10, 0x11]
        );
        assert_eq!(gsm7_unpacked("Я"), vec![0x3F]);
        let all = "Hello {world} ~ ^ | \\ € Ünïcode? ¿¡ §";
        let decoded = gsm7_decode(&gsm7_unpacked(all));
        assert_eq!(decoded, all.replace('ï', "?"));
        assert_eq!(ucs2("Я😀"), vec![0x04, 0x2F, 0xD8, 0x3D, 0xDE, 0x00]);
    }

    fn receipt_msg(text: &str, tlvs: Vec<(u16, Vec<u8>)>) -> ShortMessage {
        ShortMessage {
            esm_class: ESM_DELIVERY_RECEIPT,
            short_message: text.as_bytes().to_vec(),
            tlvs,
            ..Default::default()
        }
    }

    #[test]
    fn receipts_from_text_and_tlvs() {
        let r = receipt(&receipt_msg(
            "id:0123456789 sub:001 dlvrd:001 submit date:2611251210 done date:2611251211 stat:DELIVRD err:000 text:Hello",
            vec![],
        ))
        .unwrap();
        assert_eq!(r.message_id, "0123456789");
        assert_eq!(r.status, NormStatus::Delivered);
        assert_eq!(r.raw_status, "DELIVRD");
        assert_eq!(r.raw_error, None);
        // 2026-11-25 12:11 UTC
        assert_eq!(r.done_at, Some(1_795_608_660_000));

        let r = receipt(&receipt_msg(
            "id:abc sub:001 dlvrd:000 submit date:2611251210 done date:2611251211 stat:UNDELIV err:034 text:",
            vec![
                (TLV_RECEIPTED_MESSAGE_ID, b"1a2b\0".to_vec()),
                (TLV_MESSAGE_STATE, vec![5]),
            ],
        ))
        .unwrap();
        assert_eq!(r.message_id, "1a2b", "the TLV wins over the text");
        assert_eq!(r.status, NormStatus::Undelivered);
        assert_eq!(r.raw_error.as_deref(), Some("034"));

        let r = receipt(&receipt_msg(
            "",
            vec![
                (TLV_RECEIPTED_MESSAGE_ID, b"77".to_vec()),
                (TLV_MESSAGE_STATE, vec![2]),
            ],
        ))
        .unwrap();
        assert_eq!(
            (r.status, r.raw_status.as_str()),
            (NormStatus::Delivered, "state:2")
        );

        let r = receipt(&receipt_msg("id:9 stat:FAILED err:001", vec![])).unwrap();
        assert_eq!(r.status, NormStatus::Undelivered);
        let r = receipt(&receipt_msg("id:9 stat:WHATEVER", vec![])).unwrap();
        assert_eq!(r.status, NormStatus::Unknown);

        // Not a receipt: a mobile-originated message, or no id at all.
        let mut mo = receipt_msg("id:1 stat:DELIVRD", vec![]);
        mo.esm_class = 0;
        assert_eq!(receipt(&mo), None);
        assert_eq!(receipt(&receipt_msg("stat:DELIVRD", vec![])), None);
    }

    #[test]
    fn receipt_dates() {
        assert_eq!(receipt_date("0001010000"), Some(946_684_800_000));
        assert_eq!(receipt_date("000101000030"), Some(946_684_830_000));
        assert_eq!(receipt_date("0013010000"), None);
        assert_eq!(receipt_date("00010100"), None);
    }

    #[test]
    fn ids_in_both_bases() {
        // The exact id is tried first; the others only when it is unknown.
        assert_eq!(id_variants("255"), vec!["255", "ff", "FF", "597"]);
        assert_eq!(id_variants("ff"), vec!["ff", "255"]);
        assert_eq!(id_variants("00FF"), vec!["00FF", "255", "ff"]);
        assert_eq!(id_variants("msg-1"), vec!["msg-1"]);
    }
}
