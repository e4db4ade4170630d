//! Sender names (originators): at most 11 of Latin letters, digits and `-` `_` `.` with at least
//! one letter, or a number of at most 15 digits.

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SenderError {
    #[error("the sender name is empty")]
    Empty,
    #[error("a sender name has at most 11 characters (Latin letters, digits, - _ .)")]
    TooLong,
    #[error("a numeric sender has at most 15 digits")]
    NumberTooLong,
    #[error("a sender name may contain only Latin letters, digits, - _ .")]
    BadCharacters,
}

pub fn parse(input: &str) -> Result<String, SenderError> {
    let s = input.trim();
    if s.is_empty() {
        return Err(SenderError::Empty);
    }
    if s.bytes().all(|b| b.is_ascii_digit()) {
        return if s.len() <= 15 {
            Ok(s.to_string())
        } else {
            Err(SenderError::NumberTooLong)
        };
    }
    if !s
        .bytes()
        .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'))
    {
        return Err(SenderError::BadCharacters);
    }
    if s.len() > 11 {
        return Err(SenderError::TooLong);
    }
    Ok(s.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sender_names() {
        for ok in [
            "FRONTLINE",
            "Shop-24.ru",
            "a_b",
            "X",
            "12345678901",
            "123456789012345",
            "Abcdefghijk",
        ] {
            assert_eq!(parse(ok).as_deref(), Ok(ok), "{ok}");
        }
        assert_eq!(parse(" Shop "), Ok("Shop".into()));
        assert_eq!(parse(""), Err(SenderError::Empty));
        assert_eq!(parse("Abcdefghijkl"), Err(SenderError::TooLong));
        assert_eq!(parse("1234567890123456"), Err(SenderError::NumberTooLong));
        assert_eq!(parse("Магазин"), Err(SenderError::BadCharacters));
        assert_eq!(parse("My Shop"), Err(SenderError::BadCharacters));
        assert_eq!(parse("+79161234567"), Err(SenderError::BadCharacters));
        assert_eq!(parse("a&b"), Err(SenderError::BadCharacters));
    }
}
