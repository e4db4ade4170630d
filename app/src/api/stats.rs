//! The online statistics' settings block: «Проверить подключение» asks the configured source
//! (`ccgate_core::stats`) for `stats.all`, as an integrator would; the projects editor lists,
//! adds, changes and removes projects (`ccgate_core::stats::projects`, audited, in force at once).

use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use serde::{Deserialize, Serialize};

use super::CheckResult;
use crate::error::AppError;

/// «Проверить подключение»: `stats.all` from the source of Settings → «Онлайн статистика ЦОВ»
/// (built in: FreeSWITCH's mod_callcenter and the CDR index; external: the statistics server).
#[server(endpoint = "settings/check_stats")]
pub async fn check_stats_source() -> Result<CheckResult, AppError> {
    use ccgate_core::platform::error::PublicError;
    use ccgate_core::stats::service::{all, Request};
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let req = Request {
        from: None,
        until: None,
    };
    Ok(match all(&state, &req).await {
        Ok(v) => CheckResult {
            ok: true,
            message: match v["source"].as_str() {
                Some("external") => "external: the statistics server answered".to_string(),
                _ => format!(
                    "builtin: {} project(s) over {} queue(s)",
                    v["total"],
                    v["overall"]["queues"].as_array().map_or(0, Vec::len)
                ),
            },
        },
        Err(e) => CheckResult {
            ok: false,
            message: format!("{}: {}", e.code().as_str(), e.public_message()),
        },
    })
}

/// A statistics project as the Settings block shows it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsProjectRow {
    pub name: String,
    pub title: String,
    pub queues: Vec<String>,
    pub service_level_seconds: u32,
}

/// The projects editor's data: the defined projects, the queues FreeSWITCH lists now (to pick
/// from), and why they could not be listed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct StatsProjectsView {
    pub projects: Vec<StatsProjectRow>,
    pub queues: Vec<String>,
    /// FreeSWITCH's error when its queues could not be listed (queues are then typed in).
    pub queues_error: Option<String>,
    pub default_service_level_seconds: u32,
}

#[cfg(feature = "ssr")]
impl From<ccgate_core::stats::projects::Project> for StatsProjectRow {
    fn from(p: ccgate_core::stats::projects::Project) -> Self {
        StatsProjectRow {
            name: p.name,
            title: p.title,
            queues: p.queues,
            service_level_seconds: p.service_level_seconds,
        }
    }
}

#[server(endpoint = "settings/stats_projects")]
pub async fn stats_projects() -> Result<StatsProjectsView, AppError> {
    use ccgate_core::platform::error::PublicError;
    use ccgate_core::stats::projects;
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let defined = projects::list(&state.db).await?;
    let snap = state.live.current();
    let (queues, queues_error) = match state.stats.snapshot(&state, &snap).await {
        Ok(s) => (s.listing.queues.clone(), None),
        Err(e) => (
            Vec::new(),
            Some(format!("{}: {}", e.code().as_str(), e.public_message())),
        ),
    };
    Ok(StatsProjectsView {
        projects: defined.into_iter().map(StatsProjectRow::from).collect(),
        queues,
        queues_error,
        default_service_level_seconds: projects::DEFAULT_SERVICE_LEVEL_SECONDS,
    })
}

/// Add a project (`existing` none) or change project `existing` (its name stays). An empty
/// threshold takes the default; the core validates everything else.
#[server(endpoint = "settings/stats_projects/save", input = Json)]
pub async fn save_stats_project(
    existing: Option<String>,
    name: String,
    title: String,
    queues: Vec<String>,
    service_level_seconds: String,
) -> Result<StatsProjectRow, AppError> {
    use ccgate_core::platform::error::ServiceError;
    use ccgate_core::stats::projects::{self, ProjectInput};
    let (state, actor) = crate::ssr::require_actor().await?;
    let sl = service_level_seconds.trim();
    let service_level_seconds = if sl.is_empty() {
        None
    } else {
        Some(sl.parse::<u32>().map_err(|_| {
            ServiceError::invalid(
                "service_level_seconds",
                "a whole number of seconds from 1 to 3600",
            )
        })?)
    };
    let input = ProjectInput {
        name,
        title,
        queues,
        service_level_seconds,
    };
    let p = match existing {
        None => projects::create(&state.db, &actor, &input).await?,
        Some(name) => projects::update(&state.db, &actor, &name, &input).await?,
    };
    crate::ssr::apply(&state).await?;
    Ok(p.into())
}

#[server(endpoint = "settings/stats_projects/delete")]
pub async fn delete_stats_project(name: String) -> Result<(), AppError> {
    let (state, actor) = crate::ssr::require_actor().await?;
    ccgate_core::stats::projects::delete(&state.db, &actor, &name).await?;
    crate::ssr::apply(&state).await?;
    Ok(())
}
