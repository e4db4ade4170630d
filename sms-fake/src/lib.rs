//! A local stand-in for SMS Traffic's HTTP API (`multi.php`), answering like the vendor's API
//! description v1.85: XML replies, error codes, one `sms_id` per part with `want_sms_ids=1`,
//! `queued N messages`, flat vs `<sms>`-wrapped status replies, `operation=account`, and
//! delivery reports POSTed as `sms_id`, `status`, `delivery_date`.
//!
//! It can be told to fail (`Mode`): refuse with an error code (e.g. 1000), answer HTTP 5xx, stall
//! before answering, or queue nothing; and to deliver later (or not): statuses move from empty to
//! `Buffered SMSC` to a final status after a delay, and a callback is POSTed when configured.
//! Control from tests through [`Fake`]; from outside through `POST /_control` (form fields, see
//! the binary's help).
//!
//! The SMS Traffic fake's pieces live in `smstraffic/` (one file per operation); [`smsc`] holds
//! the SMSC.ru fake, and `shared` what both use (failure modes, form bodies, time stamps).

mod shared;
pub mod smsc;
mod smstraffic;
pub mod tls;

pub use shared::{msk, parse_form, Mode};
pub use smstraffic::{description, router, serve, spawn, spawn_tls, Config, Fake, Request, Sms};

#[cfg(test)]
mod tests {
    use std::time::UNIX_EPOCH;

    use super::*;
    use crate::smstraffic::parts_of;

    #[test]
    fn counts_and_dates() {
        assert_eq!(parts_of("hello", "0"), 1);
        assert_eq!(parts_of(&"a".repeat(161), "0"), 2);
        assert_eq!(parts_of("hello", "5"), 1);
        assert_eq!(parts_of(&"я".repeat(71), "5"), 2);
        assert_eq!(msk(UNIX_EPOCH), "1970-01-01 03:00:00");
        assert_eq!(
            parse_form("a=1+2&b=%D1%8F"),
            vec![("a".into(), "1 2".into()), ("b".into(), "я".into())]
        );
    }
}
