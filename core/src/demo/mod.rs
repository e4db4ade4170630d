//! Demo mode (`CCGATE_DEMO=1`, set by `scripts/serve`): on the first start into a database without
//! API users, what a call center's gateway looks like after a month in use — four API users with
//! different permissions and a key each, 30 days of API traffic and what it created (SMS with
//! final statuses through the demo gateway, `cc/add` calls with outcomes). Never without demo mode.
//!
//! Once and only once: the seed claims its row in `data_backfills` ([`MARKER`]) before it writes
//! anything, so a later start (or a second instance) finds the row and seeds nothing. A database
//! that already has API users is left alone (the row is written, nothing else).
//!
//! The traffic goes through the real journal writer — rows, both daily counters and the keys'
//! last use in the writer's own transactions — with back-dated times, so the dashboard and the
//! reports read figures that agree with the journal. Keys are random; the traffic is planned from
//! a fixed seed (`traffic`), the messages and calls it created are stored by `records`.
//!
//! The key of `API-TEST` is shown once, as keys are: written to `demo_key_file` (mode 0600), from
//! which `ccgate serve` prints a ready `curl` line at every start in demo mode.

mod records;
pub mod traffic;

use std::path::Path;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::access::audit::Actor;
use crate::access::{keys, perms, users};
use crate::platform::error::{is_unique_violation, ServiceError};
use crate::platform::secret::Secret;
use crate::platform::time::now_ms;
use crate::sms::gateways::{self, GatewayInput};
use crate::Services;

use traffic::{Caller, Effect};

/// The marker of the demo seed in `data_backfills`.
pub const MARKER: &str = "demo_seed";
/// Days of traffic, today included.
pub const DAYS: i64 = 30;
/// The seed of the traffic plan.
pub const SEED: u64 = 0x0CC6_A7E0;
/// The user whose key is written to the key file.
pub const KEY_USER: &str = "API-TEST";

/// One demo API user: login, note, permissions (`module.*` for a whole module), address, weekday
/// requests and the calls it makes (weight, `module.method`).
pub struct DemoUser {
    pub login: &'static str,
    pub note: &'static str,
    pub perms: &'static [&'static str],
    pub ip: &'static str,
    pub per_weekday: u32,
    pub mix: &'static [(u32, &'static str)],
}

pub const USERS: [DemoUser; 4] = [
    DemoUser {
        login: "API-TEST",
        note: "Тестовый пользователь",
        perms: &["cc.*", "sms.*"],
        ip: "10.20.0.11",
        per_weekday: 260,
        mix: &[
            (30, "cc.queues"),
            (14, "cc.queue"),
            (8, "cc.tiers"),
            (10, "cc.cdr"),
            (4, "cc.audio"),
            (10, "cc.add"),
            (9, "sms.send"),
            (12, "sms.getStatus"),
            (3, "me"),
        ],
    },
    DemoUser {
        login: "test2",
        note: "Рассылки: отправка SMS и статусы",
        perms: &["sms.send", "sms.getStatus"],
        ip: "10.20.0.24",
        per_weekday: 140,
        mix: &[
            (40, "sms.send"),
            (52, "sms.getStatus"),
            (6, "cc.queues"),
            (2, "me"),
        ],
    },
    DemoUser {
        login: "API-TEST-3",
        note: "Табло и отчёты: статистика и отчётность",
        perms: &["stats.*", "reports.*"],
        ip: "10.20.0.37",
        per_weekday: 90,
        mix: &[
            (50, "stats.all"),
            (20, "stats.get"),
            (10, "reports.request"),
            (6, "reports.badRequest"),
            (5, "reports.users"),
            (6, "reports.sms"),
            (3, "cc.cdr"),
        ],
    },
    DemoUser {
        login: "API_test_2",
        note: "CRM: очереди и детализация звонков",
        perms: &["cc.queues", "cc.cdr"],
        ip: "10.20.0.52",
        per_weekday: 70,
        mix: &[
            (55, "cc.queues"),
            (30, "cc.cdr"),
            (10, "cc.tiers"),
            (5, "cc.audio"),
        ],
    },
];

/// What [`seed_once`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Seeded {
    /// Seeded now: users, journal rows, SMS and calls written.
    Now {
        users: usize,
        requests: usize,
        sms: usize,
        calls: usize,
    },
    /// Seeded (or skipped) by an earlier start.
    Before,
    /// The database had API users already: nothing seeded, and never will be.
    InUse,
}

/// Every catalogue permission a [`DemoUser`] lists.
pub fn expand_perms(listed: &[&str]) -> Vec<perms::Perm> {
    let mut out = Vec::new();
    for p in listed {
        match p.strip_suffix(".*") {
            Some(module) => out.extend(
                ccgate_catalogue::all()
                    .filter(|(m, _)| m.name == module)
                    .map(|(m, x)| (m.name, x.name)),
            ),
            None => out.extend(perms::parse(p).ok()),
        }
    }
    out
}

/// Seed the demo unless it was done (or refused) before. Call once at start, after the journal
/// writer has started and before the background workers do.
pub async fn seed_once(s: &Services, key_file: &Path) -> Result<Seeded, ServiceError> {
    let db = &s.db;
    let done: Option<i64> = sqlx::query_scalar("SELECT done_at FROM data_backfills WHERE name = ?")
        .bind(MARKER)
        .fetch_optional(&db.pool)
        .await?;
    if done.is_some() {
        return Ok(Seeded::Before);
    }
    let users_before: i64 = sqlx::query_scalar("SELECT COUNT(*) FROM api_users")
        .fetch_one(&db.pool)
        .await?;
    let claim = sqlx::query("INSERT INTO data_backfills (name, done_at, counted) VALUES (?, ?, 0)")
        .bind(MARKER)
        .bind(now_ms())
        .execute(&db.pool)
        .await;
    match claim {
        Ok(_) => {}
        Err(e) if is_unique_violation(&e) => return Ok(Seeded::Before),
        Err(e) => return Err(e.into()),
    }
    if users_before > 0 {
        return Ok(Seeded::InUse);
    }
    let now = now_ms();
    let offset = s.live.current().utc_offset_minutes;
    let created = now - (DAYS + 1) * 86_400_000;
    let mut callers = Vec::new();
    let mut plain_key = None;
    for u in &USERS {
        let user = users::create(db, &Actor::Cli, u.login, u.note).await?;
        perms::set(db, &Actor::Cli, user.id, &expand_perms(u.perms)).await?;
        let (key, plain) = keys::create(db, &Actor::Cli, user.id, "crm", None).await?;
        // A month in use: created before the first day of traffic.
        sqlx::query("UPDATE api_users SET created_at = ?, updated_at = ? WHERE id = ?")
            .bind(created)
            .bind(created)
            .bind(user.id)
            .execute(&db.pool)
            .await?;
        sqlx::query("UPDATE api_keys SET created_at = ? WHERE id = ?")
            .bind(created)
            .bind(key.id)
            .execute(&db.pool)
            .await?;
        if u.login == KEY_USER {
            plain_key = Some(plain);
        }
        callers.push(Caller {
            user_id: user.id,
            login: u.login.to_string(),
            key_id: key.id,
            ip: u.ip.to_string(),
            per_weekday: u.per_weekday,
            mix: u.mix,
        });
    }
    s.live.reload().await?;
    if let Some(k) = &plain_key {
        write_key_file(key_file, k)
            .map_err(|e| ServiceError::Internal(format!("{}: {e}", key_file.display())))?;
    }
    let granted = |c: &Caller, method: &str| {
        USERS
            .iter()
            .find(|u| u.login == c.login)
            .map(|u| {
                expand_perms(u.perms)
                    .iter()
                    .any(|p| perms::dotted(p) == method)
            })
            .unwrap_or(false)
    };
    let plan = traffic::plan(SEED, &callers, &granted, now, offset, DAYS);
    let requests = plan.len();
    let mut rng = StdRng::seed_from_u64(SEED ^ 0x5E5);
    let mut sms = Vec::new();
    let mut calls = Vec::new();
    for p in &plan {
        match p.effect {
            Some(Effect::Sms { recipients }) => {
                let batch_id = format!("b{:011x}{:016x}", p.entry.at, rng.gen::<u64>());
                for seq in 0..recipients {
                    sms.push(records::Sms {
                        user_id: p.entry.user_id.unwrap_or(0),
                        batch_id: batch_id.clone(),
                        seq: i64::from(seq),
                        at: p.entry.at + i64::from(seq),
                    });
                }
            }
            Some(Effect::Call) => calls.push((p.entry.user_id.unwrap_or(0), p.entry.at)),
            None => {}
        }
    }
    for p in plan {
        s.journal.record(p.entry).await;
    }
    s.journal.flush().await;
    let gateway = demo_gateway(s).await?;
    records::store_sms(
        db,
        &mut rng,
        (gateway.id, &gateway.name),
        &gateway.sender,
        &sms,
        now,
    )
    .await?;
    for (user_id, at) in &calls {
        records::store_call(db, &mut rng, *user_id, *at, now, offset).await?;
    }
    sqlx::query("UPDATE data_backfills SET counted = ?, done_at = ? WHERE name = ?")
        .bind(requests as i64)
        .bind(now_ms())
        .bind(MARKER)
        .execute(&db.pool)
        .await?;
    Ok(Seeded::Now {
        users: USERS.len(),
        requests,
        sms: sms.len(),
        calls: calls.len(),
    })
}

/// The demo SMS gateway (`scripts/serve` adds it, pointing at the SMS Traffic fake); added here
/// with the same settings when missing.
async fn demo_gateway(s: &Services) -> Result<gateways::Gateway, ServiceError> {
    match gateways::by_name(&s.db, "demo").await {
        Ok(g) => Ok(g),
        Err(ServiceError::NotFound(_)) => {
            let input = GatewayInput {
                name: "demo".into(),
                url: "http://127.0.0.1:18090/multi.php".into(),
                reserve_url: String::new(),
                sender: "DEMO".into(),
                login: "demo".into(),
                password: Some("demo".into()),
                rate_limit: 1000,
                ..GatewayInput::default()
            };
            let g = gateways::create(&s.db, &Actor::Cli, &input).await?;
            s.live.reload().await?;
            Ok(g)
        }
        Err(e) => Err(e),
    }
}

/// Write the key to `path` (parent directories created), readable by its owner only.
pub fn write_key_file(path: &Path, key: &Secret<String>) -> std::io::Result<()> {
    use std::io::Write;
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::create_dir_all(dir)?;
    }
    let mut o = std::fs::OpenOptions::new();
    o.write(true).create(true).truncate(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        o.mode(0o600);
    }
    let mut f = o.open(path)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        f.set_permissions(std::fs::Permissions::from_mode(0o600))?;
    }
    writeln!(f, "{}", key.expose())
}

/// The key in the key file, if there is one that looks like a key.
pub fn read_key_file(path: &Path) -> Option<String> {
    let k = std::fs::read_to_string(path).ok()?.trim().to_string();
    keys::well_formed(&k).then_some(k)
}

/// The `curl` line `ccgate serve` prints in demo mode.
pub fn curl_line(base: &str, key: &str) -> String {
    format!("curl -H \"Authorization: Bearer {key}\" {base}/api/v1/cc/queues")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_users_hold_what_they_list() {
        let all = expand_perms(USERS[0].perms);
        let cc = ccgate_catalogue::module("cc").unwrap().methods.len();
        let sms = ccgate_catalogue::module("sms").unwrap().methods.len();
        assert_eq!(all.len(), cc + sms);
        let two = expand_perms(USERS[3].perms);
        assert_eq!(two, [("cc", "queues"), ("cc", "cdr")]);
        for u in &USERS {
            assert!(expand_perms(u.perms).len() >= u.perms.len());
            for (_, m) in u.mix {
                assert!(*m == "me" || perms::parse(m).is_ok(), "{m}");
            }
        }
    }

    #[test]
    fn the_key_file_is_private() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub/demo-key.txt");
        let key = keys::generate();
        write_key_file(&path, &key).unwrap();
        assert_eq!(read_key_file(&path).as_deref(), Some(key.expose().as_str()));
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(&path).unwrap().permissions().mode();
            assert_eq!(mode & 0o777, 0o600);
        }
        std::fs::write(&path, "not a key\n").unwrap();
        assert_eq!(read_key_file(&path), None);
        assert_eq!(
            curl_line("http://127.0.0.1:3000", "ccg_x"),
            "curl -H \"Authorization: Bearer ccg_x\" http://127.0.0.1:3000/api/v1/cc/queues"
        );
    }
}
