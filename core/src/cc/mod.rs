//! The contact-center module (`cc` in the catalogue): queues and tiers read from FreeSWITCH
//! mod_callcenter (`queues`), call detail records (`cdr`), recordings (`recordings`, served by
//! `audio`), the outbound call list behind `cc/add` (`dialer`), the «FreeSWITCH» settings block
//! (`settings`) and the module's one error (`error`).

pub mod audio;
pub mod cdr;
pub mod dialer;
pub mod error;
pub mod queues;
pub mod recordings;
pub mod settings;

pub use error::CcError;

/// A UUID (call id, batch id), 8-4-4-4-12 hex digits, lowercased; `None` for anything else, so
/// nothing else reaches the file system or a query.
pub fn parse_uuid(s: &str) -> Option<String> {
    let s = s.trim();
    let groups: Vec<&str> = s.split('-').collect();
    let ok = groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()));
    ok.then(|| s.to_ascii_lowercase())
}

/// A call UUID given as `field`: the error names the field and shows the expected shape.
pub fn call_uuid(field: &'static str, s: &str) -> Result<String, CcError> {
    parse_uuid(s).ok_or_else(|| {
        CcError::invalid(
            field,
            "expected a call UUID like 6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f",
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    const U: &str = "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5f";

    #[test]
    fn uuids() {
        assert_eq!(parse_uuid(U).unwrap(), U);
        assert_eq!(parse_uuid(&U.to_uppercase()).unwrap(), U);
        for bad in [
            "",
            "../etc/passwd",
            "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5",
            "/tmp/x.wav",
            "6b2c0d1e-2f3a-4b5c-8d9e-0a1b2c3d4e5g",
            "6b2c0d1e-2f3a-4b5c-8d9e0-a1b2c3d4e5f",
        ] {
            assert_eq!(parse_uuid(bad), None, "{bad}");
            assert!(
                matches!(
                    call_uuid("uuid", bad),
                    Err(CcError::Invalid { field: "uuid", .. })
                ),
                "{bad}"
            );
        }
    }
}
