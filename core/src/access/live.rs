//! The in-memory view of users, keys, permissions and settings that every API request is checked
//! against, so the hot path touches no database. It is rebuilt when the `state_generation` counter
//! changes: at once after a change made through this process (the caller calls [`Live::reload`]),
//! and within [`POLL_INTERVAL`] for changes made by the command line or another instance sharing
//! the database. A key the snapshot does not know may be one created a moment ago elsewhere:
//! before it is refused, [`Live::catch_up`] checks the stored generation (one small query), shared
//! by concurrent callers and at most once per [`CATCH_UP_GAP`] in all (callers wait for the next
//! check), so random keys cost the database at most one query per gap however many arrive.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::watch;

use crate::access::keys;
use crate::access::limits::Limits;
use crate::access::settings;
use crate::cc::settings::FsSettings;
use crate::platform::db::Db;
use crate::platform::error::ServiceError;
use crate::platform::error::{ErrorCode, PublicError};
use crate::platform::net::CidrList;
use crate::reports::settings::ReportsSettings;
use crate::stats::projects::Project;
use crate::stats::settings::StatsSettings;

pub const POLL_INTERVAL: Duration = Duration::from_millis(250);

#[derive(Debug, Clone)]
pub struct KeyEntry {
    pub key_id: i64,
    pub user_id: i64,
    pub name: String,
    pub prefix: String,
    pub expires_at: Option<i64>,
    pub revoked: bool,
    /// The caller this key authenticates as, built once per snapshot (none if its user is
    /// missing), so a request clones one reference instead of the names.
    caller: Option<Arc<Caller>>,
}

#[derive(Debug, Clone)]
pub struct UserEntry {
    pub id: i64,
    pub login: String,
    pub note: String,
    pub blocked: bool,
    /// Catalogue names, so checking a permission allocates nothing.
    pub perms: Arc<HashSet<(&'static str, &'static str)>>,
    /// The addresses it may call from; empty: any.
    pub ip_allow: Arc<CidrList>,
    /// Its limits (`access::limits`; default: none).
    pub limits: Arc<Limits>,
}

#[derive(Debug, Default)]
pub struct Snapshot {
    pub generation: i64,
    keys: HashMap<String, KeyEntry>,
    users: HashMap<i64, UserEntry>,
    pub settings: BTreeMap<String, String>,
    /// Minutes east of UTC for day boundaries.
    pub utc_offset_minutes: i64,
    /// The «FreeSWITCH» block, typed (parsed once, here, for every reader of this snapshot).
    pub freeswitch: FsSettings,
    /// The «Отчеты ЦОВ» block, typed.
    pub reports: ReportsSettings,
    /// The «Онлайн статистика ЦОВ» block, typed.
    pub stats: StatsSettings,
    /// The defined statistics projects, by name (empty: one per FreeSWITCH queue).
    pub stats_projects: Arc<Vec<Project>>,
}

/// How the caller presented a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Credential {
    Bearer(String),
    /// HTTP Basic `login:key`.
    Basic {
        login: String,
        key: String,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    /// No credentials at all.
    #[error("an API key is required")]
    Missing,
    /// Unknown or revoked key, or a login that does not own the key.
    #[error("the API key is not valid")]
    Invalid,
    #[error("the API key has expired")]
    Expired,
    #[error("the API user is blocked")]
    Blocked,
}

impl PublicError for AuthError {
    fn code(&self) -> ErrorCode {
        match self {
            AuthError::Missing => ErrorCode::AuthMissing,
            AuthError::Invalid => ErrorCode::AuthInvalid,
            AuthError::Expired => ErrorCode::KeyExpired,
            AuthError::Blocked => ErrorCode::UserBlocked,
        }
    }
}

/// An authenticated API caller.
#[derive(Debug, Clone)]
pub struct Caller {
    pub user_id: i64,
    pub login: String,
    pub note: String,
    pub key_id: i64,
    pub key_name: String,
    pub key_prefix: String,
    pub key_expires_at: Option<i64>,
    perms: Arc<HashSet<(&'static str, &'static str)>>,
    ip_allow: Arc<CidrList>,
    /// Its limits, counted by `crate::limits::Limiter`.
    pub limits: Arc<Limits>,
}

impl Caller {
    pub fn may_call(&self, module: &str, method: &str) -> bool {
        // HashSet is covariant in its key, so the 'static set can be asked about shorter borrows.
        let set: &HashSet<(&str, &str)> = &self.perms;
        set.contains(&(module, method))
    }
    /// May this user call from `ip`? (Its allow-list is empty, or a block holds `ip`.)
    pub fn allows_ip(&self, ip: IpAddr) -> bool {
        self.ip_allow.is_empty() || self.ip_allow.contains(ip)
    }
    /// Held permissions as `module.method`, in catalogue order.
    pub fn permissions(&self) -> Vec<String> {
        ccgate_catalogue::all()
            .filter(|(m, x)| self.may_call(m.name, x.name))
            .map(|(m, x)| format!("{}.{}", m.name, x.name))
            .collect()
    }
}

impl Snapshot {
    pub fn authenticate(
        &self,
        cred: Option<&Credential>,
        now: i64,
    ) -> Result<Arc<Caller>, AuthError> {
        let cred = cred.ok_or(AuthError::Missing)?;
        let (key, login) = match cred {
            Credential::Bearer(k) => (k.as_str(), None),
            Credential::Basic { login, key } => (key.as_str(), Some(login.as_str())),
        };
        if !keys::well_formed(key) {
            return Err(AuthError::Invalid);
        }
        let entry = self.keys.get(&keys::hash(key)).ok_or(AuthError::Invalid)?;
        let user = self.users.get(&entry.user_id).ok_or(AuthError::Invalid)?;
        if entry.revoked || login.is_some_and(|l| l != user.login) {
            return Err(AuthError::Invalid);
        }
        if entry.expires_at.is_some_and(|e| e <= now) {
            return Err(AuthError::Expired);
        }
        if user.blocked {
            return Err(AuthError::Blocked);
        }
        entry.caller.clone().ok_or(AuthError::Invalid)
    }

    /// A switch's value (on unless stored otherwise); the key is the concatenation of `parts`,
    /// assembled on the stack (every request asks two of these).
    fn flag(&self, parts: &[&str]) -> bool {
        let mut buf = [0u8; 160];
        let mut len = 0;
        for p in parts {
            let Some(dst) = buf.get_mut(len..len + p.len()) else {
                // Longer than any catalogue name makes: no such key is stored.
                return true;
            };
            dst.copy_from_slice(p.as_bytes());
            len += p.len();
        }
        let key = std::str::from_utf8(&buf[..len]).unwrap_or_default();
        self.settings.get(key).map(|v| v == "true").unwrap_or(true)
    }

    /// Is `module.method` switched on for everyone (module switch and method switch)? The keys are
    /// those of [`settings::module_key`] and [`settings::method_key`].
    pub fn method_enabled(&self, module: &str, method: &str) -> bool {
        self.flag(&["modules.", module, ".enabled"])
            && self.flag(&["methods.", module, ".", method, ".enabled"])
    }

    /// Every API user (in no particular order).
    pub fn users(&self) -> impl Iterator<Item = &UserEntry> {
        self.users.values()
    }

    /// The API user `id` as the snapshot holds it.
    pub fn user(&self, id: i64) -> Option<&UserEntry> {
        self.users.get(&id)
    }

    /// Has any API user a limit? (If none, the limit counters are never synced.)
    pub fn any_limits(&self) -> bool {
        self.users.values().any(|u| !u.limits.is_empty())
    }

    /// Days since the epoch in the configured time zone for a millisecond timestamp.
    pub fn day_of(&self, at_ms: i64) -> i64 {
        (at_ms + self.utc_offset_minutes * 60_000).div_euclid(86_400_000)
    }
}

/// A stored allow-list. Written only through `users::set_ip_allow`, which validates it; should a
/// stored one not parse all the same, nothing is allowed (a block that matches no address), never
/// everything.
fn allow_list(login: &str, stored: &str) -> CidrList {
    CidrList::parse(stored).unwrap_or_else(|e| {
        tracing::error!(login, error = %e, "stored IP allow-list unreadable: every address refused");
        CidrList::parse("255.255.255.255/32").expect("a valid block")
    })
}

async fn load(db: &Db) -> Result<Snapshot, ServiceError> {
    // Read the generation first: a change landing during the load bumps it again and the next
    // poll reloads.
    let generation = crate::access::audit::generation(db).await?;
    type KeyRow = (i64, i64, String, String, String, Option<i64>, Option<i64>);
    let key_rows: Vec<KeyRow> = sqlx::query_as(
        "SELECT id, user_id, name, prefix, key_hash, expires_at, revoked_at FROM api_keys WHERE revoked_at IS NULL",
    )
    .fetch_all(&db.pool)
    .await?;
    let user_rows: Vec<(i64, String, String, String, String)> =
        sqlx::query_as("SELECT id, login, note, status, ip_allow FROM api_users")
            .fetch_all(&db.pool)
            .await?;
    let perm_rows: Vec<(i64, String, String)> =
        sqlx::query_as("SELECT user_id, module, method FROM api_permissions")
            .fetch_all(&db.pool)
            .await?;
    let mut users: HashMap<i64, UserEntry> = user_rows
        .into_iter()
        .map(|(id, login, note, status, ip_allow)| {
            let ip_allow = Arc::new(allow_list(&login, &ip_allow));
            (
                id,
                UserEntry {
                    id,
                    login,
                    note,
                    blocked: status != "active",
                    perms: Arc::new(HashSet::new()),
                    ip_allow,
                    limits: Arc::default(),
                },
            )
        })
        .collect();
    let mut perms: HashMap<i64, HashSet<(&'static str, &'static str)>> = HashMap::new();
    for (uid, m, x) in perm_rows {
        // Rows naming no catalogue method (a method removed in a later version) grant nothing.
        if let Some((m, x)) = ccgate_catalogue::method(&m, &x) {
            perms.entry(uid).or_default().insert((m.name, x.name));
        }
    }
    for (uid, set) in perms {
        if let Some(u) = users.get_mut(&uid) {
            u.perms = Arc::new(set);
        }
    }
    for (uid, l) in crate::access::limits::all(db).await? {
        if let Some(u) = users.get_mut(&uid) {
            u.limits = Arc::new(l);
        }
    }
    let keys = key_rows
        .into_iter()
        .map(
            |(id, user_id, name, prefix, hash, expires_at, revoked_at)| {
                (
                    hash,
                    KeyEntry {
                        key_id: id,
                        user_id,
                        caller: users.get(&user_id).map(|user: &UserEntry| {
                            Arc::new(Caller {
                                user_id: user.id,
                                login: user.login.clone(),
                                note: user.note.clone(),
                                key_id: id,
                                key_name: name.clone(),
                                key_prefix: prefix.clone(),
                                key_expires_at: expires_at,
                                perms: Arc::clone(&user.perms),
                                ip_allow: Arc::clone(&user.ip_allow),
                                limits: Arc::clone(&user.limits),
                            })
                        }),
                        name,
                        prefix,
                        expires_at,
                        revoked: revoked_at.is_some(),
                    },
                )
            },
        )
        .collect();
    let settings = settings::effective(db).await?;
    let utc_offset_minutes = settings::utc_offset_minutes(&settings);
    let freeswitch = FsSettings::from_values(&settings);
    let reports = ReportsSettings::from_values(&settings);
    let stats = StatsSettings::from_values(&settings);
    let stats_projects = Arc::new(
        crate::stats::projects::list(db)
            .await
            .map_err(|e| ServiceError::Internal(e.to_string()))?,
    );
    Ok(Snapshot {
        generation,
        keys,
        users,
        settings,
        utc_offset_minutes,
        freeswitch,
        reports,
        stats,
        stats_projects,
    })
}

/// The least time between two checks of the stored generation for unknown keys.
pub const CATCH_UP_GAP: Duration = Duration::from_millis(20);

/// Holder of the current snapshot. Cheap to read from any task.
pub struct Live {
    db: Db,
    tx: watch::Sender<Arc<Snapshot>>,
    reload_lock: tokio::sync::Mutex<()>,
    /// When the last catch-up check began (single flight: held while checking).
    catch_up: tokio::sync::Mutex<Option<tokio::time::Instant>>,
}

impl Live {
    pub async fn new(db: Db) -> Result<Arc<Live>, ServiceError> {
        let snap = load(&db).await?;
        let (tx, _) = watch::channel(Arc::new(snap));
        Ok(Arc::new(Live {
            db,
            tx,
            reload_lock: tokio::sync::Mutex::new(()),
            catch_up: tokio::sync::Mutex::new(None),
        }))
    }

    pub fn current(&self) -> Arc<Snapshot> {
        self.tx.borrow().clone()
    }

    /// Subscribe to snapshot changes (e.g. to apply new settings in a running service).
    pub fn subscribe(&self) -> watch::Receiver<Arc<Snapshot>> {
        self.tx.subscribe()
    }

    /// Rebuild the snapshot now.
    pub async fn reload(&self) -> Result<(), ServiceError> {
        let _guard = self.reload_lock.lock().await;
        let snap = load(&self.db).await?;
        self.tx.send_replace(Arc::new(snap));
        Ok(())
    }

    /// Reload only if the stored generation moved.
    pub async fn refresh_if_changed(&self) -> Result<bool, ServiceError> {
        let g = crate::access::audit::generation(&self.db).await?;
        if g != self.current().generation {
            self.reload().await?;
            return Ok(true);
        }
        Ok(false)
    }

    /// A caller holding the snapshot of generation `seen` met something it does not know (an
    /// unknown key): is there a newer snapshot now? Loads it if the stored generation moved.
    /// Callers that arrive while a check runs share the next one; checks start at least
    /// [`CATCH_UP_GAP`] apart (a caller waits for its turn), so the database sees at most one
    /// small query per gap however many unknown keys arrive.
    pub async fn catch_up(&self, seen: i64) -> Result<bool, ServiceError> {
        let arrived = tokio::time::Instant::now();
        let mut last = self.catch_up.lock().await;
        // A check that began after this caller arrived has already answered for it.
        if last.is_some_and(|t| t >= arrived) || self.current().generation != seen {
            return Ok(self.current().generation != seen);
        }
        if let Some(t) = *last {
            tokio::time::sleep_until(t + CATCH_UP_GAP).await;
        }
        *last = Some(tokio::time::Instant::now());
        self.refresh_if_changed().await?;
        Ok(self.current().generation != seen)
    }

    /// Poll the generation counter forever (until the task is aborted).
    pub fn spawn_poller(self: &Arc<Self>) -> tokio::task::JoinHandle<()> {
        let me = Arc::clone(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(POLL_INTERVAL);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                if let Err(e) = me.refresh_if_changed().await {
                    tracing::warn!(error = %e, "settings/users snapshot refresh failed");
                }
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// [`Snapshot::method_enabled`] spells the switches' keys without allocating; it must read the
    /// very keys the settings write, for every method of the catalogue.
    #[test]
    fn switch_lookups_read_the_keys_settings_write() {
        for (m, x) in ccgate_catalogue::all() {
            let mut snap = Snapshot::default();
            assert!(snap.method_enabled(m.name, x.name));
            snap.settings
                .insert(settings::method_key(m.name, x.name), "false".into());
            assert!(
                !snap.method_enabled(m.name, x.name),
                "{}.{}",
                m.name,
                x.name
            );
            let mut snap = Snapshot::default();
            snap.settings
                .insert(settings::module_key(m.name), "false".into());
            assert!(!snap.method_enabled(m.name, x.name), "{}", m.name);
            snap.settings
                .insert(settings::module_key(m.name), "true".into());
            assert!(snap.method_enabled(m.name, x.name));
        }
        // A name longer than any key the catalogue makes: no switch is stored, so it is on.
        assert!(Snapshot::default().method_enabled(&"x".repeat(200), "y"));
    }
}
