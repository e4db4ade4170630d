//! `ccgate stats-projects …`: the statistics projects of Settings → «Онлайн статистика ЦОВ» from the
//! command line (same services, audited as `cli`; running servers reload within 250 ms).

use ccgate_core::access::audit::Actor;
use ccgate_core::stats::projects::{self, ProjectInput};
use ccgate_core::Db;
use clap::{Args, Subcommand};

#[derive(Args, Debug)]
pub struct ProjectArgs {
    /// Name (Latin letters, digits, . _ @ -), as `stats.get?project=` takes it
    pub name: String,
    /// Title shown on the statistics page (default: the name)
    #[arg(long, default_value = "")]
    pub title: String,
    /// Queues, comma-separated (e.g. support@default,sales@default)
    #[arg(long, value_delimiter = ',', required = true)]
    pub queues: Vec<String>,
    /// Service-level threshold, seconds (default 20)
    #[arg(long)]
    pub service_level_seconds: Option<u32>,
}

impl ProjectArgs {
    fn input(&self) -> ProjectInput {
        ProjectInput {
            name: self.name.clone(),
            title: self.title.clone(),
            queues: self.queues.clone(),
            service_level_seconds: self.service_level_seconds,
        }
    }
}

#[derive(Subcommand, Debug)]
pub enum StatsProjectsCmd {
    /// Every defined project (none: every FreeSWITCH queue is a project of its own)
    List,
    /// Add a project
    Add(ProjectArgs),
    /// Replace a project's title, queues and threshold
    Update(ProjectArgs),
    /// Remove a project
    Remove { name: String },
}

pub async fn run(db: &Db, cmd: StatsProjectsCmd) -> anyhow::Result<()> {
    let actor = Actor::Cli;
    match cmd {
        StatsProjectsCmd::List => {
            let all = projects::list(db).await?;
            if all.is_empty() {
                println!("no projects defined: every FreeSWITCH queue is a project of its own");
            }
            for p in all {
                println!(
                    "{}\t{}\t{}\t{} s",
                    p.name,
                    p.title,
                    p.queues.join(","),
                    p.service_level_seconds
                );
            }
        }
        StatsProjectsCmd::Add(a) => {
            let p = projects::create(db, &actor, &a.input()).await?;
            println!("project {} added ({} queues)", p.name, p.queues.len());
        }
        StatsProjectsCmd::Update(a) => {
            let p = projects::update(db, &actor, &a.name, &a.input()).await?;
            println!("project {} updated", p.name);
        }
        StatsProjectsCmd::Remove { name } => {
            projects::delete(db, &actor, &name).await?;
            println!("project {name} removed");
        }
    }
    Ok(())
}
