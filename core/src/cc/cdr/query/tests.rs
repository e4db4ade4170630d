//! Tests of the `cc/cdr` queries: index use of every list query, parameter parsing, CSV.

use super::*;

/// The plans SQLite picks with the shipped indexes: no list query reads the whole table, and
/// the pages users ask for most come straight off an index in order (no sort of the matches),
/// which is what keeps them flat at 1 000 000 CDRs. Sorting by length within a number or a date
/// range sorts just those matches.
#[tokio::test]
async fn list_queries_walk_indexes() {
    let (_dir, db) = crate::platform::db::scratch(1).await;
    let with = |set: fn(&mut CdrFilter)| {
        let mut f = CdrFilter::default();
        set(&mut f);
        f
    };
    let filters: Vec<(&str, CdrFilter)> = vec![
        ("none", CdrFilter::default()),
        (
            "range",
            with(|f| (f.from_ms, f.until_ms) = (Some(1), Some(2))),
        ),
        ("number", with(|f| f.number = Some("79160001234".into()))),
        (
            "direction",
            with(|f| (f.direction, f.from_ms) = (Some("inbound".into()), Some(1))),
        ),
        ("cause", with(|f| f.hangup_cause = Some("USER_BUSY".into()))),
        ("queue", with(|f| f.queue = Some("support@default".into()))),
        ("uuid", with(|f| f.uuid = Some("u".into()))),
    ];
    let in_order = |name: &str, order: Order| match order {
        Order::Start => !matches!(name, "number" | "uuid"),
        Order::Billsec => matches!(name, "none" | "cause" | "queue"),
        Order::Duration => name == "none",
    };
    for (name, f) in &filters {
        let w = f.to_sql();
        let where_sql = w.sql();
        let mut sqls = vec![(None, format!("SELECT COUNT(*) FROM cdr{where_sql}"))];
        for order in [Order::Start, Order::Billsec, Order::Duration] {
            for desc in [false, true] {
                sqls.push((Some(order), page_sql(&where_sql, order, desc)));
            }
        }
        for (order, sql) in sqls {
            let explain = format!("EXPLAIN QUERY PLAN {sql}");
            let mut q = w.bind(sqlx::query_as::<_, (i64, i64, i64, String)>(&explain));
            if order.is_some() {
                q = q.bind(50i64).bind(0i64);
            }
            let plan: Vec<String> = q
                .fetch_all(&db.pool)
                .await
                .unwrap()
                .into_iter()
                .map(|r| r.3)
                .collect();
            let seen = format!("{name}: {sql}\n{}", plan.join("\n"));
            assert!(
                plan.iter().all(|l| l != "SCAN cdr"),
                "a whole-table scan: {seen}"
            );
            if order.is_some_and(|o| in_order(name, o)) {
                assert!(
                    plan.iter().all(|l| l != "USE TEMP B-TREE FOR ORDER BY"),
                    "a sort of every match: {seen}"
                );
            }
        }
    }
}

fn parse(q: &str) -> Result<ListQuery, CcError> {
    let pairs: Vec<(&str, &str)> = q
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| p.split_once('=').unwrap())
        .collect();
    ListQuery::parse(
        |k| pairs.iter().find(|(n, _)| *n == k).map(|(_, v)| *v),
        180,
    )
}

#[test]
fn list_parameters() {
    let q = parse("").unwrap();
    assert_eq!(
        (q.order, q.desc, q.limit, q.offset, q.format),
        (Order::Start, true, 100, 0, Format::Json)
    );
    let q = parse(
        "number=+7916&hangup_cause=user_busy&limit=0&order=billsec&sort=asc&format=csv&bom=true",
    )
    .unwrap();
    assert_eq!(q.filter.number.as_deref(), Some("7916"));
    assert_eq!(q.filter.hangup_cause.as_deref(), Some("USER_BUSY"));
    assert_eq!((q.limit, q.order, q.desc), (1, Order::Billsec, false));
    assert_eq!(q.format, Format::Csv { bom: true });
    // Dates without an offset are in the configured zone (+03:00 here).
    let q = parse("from=2026-11-25").unwrap();
    assert_eq!(
        q.filter.from_ms,
        crate::platform::time::parse_input("2026-11-24T21:00:00Z", 0)
    );
    let field = |q: &str| match parse(q) {
        Err(CcError::Invalid { field, .. }) => field,
        other => panic!("{q}: {other:?}"),
    };
    for (q, f) in [
        ("from=yesterday", "from"),
        ("until=x", "until"),
        ("order=size", "order"),
        ("sort=up", "sort"),
        ("limit=5000", "limit"),
        ("offset=-1", "offset"),
        ("format=xml", "format"),
    ] {
        assert_eq!(field(q), f);
    }
    assert!(matches!(
        parse("from=2026-11-26&until=2026-11-25"),
        Err(CcError::InvalidRange(_))
    ));
}

#[test]
fn csv_has_the_public_header_and_quotes() {
    let page = Page {
        items: vec![Row {
            uuid: "u1".into(),
            caller_id_name: "Doe, \"J\"".into(),
            billsec: 58,
            ..Default::default()
        }],
        total: 1,
        limit: 100,
        offset: 0,
    };
    let text = page.to_csv(true);
    let lines: Vec<&str> = text.split("\r\n").collect();
    assert_eq!(
        lines[0],
        "\u{feff}uuid,direction,caller_id_name,caller_id_number,destination_number,start,answer,end,duration,billsec,hangup_cause,queue"
    );
    assert_eq!(
        lines[1],
        "u1,,\"Doe, \"\"J\"\"\",,,1970-01-01T00:00:00Z,,1970-01-01T00:00:00Z,0,58,,"
    );
    assert_eq!(lines.len(), 3);
    assert!(!page.to_csv(false).starts_with('\u{feff}'));
}
