use std::time::Duration;

use super::send::{expand, prepare};
use super::*;
use crate::sms::providers::NormStatus;
use crate::sms::text;

#[test]
fn request_shapes() {
    let parse = |s: &str| {
        serde_json::from_str::<SendRequest>(s)
            .map_err(|e| e.to_string())
            .and_then(|r| expand(r).map_err(|e| e.to_string()))
    };
    let (items, sender, single) =
        parse(r#"{"phone":"89161234567","text":"hi","sender":"Shop"}"#).unwrap();
    assert_eq!(items, vec![("89161234567".to_string(), "hi".to_string())]);
    assert_eq!(sender.as_deref(), Some("Shop"));
    assert!(single);
    let (items, _, single) = parse(r#"{"phones":["1","2"],"text":"x"}"#).unwrap();
    assert_eq!(items.len(), 2);
    assert!(!single);
    assert!(parse(r#"{"messages":[{"phone":"1","text":"a"}]}"#).is_ok());
    assert!(parse(r#"{"messages":[{"phone":"1","text":"a"}],"text":"b"}"#).is_err());
    assert!(parse(r#"{"phone":"1","phones":["2"],"text":"b"}"#).is_err());
    assert!(parse(r#"{"phone":"1"}"#).is_err());
    assert!(parse(r#"{"phones":[],"text":"b"}"#).is_err());
    assert!(parse(r#"{"phone":"1","text":"a","sender":"Магазин"}"#).is_err());
    assert!(parse(r#"{"phone":"1","text":"a","colour":"red"}"#).is_err());
    let many = format!(
        r#"{{"phones":[{}],"text":"x"}}"#,
        vec!["\"1\""; MAX_RECIPIENTS + 1].join(",")
    );
    assert!(parse(&many).unwrap_err().contains("too many"));
}

#[test]
fn recipients_are_checked_one_by_one() {
    let items = vec![
        ("89161234567".to_string(), "hi".to_string()),
        ("nope".to_string(), "hi".to_string()),
        ("89161234568".to_string(), " ".to_string()),
        ("89161234569".to_string(), "я".repeat(71)),
    ];
    let (ok, rejected) = prepare(items, &None, 1, &text::encoding_of);
    assert_eq!(ok.len(), 1);
    assert_eq!(ok[0].msg.phone.as_str(), "+79161234567");
    let codes: Vec<_> = rejected
        .iter()
        .map(|r| (r.index, r.error.as_ref().unwrap().code.as_str()))
        .collect();
    assert_eq!(
        codes,
        vec![
            (1, "phone_bad_characters"),
            (2, "text_empty"),
            (3, "text_too_long")
        ]
    );
    let fields: Vec<_> = rejected
        .iter()
        .map(|r| r.error.as_ref().unwrap().field)
        .collect();
    assert_eq!(fields, vec!["phone", "text", "text"]);
    let v = serde_json::to_value(&rejected[1]).unwrap();
    assert_eq!(
        v["error"],
        serde_json::json!({"code": "text_empty", "field": "text", "message": "the text is empty"})
    );
}

#[test]
fn poll_backoff_grows_and_caps() {
    assert_eq!(backoff(0), Duration::from_secs(60));
    assert_eq!(backoff(1), Duration::from_secs(120));
    assert_eq!(backoff(3), Duration::from_secs(480));
    assert_eq!(backoff(10), POLL_MAX);
    assert_eq!(backoff(100), POLL_MAX);
}

#[test]
fn failures_are_catalogue_codes_stored_as_their_names() {
    use crate::sms::providers::{ErrorClass, GatewayError, Reason, Scope};
    for f in Failure::ALL {
        assert_eq!(Failure::parse(f.as_str()), Some(*f));
        assert_eq!(f.item_error().code, f.code());
    }
    assert_eq!(Failure::parse("see provider_error"), None);
    let named = |f: Failure| (f.as_str(), f.field());
    assert_eq!(named(Failure::PhoneRejected), ("phone_rejected", "phone"));
    assert_eq!(
        named(Failure::SenderRejected),
        ("sender_rejected", "sender")
    );
    assert_eq!(named(Failure::SubmitAmbiguous), ("submit_ambiguous", ""));
    assert_eq!(named(Failure::StatusExpired), ("status_expired", ""));
    let of = |class, scope, reason| {
        record::failure_of(&GatewayError::new(class, scope, "x", "y").with_reason(reason))
    };
    use ErrorClass::*;
    use Scope::*;
    for (class, scope, reason, want) in [
        (
            Ambiguous,
            Gateway,
            Reason::Other,
            (NormStatus::Unknown, Failure::SubmitAmbiguous),
        ),
        (
            Permanent,
            Message,
            Reason::Phone,
            (NormStatus::Rejected, Failure::PhoneRejected),
        ),
        (
            Permanent,
            Message,
            Reason::Sender,
            (NormStatus::Rejected, Failure::SenderRejected),
        ),
        (
            Permanent,
            Message,
            Reason::NotQueued,
            (NormStatus::Rejected, Failure::NotQueued),
        ),
        (
            Permanent,
            Message,
            Reason::Other,
            (NormStatus::Rejected, Failure::MessageRejected),
        ),
        (
            Retryable,
            Gateway,
            Reason::Other,
            (NormStatus::Failed, Failure::GatewayUnavailable),
        ),
        (
            Permanent,
            Gateway,
            Reason::Other,
            (NormStatus::Failed, Failure::GatewayRefused),
        ),
    ] {
        assert_eq!(of(class, scope, reason), want);
    }
}
