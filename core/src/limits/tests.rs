use super::*;
use crate::access::limits::Limits;
use crate::platform::db::scratch;

fn per_minute(n: u64) -> Limits {
    Limits {
        per_minute: Some(n),
        ..Default::default()
    }
}

/// A time well inside a minute, so a test's few steps never cross into the next.
fn mid_minute() -> i64 {
    now_ms().div_euclid(60_000) * 60_000 + 20_000
}

#[tokio::test]
async fn one_instance_admits_exactly_the_limit() {
    let (_dir, db) = scratch(2).await;
    let l = Limiter::new(db).await.unwrap();
    let t = mid_minute();
    let lim = per_minute(3);
    for _ in 0..3 {
        l.admit_request(7, &lim, None, t, 0).unwrap();
    }
    let e = l.admit_request(7, &lim, None, t, 0).unwrap_err();
    assert_eq!(e.code(), ErrorCode::RateLimited);
    assert_eq!((e.standing.used, e.standing.limit), (3, 3));
    assert_eq!(e.retry_after, 40);
    // Another user, and the next minute, have their own counts.
    l.admit_request(8, &lim, None, t, 0).unwrap();
    l.admit_request(7, &lim, None, t + 60_000, 0).unwrap();
}

#[tokio::test]
async fn a_method_limit_and_the_overall_one_both_count() {
    let (_dir, db) = scratch(2).await;
    let l = Limiter::new(db).await.unwrap();
    let t = mid_minute();
    let mut lim = per_minute(5);
    lim.per_method.insert("cc.add".into(), 2);
    l.admit_request(1, &lim, Some("cc.add"), t, 0).unwrap();
    l.admit_request(1, &lim, Some("cc.add"), t, 0).unwrap();
    let e = l.admit_request(1, &lim, Some("cc.add"), t, 0).unwrap_err();
    assert_eq!(e.standing.name, "requests_per_minute:cc.add");
    // A refused request counted nowhere: three more of other methods fit the overall five.
    for _ in 0..3 {
        l.admit_request(1, &lim, Some("cc.queues"), t, 0).unwrap();
    }
    let e = l.admit_request(1, &lim, None, t, 0).unwrap_err();
    assert_eq!(e.standing.name, "requests_per_minute");
    let s = tightest(l.for_request(1, &lim, Some("cc.add"), t, 0)).unwrap();
    assert_eq!((s.remaining(), s.reset_secs(t)), (0, 40));
}

#[tokio::test]
async fn quotas_are_all_or_nothing_and_refundable() {
    let (_dir, db) = scratch(2).await;
    let l = Limiter::new(db).await.unwrap();
    let t = mid_minute();
    let lim = Limits {
        sms_parts_per_day: Some(10),
        sms_parts_per_month: Some(12),
        ..Default::default()
    };
    l.take_quota(1, &lim, Quota::SmsParts, 8, t, 180).unwrap();
    let e = l
        .take_quota(1, &lim, Quota::SmsParts, 3, t, 180)
        .unwrap_err();
    assert_eq!(e.code(), ErrorCode::QuotaExceeded);
    assert_eq!(
        (e.standing.name.as_str(), e.requested),
        ("sms_parts_per_day", 3)
    );
    l.take_quota(1, &lim, Quota::SmsParts, 2, t, 180).unwrap();
    l.refund_quota(1, &lim, Quota::SmsParts, 2, t, 180);
    // The month has 12 − 8 = 4 left, the day 2: the day is the tighter.
    let s = tightest(l.usage(1, &lim, t, 180)).unwrap();
    assert_eq!((s.name.as_str(), s.remaining()), ("sms_parts_per_day", 2));
    // No calls quota: calls are not limited.
    l.take_quota(1, &lim, Quota::Calls, 1_000_000, t, 180)
        .unwrap();
}

#[tokio::test]
async fn instances_share_counts_and_counts_survive_a_restart() {
    let (_dir, db) = scratch(4).await;
    let a = Limiter::new(db.clone()).await.unwrap();
    let b = Limiter::new(db.clone()).await.unwrap();
    let t = now_ms();
    let lim = Limits {
        calls_per_day: Some(10),
        ..Default::default()
    };
    a.take_quota(1, &lim, Quota::Calls, 6, t, 0).unwrap();
    // Before any sync B does not know of A's six: the bound documented above.
    a.sync().await.unwrap();
    b.sync().await.unwrap();
    b.take_quota(1, &lim, Quota::Calls, 4, t, 0).unwrap();
    assert!(b.take_quota(1, &lim, Quota::Calls, 1, t, 0).is_err());
    b.sync().await.unwrap();
    a.sync().await.unwrap();
    assert_eq!(a.usage(1, &lim, t, 0)[0].used, 10);
    assert!(a.take_quota(1, &lim, Quota::Calls, 1, t, 0).is_err());
    // A new instance (a restart) starts from the stored counts.
    let c = Limiter::new(db).await.unwrap();
    assert_eq!(c.usage(1, &lim, t, 0)[0].used, 10);
    assert!(c.take_quota(1, &lim, Quota::Calls, 1, t, 0).is_err());
}
