//! Statistics projects (Settings → «Онлайн статистика ЦОВ»): a named set of mod_callcenter queues
//! with a service-level threshold, in table `stats_projects`. Every write goes through
//! [`AuditedWrite`], so a change bumps `state_generation` and the live snapshot
//! (`Snapshot::stats_projects`) is reloaded; readers on the API path never query the table.
//!
//! Before any project is defined, every FreeSWITCH queue is a project of its own, named after the
//! queue, with [`DEFAULT_SERVICE_LEVEL_SECONDS`] ([`per_queue`]).

use serde::{Deserialize, Serialize};

use crate::access::audit::{Actor, AuditedWrite};
use crate::cc::queues::parse_name;
use crate::platform::db::Db;
use crate::platform::time::now_ms;
use crate::stats::StatsError;

/// The service-level threshold of a project that does not say (and of the per-queue projects).
pub const DEFAULT_SERVICE_LEVEL_SECONDS: u32 = 20;
/// Queues of one project, at most.
pub const MAX_QUEUES: usize = 100;
/// Projects, at most.
pub const MAX_PROJECTS: usize = 500;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Project {
    /// 1–128 of `A-Z a-z 0-9 . _ @ -` (a queue name is a valid project name).
    pub name: String,
    pub title: String,
    /// Queue names, sorted, without repeats.
    pub queues: Vec<String>,
    /// A call answered within this many seconds of joining the queue counts for the service level.
    pub service_level_seconds: u32,
}

/// What a manager enters for a project (the name is the key and is not changed by an update).
#[derive(Debug, Clone, Default, PartialEq, Eq, Deserialize)]
pub struct ProjectInput {
    pub name: String,
    pub title: String,
    pub queues: Vec<String>,
    /// `None`: [`DEFAULT_SERVICE_LEVEL_SECONDS`].
    pub service_level_seconds: Option<u32>,
}

impl ProjectInput {
    /// Validate and normalise: trimmed name and title (an empty title becomes the name), queues
    /// checked like every queue name, sorted and without repeats, threshold 1–3600 s.
    pub fn validate(&self) -> Result<Project, StatsError> {
        let name =
            parse_name("name", &self.name).map_err(|_| StatsError::invalid("name", NAME_RULE))?;
        let title = self.title.trim();
        if title.chars().count() > 255 {
            return Err(StatsError::invalid("title", "at most 255 characters"));
        }
        let mut queues = Vec::with_capacity(self.queues.len());
        for q in &self.queues {
            let q = parse_name("queues", q).map_err(|_| {
                StatsError::invalid(
                    "queues",
                    format!("{q:?}: a queue name is 1 to 128 characters from A-Z a-z 0-9 . _ @ -"),
                )
            })?;
            queues.push(q);
        }
        queues.sort();
        queues.dedup();
        if queues.is_empty() {
            return Err(StatsError::invalid("queues", "at least one queue"));
        }
        if queues.len() > MAX_QUEUES {
            return Err(StatsError::invalid(
                "queues",
                format!("at most {MAX_QUEUES} queues"),
            ));
        }
        let sl = self
            .service_level_seconds
            .unwrap_or(DEFAULT_SERVICE_LEVEL_SECONDS);
        if !(1..=3600).contains(&sl) {
            return Err(StatsError::invalid(
                "service_level_seconds",
                "a whole number of seconds from 1 to 3600",
            ));
        }
        Ok(Project {
            title: if title.is_empty() {
                name.clone()
            } else {
                title.to_string()
            },
            name,
            queues,
            service_level_seconds: sl,
        })
    }
}

const NAME_RULE: &str = "1 to 128 characters from A-Z a-z 0-9 . _ @ -";

/// The per-queue projects used while none is defined: one per queue, named after it.
pub fn per_queue<'a>(queues: impl IntoIterator<Item = &'a String>) -> Vec<Project> {
    let mut v: Vec<Project> = queues
        .into_iter()
        .map(|q| Project {
            name: q.clone(),
            title: q.clone(),
            queues: vec![q.clone()],
            service_level_seconds: DEFAULT_SERVICE_LEVEL_SECONDS,
        })
        .collect();
    v.sort_by(|a, b| a.name.cmp(&b.name));
    v.dedup_by(|a, b| a.name == b.name);
    v
}

type ProjectRow = (String, String, String, i64);

fn of_row((name, title, queues, sl): ProjectRow) -> Project {
    Project {
        name,
        title,
        queues: serde_json::from_str(&queues).unwrap_or_default(),
        service_level_seconds: u32::try_from(sl).unwrap_or(DEFAULT_SERVICE_LEVEL_SECONDS),
    }
}

/// Every defined project, by name (what the live snapshot holds).
pub async fn list(db: &Db) -> Result<Vec<Project>, StatsError> {
    let rows: Vec<ProjectRow> = sqlx::query_as(
        "SELECT name, title, queues, service_level_seconds FROM stats_projects ORDER BY name",
    )
    .fetch_all(&db.pool)
    .await?;
    Ok(rows.into_iter().map(of_row).collect())
}

pub async fn get(db: &Db, name: &str) -> Result<Project, StatsError> {
    let row: Option<ProjectRow> = sqlx::query_as(
        "SELECT name, title, queues, service_level_seconds FROM stats_projects WHERE name = ?",
    )
    .bind(name)
    .fetch_optional(&db.pool)
    .await?;
    row.map(of_row)
        .ok_or_else(|| StatsError::ProjectNotFound(name.to_string()))
}

/// What the audit log shows of a project.
fn audit_text(p: &Project) -> String {
    format!(
        "title={}; queues={}; service_level_seconds={}",
        p.title,
        p.queues.join(","),
        p.service_level_seconds
    )
}

pub async fn create(db: &Db, actor: &Actor, input: &ProjectInput) -> Result<Project, StatsError> {
    let p = input.validate()?;
    let mut tx = AuditedWrite::begin(db, actor).await?;
    let (exists, count): (i64, i64) = sqlx::query_as(
        "SELECT CAST(SUM(CASE WHEN name = ? THEN 1 ELSE 0 END) AS SIGNED), COUNT(*) FROM stats_projects",
    )
    .bind(&p.name)
    .fetch_one(tx.conn())
    .await
    .map(|(e, c): (Option<i64>, i64)| (e.unwrap_or(0), c))?;
    if exists > 0 {
        return Err(StatsError::ProjectExists(p.name));
    }
    if count as usize >= MAX_PROJECTS {
        return Err(StatsError::invalid(
            "name",
            format!("at most {MAX_PROJECTS} projects"),
        ));
    }
    let now = now_ms();
    sqlx::query(
        "INSERT INTO stats_projects (name, title, queues, service_level_seconds, created_at, updated_at) \
         VALUES (?, ?, ?, ?, ?, ?)",
    )
    .bind(&p.name)
    .bind(&p.title)
    .bind(serde_json::to_string(&p.queues).unwrap_or_else(|_| "[]".into()))
    .bind(i64::from(p.service_level_seconds))
    .bind(now)
    .bind(now)
    .execute(tx.conn())
    .await?;
    tx.record("stats.project.create", &p.name, None, Some(&audit_text(&p)))
        .await?;
    tx.commit().await?;
    Ok(p)
}

/// Change the title, queues and threshold of project `name` (`input.name` must be empty or
/// `name`: a project is not renamed).
pub async fn update(
    db: &Db,
    actor: &Actor,
    name: &str,
    input: &ProjectInput,
) -> Result<Project, StatsError> {
    if !input.name.trim().is_empty() && input.name.trim() != name {
        return Err(StatsError::invalid(
            "name",
            "a project cannot be renamed; delete it and create another",
        ));
    }
    let p = ProjectInput {
        name: name.to_string(),
        ..input.clone()
    }
    .validate()?;
    let old = get(db, &p.name).await?;
    if old == p {
        return Ok(p);
    }
    let mut tx = AuditedWrite::begin(db, actor).await?;
    let done = sqlx::query(
        "UPDATE stats_projects SET title = ?, queues = ?, service_level_seconds = ?, updated_at = ? \
         WHERE name = ?",
    )
    .bind(&p.title)
    .bind(serde_json::to_string(&p.queues).unwrap_or_else(|_| "[]".into()))
    .bind(i64::from(p.service_level_seconds))
    .bind(now_ms())
    .bind(&p.name)
    .execute(tx.conn())
    .await?;
    if done.rows_affected() == 0 {
        return Err(StatsError::ProjectNotFound(p.name));
    }
    tx.record(
        "stats.project.update",
        &p.name,
        Some(&audit_text(&old)),
        Some(&audit_text(&p)),
    )
    .await?;
    tx.commit().await?;
    Ok(p)
}

pub async fn delete(db: &Db, actor: &Actor, name: &str) -> Result<(), StatsError> {
    let old = get(db, name).await?;
    let mut tx = AuditedWrite::begin(db, actor).await?;
    let done = sqlx::query("DELETE FROM stats_projects WHERE name = ?")
        .bind(name)
        .execute(tx.conn())
        .await?;
    if done.rows_affected() == 0 {
        return Err(StatsError::ProjectNotFound(name.to_string()));
    }
    tx.record("stats.project.delete", name, Some(&audit_text(&old)), None)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::access::audit;

    fn input(name: &str, queues: &[&str], sl: Option<u32>) -> ProjectInput {
        ProjectInput {
            name: name.into(),
            title: String::new(),
            queues: queues.iter().map(|q| q.to_string()).collect(),
            service_level_seconds: sl,
        }
    }

    #[test]
    fn validation() {
        let p = input("support", &["b@default", " a@default", "b@default"], None)
            .validate()
            .unwrap();
        assert_eq!(p.queues, ["a@default", "b@default"]);
        assert_eq!(p.title, "support");
        assert_eq!(p.service_level_seconds, DEFAULT_SERVICE_LEVEL_SECONDS);
        let field = |i: ProjectInput| match i.validate() {
            Err(StatsError::Invalid { field, .. }) => field,
            other => panic!("{other:?}"),
        };
        assert_eq!(field(input("a b", &["q"], None)), "name");
        assert_eq!(field(input("", &["q"], None)), "name");
        assert_eq!(field(input("p", &[], None)), "queues");
        assert_eq!(field(input("p", &["q;x"], None)), "queues");
        assert_eq!(field(input("p", &["q"], Some(0))), "service_level_seconds");
        assert_eq!(
            field(input("p", &["q"], Some(3601))),
            "service_level_seconds"
        );
        let long = ProjectInput {
            title: "т".repeat(256),
            ..input("p", &["q"], None)
        };
        assert_eq!(field(long), "title");
    }

    #[test]
    fn per_queue_projects_are_named_after_their_queue() {
        let qs = vec!["sales@default".to_string(), "support@default".to_string()];
        let p = per_queue(&qs);
        assert_eq!(p.len(), 2);
        assert_eq!(p[1].name, "support@default");
        assert_eq!(p[1].queues, ["support@default"]);
        assert_eq!(p[1].service_level_seconds, 20);
    }

    #[tokio::test]
    async fn crud_is_audited_and_bumps_the_generation() {
        let (_dir, db) = crate::platform::db::scratch(2).await;
        let g0 = audit::generation(&db).await.unwrap();
        let p = create(
            &db,
            &Actor::Cli,
            &input("support", &["support@default"], Some(30)),
        )
        .await
        .unwrap();
        assert_eq!(p.service_level_seconds, 30);
        let g1 = audit::generation(&db).await.unwrap();
        assert!(g1 > g0);
        assert!(matches!(
            create(&db, &Actor::Cli, &input("support", &["x"], None)).await,
            Err(StatsError::ProjectExists(_))
        ));
        let changed = ProjectInput {
            name: String::new(),
            title: "Поддержка".into(),
            queues: vec!["support@default".into(), "vip@default".into()],
            service_level_seconds: Some(15),
        };
        let p = update(&db, &Actor::Cli, "support", &changed).await.unwrap();
        assert_eq!(p.queues.len(), 2);
        assert_eq!(get(&db, "support").await.unwrap(), p);
        let g2 = audit::generation(&db).await.unwrap();
        assert!(g2 > g1);
        // The same values again: nothing to write, nothing to reload.
        update(&db, &Actor::Cli, "support", &changed).await.unwrap();
        assert_eq!(audit::generation(&db).await.unwrap(), g2);
        assert!(matches!(
            update(&db, &Actor::Cli, "nope", &changed).await,
            Err(StatsError::ProjectNotFound(_))
        ));
        assert_eq!(list(&db).await.unwrap(), vec![p]);
        delete(&db, &Actor::Cli, "support").await.unwrap();
        assert!(list(&db).await.unwrap().is_empty());
        assert!(matches!(
            delete(&db, &Actor::Cli, "support").await,
            Err(StatsError::ProjectNotFound(_))
        ));
        let (entries, _) = audit::list(&db, 10, 0).await.unwrap();
        let actions: Vec<&str> = entries.iter().map(|e| e.action.as_str()).collect();
        assert_eq!(
            actions,
            [
                "stats.project.delete",
                "stats.project.update",
                "stats.project.create"
            ]
        );
        assert!(audit::generation(&db).await.unwrap() > g2);
    }
}
