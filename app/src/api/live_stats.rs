//! The «Онлайн статистика» page's data: `stats.all` of the configured source (today so far), as
//! the wall screen shows it. The figures are read from the REST method's own JSON answer
//! (`ccgate_core::stats::service::all`, the public contract), so the page shows exactly what an
//! integrator gets. Polling is cheap: the live listings come through the core's single-flight
//! cache (at most one set per second for every caller together).
//!
//! An unreachable source is an answer, not an error ([`LiveAnswer::Unreachable`]): the page keeps
//! its last figures and says why, in its own language, from the stable code.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::AppError;

/// The most fields shown per item of an external server's answer.
pub const EXTERNAL_FIELDS: usize = 24;
/// The most characters of an external answer shown as it is.
pub const EXTERNAL_RAW: usize = 4000;

/// One tile: a project's figures now and today (or, for the overall tile, every project's
/// together, each queue counted once).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Tile {
    /// Empty for the overall tile.
    pub name: String,
    pub title: String,
    pub queues: Vec<String>,
    pub calls_waiting: u64,
    pub longest_wait_seconds: u64,
    pub calls_with_agent: u64,
    pub agents_total: u64,
    /// Status `Available` or `Available (On Demand)` (on a call or not).
    pub agents_available: u64,
    pub agents_on_call: u64,
    pub agents_on_break: u64,
    pub agents_logged_out: u64,
    pub offered: u64,
    pub answered: u64,
    pub abandoned: u64,
    /// Percent; `None` with nothing offered.
    pub abandon_rate: Option<f64>,
    /// Percent answered within the threshold; `None` with nothing offered.
    pub service_level: Option<f64>,
    /// `None` in a total of projects with different thresholds.
    pub service_level_seconds: Option<u32>,
}

/// The built-in source's figures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Board {
    /// When FreeSWITCH was read, Unix ms (the page formats it, `crate::time`).
    pub as_of: i64,
    pub overall: Tile,
    pub tiles: Vec<Tile>,
}

/// One item of the external server's answer, its scalar fields as text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalItem {
    pub title: String,
    pub fields: Vec<(String, String)>,
}

/// What the external statistics server answered.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ExternalBoard {
    /// When the server answered, Unix ms.
    pub fetched_at: i64,
    pub content_type: Option<String>,
    /// The answer's items, when they could be found.
    pub items: Vec<ExternalItem>,
    /// Otherwise the answer as it is (pretty JSON or text), cut at [`EXTERNAL_RAW`] characters.
    pub raw: Option<String>,
}

/// Which upstream failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Upstream {
    FreeSwitch,
    External,
}

/// Why there are no fresh figures: the stable public code (`upstream_unavailable`, …) and the
/// public message in English (the page words it in its language from the code).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Failure {
    pub upstream: Upstream,
    pub code: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum LiveAnswer {
    Builtin(Board),
    External(ExternalBoard),
    Unreachable(Failure),
}

/// `m:ss` (or `h:mm:ss` from an hour on) of a number of seconds.
pub fn mm_ss(secs: u64) -> String {
    let (h, m, s) = (secs / 3600, (secs % 3600) / 60, secs % 60);
    if h > 0 {
        format!("{h}:{m:02}:{s:02}")
    } else {
        format!("{m:02}:{s:02}")
    }
}

/// A percentage with one decimal as the page shows it (`85.3`, `100`).
pub fn percent(p: f64) -> String {
    let s = format!("{p:.1}");
    s.strip_suffix(".0").map(str::to_string).unwrap_or(s)
}

#[cfg(feature = "ssr")]
mod from_api {
    //! `stats.all`'s JSON answer (see `server::rest::stats`), the part the page shows.

    use serde::Deserialize;
    use serde_json::Value;

    use super::*;

    #[derive(Deserialize)]
    pub struct All {
        as_of: String,
        items: Vec<Project>,
        overall: Overall,
    }

    #[derive(Deserialize)]
    struct Project {
        project: Info,
        live: Live,
        period: Period,
    }

    #[derive(Deserialize)]
    struct Info {
        name: String,
        title: String,
        queues: Vec<String>,
    }

    #[derive(Deserialize)]
    struct Overall {
        queues: Vec<String>,
        live: Live,
        period: Period,
    }

    #[derive(Deserialize)]
    struct Live {
        calls_waiting: u64,
        longest_wait_seconds: u64,
        calls_with_agent: u64,
        agents: Agents,
    }

    #[derive(Deserialize)]
    struct Agents {
        total: u64,
        on_call: u64,
        available: u64,
        on_break: u64,
        logged_out: u64,
    }

    #[derive(Deserialize)]
    struct Period {
        offered: u64,
        answered: u64,
        abandoned: u64,
        abandon_rate: Option<f64>,
        service_level: Option<f64>,
        service_level_seconds: Option<u32>,
    }

    #[derive(Deserialize)]
    pub struct External {
        fetched_at: String,
        content_type: Option<String>,
        data: Option<Value>,
        text: Option<String>,
    }

    fn tile(name: String, title: String, queues: Vec<String>, l: Live, p: Period) -> Tile {
        Tile {
            name,
            title,
            queues,
            calls_waiting: l.calls_waiting,
            longest_wait_seconds: l.longest_wait_seconds,
            calls_with_agent: l.calls_with_agent,
            agents_total: l.agents.total,
            agents_available: l.agents.available,
            agents_on_call: l.agents.on_call,
            agents_on_break: l.agents.on_break,
            agents_logged_out: l.agents.logged_out,
            offered: p.offered,
            answered: p.answered,
            abandoned: p.abandoned,
            abandon_rate: p.abandon_rate,
            service_level: p.service_level,
            service_level_seconds: p.service_level_seconds,
        }
    }

    /// Unix ms of the API's RFC 3339 time (0 if it is not one).
    fn unix_ms(rfc: &str) -> i64 {
        crate::time::parse_rfc3339(rfc).unwrap_or_default()
    }

    impl Board {
        pub fn from_api(a: All) -> Board {
            Board {
                as_of: unix_ms(&a.as_of),
                overall: tile(
                    String::new(),
                    String::new(),
                    a.overall.queues,
                    a.overall.live,
                    a.overall.period,
                ),
                tiles: a
                    .items
                    .into_iter()
                    .map(|i| {
                        tile(
                            i.project.name,
                            i.project.title,
                            i.project.queues,
                            i.live,
                            i.period,
                        )
                    })
                    .collect(),
            }
        }
    }

    impl ExternalBoard {
        pub fn from_api(e: External) -> ExternalBoard {
            let items = e.data.as_ref().map(items_of).unwrap_or_default();
            let raw = if items.is_empty() {
                let whole = match (&e.data, e.text) {
                    (Some(d), _) => serde_json::to_string_pretty(d).unwrap_or_default(),
                    (None, Some(t)) => t,
                    (None, None) => String::new(),
                };
                Some(whole.chars().take(EXTERNAL_RAW).collect())
            } else {
                None
            };
            ExternalBoard {
                fetched_at: unix_ms(&e.fetched_at),
                content_type: e.content_type,
                items,
                raw,
            }
        }
    }

    fn scalar(v: &Value) -> Option<String> {
        match v {
            Value::Null => Some("—".into()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Number(n) => Some(n.to_string()),
            Value::String(s) => Some(s.clone()),
            Value::Array(a) if a.iter().all(|x| !x.is_object() && !x.is_array()) => {
                Some(a.iter().filter_map(scalar).collect::<Vec<_>>().join(", "))
            }
            _ => None,
        }
    }

    /// An object's scalar fields, nested objects' with dotted names (two levels deep).
    fn fields(prefix: &str, o: &serde_json::Map<String, Value>, out: &mut Vec<(String, String)>) {
        for (k, v) in o {
            if out.len() >= EXTERNAL_FIELDS {
                return;
            }
            let name = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match (scalar(v), v) {
                (Some(s), _) => out.push((name, s)),
                (None, Value::Object(inner)) if !prefix.contains('.') => fields(&name, inner, out),
                _ => {}
            }
        }
    }

    fn item(fallback: String, v: &Value) -> Option<ExternalItem> {
        let o = v.as_object()?;
        let title = ["title", "name", "project", "queue"]
            .iter()
            .find_map(|k| o.get(*k).and_then(Value::as_str))
            .map(str::to_string)
            .unwrap_or(fallback);
        let mut f = Vec::new();
        fields("", o, &mut f);
        (!f.is_empty()).then_some(ExternalItem { title, fields: f })
    }

    /// The items of an unknown answer, as well as they can be found: an array of objects, an
    /// `items` (or `data`, `projects`) array, an object of objects, or one object.
    pub fn items_of(data: &Value) -> Vec<ExternalItem> {
        let list = |a: &Vec<Value>| -> Vec<ExternalItem> {
            a.iter()
                .enumerate()
                .filter_map(|(i, v)| item(format!("#{}", i + 1), v))
                .collect()
        };
        match data {
            Value::Array(a) => list(a),
            Value::Object(o) => {
                if let Some(a) = ["items", "data", "projects"]
                    .iter()
                    .find_map(|k| o.get(*k).and_then(Value::as_array))
                {
                    return list(a);
                }
                if !o.is_empty() && o.values().all(Value::is_object) {
                    return o.iter().filter_map(|(k, v)| item(k.clone(), v)).collect();
                }
                item(String::new(), data).into_iter().collect()
            }
            _ => vec![],
        }
    }

    #[cfg(test)]
    mod tests {
        use super::*;
        use serde_json::json;

        #[test]
        fn items_of_unknown_answers() {
            let a = items_of(&json!({"items": [
                {"name": "support", "waiting": 4, "sl": {"today": 81.5}, "tags": ["a", "b"]},
                {"waiting": 0}
            ]}));
            assert_eq!(a.len(), 2);
            assert_eq!(a[0].title, "support");
            assert!(a[0].fields.contains(&("sl.today".into(), "81.5".into())));
            assert!(a[0].fields.contains(&("tags".into(), "a, b".into())));
            assert_eq!(a[1].title, "#2");
            let b = items_of(&json!({"support": {"waiting": 1}, "sales": {"waiting": 2}}));
            assert_eq!(
                b.iter().map(|i| i.title.as_str()).collect::<Vec<_>>(),
                ["sales", "support"]
            );
            let c = items_of(&json!({"got": "method=stats.all", "waiting": 4}));
            assert_eq!(c.len(), 1);
            assert_eq!(c[0].fields.len(), 2);
            assert!(items_of(&json!([1, 2])).is_empty());
            assert!(items_of(&json!("text")).is_empty());
        }

        #[test]
        fn raw_when_nothing_item_like() {
            let e = External {
                fetched_at: "2026-12-02T10:00:00Z".into(),
                content_type: Some("text/plain".into()),
                data: None,
                text: Some("waiting=4".into()),
            };
            let b = ExternalBoard::from_api(e);
            assert!(b.items.is_empty());
            assert_eq!(b.raw.as_deref(), Some("waiting=4"));
            assert_eq!(b.fetched_at, 1_796_205_600_000);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wall_formats() {
        assert_eq!(mm_ss(0), "00:00");
        assert_eq!(mm_ss(83), "01:23");
        assert_eq!(mm_ss(3725), "1:02:05");
        assert_eq!(percent(85.0), "85");
        assert_eq!(percent(66.7), "66.7");
    }
}

/// Every project's figures now and today, from the source of Settings → «Онлайн статистика ЦОВ».
#[server(endpoint = "stats/live")]
pub async fn stats_live() -> Result<LiveAnswer, AppError> {
    use ccgate_core::platform::error::PublicError;
    use ccgate_core::stats::service::{all, Request};
    use ccgate_core::stats::StatsError;
    crate::ssr::require_admin().await?;
    let state = crate::ssr::state()?;
    let req = Request {
        from: None,
        until: None,
    };
    let failure = |upstream, e: &StatsError| {
        Ok(LiveAnswer::Unreachable(Failure {
            upstream,
            code: e.code().as_str().to_string(),
            message: e.public_message(),
        }))
    };
    let v = match all(&state, &req).await {
        Ok(v) => v,
        Err(e @ StatsError::FreeSwitch(_)) => return failure(Upstream::FreeSwitch, &e),
        Err(e @ StatsError::External(_)) => return failure(Upstream::External, &e),
        Err(e) => return Err(e.into()),
    };
    let unreadable = |e: serde_json::Error| {
        tracing::error!(error = %e, "stats.all answer not as the panel expects");
        AppError::Internal
    };
    Ok(if v["source"] == "external" {
        LiveAnswer::External(ExternalBoard::from_api(
            serde_json::from_value(v).map_err(unreadable)?,
        ))
    } else {
        LiveAnswer::Builtin(Board::from_api(
            serde_json::from_value(v).map_err(unreadable)?,
        ))
    })
}
