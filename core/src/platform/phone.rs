//! Phone numbers: lenient input (`8 916 123-45-67`, `+7 (916) 123-45-67`, `79161234567`,
//! `9161234567`), one E.164 form inside (`+79161234567`). Russian rules: a leading trunk `8` of an
//! 11-digit number means `+7`; a bare 10-digit number starting with `9` is a Russian mobile.

use std::fmt;

use crate::platform::error::ErrorCode;

/// A phone number in E.164 (`+` and 8–15 digits, no leading zero).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct E164(String);

impl E164 {
    /// `+79161234567`
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// `79161234567`: what HTTP aggregators take on the wire.
    pub fn digits(&self) -> &str {
        &self.0[1..]
    }
}

impl fmt::Display for E164 {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PhoneError {
    #[error("the phone number is empty")]
    Empty,
    #[error("only digits, a leading +, spaces, dashes, dots and brackets are allowed")]
    BadCharacters,
    #[error("the phone number has too few digits")]
    TooShort,
    #[error("the phone number has too many digits")]
    TooLong,
    #[error("a +7 number has exactly 11 digits")]
    BadRussianLength,
    #[error("a 10-digit number must be a Russian mobile starting with 9")]
    NotMobile,
    #[error("a country code never starts with 0")]
    BadCountryCode,
}

impl PhoneError {
    /// Stable reason code for per-recipient rejections.
    pub fn code(self) -> ErrorCode {
        match self {
            PhoneError::Empty => ErrorCode::PhoneEmpty,
            PhoneError::BadCharacters => ErrorCode::PhoneBadCharacters,
            PhoneError::TooShort => ErrorCode::PhoneTooShort,
            PhoneError::TooLong => ErrorCode::PhoneTooLong,
            PhoneError::BadRussianLength => ErrorCode::PhoneBadLength,
            PhoneError::NotMobile => ErrorCode::PhoneNotMobile,
            PhoneError::BadCountryCode => ErrorCode::PhoneBadCountryCode,
        }
    }
}

pub fn parse(input: &str) -> Result<E164, PhoneError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(PhoneError::Empty);
    }
    let mut plus = false;
    let mut digits = String::with_capacity(16);
    for (i, c) in s.chars().enumerate() {
        match c {
            '0'..='9' => digits.push(c),
            '+' if i == 0 => plus = true,
            ' ' | '\t' | '-' | '.' | '(' | ')' | '\u{a0}' => {}
            _ => return Err(PhoneError::BadCharacters),
        }
    }
    if digits.is_empty() {
        return Err(PhoneError::Empty);
    }
    let international = if plus {
        digits
    } else if let Some(rest) = digits.strip_prefix("00") {
        // International prefix `00`.
        rest.to_string()
    } else {
        match (digits.len(), digits.as_bytes()[0]) {
            (11, b'8') | (11, b'7') => format!("7{}", &digits[1..]),
            (10, b'9') => format!("7{digits}"),
            (10, _) => return Err(PhoneError::NotMobile),
            (n, _) if n < 10 => return Err(PhoneError::TooShort),
            _ => digits,
        }
    };
    if international.starts_with('0') {
        return Err(PhoneError::BadCountryCode);
    }
    if international.starts_with('7') && international.len() != 11 {
        return Err(PhoneError::BadRussianLength);
    }
    if international.len() < 8 {
        return Err(PhoneError::TooShort);
    }
    if international.len() > 15 {
        return Err(PhoneError::TooLong);
    }
    Ok(E164(format!("+{international}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalization_table() {
        let ok = [
            ("+79161234567", "+79161234567"),
            ("79161234567", "+79161234567"),
            ("89161234567", "+79161234567"),
            ("9161234567", "+79161234567"),
            ("8 916 123-45-67", "+79161234567"),
            ("+7 (916) 123-45-67", "+79161234567"),
            ("8(916)123.45.67", "+79161234567"),
            ("  +7 916 123 45 67  ", "+79161234567"),
            ("8-800-555-35-35", "+78005553535"),
            ("+380501234567", "+380501234567"),
            ("380501234567", "+380501234567"),
            ("00380501234567", "+380501234567"),
            ("0079161234567", "+79161234567"),
            ("+4915112345678", "+4915112345678"),
            ("+37412345678", "+37412345678"),
        ];
        for (input, want) in ok {
            assert_eq!(
                parse(input).map(|p| p.to_string()),
                Ok(want.to_string()),
                "{input}"
            );
        }
        let bad = [
            ("", PhoneError::Empty),
            ("   ", PhoneError::Empty),
            ("+", PhoneError::Empty),
            ("()-", PhoneError::Empty),
            ("+7 916 abc", PhoneError::BadCharacters),
            ("7916+1234567", PhoneError::BadCharacters),
            ("79161234567;79161234568", PhoneError::BadCharacters),
            ("+7916123456", PhoneError::BadRussianLength),
            ("+791612345678", PhoneError::BadRussianLength),
            ("4951234567", PhoneError::NotMobile),
            ("12345", PhoneError::TooShort),
            ("+1234567", PhoneError::TooShort),
            ("+1234567890123456", PhoneError::TooLong),
            ("+0123456789", PhoneError::BadCountryCode),
            ("007916123456789", PhoneError::BadRussianLength),
            ("000123456789", PhoneError::BadCountryCode),
        ];
        for (input, want) in bad {
            assert_eq!(parse(input), Err(want), "{input:?}");
        }
        assert_eq!(parse("89161234567").unwrap().digits(), "79161234567");
    }
}
