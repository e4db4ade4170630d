//! `ccgate sms-gateways …`: the SMS gateways of Settings → SMS from the command line (same
//! services, audited as `cli`; running servers use the change for the next message).

use anyhow::bail;
use ccgate_core::access::audit::Actor;
use ccgate_core::sms::gateways::{self, GatewayInput};
use ccgate_core::Db;
use clap::{Args, Subcommand};

/// A gateway's fields; what is not given comes from core's one declaration of a new gateway's
/// defaults (`GatewayInput::default`, the same the panel's form starts from), except the reserve
/// URL: a gateway added here has none unless `--reserve-url` is given.
#[derive(Args, Debug)]
pub struct GatewayArgs {
    /// Name (Latin letters, digits, - _ .)
    pub name: String,
    /// Provider kind: smstraffic, smsc or smpp
    #[arg(long, default_value_t = defaults().kind)]
    pub kind: String,
    /// Send URL (SMS Traffic: https://api.smstraffic.ru/multi.php; SMPP: smpp://host:port)
    #[arg(long)]
    pub url: String,
    /// Reserve URL, tried when the main one does not take a request
    #[arg(long, default_value = "")]
    pub reserve_url: String,
    /// Default sender name
    #[arg(long, default_value_t = defaults().sender)]
    pub sender: String,
    #[arg(long, default_value_t = defaults().login)]
    pub login: String,
    /// Read the password from standard input
    #[arg(long)]
    pub password_stdin: bool,
    /// Parts per second
    #[arg(long, default_value_t = defaults().rate_limit)]
    pub rate_limit: i64,
    #[arg(long, default_value_t = defaults().max_parts)]
    pub max_parts: i64,
    #[arg(long, default_value_t = defaults().timeout_ms)]
    pub timeout_ms: i64,
    /// Failover order (lower first)
    #[arg(long, default_value_t = defaults().priority)]
    pub priority: i64,
    /// Keep it out of the failover list
    #[arg(long)]
    pub disabled: bool,
    /// A PEM file of CA certificates trusted for this gateway besides the system's CA store (a
    /// provider behind a private CA); checked when saved
    #[arg(long, default_value_t = defaults().ca_file)]
    pub ca_file: String,
}

fn defaults() -> GatewayInput {
    GatewayInput::default()
}

#[derive(Subcommand, Debug)]
pub enum SmsGatewaysCmd {
    /// Every gateway (active first, then the failover order); passwords never shown
    List,
    /// Add a gateway (the first one becomes active)
    Add(GatewayArgs),
    /// Replace a gateway's fields (the password only with --password-stdin)
    Update(GatewayArgs),
    /// Make a gateway the active one
    Activate { name: String },
    /// Remove a gateway
    Remove { name: String },
    /// Check a gateway's credentials (balance query)
    Test { name: String },
    /// Print the delivery-report URL path to give the provider (contains the secret token)
    CallbackPath { name: String },
}

fn input(a: &GatewayArgs) -> anyhow::Result<GatewayInput> {
    let password = if a.password_stdin {
        Some(crate::cli::read_secret_line("Password: ")?.expose().clone())
    } else {
        None
    };
    Ok(of_args(a, password))
}

/// The input the arguments describe.
pub fn of_args(a: &GatewayArgs, password: Option<String>) -> GatewayInput {
    GatewayInput {
        name: a.name.clone(),
        kind: a.kind.clone(),
        url: a.url.clone(),
        reserve_url: a.reserve_url.clone(),
        sender: a.sender.clone(),
        login: a.login.clone(),
        password,
        rate_limit: a.rate_limit,
        max_parts: a.max_parts,
        timeout_ms: a.timeout_ms,
        priority: a.priority,
        enabled: !a.disabled,
        ca_file: a.ca_file.clone(),
    }
}

pub async fn run(db: &Db, cmd: SmsGatewaysCmd) -> anyhow::Result<()> {
    let cli = Actor::Cli;
    match cmd {
        SmsGatewaysCmd::List => {
            for g in gateways::list(db).await? {
                println!(
                    "{}\t{}\t{}\t{}\tsender={}\tlogin={}\tpassword={}\trate={}/s\tmax_parts={}\tpriority={}{}{}",
                    g.name,
                    if g.active { "active" } else if g.enabled { "failover" } else { "disabled" },
                    g.kind,
                    g.url,
                    g.sender,
                    g.login,
                    if g.has_password() { "***" } else { "" },
                    g.rate_limit,
                    g.max_parts,
                    g.priority,
                    if g.reserve_url.is_empty() { String::new() } else { format!("\treserve={}", g.reserve_url) },
                    if g.ca_file.is_empty() { String::new() } else { format!("\tca_file={}", g.ca_file) }
                );
            }
        }
        SmsGatewaysCmd::Add(a) => {
            let g = gateways::create(db, &cli, &input(&a)?).await?;
            println!(
                "SMS gateway `{}` added{}",
                g.name,
                if g.active { " (active)" } else { "" }
            );
        }
        SmsGatewaysCmd::Update(a) => {
            let old = gateways::by_name(db, &a.name).await?;
            gateways::update(db, &cli, old.id, &input(&a)?).await?;
            println!("SMS gateway `{}` updated", a.name);
        }
        SmsGatewaysCmd::Activate { name } => {
            let g = gateways::by_name(db, &name).await?;
            gateways::activate(db, &cli, g.id).await?;
            println!("SMS gateway `{name}` is active");
        }
        SmsGatewaysCmd::Remove { name } => {
            let g = gateways::by_name(db, &name).await?;
            gateways::delete(db, &cli, g.id).await?;
            println!("SMS gateway `{name}` removed");
        }
        SmsGatewaysCmd::Test { name } => {
            let g = gateways::by_name(db, &name).await?;
            let hub = ccgate_core::sms::service::SmsHub::default();
            match ccgate_core::sms::service::test_gateway(&hub, &g).await {
                Ok(balance) => println!("`{name}`: credentials accepted, balance {balance}"),
                Err(e) => bail!("`{name}`: {e}"),
            }
        }
        SmsGatewaysCmd::CallbackPath { name } => {
            let g = gateways::by_name(db, &name).await?;
            println!("{}", g.callback_path());
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::Parser;

    #[derive(Parser)]
    struct Cli {
        #[command(flatten)]
        args: GatewayArgs,
    }

    #[test]
    fn unset_arguments_are_cores_defaults() {
        let cli =
            Cli::try_parse_from(["sms-gateways", "main", "--url", "http://h/multi.php"]).unwrap();
        assert_eq!(
            of_args(&cli.args, None),
            GatewayInput {
                name: "main".into(),
                url: "http://h/multi.php".into(),
                reserve_url: String::new(),
                ..GatewayInput::default()
            }
        );
        assert_eq!(of_args(&cli.args, None).priority, 10);
    }
}
