//! Live figures of a set of queues from one [`Listing`] of mod_callcenter: calls waiting and the
//! longest current wait (members `Waiting` or `Trying` — being offered to an agent —, by
//! `joined_epoch`), the agents tiered to those queues by status and by state, and agents on a call.

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::cc::queues::Listing;

/// Agent statuses always present in `by_status` (zero when nobody has them).
const STATUSES: &[&str] = &["logged_out", "available", "available_on_demand", "on_break"];
/// Agent states always present in `by_state`.
const STATES: &[&str] = &[
    "idle",
    "waiting",
    "receiving",
    "in_a_queue_call",
    "reserved",
];

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema), schema(as = AgentFigures))]
pub struct Agents {
    /// Distinct agents with a tier in any of the queues.
    pub total: u64,
    /// Agents in state `In a queue call`.
    pub on_call: u64,
    /// `Available` and `Available (On Demand)`.
    pub available: u64,
    pub on_break: u64,
    pub logged_out: u64,
    /// mod_callcenter's status, snake_cased (`Available (On Demand)` → `available_on_demand`).
    pub by_status: BTreeMap<String, u64>,
    /// mod_callcenter's state, snake_cased (`In a queue call` → `in_a_queue_call`; `idle` is
    /// an agent resting after wrap-up).
    pub by_state: BTreeMap<String, u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LiveFigures {
    /// Members waiting for an agent (`Waiting`, or `Trying`: being offered to one).
    pub calls_waiting: u64,
    /// Seconds the longest-waiting of them has waited (0 when nobody waits).
    pub longest_wait_seconds: u64,
    /// Members talking to an agent now (`Answered`).
    pub calls_with_agent: u64,
    pub agents: Agents,
}

/// `Available (On Demand)` → `available_on_demand`.
pub fn snake(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.trim().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c.to_ascii_lowercase());
        } else if !out.is_empty() && !out.ends_with('_') {
            out.push('_');
        }
    }
    while out.ends_with('_') {
        out.pop();
    }
    if out.is_empty() {
        "unknown".into()
    } else {
        out
    }
}

/// The live figures of `queues` at `now` (Unix seconds).
pub fn figures(listing: &Listing, queues: &BTreeSet<&str>, now: u64) -> LiveFigures {
    let mut waiting = 0;
    let mut longest = 0;
    let mut with_agent = 0;
    for (q, m) in &listing.members {
        if !queues.contains(q.as_str()) {
            continue;
        }
        match m.state.as_str() {
            "Waiting" | "Trying" => {
                waiting += 1;
                if m.joined_epoch > 0 {
                    longest = longest.max(now.saturating_sub(m.joined_epoch));
                }
            }
            "Answered" => with_agent += 1,
            _ => {}
        }
    }
    let names: BTreeSet<&str> = listing
        .tiers
        .iter()
        .filter(|t| queues.contains(t.queue.as_str()))
        .map(|t| t.agent.as_str())
        .collect();
    let zeros = |keys: &[&str]| -> BTreeMap<String, u64> {
        keys.iter().map(|k| (k.to_string(), 0)).collect()
    };
    let mut agents = Agents {
        total: 0,
        on_call: 0,
        available: 0,
        on_break: 0,
        logged_out: 0,
        by_status: zeros(STATUSES),
        by_state: zeros(STATES),
    };
    for a in listing
        .agents
        .iter()
        .filter(|a| names.contains(a.name.as_str()))
    {
        agents.total += 1;
        let status = snake(&a.status);
        let state = snake(&a.state);
        match status.as_str() {
            "available" | "available_on_demand" => agents.available += 1,
            "on_break" => agents.on_break += 1,
            "logged_out" => agents.logged_out += 1,
            _ => {}
        }
        if state == "in_a_queue_call" {
            agents.on_call += 1;
        }
        *agents.by_status.entry(status).or_default() += 1;
        *agents.by_state.entry(state).or_default() += 1;
    }
    LiveFigures {
        calls_waiting: waiting,
        longest_wait_seconds: longest,
        calls_with_agent: with_agent,
        agents,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cc::queues::{Agent, Member, Tier};

    fn agent(name: &str, status: &str, state: &str) -> Agent {
        Agent {
            name: name.into(),
            status: status.into(),
            state: state.into(),
            contact: String::new(),
            r#type: "callback".into(),
            calls_answered: 0,
            talk_time: 0,
            no_answer_count: 0,
            last_status_change: 0,
        }
    }

    fn tier(queue: &str, agent: &str) -> Tier {
        Tier {
            queue: queue.into(),
            agent: agent.into(),
            state: "Ready".into(),
            level: 1,
            position: 1,
        }
    }

    fn member(state: &str, joined: u64) -> Member {
        Member {
            uuid: "m".into(),
            session_uuid: "s".into(),
            cid_number: "79161234567".into(),
            cid_name: String::new(),
            state: state.into(),
            joined_epoch: joined,
            serving_agent: String::new(),
        }
    }

    #[test]
    fn snake_cases_freeswitch_words() {
        assert_eq!(snake("Available (On Demand)"), "available_on_demand");
        assert_eq!(snake("In a queue call"), "in_a_queue_call");
        assert_eq!(snake("Logged Out"), "logged_out");
        assert_eq!(snake(" "), "unknown");
    }

    #[test]
    fn waiting_members_and_agents_of_the_queues_only() {
        let listing = Listing {
            queues: vec!["sales@default".into(), "support@default".into()],
            agents: vec![
                agent("1000@default", "Available", "Waiting"),
                agent("1001@default", "On Break", "Waiting"),
                agent("1002@default", "Available", "In a queue call"),
                agent("1003@default", "Logged Out", "Idle"),
            ],
            tiers: vec![
                tier("support@default", "1000@default"),
                tier("support@default", "1001@default"),
                tier("support@default", "1002@default"),
                tier("sales@default", "1001@default"),
                tier("sales@default", "1003@default"),
            ],
            members: vec![
                ("support@default".into(), member("Waiting", 1000)),
                ("support@default".into(), member("Trying", 1030)),
                ("support@default".into(), member("Answered", 900)),
                ("support@default".into(), member("Abandoned", 800)),
                ("sales@default".into(), member("Waiting", 500)),
            ],
        };
        let support: BTreeSet<&str> = ["support@default"].into();
        let f = figures(&listing, &support, 1042);
        assert_eq!(f.calls_waiting, 2);
        assert_eq!(f.longest_wait_seconds, 42);
        assert_eq!(f.calls_with_agent, 1);
        assert_eq!(f.agents.total, 3);
        assert_eq!(f.agents.available, 2);
        assert_eq!(f.agents.on_break, 1);
        assert_eq!(f.agents.on_call, 1);
        assert_eq!(f.agents.by_status["available"], 2);
        assert_eq!(f.agents.by_status["logged_out"], 0);
        assert_eq!(f.agents.by_state["waiting"], 2);
        assert_eq!(f.agents.by_state["in_a_queue_call"], 1);
        // Both queues: an agent tiered twice counts once.
        let both: BTreeSet<&str> = ["support@default", "sales@default"].into();
        let f = figures(&listing, &both, 1042);
        assert_eq!((f.calls_waiting, f.longest_wait_seconds), (3, 542));
        assert_eq!(f.agents.total, 4);
        assert_eq!(f.agents.logged_out, 1);
        assert_eq!(f.agents.by_state["idle"], 1);
        // Nobody waits: no wait.
        let none: BTreeSet<&str> = ["billing@default"].into();
        let f = figures(&listing, &none, 1042);
        assert_eq!(
            (f.calls_waiting, f.longest_wait_seconds, f.agents.total),
            (0, 0, 0)
        );
    }
}
