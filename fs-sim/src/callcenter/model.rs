//! The mod_callcenter tables in memory: queue configurations and loaded queues, agents, tiers and
//! members, the values their columns accept, and the lookups the API and the call model use.

use std::collections::BTreeMap;

/// Valid agent statuses.
pub const AGENT_STATUSES: [&str; 4] = [
    "Logged Out",
    "Available",
    "Available (On Demand)",
    "On Break",
];
/// Valid agent states.
pub const AGENT_STATES: [&str; 5] = [
    "Idle",
    "Waiting",
    "Receiving",
    "In a queue call",
    "Reserved",
];
/// Valid tier states.
pub const TIER_STATES: [&str; 6] = [
    "Unknown",
    "No Answer",
    "Ready",
    "Offering",
    "Active Inbound",
    "Standby",
];
/// Valid queue strategies.
pub const STRATEGIES: [&str; 9] = [
    "ring-all",
    "ring-progressively",
    "longest-idle-agent",
    "round-robin",
    "top-down",
    "agent-with-least-talk-time",
    "agent-with-fewest-calls",
    "sequentially-by-agent-order",
    "random",
];

/// A queue as defined in `callcenter.conf.xml` (what `queue load` reads).
#[derive(Clone, Debug)]
pub struct QueueConfig {
    pub name: String,
    pub strategy: String,
    pub moh_sound: String,
    pub time_base_score: String,
    pub tier_rules_apply: bool,
    pub tier_rule_wait_second: u32,
    pub tier_rule_wait_multiply_level: bool,
    pub tier_rule_no_agent_no_wait: bool,
    pub discard_abandoned_after: u32,
    pub abandoned_resume_allowed: bool,
    pub max_wait_time: u32,
    pub max_wait_time_with_no_agent: u32,
    pub max_wait_time_with_no_agent_time_reached: u32,
    pub record_template: Option<String>,
    pub ring_progressively_delay: u32,
    pub skip_agents_with_external_calls: bool,
    pub agent_no_answer_status: String,
}

impl QueueConfig {
    /// A queue with mod_callcenter's defaults (as in the capture configuration).
    pub fn new(name: &str, strategy: &str) -> Self {
        QueueConfig {
            name: name.to_string(),
            strategy: strategy.to_string(),
            moh_sound: "tone_stream://%(1000,4000,440);loops=-1".to_string(),
            time_base_score: "system".to_string(),
            tier_rules_apply: false,
            tier_rule_wait_second: 300,
            tier_rule_wait_multiply_level: true,
            tier_rule_no_agent_no_wait: false,
            discard_abandoned_after: 60,
            abandoned_resume_allowed: false,
            max_wait_time: 0,
            max_wait_time_with_no_agent: 0,
            max_wait_time_with_no_agent_time_reached: 5,
            record_template: None,
            ring_progressively_delay: 0,
            skip_agents_with_external_calls: true,
            agent_no_answer_status: "On Break".to_string(),
        }
    }
}

/// A loaded queue with its counters.
#[derive(Clone, Debug)]
pub struct Queue {
    pub cfg: QueueConfig,
    pub calls_answered: u64,
    pub calls_abandoned: u64,
}

impl Queue {
    /// A freshly loaded queue: its configuration, counters at zero.
    pub(super) fn new(cfg: QueueConfig) -> Self {
        Queue {
            cfg,
            calls_answered: 0,
            calls_abandoned: 0,
        }
    }
}

/// A row of the `agents` table.
#[derive(Clone, Debug)]
pub struct Agent {
    pub name: String,
    pub instance_id: String,
    pub uuid: Option<String>,
    pub agent_type: String,
    pub contact: Option<String>,
    pub status: String,
    pub state: String,
    pub max_no_answer: u64,
    pub wrap_up_time: u64,
    pub reject_delay_time: u64,
    pub busy_delay_time: u64,
    pub no_answer_delay_time: u64,
    pub last_bridge_start: u64,
    pub last_bridge_end: u64,
    pub last_offered_call: u64,
    pub last_status_change: u64,
    pub no_answer_count: u64,
    pub calls_answered: u64,
    pub talk_time: u64,
    pub ready_time: u64,
    pub external_calls_count: u64,
}

impl Agent {
    pub(super) fn new(name: &str, agent_type: &str) -> Self {
        Agent {
            name: name.to_string(),
            instance_id: "single_box".to_string(),
            uuid: None,
            agent_type: agent_type.to_string(),
            contact: None,
            status: "Logged Out".to_string(),
            state: "Waiting".to_string(),
            max_no_answer: 0,
            wrap_up_time: 0,
            reject_delay_time: 0,
            busy_delay_time: 0,
            no_answer_delay_time: 0,
            last_bridge_start: 0,
            last_bridge_end: 0,
            last_offered_call: 0,
            last_status_change: 0,
            no_answer_count: 0,
            calls_answered: 0,
            talk_time: 0,
            ready_time: 0,
            external_calls_count: 0,
        }
    }
}

/// A row of the `tiers` table.
#[derive(Clone, Debug)]
pub struct Tier {
    pub queue: String,
    pub agent: String,
    pub state: String,
    pub level: u32,
    pub position: u32,
}

/// A row of the `members` table (a caller waiting in, or done with, a queue).
#[derive(Clone, Debug)]
pub struct Member {
    pub queue: String,
    pub instance_id: String,
    pub uuid: String,
    pub session_uuid: String,
    pub cid_number: String,
    pub cid_name: String,
    pub system_epoch: u64,
    pub joined_epoch: u64,
    pub rejoined_epoch: u64,
    pub bridge_epoch: u64,
    pub abandoned_epoch: u64,
    pub base_score: u64,
    pub skill_score: u64,
    pub serving_agent: String,
    pub serving_system: String,
    pub state: String,
}

impl Member {
    /// Seconds waited plus base and skill score.
    pub(super) fn score(&self, now: u64) -> u64 {
        now.saturating_sub(self.joined_epoch) + self.base_score + self.skill_score
    }
}

/// The whole mod_callcenter state: configured queues, loaded queues, agents, tiers, members.
#[derive(Clone, Debug, Default)]
pub struct Callcenter {
    /// Queues defined in the configuration (what `queue load` can load).
    pub configured: BTreeMap<String, QueueConfig>,
    /// Queues currently loaded.
    pub loaded: BTreeMap<String, Queue>,
    pub agents: Vec<Agent>,
    pub tiers: Vec<Tier>,
    pub members: Vec<Member>,
}

impl Callcenter {
    /// Define a queue in the configuration and load it (as FS does at module load).
    pub fn define_queue(&mut self, cfg: QueueConfig) {
        self.configured.insert(cfg.name.clone(), cfg.clone());
        self.loaded.insert(cfg.name.clone(), Queue::new(cfg));
    }

    /// The agent called `name`, if any.
    pub fn agent(&self, name: &str) -> Option<&Agent> {
        self.agents.iter().find(|a| a.name == name)
    }

    /// The agent called `name`, mutably.
    pub fn agent_mut(&mut self, name: &str) -> Option<&mut Agent> {
        self.agents.iter_mut().find(|a| a.name == name)
    }

    /// Tiers of `queue` (all without one), by level, then position.
    pub(super) fn sorted_tiers<'a>(&'a self, queue: Option<&'a str>) -> Vec<&'a Tier> {
        let mut t: Vec<&Tier> = self
            .tiers
            .iter()
            .filter(|t| queue.is_none_or(|q| t.queue == q))
            .collect();
        t.sort_by_key(|t| (t.level, t.position));
        t
    }

    /// Agents with a tier in `queue`, optionally only those with this status and state.
    pub(super) fn queue_agents(
        &self,
        queue: &str,
        status: Option<&str>,
        state: Option<&str>,
    ) -> Vec<&Agent> {
        let mut out = Vec::new();
        for t in self.tiers.iter().filter(|t| t.queue == queue) {
            if let Some(a) = self.agent(&t.agent) {
                if status.is_none_or(|s| a.status == s) && state.is_none_or(|s| a.state == s) {
                    out.push(a);
                }
            }
        }
        out
    }

    /// Members of `queue` (all without one), highest score first.
    pub(super) fn queue_members(&self, queue: Option<&str>, now: u64) -> Vec<&Member> {
        let mut m: Vec<&Member> = self
            .members
            .iter()
            .filter(|m| queue.is_none_or(|q| m.queue == q))
            .collect();
        m.sort_by_key(|m| std::cmp::Reverse(m.score(now)));
        m
    }
}
