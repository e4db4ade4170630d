//! Unit tests of the originate parsing/outcome rules and the WAV header.

use super::*;

#[test]
fn parses_originate_arguments() {
    let r = Request::parse(
        "{origination_uuid=418e5dba-298b-4ac6-9a84-90b6f93f9877,leg_timeout=10}loopback/9999/default &park()",
    )
    .unwrap();
    assert_eq!(
        r.var("origination_uuid"),
        Some("418e5dba-298b-4ac6-9a84-90b6f93f9877")
    );
    assert_eq!(r.endpoint, "loopback");
    assert_eq!(r.dest, "9999");
    assert_eq!(r.app, "park");
    assert_eq!(r.outcome(), Outcome::Answer { talk_secs: 3 });
    assert!(Request::parse("loopback/9999/default").is_none());
    let r = Request::parse("user/4861000@default &park()").unwrap();
    assert_eq!(r.dest, "4861000");
    assert!(matches!(r.outcome(), Outcome::Fail { cause, .. } if cause == "USER_BUSY"));
    let r = Request::parse("loopback/nosuchdest/default &park()").unwrap();
    assert!(matches!(r.outcome(), Outcome::Fail { cause, .. } if cause == "NO_ROUTE_DESTINATION"));
    let r = Request::parse("{originate_timeout=1}sofia/gw/4801@x &park()").unwrap();
    assert_eq!(
        r.outcome(),
        Outcome::Fail {
            cause: "NO_ANSWER".into(),
            after_ms: 1000
        }
    );
}

#[test]
fn wav_header_matches_freeswitch() {
    let w = wav_tone(24_000);
    assert_eq!(w.len(), 48_044);
    // First 44 bytes as in recordings/wav_info.txt.
    assert_eq!(
        &w[..40],
        &[
            0x52, 0x49, 0x46, 0x46, 0xa4, 0xbb, 0, 0, 0x57, 0x41, 0x56, 0x45, 0x66, 0x6d, 0x74,
            0x20, 0x10, 0, 0, 0, 1, 0, 1, 0, 0x40, 0x1f, 0, 0, 0x80, 0x3e, 0, 0, 2, 0, 0x10, 0,
            0x64, 0x61, 0x74, 0x61
        ]
    );
    assert_eq!(&w[40..44], &[0x80, 0xbb, 0, 0]);
}
