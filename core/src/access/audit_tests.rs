//! The audit log's filters, and the client address kept with an admin's change.

use super::*;
use crate::platform::db::scratch;

#[test]
fn like_escaping() {
    assert_eq!(like_pattern("a_b%c!"), "%a!_b!%c!!%");
}

#[test]
fn filters_trim_and_an_action_ending_in_a_dot_is_a_prefix() {
    let f = Filter {
        actor: Some(" cli ".into()),
        action: Some("setting.".into()),
        target: Some("  ".into()),
        from_ms: Some(1),
        ..Default::default()
    };
    assert_eq!(
        f.to_where().sql(),
        " WHERE actor = ? AND action LIKE ? ESCAPE '!' AND at >= ?"
    );
    let exact = Filter {
        action: Some("user.create".into()),
        target: Some("crm".into()),
        until_ms: Some(9),
        ..Default::default()
    };
    assert_eq!(
        exact.to_where().sql(),
        " WHERE action = ? AND target LIKE ? ESCAPE '!' AND at < ?"
    );
    assert_eq!(Filter::default().to_where().sql(), "");
}

async fn write(db: &Db, actor: &Actor, action: &str, target: &str, new: &str) {
    let mut tx = AuditedWrite::begin(db, actor).await.unwrap();
    tx.record(action, target, None, Some(new)).await.unwrap();
    tx.commit().await.unwrap();
}

#[tokio::test]
async fn search_filters_newest_first_with_the_admins_address() {
    let (_dir, db) = scratch(2).await;
    let panel = Actor::Admin {
        name: "ops".into(),
        ip: Some("192.0.2.7".into()),
    };
    write(&db, &Actor::Cli, "user.create", "crm_1", "first").await;
    write(&db, &panel, "setting.set", "freeswitch.host", "10.0.0.1").await;
    write(&db, &panel, "settings_x", "crm_1/main", "not a setting").await;
    write(&db, &Actor::admin("other"), "user.create", "crm_2", "").await;

    let (all, total) = list(&db, 10, 0).await.unwrap();
    assert_eq!(total, 4);
    assert_eq!(all[0].target, "crm_2", "newest first");
    assert_eq!(all[0].ip, None, "no address known");
    assert_eq!(all[1].actor, "admin:ops");
    assert_eq!(all[1].ip.as_deref(), Some("192.0.2.7"));
    assert_eq!(all[3].actor, "cli");
    assert_eq!(all[3].ip, None, "the command line has no address");

    let by = |f: Filter| {
        let db = db.clone();
        async move {
            let (rows, total) = search(&db, &f, 10, 0).await.unwrap();
            assert_eq!(rows.len() as i64, total);
            rows.into_iter().map(|r| r.target).collect::<Vec<_>>()
        }
    };
    let actor = |a: &str| Filter {
        actor: Some(a.into()),
        ..Default::default()
    };
    assert_eq!(
        by(actor("admin:ops")).await,
        ["crm_1/main", "freeswitch.host"]
    );
    assert_eq!(by(actor("cli")).await, ["crm_1"]);
    let action = |a: &str| Filter {
        action: Some(a.into()),
        ..Default::default()
    };
    assert_eq!(by(action("user.create")).await, ["crm_2", "crm_1"]);
    // `setting.` is a prefix; `settings_x` does not start with it.
    assert_eq!(by(action("setting.")).await, ["freeswitch.host"]);
    assert!(by(action("user.")).await.len() == 2);
    assert!(by(action("user")).await.is_empty(), "no dot: exact");
    let target = Filter {
        target: Some("crm_1".into()),
        ..Default::default()
    };
    assert_eq!(by(target).await, ["crm_1/main", "crm_1"]);
    // `_` is a literal, not a wildcard.
    let literal = Filter {
        target: Some("crm_".into()),
        action: Some("user.create".into()),
        ..Default::default()
    };
    assert_eq!(by(literal).await, ["crm_2", "crm_1"]);
    let newest = all[0].at;
    let later = Filter {
        from_ms: Some(newest + 1),
        ..Default::default()
    };
    assert!(by(later).await.is_empty());
    let until = Filter {
        until_ms: Some(newest + 1),
        ..Default::default()
    };
    assert_eq!(by(until).await.len(), 4);

    let (page, total) = list(&db, 1, 1).await.unwrap();
    assert_eq!((page.len(), total), (1, 4));
    assert_eq!(page[0].target, "crm_1/main");

    let (actions, actors) = choices(&db).await.unwrap();
    assert_eq!(actions, ["setting.set", "settings_x", "user.create"]);
    assert_eq!(actors, ["admin:ops", "admin:other", "cli"]);
}
