//! Provisioning from the command line: `users`, `keys`, `perms`, `settings`. They call the same
//! service functions as the admin panel, audited with the actor `cli`; a running server picks the
//! changes up within a quarter of a second (it polls the change counter).

use anyhow::{anyhow, bail};
use ccgate_core::access::audit::Actor;
use ccgate_core::access::{keys, limits, perms, settings, users};
use ccgate_core::platform::time::rfc3339;
use ccgate_core::{Db, Secret};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum UsersCmd {
    /// Create an API user (no permissions: deny by default)
    Add {
        login: String,
        #[arg(long, default_value = "")]
        note: String,
    },
    /// Change an API user's login or note
    Edit {
        login: String,
        #[arg(long = "login")]
        new_login: Option<String>,
        #[arg(long)]
        note: Option<String>,
    },
    /// Block an API user (effective on its next request)
    Block { login: String },
    /// Unblock an API user
    Unblock { login: String },
    /// The addresses an API user may call from: CIDR blocks such as 10.0.0.0/8 or 2001:db8::/32
    /// (they replace the current list); `--any` lifts the restriction; neither: show the list
    AllowIp {
        login: String,
        blocks: Vec<String>,
        /// Allow every address
        #[arg(long, conflicts_with = "blocks")]
        any: bool,
    },
    /// An API user's limits and what is used of them; options change them (`none` removes one)
    Limits {
        login: String,
        /// Requests per minute, every method together
        #[arg(long)]
        per_minute: Option<String>,
        /// Requests per minute of one method: module.method=N (repeat; N `none` removes it)
        #[arg(long = "method", value_name = "MODULE.METHOD=N")]
        methods: Vec<String>,
        /// cc/add contacts per day
        #[arg(long)]
        calls_per_day: Option<String>,
        /// SMS parts per day
        #[arg(long)]
        sms_parts_per_day: Option<String>,
        /// SMS parts per month
        #[arg(long)]
        sms_parts_per_month: Option<String>,
        /// Remove every limit (then apply the options given)
        #[arg(long)]
        clear: bool,
    },
    /// List API users
    List {
        #[arg(long)]
        status: Option<String>,
        /// Login contains
        #[arg(long)]
        login: Option<String>,
    },
}

#[derive(Subcommand, Debug)]
pub enum KeysCmd {
    /// Create a key; it is printed once and stored only as a hash
    Create {
        login: String,
        #[arg(long, default_value = "default")]
        name: String,
        /// Expiry: YYYY-MM-DD or RFC 3339
        #[arg(long)]
        expires: Option<String>,
    },
    /// Revoke a key (by id or prefix)
    Revoke { login: String, key: String },
    /// Issue a new key; the old one stays valid for the grace period
    Rotate {
        login: String,
        key: String,
        #[arg(long, default_value_t = 0)]
        grace_secs: i64,
    },
    /// List a user's keys
    List { login: String },
}

#[derive(Subcommand, Debug)]
pub enum PermsCmd {
    /// Allow methods (`module.method`, or `module.*` for a whole module)
    Grant {
        login: String,
        #[arg(required = true)]
        methods: Vec<String>,
    },
    /// Withdraw methods
    Revoke {
        login: String,
        #[arg(required = true)]
        methods: Vec<String>,
    },
    /// Show the methods a user holds
    Show { login: String },
}

#[derive(Subcommand, Debug)]
pub enum SettingsCmd {
    /// Every setting with its value (secrets masked)
    List,
    /// One setting's value (secrets masked)
    Get { name: String },
    /// Set a value; without VALUE it is read from standard input (use that for secrets)
    Set { name: String, value: Option<String> },
}

fn parse_methods(items: &[String]) -> anyhow::Result<Vec<perms::Perm>> {
    let mut out = Vec::new();
    for item in items {
        if let Some(module) = item.strip_suffix(".*") {
            let m = ccgate_catalogue::module(module)
                .ok_or_else(|| anyhow!("unknown module `{module}`"))?;
            out.extend(m.methods.iter().map(|x| (m.name, x.name)));
        } else {
            out.push(perms::parse(item)?);
        }
    }
    Ok(out)
}

/// `start` with the options given applied (`none` or empty removes a limit).
fn limits_from(
    start: &limits::Limits,
    per_minute: Option<String>,
    methods: &[String],
    calls_per_day: Option<String>,
    sms_parts_per_day: Option<String>,
    sms_parts_per_month: Option<String>,
) -> anyhow::Result<limits::Limits> {
    let value = |given: Option<String>, now: Option<u64>| -> String {
        match given {
            Some(v) if v.trim() == "none" => String::new(),
            Some(v) => v,
            None => now.map(|n| n.to_string()).unwrap_or_default(),
        }
    };
    let mut per_method: std::collections::BTreeMap<String, String> = start
        .per_method
        .iter()
        .map(|(k, v)| (k.clone(), v.to_string()))
        .collect();
    for m in methods {
        let (name, n) = m
            .split_once('=')
            .ok_or_else(|| anyhow!("--method {m}: expected MODULE.METHOD=N"))?;
        if n.trim() == "none" {
            per_method.remove(name.trim());
        } else {
            per_method.insert(name.trim().to_string(), n.trim().to_string());
        }
    }
    let per_method: Vec<String> = per_method.iter().map(|(k, v)| format!("{k}={v}")).collect();
    Ok(limits::Limits::parse(
        &value(per_minute, start.per_minute),
        &per_method.join("\n"),
        &value(calls_per_day, start.calls_per_day),
        &value(sms_parts_per_day, start.sms_parts_per_day),
        &value(sms_parts_per_month, start.sms_parts_per_month),
    )?)
}

async fn show_limits(db: &Db, login: &str, l: &limits::Limits) -> anyhow::Result<()> {
    if l.is_empty() {
        println!("`{login}` has no limits");
        return Ok(());
    }
    let u = users::by_login(db, login).await?;
    let offset = settings::utc_offset_minutes(&settings::effective(db).await?);
    let counts = ccgate_core::limits::Limiter::new(db.clone()).await?;
    let now = ccgate_core::platform::time::now_ms();
    println!(
        "{:<40} {:>12} {:>12}  window ends",
        "limit", "value", "used"
    );
    for s in counts.usage(u.id, l, now, offset) {
        println!(
            "{:<40} {:>12} {:>12}  {}",
            s.name,
            s.limit,
            s.used,
            rfc3339(s.reset_at)
        );
    }
    Ok(())
}

async fn find_key(db: &Db, user_id: i64, key: &str) -> anyhow::Result<keys::KeyInfo> {
    let list = keys::list(db, user_id).await?;
    let found: Vec<_> = list
        .into_iter()
        .filter(|k| k.id.to_string() == key || (key.len() >= 6 && k.prefix.starts_with(key)))
        .collect();
    match found.len() {
        1 => Ok(found.into_iter().next().unwrap()),
        0 => bail!("no key `{key}` for this user (give its id or prefix; see `ccgate keys list`)"),
        _ => bail!("`{key}` matches several keys; give the id"),
    }
}

pub async fn users(db: &Db, cmd: UsersCmd) -> anyhow::Result<()> {
    let cli = Actor::Cli;
    match cmd {
        UsersCmd::Add { login, note } => {
            let u = users::create(db, &cli, &login, &note).await?;
            println!(
                "API user `{}` created (id {}), no permissions yet",
                u.login, u.id
            );
        }
        UsersCmd::Edit {
            login,
            new_login,
            note,
        } => {
            let u = users::by_login(db, &login).await?;
            let u = users::update(
                db,
                &cli,
                u.id,
                new_login.as_deref().unwrap_or(&u.login),
                note.as_deref().unwrap_or(&u.note),
            )
            .await?;
            println!("API user `{}` updated", u.login);
        }
        UsersCmd::Block { login } => {
            let u = users::by_login(db, &login).await?;
            users::set_status(db, &cli, u.id, users::Status::Blocked).await?;
            println!("API user `{login}` blocked");
        }
        UsersCmd::Unblock { login } => {
            let u = users::by_login(db, &login).await?;
            users::set_status(db, &cli, u.id, users::Status::Active).await?;
            println!("API user `{login}` unblocked");
        }
        UsersCmd::AllowIp { login, blocks, any } => {
            let mut u = users::by_login(db, &login).await?;
            if any || !blocks.is_empty() {
                u = users::set_ip_allow(db, &cli, u.id, &blocks.join(",")).await?;
            }
            if u.ip_allow.is_empty() {
                println!("`{}` may call from any address", u.login);
            } else {
                println!("`{}` may call from: {}", u.login, u.ip_allow);
            }
        }
        UsersCmd::Limits {
            login,
            per_minute,
            methods,
            calls_per_day,
            sms_parts_per_day,
            sms_parts_per_month,
            clear,
        } => {
            let u = users::by_login(db, &login).await?;
            let before = limits::of_user(db, u.id).await?;
            let start = if clear {
                limits::Limits::default()
            } else {
                before.clone()
            };
            let changed = clear
                || per_minute.is_some()
                || !methods.is_empty()
                || calls_per_day.is_some()
                || sms_parts_per_day.is_some()
                || sms_parts_per_month.is_some();
            let l = if changed {
                let l = limits_from(
                    &start,
                    per_minute,
                    &methods,
                    calls_per_day,
                    sms_parts_per_day,
                    sms_parts_per_month,
                )?;
                limits::set(db, &cli, u.id, &l).await?
            } else {
                before
            };
            show_limits(db, &u.login, &l).await?;
        }
        UsersCmd::List { status, login } => {
            let f = users::Filter {
                status,
                login,
                ..Default::default()
            };
            let (items, total) = users::list(db, &f, 1000, 0).await?;
            println!(
                "{:<6} {:<24} {:<8} {:>4} {:>5}  note",
                "id", "login", "status", "keys", "perms"
            );
            for u in items {
                println!(
                    "{:<6} {:<24} {:<8} {:>4} {:>5}  {}",
                    u.id, u.login, u.status, u.key_count, u.permission_count, u.note
                );
            }
            println!("{total} user(s)");
        }
    }
    Ok(())
}

pub async fn keys(db: &Db, cmd: KeysCmd) -> anyhow::Result<()> {
    let cli = Actor::Cli;
    match cmd {
        KeysCmd::Create {
            login,
            name,
            expires,
        } => {
            let u = users::by_login(db, &login).await?;
            let offset = settings::utc_offset_minutes(&settings::effective(db).await?);
            let expires_at = match expires {
                Some(e) => Some(
                    ccgate_core::platform::time::parse_input(&e, offset).ok_or_else(|| {
                        anyhow!("--expires: expected YYYY-MM-DD or RFC 3339, got `{e}`")
                    })?,
                ),
                None => None,
            };
            let (k, secret) = keys::create(db, &cli, u.id, &name, expires_at).await?;
            eprintln!(
                "key `{}` (id {}) for `{login}` — shown only now, store it safely:",
                k.name, k.id
            );
            println!("{}", secret.expose());
        }
        KeysCmd::Revoke { login, key } => {
            let u = users::by_login(db, &login).await?;
            let k = find_key(db, u.id, &key).await?;
            keys::revoke(db, &cli, k.id).await?;
            println!("key {} ({}) revoked", k.id, k.prefix);
        }
        KeysCmd::Rotate {
            login,
            key,
            grace_secs,
        } => {
            let u = users::by_login(db, &login).await?;
            let k = find_key(db, u.id, &key).await?;
            let (new, secret) = keys::rotate(db, &cli, k.id, grace_secs).await?;
            eprintln!(
                "new key id {} replaces {} (old one valid {} more seconds) — shown only now:",
                new.id, k.prefix, grace_secs
            );
            println!("{}", secret.expose());
        }
        KeysCmd::List { login } => {
            let u = users::by_login(db, &login).await?;
            let now = ccgate_core::platform::time::now_ms();
            println!(
                "{:<6} {:<20} {:<14} {:<8} {:<21} {:<21} last used",
                "id", "name", "prefix", "state", "created", "expires"
            );
            for k in keys::list(db, u.id).await? {
                println!(
                    "{:<6} {:<20} {:<14} {:<8} {:<21} {:<21} {}",
                    k.id,
                    k.name,
                    k.prefix,
                    k.state(now),
                    rfc3339(k.created_at),
                    k.expires_at.map(rfc3339).unwrap_or_else(|| "never".into()),
                    match (k.last_used_at, k.last_used_ip) {
                        (Some(at), ip) =>
                            format!("{} from {}", rfc3339(at), ip.unwrap_or_default()),
                        _ => "never".into(),
                    }
                );
            }
        }
    }
    Ok(())
}

pub async fn perms(db: &Db, cmd: PermsCmd) -> anyhow::Result<()> {
    let cli = Actor::Cli;
    let show = |set: std::collections::BTreeSet<String>| {
        if set.is_empty() {
            println!("(no permissions)");
        }
        for p in set {
            println!("{p}");
        }
    };
    match cmd {
        PermsCmd::Grant { login, methods } => {
            let u = users::by_login(db, &login).await?;
            show(perms::grant(db, &cli, u.id, &parse_methods(&methods)?).await?);
        }
        PermsCmd::Revoke { login, methods } => {
            let u = users::by_login(db, &login).await?;
            show(perms::revoke(db, &cli, u.id, &parse_methods(&methods)?).await?);
        }
        PermsCmd::Show { login } => {
            let u = users::by_login(db, &login).await?;
            show(perms::of_user(db, u.id).await?);
        }
    }
    Ok(())
}

pub async fn settings_cmd(db: &Db, cmd: SettingsCmd) -> anyhow::Result<()> {
    match cmd {
        SettingsCmd::List => {
            let values = settings::effective(db).await?;
            for d in settings::registry() {
                let v = values.get(&d.name).cloned().unwrap_or_default();
                println!(
                    "{:<40} {:<10} {}",
                    d.name,
                    settings::display_value(&d, &v),
                    d.title_en
                );
            }
        }
        SettingsCmd::Get { name } => {
            let d = settings::def(&name)?;
            let values = settings::effective(db).await?;
            println!(
                "{}",
                settings::display_value(&d, values.get(&name).map(String::as_str).unwrap_or(""))
            );
        }
        SettingsCmd::Set { name, value } => {
            let value = match value {
                Some(v) => Secret::new(v),
                None => crate::cli::read_secret_line("Value: ")?,
            };
            let n = settings::set(db, &Actor::Cli, &name, value.expose()).await?;
            println!(
                "{}",
                if n == 0 {
                    format!("{name}: unchanged")
                } else {
                    format!("{name}: set")
                }
            );
        }
    }
    Ok(())
}
