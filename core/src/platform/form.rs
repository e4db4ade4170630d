//! Percent-decoding, the one implementation: `%XX` escapes alone (ESL header values, FreeSWITCH
//! CDR fields), or form style (`application/x-www-form-urlencoded`, URL queries) where `+` is a
//! space. Malformed escapes are kept as they are; invalid UTF-8 becomes U+FFFD, except in
//! [`try_form_pairs`], which refuses it (what a caller sends must not change on the way in).

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

/// A form component whose escapes decode to bytes that are not UTF-8.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NotUtf8 {
    /// The pair's name (U+FFFD for what was not UTF-8 in it).
    pub name: String,
}

/// Like [`form_pairs`], but a name or value whose escapes are not UTF-8 (`%FF`) is an error
/// naming the pair instead of a U+FFFD in its place.
pub fn try_form_pairs(s: &str) -> Result<Vec<(String, String)>, NotUtf8> {
    s.split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            let name = String::from_utf8(decode_bytes(k, true));
            let value = String::from_utf8(decode_bytes(v, true));
            match (name, value) {
                (Ok(k), Ok(v)) => Ok((k, v)),
                _ => Err(NotUtf8 {
                    name: form_component(k),
                }),
            }
        })
        .collect()
}

fn decode(s: &str, plus_is_space: bool) -> String {
    match String::from_utf8(decode_bytes(s, plus_is_space)) {
        Ok(s) => s,
        Err(e) => String::from_utf8_lossy(e.as_bytes()).into_owned(),
    }
}

fn decode_bytes(s: &str, plus_is_space: bool) -> Vec<u8> {
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
    out
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

    #[test]
    fn strict_pairs_refuse_what_is_not_utf8() {
        assert_eq!(
            try_form_pairs("q=%D0%9F+x&flag").unwrap(),
            vec![("q".into(), "П x".into()), ("flag".into(), String::new())]
        );
        assert_eq!(
            try_form_pairs("a=1&queue=%FF%FE").unwrap_err(),
            NotUtf8 {
                name: "queue".into()
            }
        );
        // A lone continuation byte or a truncated sequence, in a name too.
        assert!(try_form_pairs("x=%80").is_err());
        assert!(try_form_pairs("x=%D0").is_err());
        assert_eq!(try_form_pairs("%C3=1").unwrap_err().name, "\u{fffd}");
        // Malformed escapes are still kept as they are.
        assert_eq!(
            try_form_pairs("a=%zz").unwrap(),
            vec![("a".into(), "%zz".into())]
        );
    }
}
