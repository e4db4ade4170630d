//! Small helpers shared by the protocol front-ends: UUIDs, FreeSWITCH-style timestamps,
//! URL encoding/decoding, Basic-auth decoding, FreeSWITCH argument splitting, `Name: value`
//! header lines and the accept loop.

use std::future::Future;
use std::time::{SystemTime, UNIX_EPOCH};

use tokio::net::{TcpListener, TcpStream};

/// A random version-4 UUID in the lowercase hyphenated form FreeSWITCH uses.
pub fn new_uuid() -> String {
    let b: [u8; 16] = rand::random();
    let mut b = b;
    b[6] = (b[6] & 0x0f) | 0x40;
    b[8] = (b[8] & 0x3f) | 0x80;
    let h: String = b.iter().map(|x| format!("{x:02x}")).collect();
    format!(
        "{}-{}-{}-{}-{}",
        &h[0..8],
        &h[8..12],
        &h[12..16],
        &h[16..20],
        &h[20..32]
    )
}

/// Microseconds since the Unix epoch.
pub fn now_micros() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_micros() as u64)
        .unwrap_or(0)
}

/// Seconds since the Unix epoch.
pub fn now_epoch() -> u64 {
    now_micros() / 1_000_000
}

/// Broken-down UTC time: (year, month 1-12, day, hour, minute, second, weekday 0=Sunday).
pub fn civil(epoch: u64) -> (i64, u32, u32, u32, u32, u32, u32) {
    let days = (epoch / 86_400) as i64;
    let rem = epoch % 86_400;
    // Howard Hinnant's civil_from_days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = if m <= 2 { y + 1 } else { y };
    let wd = ((days + 4).rem_euclid(7)) as u32;
    (
        y,
        m,
        d,
        (rem / 3600) as u32,
        ((rem % 3600) / 60) as u32,
        (rem % 60) as u32,
        wd,
    )
}

const WDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
const MONTHS: [&str; 12] = [
    "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
];

/// `2026-11-25 11:44:14` (the simulator's local time zone is UTC).
pub fn local_stamp(epoch: u64) -> String {
    let (y, mo, d, h, mi, s, _) = civil(epoch);
    format!("{y:04}-{mo:02}-{d:02} {h:02}:{mi:02}:{s:02}")
}

/// RFC 1123 date with a configurable zone suffix: `Wed, 25 Nov 2026 11:46:27 GMT`.
pub fn http_date(epoch: u64, zone: &str) -> String {
    let (y, mo, d, h, mi, s, wd) = civil(epoch);
    format!(
        "{}, {d:02} {} {y:04} {h:02}:{mi:02}:{s:02} {zone}",
        WDAYS[wd as usize],
        MONTHS[(mo - 1) as usize]
    )
}

/// URL-encode a header value the way FreeSWITCH's `switch_url_encode` does for plain events.
pub fn url_encode(s: &str) -> String {
    const UNSAFE: &[u8] = b"\r\n \"#%&+:;<=>?@[\\]^`{|}";
    let mut out = String::with_capacity(s.len());
    for &b in s.as_bytes() {
        if !(32..=126).contains(&b) || UNSAFE.contains(&b) {
            out.push_str(&format!("%{b:02X}"));
        } else {
            out.push(b as char);
        }
    }
    out
}

/// Percent-decode (`%XX` only; `+` stays a `+`, as in mod_xml_rpc).
pub fn percent_decode(s: &str) -> String {
    let b = s.as_bytes();
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        if b[i] == b'%' && i + 2 < b.len() {
            let hex = std::str::from_utf8(&b[i + 1..i + 3]).ok();
            if let Some(v) = hex.and_then(|h| u8::from_str_radix(h, 16).ok()) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(b[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Decode standard base64 (as used by HTTP Basic auth). Returns `None` on malformed input.
pub fn base64_decode(s: &str) -> Option<Vec<u8>> {
    let mut out = Vec::new();
    let mut acc: u32 = 0;
    let mut bits = 0;
    for c in s.trim().bytes() {
        let v = match c {
            b'A'..=b'Z' => c - b'A',
            b'a'..=b'z' => c - b'a' + 26,
            b'0'..=b'9' => c - b'0' + 52,
            b'+' => 62,
            b'/' => 63,
            b'=' => break,
            _ => return None,
        } as u32;
        acc = (acc << 6) | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
            acc &= (1 << bits) - 1;
        }
    }
    Some(out)
}

/// Split arguments like `switch_separate_string(.., ' ', ..)`: runs of blanks separate,
/// single or double quotes group words and are removed.
pub fn split_args(s: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut in_word = false;
    let mut quote: Option<char> = None;
    for c in s.chars() {
        match quote {
            Some(q) if c == q => quote = None,
            Some(_) => cur.push(c),
            None if c == '\'' || c == '"' => {
                quote = Some(c);
                in_word = true;
            }
            None if c == ' ' || c == '\t' => {
                if in_word {
                    out.push(std::mem::take(&mut cur));
                    in_word = false;
                }
            }
            None => {
                cur.push(c);
                in_word = true;
            }
        }
    }
    if in_word {
        out.push(cur);
    }
    out
}

/// Escape a string for a JSON string literal (cJSON style: `/` is not escaped).
pub fn json_escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            '\u{08}' => out.push_str("\\b"),
            '\u{0c}' => out.push_str("\\f"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out
}

/// A `Name: value` header line, name and value trimmed; `None` without a colon.
pub fn header_line(line: &str) -> Option<(String, String)> {
    line.split_once(':')
        .map(|(k, v)| (k.trim().to_string(), v.trim().to_string()))
}

/// The value of header `name` (case-insensitive) among `headers`.
pub fn header_value<'a>(headers: &'a [(String, String)], name: &str) -> Option<&'a str> {
    headers
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
}

/// Accept connections forever, each served by `handle` on its own task (an error ends just
/// that connection).
pub async fn accept_forever<S, F, Fut>(listener: TcpListener, state: S, handle: F)
where
    S: Clone,
    F: Fn(TcpStream, S) -> Fut,
    Fut: Future<Output = std::io::Result<()>> + Send + 'static,
{
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let conn = handle(stream, state.clone());
        tokio::spawn(async move {
            let _ = conn.await;
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_match_capture_format() {
        // 1795607187 = Wed, 25 Nov 2026 11:46:27 GMT (from http_01).
        assert_eq!(
            http_date(1_795_607_187, "GMT"),
            "Wed, 25 Nov 2026 11:46:27 GMT"
        );
        assert_eq!(local_stamp(1_795_607_054), "2026-11-25 11:44:14");
    }

    #[test]
    fn url_encoding_matches_plain_events() {
        assert_eq!(
            url_encode("{origination_uuid=418e5dba}loopback/9999/default &park()"),
            "%7Borigination_uuid%3D418e5dba%7Dloopback/9999/default%20%26park()"
        );
        assert_eq!(
            url_encode("Wed, 25 Nov 2026 11:44:14 GMT"),
            "Wed,%2025%20Nov%202026%2011%3A44%3A14%20GMT"
        );
        assert_eq!(url_encode("::1"), "%3A%3A1");
    }

    #[test]
    fn percent_decoding_keeps_plus() {
        assert_eq!(percent_decode("queue%20list"), "queue list");
        assert_eq!(percent_decode("queue+list"), "queue+list");
        assert_eq!(percent_decode("100%"), "100%");
    }

    #[test]
    fn base64_and_args() {
        assert_eq!(
            base64_decode("ZnJlZXN3aXRjaDp3b3Jrcw==").unwrap(),
            b"freeswitch:works"
        );
        assert_eq!(
            split_args("agent set status 1001@default 'On Break'"),
            vec!["agent", "set", "status", "1001@default", "On Break"]
        );
        assert_eq!(split_args("  a   b "), vec!["a", "b"]);
    }

    #[test]
    fn uuid_shape() {
        let u = new_uuid();
        assert_eq!(u.len(), 36);
        assert_eq!(&u[14..15], "4");
    }
}
