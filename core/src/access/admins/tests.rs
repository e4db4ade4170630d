//! Admin accounts and sign-in against a real (scratch SQLite) database: who may lock whom out,
//! that concurrent attempts cannot check more passwords than the limit, and the session epoch.

use std::sync::Arc;
use std::time::{Duration, Instant};

use super::*;
use crate::platform::db::scratch;

const ADMIN: &str = "admin";
const RIGHT: &str = "right-password-1";
const PAIR_MAX: usize = PAIR_MAX_FAILURES;
const IP_MAX: usize = IP_MAX_FAILURES;
const SLOWDOWN: Duration = Duration::from_millis(USER_SLOWDOWN_MS);

#[test]
fn usernames_parse() {
    assert!(Username::parse("admin").is_ok());
    assert!(Username::parse(" ops.lead@cc-1 ").is_ok());
    assert!(Username::parse("").is_err());
    assert!(Username::parse("has space").is_err());
    assert!(Username::parse("админ").is_err());
    assert!(Username::parse(&"a".repeat(65)).is_err());
}

async fn db_with_admin() -> (tempfile::TempDir, Db) {
    let (dir, db) = scratch(8).await;
    create(&db, ADMIN, Secret::new(RIGHT.into())).await.unwrap();
    (dir, db)
}

async fn try_login(db: &Db, user: &str, pw: &str, ip: &str) -> LoginOutcome {
    login(
        db,
        LoginAttempt {
            username: user.into(),
            password: Secret::new(pw.into()),
            ip: ip.into(),
            user_agent: "tests".into(),
        },
    )
    .await
    .unwrap()
}

fn is_ok(o: &LoginOutcome) -> bool {
    matches!(o, LoginOutcome::Ok(_))
}
fn is_bad(o: &LoginOutcome) -> bool {
    matches!(o, LoginOutcome::BadCredentials)
}
fn is_throttled(o: &LoginOutcome) -> bool {
    matches!(o, LoginOutcome::Throttled { .. })
}

async fn log_results(db: &Db) -> Vec<String> {
    sqlx::query_scalar("SELECT result FROM admin_login_log ORDER BY id")
        .fetch_all(&db.pool)
        .await
        .unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_from_one_ip_never_lock_the_admin_out_from_another() {
    let (_dir, db) = db_with_admin().await;
    for _ in 0..PAIR_MAX {
        let o = try_login(&db, ADMIN, "wrong-password", "203.0.113.1").await;
        assert!(is_bad(&o), "{o:?}");
    }
    // That IP is done with that username, even with the right password.
    let o = try_login(&db, ADMIN, RIGHT, "203.0.113.1").await;
    match o {
        LoginOutcome::Throttled { retry_after_secs } => {
            assert!((1..=900).contains(&retry_after_secs), "{retry_after_secs}")
        }
        o => panic!("{o:?}"),
    }
    // Another IP that has not failed: the right password opens, a wrong one is checked (and
    // refused as wrong, not throttled).
    let o = try_login(&db, ADMIN, RIGHT, "198.51.100.7").await;
    assert!(is_ok(&o), "{o:?}");
    let o = try_login(&db, ADMIN, "wrong-password", "198.51.100.8").await;
    assert!(is_bad(&o), "{o:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn failures_for_a_username_from_many_ips_slow_it_down_but_never_refuse_it() {
    let (_dir, db) = db_with_admin().await;
    for i in 0..USER_SLOW_AFTER_FAILURES + 2 {
        let o = try_login(&db, ADMIN, "wrong-password", &format!("192.0.2.{i}")).await;
        assert!(is_bad(&o), "attempt {i}: {o:?}");
    }
    let started = Instant::now();
    let o = try_login(&db, ADMIN, RIGHT, "192.0.2.200").await;
    assert!(is_ok(&o), "{o:?}");
    assert!(
        started.elapsed() >= SLOWDOWN,
        "answered in {:?}",
        started.elapsed()
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_ip_is_bounded_across_usernames() {
    let (_dir, db) = db_with_admin().await;
    for i in 0..IP_MAX {
        let o = try_login(&db, &format!("guess{i}"), "wrong-password", "203.0.113.9").await;
        assert!(is_bad(&o), "attempt {i}: {o:?}");
    }
    let o = try_login(&db, ADMIN, RIGHT, "203.0.113.9").await;
    assert!(is_throttled(&o), "{o:?}");
    let o = try_login(&db, "guess-more", "wrong-password", "203.0.113.9").await;
    assert!(is_throttled(&o), "{o:?}");
    // Other IPs are not concerned.
    let o = try_login(&db, ADMIN, RIGHT, "203.0.113.10").await;
    assert!(is_ok(&o), "{o:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_success_clears_the_failures_of_its_username_and_ip() {
    let (_dir, db) = db_with_admin().await;
    for _ in 0..PAIR_MAX - 1 {
        assert!(is_bad(
            &try_login(&db, ADMIN, "typo-typo", "203.0.113.4").await
        ));
    }
    assert!(is_ok(&try_login(&db, ADMIN, RIGHT, "203.0.113.4").await));
    for _ in 0..PAIR_MAX - 1 {
        let o = try_login(&db, ADMIN, "typo-typo", "203.0.113.4").await;
        assert!(is_bad(&o), "{o:?}");
    }
    assert!(is_ok(&try_login(&db, ADMIN, RIGHT, "203.0.113.4").await));
    assert_eq!(
        log_results(&db).await,
        ["fail", "fail", "fail", "fail", "ok", "fail", "fail", "fail", "fail", "ok"]
    );
}

/// 60 wrong passwords at once from one IP: the throttle is decided and the attempt recorded in one
/// step, so no more than the limit of them get their password checked.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_attempts_check_at_most_the_limit_of_passwords() {
    let (_dir, db) = db_with_admin().await;
    let db = Arc::new(db);
    let tasks: Vec<_> = (0..60)
        .map(|_| {
            let db = db.clone();
            tokio::spawn(
                async move { try_login(&db, ADMIN, "wrong-password", "203.0.113.60").await },
            )
        })
        .collect();
    let mut bad = 0;
    let mut throttled = 0;
    for t in tasks {
        match t.await.unwrap() {
            LoginOutcome::BadCredentials => bad += 1,
            LoginOutcome::Throttled { .. } => throttled += 1,
            o => panic!("{o:?}"),
        }
    }
    assert_eq!(bad, PAIR_MAX, "passwords checked");
    assert_eq!(throttled, 60 - PAIR_MAX);
    let log = log_results(&db).await;
    assert_eq!(log.iter().filter(|r| *r == "fail").count(), PAIR_MAX);
    assert_eq!(
        log.iter().filter(|r| *r == "throttled").count(),
        60 - PAIR_MAX
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_password_change_moves_the_session_epoch() {
    let (_dir, db) = db_with_admin().await;
    let LoginOutcome::Ok(at_sign_in) = try_login(&db, ADMIN, RIGHT, "203.0.113.5").await else {
        panic!("sign-in refused");
    };
    assert!(at_sign_in.last_login_at.is_some());
    let still = signed_in(&db, at_sign_in.id, at_sign_in.session_epoch)
        .await
        .unwrap();
    assert_eq!(still.map(|a| a.username).as_deref(), Some(ADMIN));

    set_password(&db, ADMIN, Secret::new("another-password".into()))
        .await
        .unwrap();
    assert_eq!(
        signed_in(&db, at_sign_in.id, at_sign_in.session_epoch)
            .await
            .unwrap(),
        None,
        "a session from before the change is no longer the admin's"
    );
    let LoginOutcome::Ok(again) = try_login(&db, ADMIN, "another-password", "203.0.113.5").await
    else {
        panic!("sign-in with the new password refused");
    };
    assert_ne!(again.session_epoch, at_sign_in.session_epoch);
    assert!(signed_in(&db, again.id, again.session_epoch)
        .await
        .unwrap()
        .is_some());
    // The old password is wrong now.
    assert!(is_bad(&try_login(&db, ADMIN, RIGHT, "203.0.113.5").await));
}

#[tokio::test]
async fn the_sign_in_log_filters_by_username_outcome_and_address() {
    let (_dir, db) = db_with_admin().await;
    assert!(is_ok(&try_login(&db, ADMIN, RIGHT, "10.1.2.3").await));
    assert!(is_bad(&try_login(&db, ADMIN, "wrong", "10.1.9.9").await));
    assert!(is_bad(&try_login(&db, "ghost_1", "x", "192.0.2.1").await));
    let rows = |f: LoginLogFilter| {
        let db = db.clone();
        async move {
            let (rows, total) = search_login_log(&db, &f, 10, 0).await.unwrap();
            assert_eq!(rows.len() as i64, total);
            rows.into_iter()
                .map(|r| (r.username, r.ip, r.result))
                .collect::<Vec<_>>()
        }
    };
    let all = rows(LoginLogFilter::default()).await;
    assert_eq!(all.len(), 3);
    assert_eq!(all[0].0, "ghost_1", "newest first");
    let f = LoginLogFilter {
        result: Some("ok".into()),
        ..Default::default()
    };
    assert_eq!(
        rows(f).await,
        [(ADMIN.to_string(), "10.1.2.3".to_string(), "ok".to_string())]
    );
    let f = LoginLogFilter {
        username: Some("dmi".into()),
        ..Default::default()
    };
    assert_eq!(rows(f).await.len(), 2);
    let f = LoginLogFilter {
        username: Some("t_".into()),
        ..Default::default()
    };
    assert_eq!(rows(f).await.len(), 1, "`_` is a literal");
    let f = LoginLogFilter {
        ip: Some("10.1.".into()),
        ..Default::default()
    };
    assert_eq!(rows(f).await.len(), 2, "an address prefix");
    let f = LoginLogFilter {
        ip: Some("10.1.9.9".into()),
        result: Some("fail".into()),
        ..Default::default()
    };
    assert_eq!(rows(f).await.len(), 1);
    let f = LoginLogFilter {
        from_ms: Some(now_ms() + 60_000),
        ..Default::default()
    };
    assert!(rows(f).await.is_empty());
    let (page, total) = login_log(&db, 1, 2).await.unwrap();
    assert_eq!((page.len(), total), (1, 3));
    assert_eq!(page[0].ip, "10.1.2.3");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn roles_are_read_with_the_admin_and_the_last_admin_stays() {
    use crate::access::audit::{self, Actor};
    let (_dir, db) = db_with_admin().await;
    let admin = get(&db, 1).await.unwrap().unwrap();
    assert_eq!(admin.role, Role::Admin, "a new admin is an admin");
    let viewer = create_with_role(&db, "assistant", Secret::new(RIGHT.into()), Role::Viewer)
        .await
        .unwrap();
    assert_eq!(viewer.role, Role::Viewer);
    assert_eq!(Role::parse(" viewer ").unwrap(), Role::Viewer);
    assert!(Role::parse("root").is_err());

    // The only admin cannot become a viewer, and nothing is recorded.
    let e = set_role(&db, &Actor::Cli, ADMIN, Role::Viewer)
        .await
        .unwrap_err();
    assert!(e.to_string().contains("last admin"), "{e}");
    assert_eq!(get(&db, admin.id).await.unwrap().unwrap().role, Role::Admin);
    assert_eq!(audit::list(&db, 10, 0).await.unwrap().1, 0);

    // Promoted, then the first admin can be demoted; a session's next check reads the new role.
    assert_eq!(
        set_role(&db, &Actor::Cli, "assistant", Role::Admin)
            .await
            .unwrap(),
        Role::Viewer
    );
    set_role(&db, &Actor::Cli, ADMIN, Role::Viewer)
        .await
        .unwrap();
    let a = signed_in(&db, admin.id, admin.session_epoch)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(a.role, Role::Viewer);
    // Now `assistant` is the last admin.
    assert!(set_role(&db, &Actor::Cli, "assistant", Role::Viewer)
        .await
        .is_err());
    // Setting the role it has changes and records nothing; an unknown admin is not found.
    set_role(&db, &Actor::Cli, ADMIN, Role::Viewer)
        .await
        .unwrap();
    assert!(matches!(
        set_role(&db, &Actor::Cli, "nobody", Role::Admin).await,
        Err(ServiceError::NotFound(_))
    ));
    let (rows, total) = audit::list(&db, 10, 0).await.unwrap();
    assert_eq!(total, 2);
    assert_eq!(rows[0].action, "admin.role");
    assert_eq!(rows[0].target, ADMIN);
    assert_eq!(rows[0].actor, "cli");
    assert_eq!(
        (rows[0].old_value.as_deref(), rows[0].new_value.as_deref()),
        (Some("admin"), Some("viewer"))
    );
    // The sign-in reads the role too.
    match try_login(&db, ADMIN, RIGHT, "10.0.0.1").await {
        LoginOutcome::Ok(a) => assert_eq!(a.role, Role::Viewer),
        o => panic!("{o:?}"),
    }
}
