//! SMS encodings and part counting.
//!
//! GSM 03.38 (GSM-7): 160 septets in one SMS, 153 per part of a long message (6-byte UDH). The
//! extension characters `^ { } \ [ ~ ] | €` and form feed cost two septets (ESC + char) and such a
//! pair is never split across parts. Anything outside GSM-7 (all Cyrillic, emoji) makes the whole
//! message UCS-2: 70 UTF-16 code units in one SMS, 67 per part; a surrogate pair (emoji, any
//! character beyond the BMP) is never split.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Encoding {
    Gsm7,
    Ucs2,
}

impl Encoding {
    pub fn as_str(self) -> &'static str {
        match self {
            Encoding::Gsm7 => "gsm7",
            Encoding::Ucs2 => "ucs2",
        }
    }
    /// (single-SMS capacity, per-part capacity) in septets or UTF-16 units.
    pub fn limits(self) -> (usize, usize) {
        match self {
            Encoding::Gsm7 => (160, 153),
            Encoding::Ucs2 => (70, 67),
        }
    }
}

/// The GSM 03.38 default alphabet in septet order (the character at index n is septet n; index
/// 0x1B is the escape to the extension table, not a character of its own).
pub(crate) const GSM_SEPTETS: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u{1b}ÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";
/// The extension table: (character, septet after ESC).
pub(crate) const GSM_EXT: &[(char, u8)] = &[
    ('\u{c}', 0x0A),
    ('^', 0x14),
    ('{', 0x28),
    ('}', 0x29),
    ('\\', 0x2F),
    ('[', 0x3C),
    ('~', 0x3D),
    (']', 0x3E),
    ('|', 0x40),
    ('€', 0x65),
];

/// The septet of a basic-alphabet character.
pub(crate) fn gsm_septet(c: char) -> Option<u8> {
    if c == '\u{1b}' {
        return None;
    }
    GSM_SEPTETS.chars().position(|g| g == c).map(|i| i as u8)
}

/// The septet after ESC of an extension character.
pub(crate) fn gsm_ext(c: char) -> Option<u8> {
    GSM_EXT.iter().find(|(e, _)| *e == c).map(|(_, code)| *code)
}

/// Septets a character costs in GSM-7 (1 basic, 2 extension), or `None` outside GSM-7.
pub fn gsm_cost(c: char) -> Option<usize> {
    if gsm_septet(c).is_some() {
        Some(1)
    } else if gsm_ext(c).is_some() {
        Some(2)
    } else {
        None
    }
}

pub fn encoding_of(text: &str) -> Encoding {
    if text.chars().all(|c| gsm_cost(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

fn cost(enc: Encoding, c: char) -> usize {
    match enc {
        Encoding::Gsm7 => gsm_cost(c).unwrap_or(1),
        Encoding::Ucs2 => c.len_utf16(),
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Parts {
    pub encoding: Encoding,
    /// Septets (GSM-7) or UTF-16 code units (UCS-2) of the whole text.
    pub units: usize,
    pub parts: usize,
}

/// Split a text into the parts it will be sent as (never inside an escape or a surrogate pair).
/// An empty text is one empty part.
pub fn split(text: &str) -> (Encoding, Vec<&str>) {
    split_as(text, encoding_of(text))
}

/// Split in a given encoding (a provider may send a GSM-7 text as UCS-2).
pub fn split_as(text: &str, enc: Encoding) -> (Encoding, Vec<&str>) {
    let (single, per_part) = enc.limits();
    let total: usize = text.chars().map(|c| cost(enc, c)).sum();
    if total <= single {
        return (enc, vec![text]);
    }
    let mut parts = Vec::with_capacity(total / per_part + 1);
    let mut start = 0;
    let mut used = 0;
    for (i, c) in text.char_indices() {
        let k = cost(enc, c);
        if used + k > per_part {
            parts.push(&text[start..i]);
            start = i;
            used = 0;
        }
        used += k;
    }
    parts.push(&text[start..]);
    (enc, parts)
}

pub fn count(text: &str) -> Parts {
    count_as(text, encoding_of(text))
}

pub fn count_as(text: &str, enc: Encoding) -> Parts {
    let (encoding, parts) = split_as(text, enc);
    Parts {
        encoding,
        units: text.chars().map(|c| cost(encoding, c)).sum(),
        parts: parts.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str, enc: Encoding, units: usize, parts: usize) {
        let p = count(text);
        assert_eq!(
            (p.encoding, p.units, p.parts),
            (enc, units, parts),
            "{text:?}"
        );
        let (_, pieces) = split(text);
        assert_eq!(pieces.concat(), text);
        let (single, per) = enc.limits();
        let cap = if pieces.len() == 1 { single } else { per };
        for piece in &pieces {
            assert!(piece.chars().map(|c| cost(enc, c)).sum::<usize>() <= cap);
        }
    }

    #[test]
    fn latin_parts() {
        check("", Encoding::Gsm7, 0, 1);
        check("Hello", Encoding::Gsm7, 5, 1);
        check(&"a".repeat(160), Encoding::Gsm7, 160, 1);
        check(&"a".repeat(161), Encoding::Gsm7, 161, 2);
        check(&"a".repeat(306), Encoding::Gsm7, 306, 2);
        check(&"a".repeat(307), Encoding::Gsm7, 307, 3);
        check("Ça coûte 5€ @ home", Encoding::Ucs2, 18, 1); // û is not GSM-7
        check("Ça va, 5€ @ home", Encoding::Gsm7, 17, 1);
    }

    #[test]
    fn extension_characters_cost_two_and_never_split() {
        check(&"{".repeat(80), Encoding::Gsm7, 160, 1);
        check(&"{".repeat(81), Encoding::Gsm7, 162, 2);
        check("€", Encoding::Gsm7, 2, 1);
        check(&format!("{}[]", "a".repeat(158)), Encoding::Gsm7, 162, 2);
        // 152 basic then an extension char: it does not fit the first part's last septet.
        let t = format!("{}^{}", "a".repeat(152), "b".repeat(10));
        let (_, pieces) = split(&t);
        assert_eq!(pieces[0], "a".repeat(152));
        assert!(pieces[1].starts_with('^'));
        check(&t, Encoding::Gsm7, 164, 2);
    }

    #[test]
    fn gsm_text_sent_as_ucs2() {
        let t = format!("{}é", "a".repeat(99));
        assert_eq!(count(&t).parts, 1);
        let p = count_as(&t, Encoding::Ucs2);
        assert_eq!((p.encoding, p.units, p.parts), (Encoding::Ucs2, 100, 2));
    }

    #[test]
    fn cyrillic_is_ucs2() {
        check("Привет", Encoding::Ucs2, 6, 1);
        check(&"я".repeat(70), Encoding::Ucs2, 70, 1);
        check(&"я".repeat(71), Encoding::Ucs2, 71, 2);
        check(&"я".repeat(134), Encoding::Ucs2, 134, 2);
        check(&"я".repeat(135), Encoding::Ucs2, 135, 3);
        // One Cyrillic letter turns a Latin text into UCS-2.
        check(&format!("{}ж", "a".repeat(100)), Encoding::Ucs2, 101, 2);
    }

    #[test]
    fn emoji_are_two_units_and_never_split() {
        check("👍", Encoding::Ucs2, 2, 1);
        check(&"👍".repeat(35), Encoding::Ucs2, 70, 1);
        check(&"👍".repeat(36), Encoding::Ucs2, 72, 2);
        // 66 units then an emoji: it goes whole to the next part.
        let t = format!("{}😀{}", "ж".repeat(66), "ж".repeat(10));
        let (_, pieces) = split(&t);
        assert_eq!(pieces[0], "ж".repeat(66));
        assert!(pieces[1].starts_with('😀'));
        check(&t, Encoding::Ucs2, 78, 2);
    }
}
