//! Encoding of API arguments for mod_xml_rpc URLs (`/txtapi/<cmd>?<args>`).
//!
//! Abyss percent-decodes the whole URI before it splits at the first `?`, and does not turn `+`
//! into a space. So spaces must be `%20` (never `+`), and `%`, `#`, `?`, `{`, `}` and every other
//! byte outside a small safe set are percent-encoded; decoding gives FreeSWITCH the exact text.

/// Bytes sent as they are.
fn safe(b: u8) -> bool {
    b.is_ascii_alphanumeric()
        || matches!(
            b,
            b'-' | b'.' | b'_' | b'~' | b'@' | b'+' | b':' | b',' | b'=' | b'/'
        )
}

pub fn encode_args(args: &str) -> String {
    let mut out = String::with_capacity(args.len() * 3);
    for &b in args.as_bytes() {
        if safe(b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// Decode `%XX` escapes (for ESL event header values, which libesl URL-decodes). `+` stays `+`.
/// Malformed escapes are kept as they are. The platform's decoder, named here for the codecs.
pub use crate::platform::form::percent_decode;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn encodes_what_abyss_would_mangle() {
        assert_eq!(
            encode_args("queue list tiers support@default"),
            "queue%20list%20tiers%20support@default"
        );
        assert_eq!(encode_args("100% #1 ?x"), "100%25%20%231%20%3Fx");
        assert_eq!(encode_args("+79161234567"), "+79161234567");
        assert_eq!(
            encode_args("{origination_uuid=abc}loopback/1000/default &callcenter(support@default)"),
            "%7Borigination_uuid=abc%7Dloopback/1000/default%20%26callcenter%28support@default%29"
        );
        assert_eq!(encode_args("'On Break'"), "%27On%20Break%27");
        assert_eq!(
            encode_args("Привет"),
            "%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"
        );
    }

    #[test]
    fn round_trips() {
        for s in ["a b", "100%", "#+{}", "Привет мир", "x=1&y=2"] {
            assert_eq!(percent_decode(&encode_args(s)), s);
        }
        assert_eq!(percent_decode("a%2"), "a%2");
        assert_eq!(percent_decode("%zz"), "%zz");
        assert_eq!(percent_decode("1+1"), "1+1");
    }
}
