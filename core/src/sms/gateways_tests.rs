//! The gateway list's validation, defaults and stored rows.

use super::*;

fn input() -> GatewayInput {
    GatewayInput {
        name: "main".into(),
        kind: "smstraffic".into(),
        url: "https://api.smstraffic.ru/multi.php".into(),
        reserve_url: "https://api2.smstraffic.ru/multi.php".into(),
        sender: "FRONTLINE".into(),
        login: "l".into(),
        password: Some("p".into()),
        rate_limit: 20,
        max_parts: 10,
        timeout_ms: 30_000,
        priority: 0,
        enabled: true,
        ca_file: String::new(),
    }
}

fn smpp() -> GatewayInput {
    GatewayInput {
        kind: "smpp".into(),
        url: "smpp://server1.smstraffic.ru:4442".into(),
        reserve_url: "smpp://server2.smstraffic.ru:4442".into(),
        login: "ccgate".into(),
        password: Some("secret".into()),
        ..input()
    }
}

#[test]
fn gateway_input_validates() {
    assert!(validate(&input()).is_ok());
    assert!(validate(&smpp()).is_ok());
    for (f, bad) in [
        (
            "name",
            GatewayInput {
                name: "a b".into(),
                ..input()
            },
        ),
        (
            "kind",
            GatewayInput {
                kind: "twilio".into(),
                ..input()
            },
        ),
        (
            "timeout_ms",
            GatewayInput {
                timeout_ms: 10,
                ..input()
            },
        ),
        (
            "url",
            GatewayInput {
                url: "ftp://x".into(),
                ..input()
            },
        ),
        (
            "reserve_url",
            GatewayInput {
                reserve_url: "x".into(),
                ..input()
            },
        ),
        (
            "sender",
            GatewayInput {
                sender: "Магазин".into(),
                ..input()
            },
        ),
        (
            "rate_limit",
            GatewayInput {
                rate_limit: 0,
                ..input()
            },
        ),
        (
            "max_parts",
            GatewayInput {
                max_parts: 256,
                ..input()
            },
        ),
        (
            "url",
            GatewayInput {
                url: "https://smsc.example:2775".into(),
                ..smpp()
            },
        ),
        (
            "login",
            GatewayInput {
                login: "system-id-too-long".into(),
                ..smpp()
            },
        ),
        (
            "password",
            GatewayInput {
                password: Some("longer-than-8".into()),
                ..smpp()
            },
        ),
    ] {
        match validate(&bad) {
            Err(ServiceError::Invalid { field, .. }) => assert_eq!(field, f),
            other => panic!("{f}: {other:?}"),
        }
    }
    let d = describe(&input(), true);
    assert!(d.contains("password=***") && !d.contains("password=p "));
}

#[test]
fn defaults_are_declared_once() {
    let d = GatewayInput::default();
    assert_eq!(
        (d.kind.as_str(), d.url.as_str(), d.reserve_url.as_str()),
        ("smstraffic", SMSTRAFFIC_URL, SMSTRAFFIC_RESERVE_URL)
    );
    assert_eq!(
        (
            d.rate_limit,
            d.max_parts,
            d.timeout_ms,
            d.priority,
            d.enabled
        ),
        (20, 10, 30_000, 10, true)
    );
    // What serde fills in for absent fields is the same.
    let parsed: GatewayInput = serde_json::from_value(serde_json::json!({
        "name": "x", "kind": "smstraffic", "url": SMSTRAFFIC_URL,
        "rate_limit": 20, "max_parts": 10, "priority": 10
    }))
    .unwrap();
    assert_eq!(
        (parsed.timeout_ms, parsed.enabled),
        (d.timeout_ms, d.enabled)
    );
    // A named default is a valid gateway.
    assert!(validate(&GatewayInput {
        name: "main".into(),
        ..d
    })
    .is_ok());
}

#[tokio::test]
async fn a_stored_unknown_kind_is_an_error() {
    let (_dir, db) = crate::platform::db::scratch(1).await;
    let g = create(
        &db,
        &Actor::Cli,
        &GatewayInput {
            name: "main".into(),
            ..GatewayInput::default()
        },
    )
    .await
    .unwrap();
    assert_eq!(g.kind, GatewayKind::SmsTraffic);
    sqlx::query("UPDATE sms_gateways SET kind = 'twilio' WHERE id = ?")
        .bind(g.id)
        .execute(&db.pool)
        .await
        .unwrap();
    for r in [get(&db, g.id).await, by_name(&db, "main").await] {
        match r {
            Err(ServiceError::Internal(m)) => assert!(m.contains("twilio"), "{m}"),
            other => panic!("{other:?}"),
        }
    }
    assert!(list(&db).await.is_err());
    assert!(failover_order(&db).await.is_err());
}
