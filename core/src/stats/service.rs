//! `stats.get` and `stats.all`: the source chosen by `stats.source`, the projects in effect (the
//! defined ones, or one per FreeSWITCH queue while none is defined), and the answers' shapes.
//! Example answers are in the REST handlers' docs (`server::rest::stats`) and the README.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::Serialize;
use serde_json::Value;

use crate::access::live::Snapshot as LiveSnapshot;
use crate::cc::queues;
use crate::platform::time::{now_ms, parse_input, rfc3339};
use crate::stats::error::Upstream;
use crate::stats::external::Forward;
use crate::stats::live::{self, LiveFigures};
use crate::stats::period::{self, PeriodFigures, Range, Sms, Tally};
use crate::stats::projects::{per_queue, Project, DEFAULT_SERVICE_LEVEL_SECONDS};
use crate::stats::settings::Source;
use crate::stats::{Snapshot, StatsError, StatsHub, LIVE_MAX_AGE, PERIOD_MAX_AGE};
use crate::Services;

/// The longest period one request may ask for.
pub const MAX_RANGE_DAYS: i64 = 366;

/// What a caller asked: `from` / `until` as given (RFC 3339 or `YYYY-MM-DD` in the configured
/// time zone). Neither: today so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Request<'a> {
    pub from: Option<&'a str>,
    pub until: Option<&'a str>,
}

/// A project as the answer names it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectInfo {
    pub name: String,
    pub title: String,
    pub queues: Vec<String>,
    pub service_level_seconds: u32,
    /// `false` for the per-queue projects in effect while none is defined.
    pub defined: bool,
}

/// One project's figures.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ProjectStats {
    pub project: ProjectInfo,
    pub live: LiveFigures,
    pub period: PeriodFigures,
}

/// `stats.get`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsGetAnswer))]
pub struct GetAnswer {
    pub source: &'static str,
    /// When FreeSWITCH was read.
    pub as_of: String,
    #[serde(flatten)]
    pub stats: ProjectStats,
    /// SMS of the whole installation in the period.
    pub sms: Sms,
}

/// The figures of every project together (each queue counted once).
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsOverall))]
pub struct Overall {
    pub queues: Vec<String>,
    pub live: LiveFigures,
    pub period: PeriodFigures,
}

/// `stats.all`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = StatsAllAnswer))]
pub struct AllAnswer {
    pub source: &'static str,
    pub as_of: String,
    pub items: Vec<ProjectStats>,
    /// How many projects.
    pub total: usize,
    pub overall: Overall,
    pub sms: Sms,
}

/// The period's figures of some projects (and of all of them together, when asked).
#[derive(Debug, Clone, PartialEq)]
pub struct PeriodSet {
    pub projects: Vec<PeriodFigures>,
    pub overall: Option<PeriodFigures>,
    pub sms: Sms,
}

/// The range asked for: `until` defaults to now, `from` to the start of `until`'s local day.
pub fn range_of(req: &Request, tz_minutes: i64, now: i64) -> Result<(Range, bool), StatsError> {
    let time = |name: &'static str, v: Option<&str>| {
        v.map(|v| {
            parse_input(v, tz_minutes)
                .ok_or_else(|| StatsError::invalid(name, "expected RFC 3339 or YYYY-MM-DD"))
        })
        .transpose()
    };
    let until = time("until", req.until)?;
    let from = time("from", req.from)?;
    let until_ms = until.unwrap_or(now);
    let from_ms = from.unwrap_or_else(|| {
        let offset = tz_minutes * 60_000;
        (until_ms - 1 + offset).div_euclid(86_400_000) * 86_400_000 - offset
    });
    if from_ms >= until_ms {
        return Err(StatsError::InvalidRange("from must be before until".into()));
    }
    if until_ms - from_ms > MAX_RANGE_DAYS * 86_400_000 {
        return Err(StatsError::invalid(
            "from",
            format!("at most {MAX_RANGE_DAYS} days"),
        ));
    }
    // `true`: up to now (its end moves with every request).
    Ok((Range { from_ms, until_ms }, until.is_none()))
}

/// The projects in effect: the defined ones, or one per queue while none is defined.
pub fn effective(snap: &LiveSnapshot, listing: &queues::Listing) -> Vec<(Project, bool)> {
    if snap.stats_projects.is_empty() {
        per_queue(&listing.queues)
            .into_iter()
            .map(|p| (p, false))
            .collect()
    } else {
        snap.stats_projects
            .iter()
            .map(|p| (p.clone(), true))
            .collect()
    }
}

fn info(p: &Project, defined: bool) -> ProjectInfo {
    ProjectInfo {
        name: p.name.clone(),
        title: p.title.clone(),
        queues: p.queues.clone(),
        service_level_seconds: p.service_level_seconds,
        defined,
    }
}

fn queue_set(p: &Project) -> BTreeSet<&str> {
    p.queues.iter().map(String::as_str).collect()
}

impl StatsHub {
    /// The current listings: at most [`LIVE_MAX_AGE`] old, one fetch for all concurrent callers.
    pub async fn snapshot(
        &self,
        s: &Services,
        snap: &LiveSnapshot,
    ) -> Result<Arc<Snapshot>, StatsError> {
        let client = s.fs.client(snap).await;
        self.listings
            .get(snap.generation, LIVE_MAX_AGE, || async move {
                let at_ms = now_ms();
                match queues::listing(&client).await {
                    Ok(listing) => Ok(Arc::new(Snapshot { at_ms, listing })),
                    Err(e) => {
                        tracing::warn!(error = %e, "mod_callcenter listings for the statistics failed");
                        Err(Upstream::of_cc(&e))
                    }
                }
            })
            .await
            .map_err(StatsError::FreeSwitch)
    }

    /// The period's figures of `projects` (and overall when `overall`), cached per request.
    async fn periods(
        &self,
        s: &Services,
        projects: &[&Project],
        range: Range,
        open_ended: bool,
        overall: bool,
    ) -> Result<Arc<PeriodSet>, StatsError> {
        let spec: Vec<(&str, u32, &Vec<String>)> = projects
            .iter()
            .map(|p| (p.name.as_str(), p.service_level_seconds, &p.queues))
            .collect();
        // Up to now: the end moves with every request, so it is not part of the key (the
        // figures are at most PERIOD_MAX_AGE old).
        let when = if open_ended {
            format!("{}-now", range.from_ms)
        } else {
            format!("{}-{}", range.from_ms, range.until_ms)
        };
        let key = format!(
            "{when}|{overall}|{}",
            serde_json::to_string(&spec).unwrap_or_default()
        );
        let db = &s.db;
        self.periods
            .get(key, PERIOD_MAX_AGE, || async move {
                compute_periods(db, projects, range, overall)
                    .await
                    .map(Arc::new)
            })
            .await
    }
}

async fn compute_periods(
    db: &crate::platform::db::Db,
    projects: &[&Project],
    range: Range,
    overall: bool,
) -> Result<PeriodSet, StatsError> {
    let mut out = Vec::with_capacity(projects.len());
    for p in projects {
        let qs: Vec<&str> = p.queues.iter().map(String::as_str).collect();
        let t = period::queue_tally(db, &qs, p.service_level_seconds, range).await?;
        let o = period::outbound(db, &qs, range).await?;
        out.push(PeriodFigures::new(
            range,
            Some(p.service_level_seconds),
            &t,
            o,
        ));
    }
    let overall = if overall {
        // Each queue once, with the threshold of the first project (by name) listing it.
        let mut sorted: Vec<&&Project> = projects.iter().collect();
        sorted.sort_by(|a, b| a.name.cmp(&b.name));
        let mut threshold_of: BTreeMap<&str, u32> = BTreeMap::new();
        for p in &sorted {
            for q in &p.queues {
                threshold_of
                    .entry(q.as_str())
                    .or_insert(p.service_level_seconds);
            }
        }
        let mut groups: BTreeMap<u32, Vec<&str>> = BTreeMap::new();
        for (q, t) in &threshold_of {
            groups.entry(*t).or_default().push(q);
        }
        let mut t = Tally::default();
        for (threshold, qs) in &groups {
            t.add(&period::queue_tally(db, qs, *threshold, range).await?);
        }
        let all: Vec<&str> = threshold_of.keys().copied().collect();
        let o = period::outbound(db, &all, range).await?;
        let threshold = match groups.len() {
            0 => Some(DEFAULT_SERVICE_LEVEL_SECONDS),
            1 => groups.keys().next().copied(),
            _ => None,
        };
        Some(PeriodFigures::new(range, threshold, &t, o))
    } else {
        None
    };
    Ok(PeriodSet {
        projects: out,
        overall,
        sms: period::sms(db, range).await?,
    })
}

/// The project name of a `stats.get`, checked (it may be forwarded to the external server).
fn project_name(name: &str) -> Result<&str, StatsError> {
    queues::parse_name("project", name)
        .map(|_| name.trim())
        .map_err(|_| StatsError::invalid("project", "1 to 128 characters from A-Z a-z 0-9 . _ @ -"))
}

/// `stats.get?project=NAME`.
pub async fn get(s: &Services, project: &str, req: &Request<'_>) -> Result<Value, StatsError> {
    let project = project_name(project)?;
    let snap = s.live.current();
    let hub = &s.stats;
    if snap.stats.source == Source::External {
        let f = Forward {
            method: "stats.get",
            project: Some(project),
            from: req.from,
            until: req.until,
        };
        let a = hub.external.forward(&snap.stats, &f).await?;
        return Ok(serde_json::to_value(&*a).unwrap_or(Value::Null));
    }
    let (range, open_ended) = range_of(req, snap.utc_offset_minutes, now_ms())?;
    let fs = hub.snapshot(s, &snap).await?;
    let projects = effective(&snap, &fs.listing);
    let Some((p, defined)) = projects.iter().find(|(p, _)| p.name == project) else {
        return Err(StatsError::ProjectNotFound(project.to_string()));
    };
    let periods = hub.periods(s, &[p], range, open_ended, false).await?;
    let now_s = (now_ms() / 1000) as u64;
    let answer = GetAnswer {
        source: "builtin",
        as_of: rfc3339(fs.at_ms),
        stats: ProjectStats {
            project: info(p, *defined),
            live: live::figures(&fs.listing, &queue_set(p), now_s),
            period: periods.projects[0].clone(),
        },
        sms: periods.sms.clone(),
    };
    Ok(serde_json::to_value(answer).unwrap_or(Value::Null))
}

/// `stats.all`.
pub async fn all(s: &Services, req: &Request<'_>) -> Result<Value, StatsError> {
    let snap = s.live.current();
    let hub = &s.stats;
    if snap.stats.source == Source::External {
        let f = Forward {
            method: "stats.all",
            project: None,
            from: req.from,
            until: req.until,
        };
        let a = hub.external.forward(&snap.stats, &f).await?;
        return Ok(serde_json::to_value(&*a).unwrap_or(Value::Null));
    }
    let (range, open_ended) = range_of(req, snap.utc_offset_minutes, now_ms())?;
    let fs = hub.snapshot(s, &snap).await?;
    let projects = effective(&snap, &fs.listing);
    let refs: Vec<&Project> = projects.iter().map(|(p, _)| p).collect();
    let periods = hub.periods(s, &refs, range, open_ended, true).await?;
    let now_s = (now_ms() / 1000) as u64;
    let items: Vec<ProjectStats> = projects
        .iter()
        .zip(&periods.projects)
        .map(|((p, defined), period)| ProjectStats {
            project: info(p, *defined),
            live: live::figures(&fs.listing, &queue_set(p), now_s),
            period: period.clone(),
        })
        .collect();
    let union: BTreeSet<&str> = projects
        .iter()
        .flat_map(|(p, _)| p.queues.iter().map(String::as_str))
        .collect();
    let overall = Overall {
        queues: union.iter().map(|q| q.to_string()).collect(),
        live: live::figures(&fs.listing, &union, now_s),
        period: periods
            .overall
            .clone()
            .ok_or_else(|| StatsError::Internal("overall figures missing".into()))?,
    };
    let answer = AllAnswer {
        source: "builtin",
        as_of: rfc3339(fs.at_ms),
        total: items.len(),
        items,
        overall,
        sms: periods.sms.clone(),
    };
    Ok(serde_json::to_value(answer).unwrap_or(Value::Null))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges() {
        // 2026-12-02T10:00:00Z, Moscow (+03:00).
        let now = 1_796_205_600_000;
        let (r, open_ended) = range_of(&Request::default(), 180, now).unwrap();
        assert!(open_ended);
        assert_eq!(rfc3339(r.from_ms), "2026-12-01T21:00:00Z");
        assert_eq!(r.until_ms, now);
        // 23:59 local time still belongs to its own day.
        let late = parse_input("2026-12-02T23:59:00+03:00", 0).unwrap();
        let (r, _) = range_of(&Request::default(), 180, late).unwrap();
        assert_eq!(rfc3339(r.from_ms), "2026-12-01T21:00:00Z");
        let req = Request {
            from: Some("2026-12-01"),
            until: Some("2026-12-02"),
        };
        let (r, open_ended) = range_of(&req, 180, now).unwrap();
        assert!(!open_ended);
        assert_eq!(
            (rfc3339(r.from_ms), rfc3339(r.until_ms)),
            ("2026-11-30T21:00:00Z".into(), "2026-12-01T21:00:00Z".into())
        );
        let reversed = Request {
            from: Some("2026-12-02"),
            until: Some("2026-12-01"),
        };
        assert!(matches!(
            range_of(&reversed, 180, now),
            Err(StatsError::InvalidRange(_))
        ));
        let bad = Request {
            from: Some("yesterday"),
            until: None,
        };
        assert!(matches!(
            range_of(&bad, 180, now),
            Err(StatsError::Invalid { field: "from", .. })
        ));
        let long = Request {
            from: Some("2024-01-01"),
            until: Some("2026-01-01"),
        };
        assert!(range_of(&long, 180, now).is_err());
    }
}
