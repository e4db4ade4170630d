//! Time-based one-time passwords (RFC 6238 over RFC 4226's HOTP): HMAC-SHA1, 30-second steps,
//! 6 digits, the step before and after accepted for clock drift. What is stored and when a code
//! counts (never twice) is `access::admins::totp`; this module is the arithmetic, the secret's
//! base32 text, the `otpauth://` address authenticator apps read and its QR code as SVG.

use hmac::{Hmac, Mac};
use rand::RngCore;
use sha1::Sha1;
use sha2::{Digest, Sha256};

use super::secret::Secret;

/// One step of the clock.
pub const STEP_MS: i64 = 30_000;
/// Digits of a code.
pub const DIGITS: u32 = 6;
/// Steps accepted on either side of the current one.
pub const DRIFT_STEPS: i64 = 1;
/// Bytes of a new secret (160 bits, RFC 4226's recommendation for SHA-1).
pub const SECRET_BYTES: usize = 20;
/// Recovery codes made at enrolment.
pub const RECOVERY_CODES: usize = 10;

/// RFC 4226 HOTP: the `digits`-digit code of `counter` under `key`.
pub fn hotp(key: &[u8], counter: u64, digits: u32) -> u32 {
    let mut mac = Hmac::<Sha1>::new_from_slice(key).expect("HMAC takes a key of any length");
    mac.update(&counter.to_be_bytes());
    let h = mac.finalize().into_bytes();
    let offset = (h[h.len() - 1] & 0x0f) as usize;
    let binary =
        u32::from_be_bytes([h[offset], h[offset + 1], h[offset + 2], h[offset + 3]]) & 0x7fff_ffff;
    binary % 10u32.pow(digits)
}

/// The step (30-second window since the Unix epoch) of an instant in Unix ms.
pub fn step_of(ms: i64) -> i64 {
    ms.div_euclid(STEP_MS)
}

/// The code of `step` as the user types it (zero-padded).
pub fn code_at(key: &[u8], step: i64) -> String {
    format!(
        "{:0width$}",
        hotp(key, step.max(0) as u64, DIGITS),
        width = DIGITS as usize
    )
}

/// Does `code` look like a TOTP code (six digits, spaces ignored) rather than a recovery code?
pub fn is_code(code: &str) -> bool {
    let digits: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    digits.len() == DIGITS as usize && digits.bytes().all(|b| b.is_ascii_digit())
}

/// The step within [`DRIFT_STEPS`] of `now_ms` whose code is `code`, if any. The caller must
/// still refuse a step it has accepted before.
pub fn matching_step(key: &[u8], code: &str, now_ms: i64) -> Option<i64> {
    if !is_code(code) {
        return None;
    }
    let typed: String = code.chars().filter(|c| !c.is_whitespace()).collect();
    let now = step_of(now_ms);
    (now - DRIFT_STEPS..=now + DRIFT_STEPS)
        .filter(|s| *s >= 0)
        .find(|s| constant_time_eq(code_at(key, *s).as_bytes(), typed.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

/// A new random secret, as the base32 text (RFC 4648, no padding) that is stored and shown once.
pub fn new_secret() -> Secret<String> {
    let mut bytes = [0u8; SECRET_BYTES];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    Secret::new(data_encoding::BASE32_NOPAD.encode(&bytes))
}

/// The key bytes of a base32 secret (case and spaces as people copy them are tolerated).
pub fn decode_secret(base32: &str) -> Option<Vec<u8>> {
    let clean: String = base32
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '=')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    data_encoding::BASE32_NOPAD
        .decode(clean.as_bytes())
        .ok()
        .filter(|k| !k.is_empty())
}

/// The `otpauth://totp/…` address an authenticator app reads from the QR code.
pub fn otpauth_uri(issuer: &str, account: &str, secret_base32: &str) -> String {
    let enc = |s: &str| {
        let mut out = String::new();
        for b in s.bytes() {
            if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~') {
                out.push(b as char);
            } else {
                out.push_str(&format!("%{b:02X}"));
            }
        }
        out
    };
    format!(
        "otpauth://totp/{}:{}?secret={secret_base32}&issuer={}&algorithm=SHA1&digits={DIGITS}&period={}",
        enc(issuer),
        enc(account),
        enc(issuer),
        STEP_MS / 1000
    )
}

/// `text` as a QR code in an `<svg>` element (no XML prolog), for inline use in a page.
pub fn qr_svg(text: &str) -> Option<String> {
    let code = qrcode::QrCode::new(text.as_bytes()).ok()?;
    let svg = code
        .render::<qrcode::render::svg::Color>()
        .min_dimensions(200, 200)
        .quiet_zone(true)
        .build();
    let start = svg.find("<svg")?;
    Some(svg[start..].to_string())
}

/// New recovery codes, as shown once: `xxxxx-xxxxx`, 10 characters of the lower-case base32
/// alphabet (50 bits each).
pub fn new_recovery_codes() -> Vec<Secret<String>> {
    (0..RECOVERY_CODES)
        .map(|_| {
            let mut bytes = [0u8; 7];
            rand::rngs::OsRng.fill_bytes(&mut bytes);
            let s = data_encoding::BASE32_NOPAD
                .encode(&bytes)
                .to_ascii_lowercase();
            Secret::new(format!("{}-{}", &s[..5], &s[5..10]))
        })
        .collect()
}

/// How a recovery code is stored: SHA-256 (hex) of its letters and digits, lower case — spaces,
/// dashes and case as typed do not matter.
pub fn recovery_hash(code: &str) -> String {
    let clean: String = code
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .map(|c| c.to_ascii_lowercase())
        .collect();
    Sha256::digest(clean.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// RFC 6238 appendix B, SHA-1: the key is the ASCII of "12345678901234567890", 8 digits.
    #[test]
    fn rfc_6238_vectors() {
        let key = b"12345678901234567890";
        for (t, code) in [
            (59_i64, 94287082_u32),
            (1111111109, 7081804),
            (1111111111, 14050471),
            (1234567890, 89005924),
            (2000000000, 69279037),
            (20000000000, 65353130),
        ] {
            let step = step_of(t * 1000);
            assert_eq!(hotp(key, step as u64, 8), code, "T = {t}");
            // Six digits are the last six of the same number.
            assert_eq!(
                code_at(key, step),
                format!("{:06}", code % 1_000_000),
                "T = {t}"
            );
        }
    }

    /// RFC 4226 appendix D: HOTP of counters 0..9.
    #[test]
    fn rfc_4226_vectors() {
        let expected = [
            755224, 287082, 359152, 969429, 338314, 254676, 287922, 162583, 399871, 520489,
        ];
        for (counter, code) in expected.iter().enumerate() {
            assert_eq!(hotp(b"12345678901234567890", counter as u64, 6), *code);
        }
    }

    #[test]
    fn one_step_of_drift_either_way_and_no_more() {
        let key = b"12345678901234567890";
        let now = 1_111_111_111_000;
        let step = step_of(now);
        assert_eq!(matching_step(key, &code_at(key, step), now), Some(step));
        assert_eq!(
            matching_step(key, &code_at(key, step - 1), now),
            Some(step - 1)
        );
        assert_eq!(
            matching_step(key, &code_at(key, step + 1), now),
            Some(step + 1)
        );
        assert_eq!(matching_step(key, &code_at(key, step - 2), now), None);
        assert_eq!(matching_step(key, &code_at(key, step + 2), now), None);
        // As people type it.
        let c = code_at(key, step);
        assert_eq!(
            matching_step(key, &format!(" {} {} ", &c[..3], &c[3..]), now),
            Some(step)
        );
        assert_eq!(matching_step(key, "12345", now), None);
        assert_eq!(matching_step(key, "abcdef", now), None);
        assert_eq!(matching_step(key, "", now), None);
    }

    #[test]
    fn secrets_round_trip_through_base32() {
        let s = new_secret();
        assert_eq!(s.expose().len(), 32, "160 bits are 32 base32 characters");
        let key = decode_secret(s.expose()).unwrap();
        assert_eq!(key.len(), SECRET_BYTES);
        // "12345678901234567890" in base32, lower case with spaces as copied.
        assert_eq!(
            decode_secret("gezd gnbv gy3t qojq gezd gnbv gy3t qojq").unwrap(),
            b"12345678901234567890"
        );
        assert!(decode_secret("not base32!").is_none());
        assert!(decode_secret("").is_none());
        assert_ne!(new_secret().expose(), s.expose());
    }

    #[test]
    fn otpauth_address_and_qr_code() {
        let uri = otpauth_uri("ccgate", "ops.lead@cc-1", "GEZDGNBV");
        assert_eq!(
            uri,
            "otpauth://totp/ccgate:ops.lead%40cc-1?secret=GEZDGNBV&issuer=ccgate\
             &algorithm=SHA1&digits=6&period=30"
        );
        let svg = qr_svg(&uri).unwrap();
        assert!(svg.starts_with("<svg"), "{}", &svg[..40]);
        assert!(svg.trim_end().ends_with("</svg>"));
    }

    #[test]
    fn recovery_codes_are_distinct_and_hash_as_typed() {
        let codes = new_recovery_codes();
        assert_eq!(codes.len(), RECOVERY_CODES);
        let mut plain: Vec<&String> = codes.iter().map(|c| c.expose()).collect();
        assert!(plain
            .iter()
            .all(|c| c.len() == 11 && c.as_bytes()[5] == b'-'));
        plain.sort();
        plain.dedup();
        assert_eq!(plain.len(), RECOVERY_CODES);
        let c = codes[0].expose();
        assert_eq!(
            recovery_hash(c),
            recovery_hash(&c.to_uppercase().replace('-', " "))
        );
        assert_ne!(recovery_hash(c), recovery_hash(codes[1].expose()));
        assert_eq!(recovery_hash(c).len(), 64);
    }
}
