//! Percent-decoding, the one implementation: `%XX` escapes alone (ESL header values, FreeSWITCH
//! CDR fields), or form style (`application/x-www-form-urlencoded`, URL queries) where `+` is a
//! space. Malformed escapes are kept as they are; invalid UTF-8 becomes U+FFFD.

/// Decode `%XX` escapes; `+` stays `+`.
pub fn percent_decode(s: &str) -> String {
    decode(s, false)
}

/// Decode one form component (a name or a value): `+` is a space, then `%XX` escapes.
pub fn form_component(s: &str) -> String {
    decode(s, true)
}

/// Split a form body or URL query into decoded `(name, value)` pairs, in order; empty pieces are
/// skipped and a piece without `=` has an empty value.
pub fn form_pairs(s: &str) -> Vec<(String, String)> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (form_component(k), form_component(v))
        })
        .collect()
}

fn decode(s: &str, plus_is_space: bool) -> String {
    let b = s.as_bytes();
    let hex = |c: u8| (c as char).to_digit(16);
    let mut out = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        match b[i] {
            b'%' if i + 2 < b.len() => {
                if let (Some(h), Some(l)) = (hex(b[i + 1]), hex(b[i + 2])) {
                    out.push((h * 16 + l) as u8);
                    i += 3;
                    continue;
                }
                out.push(b'%');
            }
            b'+' if plus_is_space => out.push(b' '),
            c => out.push(c),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_and_plus() {
        assert_eq!(percent_decode("queue%20list"), "queue list");
        assert_eq!(percent_decode("1+1%2B1"), "1+1+1");
        assert_eq!(form_component("1+1%2B1"), "1 1+1");
        assert_eq!(
            percent_decode("%D0%9F%D1%80%D0%B8%D0%B2%D0%B5%D1%82"),
            "Привет"
        );
        for s in ["a%2", "%zz", "100%", "%", "%4"] {
            assert_eq!(percent_decode(s), s);
            assert_eq!(form_component(s), s);
        }
        assert_eq!(percent_decode("a%41"), "aA");
        assert_eq!(percent_decode("%ff"), "\u{fffd}");
    }

    #[test]
    fn pairs() {
        assert_eq!(
            form_pairs("a=%zz&&b=%4&flag&q=support%40default+x"),
            vec![
                ("a".into(), "%zz".into()),
                ("b".into(), "%4".into()),
                ("flag".into(), String::new()),
                ("q".into(), "support@default x".into()),
            ]
        );
        assert!(form_pairs("").is_empty());
    }
}
