use std::path::Path;

use super::*;
use crate::cc::cdr::index::scan;
use crate::cc::cdr::parse::parse_json;
use crate::cc::cdr::query::Totals;

const ANSWERED: &str = "3d69c3fb-8084-4779-abec-2327d2b83e9e";
const ABANDONED: &str = "aaaaaaaa-bbbb-4ccc-8ddd-001796188092";

fn captures() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../testdata/freeswitch/cc-outcomes")
}

/// The day of the captures (2026-12-02 UTC).
fn day() -> Range {
    Range {
        from_ms: crate::platform::time::parse_input("2026-12-02", 0).unwrap(),
        until_ms: crate::platform::time::parse_input("2026-12-03", 0).unwrap(),
    }
}

#[tokio::test]
async fn queue_outcomes_from_the_captured_member_legs() {
    let (dir, db) = crate::platform::db::scratch(2).await;
    let root = dir.path().join("cdr");
    std::fs::create_dir_all(&root).unwrap();
    for e in std::fs::read_dir(captures()).unwrap().flatten() {
        std::fs::copy(e.path(), root.join(e.file_name())).unwrap();
    }
    let st = scan(&db, &Totals::default(), &root, 0).await.unwrap();
    assert_eq!(st.errors, 0);
    let t = queue_tally(&db, &["support@default"], 20, day())
        .await
        .unwrap();
    assert_eq!((t.offered, t.answered, t.abandoned), (2, 1, 1));
    assert_eq!(t.abandoned_by_reason["BREAK_OUT"], 1);
    assert_eq!(t.abandoned_by_reason["TIMEOUT"], 0);
    // Joined …879, answered …880: one second's wait; talk until the leg ended at …885.992.
    assert_eq!(t.answered_within, 1);
    assert_eq!((t.wait_ms_sum, t.wait_ms_max), (1000, Some(1000)));
    assert_eq!(t.talk_ms_sum, 5992);
    let f = PeriodFigures::new(
        day(),
        Some(20),
        &t,
        outbound(&db, &[], day()).await.unwrap(),
    );
    assert_eq!(f.service_level, Some(50.0));
    assert_eq!(f.abandon_rate, Some(50.0));
    assert_eq!(f.avg_wait_seconds, Some(1.0));
    assert_eq!(f.max_wait_seconds, Some(1.0));
    assert_eq!(f.avg_talk_seconds, Some(6.0));
    assert_eq!(f.from, "2026-12-02T00:00:00Z");
    // A threshold shorter than the wait: answered, but not within the service level.
    let t = queue_tally(&db, &["support@default"], 1, day())
        .await
        .unwrap();
    assert_eq!(t.answered_within, 1);
    let strict = Tally {
        answered_within: 0,
        ..t.clone()
    };
    assert_eq!(
        PeriodFigures::new(
            day(),
            Some(1),
            &strict,
            outbound(&db, &[], day()).await.unwrap()
        )
        .service_level,
        Some(0.0)
    );
    // Other queues, other days: nothing.
    let other = queue_tally(&db, &["sales@default"], 20, day())
        .await
        .unwrap();
    assert_eq!(other.offered, 0);
    let next = Range {
        from_ms: day().until_ms,
        until_ms: day().until_ms + 86_400_000,
    };
    let empty = queue_tally(&db, &["support@default"], 20, next)
        .await
        .unwrap();
    assert_eq!(empty.offered, 0);
    let f = PeriodFigures::new(
        next,
        Some(20),
        &empty,
        outbound(&db, &[], next).await.unwrap(),
    );
    assert_eq!(
        (f.service_level, f.avg_wait_seconds, f.abandon_rate),
        (None, None, None)
    );
    // Totals add up.
    let mut sum = Tally::default();
    sum.add(&t);
    sum.add(&other);
    assert_eq!((sum.offered, sum.wait_ms_max), (2, Some(1000)));
}

/// Rows indexed before migration 0008 get their queue-leg columns from the stored variables.
#[tokio::test]
async fn the_migration_back_fills_rows_indexed_before_it() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}/t.db", dir.path().display());
    let db = crate::platform::db::Db::connect(&url, 2).await.unwrap();
    let all = sqlx::migrate!("../migrations/sqlite");
    let before = sqlx::migrate::Migrator {
        migrations: std::borrow::Cow::Owned(
            all.migrations
                .iter()
                .filter(|m| m.version < 8)
                .cloned()
                .collect(),
        ),
        ..sqlx::migrate::Migrator::DEFAULT
    };
    before.run(&db.pool).await.unwrap();
    for uuid in [ANSWERED, ABANDONED] {
        let text = std::fs::read_to_string(captures().join(format!("{uuid}.cdr.json"))).unwrap();
        let c = parse_json(&text).unwrap();
        let mut cols = crate::cc::cdr::Row::COLUMNS.to_vec();
        cols.extend(["format", "source", "variables"]);
        let sql = crate::platform::query::insert_rows("cdr", &cols, 1);
        let vars = serde_json::to_string(&c.variables).unwrap();
        c.row
            .bind_to(sqlx::query(&sql))
            .bind("json")
            .bind("x")
            .bind(vars.as_str())
            .execute(&db.pool)
            .await
            .unwrap();
    }
    db.migrate().await.unwrap();
    type Leg = (
        String,
        String,
        String,
        Option<i64>,
        Option<i64>,
        Option<i64>,
    );
    let leg = |uuid: &'static str| {
        let db = db.clone();
        async move {
            sqlx::query_as::<_, Leg>(
                "SELECT cc_side, cc_cause, cc_cancel_reason, cc_queue_joined_ms, \
                 cc_queue_answered_ms, cc_queue_canceled_ms FROM cdr WHERE uuid = ?",
            )
            .bind(uuid)
            .fetch_one(&db.pool)
            .await
            .unwrap()
        }
    };
    assert_eq!(
        leg(ANSWERED).await,
        (
            "member".into(),
            "answered".into(),
            String::new(),
            Some(1_796_187_879_000),
            Some(1_796_187_880_000),
            None
        )
    );
    assert_eq!(
        leg(ABANDONED).await,
        (
            "member".into(),
            "cancel".into(),
            "BREAK_OUT".into(),
            Some(1_796_188_092_000),
            None,
            Some(1_796_188_097_000)
        )
    );
    let t = queue_tally(&db, &["support@default"], 20, day())
        .await
        .unwrap();
    assert_eq!((t.offered, t.answered, t.abandoned), (2, 1, 1));
}

#[tokio::test]
async fn outbound_calls_and_sms_of_the_period() {
    let (_dir, db) = crate::platform::db::scratch(2).await;
    let at = day().from_ms + 3_600_000;
    for (i, (kind, target, status, created)) in [
        ("queue", "support@default", "completed", at),
        ("queue", "support@default", "completed", at + 1),
        ("queue", "support@default", "busy", at + 2),
        ("queue", "sales@default", "no_answer", at + 3),
        ("extension", "support@default", "completed", at + 4),
        ("queue", "support@default", "failed", day().until_ms),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO cc_calls (id, batch_id, batch_index, user_id, phone, target_kind, target, \
             caller_id_number, caller_id_name, crm_ref, variables, priority, not_before_ms, \
             status, hangup_cause, attempts, created_ms, updated_ms) \
             VALUES (?, 'b', ?, 1, '+79161234567', ?, ?, '', '', '', '{}', 0, 0, ?, '', 1, ?, ?)",
        )
        .bind(format!("call-{i}"))
        .bind(i as i64)
        .bind(kind)
        .bind(target)
        .bind(status)
        .bind(created)
        .bind(created)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let o = outbound(&db, &["support@default"], day()).await.unwrap();
    assert_eq!(o.total, 3);
    assert_eq!(
        (
            o.by_status["completed"],
            o.by_status["busy"],
            o.by_status["failed"]
        ),
        (2, 1, 0)
    );
    let both = outbound(&db, &["sales@default", "support@default"], day())
        .await
        .unwrap();
    assert_eq!((both.total, both.by_status["no_answer"]), (4, 1));
    for (i, (status, submitted, created)) in [
        ("delivered", Some(at), at),
        ("enroute", Some(at), at),
        ("queued", None, at),
        ("delivered", Some(at), day().until_ms + 5),
    ]
    .into_iter()
    .enumerate()
    {
        sqlx::query(
            "INSERT INTO sms_messages (id, user_id, batch_id, seq, phone, sender, text, encoding, \
             parts, status, created_at, submitted_at, updated_at) \
             VALUES (?, 1, 'b', ?, '+79161234567', 'ccgate', 'hi', 'gsm7', 1, ?, ?, ?, ?)",
        )
        .bind(format!("sms-{i}"))
        .bind(i as i64)
        .bind(status)
        .bind(created)
        .bind(submitted)
        .bind(created)
        .execute(&db.pool)
        .await
        .unwrap();
    }
    let s = sms(&db, day()).await.unwrap();
    assert_eq!((s.created, s.sent, s.delivered), (3, 2, 1));
}
