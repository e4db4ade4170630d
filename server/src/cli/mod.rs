//! Command line: `ccgate [--config FILE] [serve | admin … | migrate | config]`.

use std::io::{BufRead, IsTerminal};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use ccgate_core::access::admins::{self, Bootstrap};
use ccgate_core::access::audit::Actor;
use ccgate_core::{Config, Db, Secret};
use clap::{Parser, Subcommand};

use crate::startup::Application;

pub mod access;
pub mod sms;
pub mod stats;

#[derive(Parser, Debug)]
#[command(
    name = "ccgate",
    version,
    about = "ccgate — API gateway for call centers (FreeSWITCH, SMS, statistics)",
    after_help = after_help()
)]
pub struct Cli {
    /// TOML configuration file (keys as listed below, without the CCGATE_ prefix)
    #[arg(long, env = "CCGATE_CONFIG", global = true)]
    pub config: Option<PathBuf>,
    #[command(subcommand)]
    pub command: Option<Command>,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Serve the admin panel and the REST API (the default)
    Serve,
    /// Manage admin accounts of the panel
    Admin {
        #[command(subcommand)]
        action: AdminAction,
    },
    /// Manage API users
    Users {
        #[command(subcommand)]
        action: crate::cli::access::UsersCmd,
    },
    /// Manage API keys
    Keys {
        #[command(subcommand)]
        action: crate::cli::access::KeysCmd,
    },
    /// Grant, withdraw and show API users' method permissions
    Perms {
        #[command(subcommand)]
        action: crate::cli::access::PermsCmd,
    },
    /// List, read and change settings (applied by running servers without a restart)
    Settings {
        #[command(subcommand)]
        action: crate::cli::access::SettingsCmd,
    },
    /// SMS gateways (Settings → SMS): list, add, update, activate, remove, test
    SmsGateways {
        #[command(subcommand)]
        action: crate::cli::sms::SmsGatewaysCmd,
    },
    /// Statistics projects (Settings → «Онлайн статистика ЦОВ»): list, add, update, remove
    StatsProjects {
        #[command(subcommand)]
        action: crate::cli::stats::StatsProjectsCmd,
    },
    /// Apply database migrations and exit
    Migrate,
    /// Print the effective configuration (secrets hidden)
    Config,
}

#[derive(Subcommand, Debug)]
pub enum AdminAction {
    /// Create an admin; the password is read from the terminal or standard input
    Create {
        username: String,
        /// `admin` (changes everything) or `viewer` (reads every page, changes nothing)
        #[arg(long, default_value = "admin")]
        role: String,
    },
    /// Give an admin the role `admin` or `viewer` (audited; applies to its open sessions at
    /// once; the last `admin` cannot become a viewer)
    Role { username: String, role: String },
    /// Change an admin's password (read from the terminal or standard input) and end its panel
    /// sessions
    Passwd { username: String },
    /// List admins
    List,
    /// An admin's second factor (TOTP)
    Totp {
        #[command(subcommand)]
        action: TotpAction,
    },
}

#[derive(Subcommand, Debug)]
pub enum TotpAction {
    /// Switch an admin's second factor off (a lost phone and lost recovery codes); audited. The
    /// admin signs in with the password alone and may enrol again.
    Reset { username: String },
}

fn after_help() -> String {
    format!(
        "{}\nFirst start: if no admin exists, one is created from CCGATE_ADMIN_USER and\n\
         CCGATE_ADMIN_PASSWORD, or `admin` with a generated password printed once.",
        ccgate_core::platform::config::help_table()
    )
}

pub fn main() -> ExitCode {
    main_from(std::env::args_os())
}

/// [`main`] with the given command line (its first item the program's name): what the binary
/// does, for a test process that runs it as a child of another.
pub fn main_from(args: impl IntoIterator<Item = std::ffi::OsString>) -> ExitCode {
    let cli = Cli::parse_from(args);
    let config = match Config::load(cli.config.as_deref()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("ccgate: {e}");
            return ExitCode::from(2);
        }
    };
    // Pages are rendered as deeply nested futures: with debug logging (each event formatted at
    // the deepest point) an unoptimised build overflowed the default 2 MiB worker stack on
    // /settings, which aborts the whole process. Stacks are reserved, not committed, up front.
    let rt = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(WORKER_STACK)
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("ccgate: cannot start the runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match rt.block_on(run(cli.command.unwrap_or(Command::Serve), config)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ccgate: {e:#}");
            ExitCode::FAILURE
        }
    }
}

/// The stack of each runtime worker thread.
const WORKER_STACK: usize = 8 * 1024 * 1024;

async fn run(command: Command, config: Config) -> anyhow::Result<()> {
    match command {
        Command::Serve => serve(config).await,
        Command::Migrate => {
            let db = connect(&config).await?;
            db.migrate().await?;
            println!("migrations applied");
            Ok(())
        }
        Command::Users { action } => {
            crate::cli::access::users(&ready_db(&config).await?, action).await
        }
        Command::Keys { action } => {
            crate::cli::access::keys(&ready_db(&config).await?, action).await
        }
        Command::Perms { action } => {
            crate::cli::access::perms(&ready_db(&config).await?, action).await
        }
        Command::Settings { action } => {
            crate::cli::access::settings_cmd(&ready_db(&config).await?, action).await
        }
        Command::SmsGateways { action } => {
            crate::cli::sms::run(&ready_db(&config).await?, action).await
        }
        Command::StatsProjects { action } => {
            crate::cli::stats::run(&ready_db(&config).await?, action).await
        }
        Command::Config => {
            println!("{config:#?}");
            Ok(())
        }
        Command::Admin { action } => {
            let db = connect(&config).await?;
            db.migrate().await?;
            match action {
                AdminAction::Create { username, role } => {
                    let role = admins::Role::parse(&role)?;
                    let pw = read_password(true)?;
                    let a = admins::create_with_role(&db, &username, pw, role).await?;
                    println!("admin `{}` created with role `{}`", a.username, a.role);
                }
                AdminAction::Role { username, role } => {
                    let role = admins::Role::parse(&role)?;
                    let old = admins::set_role(&db, &Actor::Cli, &username, role).await?;
                    if old == role {
                        println!("`{username}` already has role `{role}`");
                    } else {
                        println!("`{username}`: role `{old}` → `{role}`, in force at once");
                    }
                }
                AdminAction::Passwd { username } => {
                    let pw = read_password(true)?;
                    admins::set_password(&db, &username, pw).await?;
                    println!("password of `{username}` changed; its panel sessions are ended");
                }
                AdminAction::Totp {
                    action: TotpAction::Reset { username },
                } => {
                    if admins::totp::reset(&db, &Actor::Cli, &username).await? {
                        println!("second factor of `{username}` switched off");
                    } else {
                        println!("`{username}` had no second factor on; nothing changed");
                    }
                }
                AdminAction::List => {
                    for a in admins::list(&db).await? {
                        let totp = if admins::totp::enabled(&db, a.id).await? {
                            "totp on"
                        } else {
                            "totp off"
                        };
                        println!(
                            "{}\t{}\t{totp}\tcreated {}\tlast login {}",
                            a.username,
                            a.role,
                            ccgate_core::platform::time::rfc3339(a.created_at),
                            a.last_login_at
                                .map(ccgate_core::platform::time::rfc3339)
                                .unwrap_or_else(|| "never".into())
                        );
                    }
                }
            }
            Ok(())
        }
    }
}

async fn ready_db(config: &Config) -> anyhow::Result<Db> {
    let db = connect(config).await?;
    db.migrate().await?;
    Ok(db)
}

/// One line from the terminal (hidden) or standard input.
pub fn read_secret_line(prompt: &str) -> anyhow::Result<Secret<String>> {
    if std::io::stdin().is_terminal() {
        Ok(Secret::new(rpassword::prompt_password(prompt)?))
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        Ok(Secret::new(line.trim_end_matches(['\r', '\n']).to_string()))
    }
}

async fn connect(config: &Config) -> anyhow::Result<Db> {
    Db::connect(config.database_url.expose(), config.db_max_connections)
        .await
        .context("cannot connect to the database (check CCGATE_DATABASE_URL)")
}

/// A password from the terminal (asked twice) or the first line of standard input. Never argv.
fn read_password(confirm: bool) -> anyhow::Result<Secret<String>> {
    if std::io::stdin().is_terminal() {
        let a = rpassword::prompt_password("Password: ")?;
        if confirm {
            let b = rpassword::prompt_password("Repeat password: ")?;
            anyhow::ensure!(a == b, "the passwords do not match");
        }
        Ok(Secret::new(a))
    } else {
        let mut line = String::new();
        std::io::stdin().lock().read_line(&mut line)?;
        let pw = line.trim_end_matches(['\r', '\n']).to_string();
        anyhow::ensure!(!pw.is_empty(), "no password on standard input");
        Ok(Secret::new(pw))
    }
}

async fn serve(config: Config) -> anyhow::Result<()> {
    crate::telemetry::init(config.log_format, &config.log_level);
    if !config.cookie_secure && !config.is_loopback() {
        tracing::warn!(
            bind = %config.bind,
            "serving on a non-loopback address with CCGATE_COOKIE_SECURE=false; \
             put ccgate behind HTTPS and set it to true"
        );
    }
    let app = Application::build(config).await?;
    let env_user = std::env::var("CCGATE_ADMIN_USER")
        .ok()
        .filter(|s| !s.is_empty());
    let env_pw = std::env::var("CCGATE_ADMIN_PASSWORD")
        .ok()
        .filter(|s| !s.is_empty())
        .map(Secret::new);
    match admins::bootstrap(&app.state().db, env_user, env_pw).await? {
        Bootstrap::Existing => {}
        Bootstrap::Created {
            username,
            generated_password: Some(pw),
        } => {
            println!();
            println!("  First admin account created — the password is shown only once:");
            println!("    username: {username}");
            println!("    password: {}", pw.expose());
            println!("  Change it with: ccgate admin passwd {username}");
            println!();
        }
        Bootstrap::Created { username, .. } => {
            println!("First admin account `{username}` created from CCGATE_ADMIN_USER/CCGATE_ADMIN_PASSWORD");
        }
    }
    let addr = app.local_addr();
    tracing::info!(%addr, "ccgate listening");
    println!("ccgate is serving on http://{addr}/");
    let config = &app.state().config;
    if config.demo {
        if let Some(key) = ccgate_core::demo::read_key_file(&config.demo_key_file) {
            println!(
                "  Demo API key of {} (in {}): try\n    {}",
                ccgate_core::demo::KEY_USER,
                config.demo_key_file.display(),
                ccgate_core::demo::curl_line(&format!("http://{addr}"), &key)
            );
        }
    }
    app.run_until_stopped(shutdown_signal()).await?;
    tracing::info!("ccgate stopped");
    Ok(())
}

/// Resolves on Ctrl-C or SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
}
