//! `callcenter_config <target> <args>`: the usage text, the argument parsing, and each
//! `agent`/`tier`/`queue` action with the replies FreeSWITCH gives.

use crate::util::split_args;

use super::model::{Agent, Callcenter, Queue, Tier, AGENT_STATES, AGENT_STATUSES, TIER_STATES};
use super::render::{sql_table, Render, AGENT_HEADER, MEMBER_HEADER, TIER_HEADER};

/// The usage text printed for `callcenter_config` without arguments (`CC_CONFIG_API_SYNTAX`).
pub const USAGE: &str = "callcenter_config <target> <args>,\n\
\tcallcenter_config agent add [name] [type] | \n\
\tcallcenter_config agent del [name] | \n\
\tcallcenter_config agent reload [name] | \n\
\tcallcenter_config agent set status [agent_name] [status] | \n\
\tcallcenter_config agent set state [agent_name] [state] | \n\
\tcallcenter_config agent set contact [agent_name] [contact] | \n\
\tcallcenter_config agent set ready_time [agent_name] [wait till epoch] | \n\
\tcallcenter_config agent set reject_delay_time [agent_name] [wait second] | \n\
\tcallcenter_config agent set busy_delay_time [agent_name] [wait second] | \n\
\tcallcenter_config agent set no_answer_delay_time [agent_name] [wait second] | \n\
\tcallcenter_config agent get status [agent_name] | \n\
\tcallcenter_config agent get state [agent_name] | \n\
\tcallcenter_config agent get uuid [agent_name] | \n\
\tcallcenter_config agent list [[agent_name]] | \n\
\tcallcenter_config tier add [queue_name] [agent_name] [[level]] [[position]] | \n\
\tcallcenter_config tier set state [queue_name] [agent_name] [state] | \n\
\tcallcenter_config tier set level [queue_name] [agent_name] [level] | \n\
\tcallcenter_config tier set position [queue_name] [agent_name] [position] | \n\
\tcallcenter_config tier del [queue_name] [agent_name] | \n\
\tcallcenter_config tier reload [queue_name] [agent_name] | \n\
\tcallcenter_config tier list | \n\
\tcallcenter_config queue load [queue_name] | \n\
\tcallcenter_config queue unload [queue_name] | \n\
\tcallcenter_config queue reload [queue_name] | \n\
\tcallcenter_config queue list | \n\
\tcallcenter_config queue list agents [queue_name] [status] [state] | \n\
\tcallcenter_config queue list members [queue_name] | \n\
\tcallcenter_config queue list tiers [queue_name] | \n\
\tcallcenter_config queue count | \n\
\tcallcenter_config queue count agents [queue_name] [status] [state] | \n\
\tcallcenter_config queue count members [queue_name] | \n\
\tcallcenter_config queue count tiers [queue_name]";

impl Callcenter {
    /// Execute `callcenter_config <args>` and return what the module writes (maybe nothing).
    pub fn config_api(&mut self, args: &str, r: Render, now: u64) -> String {
        if args.trim().is_empty() {
            return format!("-USAGE: \n{USAGE}\n");
        }
        let argv = split_args(args);
        let a = |i: usize| argv.get(i).map(String::as_str);
        if argv.len() < 2 {
            return "-ERR Invalid!\n".into();
        }
        let invalid = || "-ERR Invalid!\n".to_string();
        let (section, action) = (argv[0].as_str(), argv[1].as_str());
        match (section, action) {
            ("agent", "add") => {
                let (Some(name), Some(ty)) = (a(2), a(3)) else {
                    return invalid();
                };
                if self.agent(name).is_some() {
                    return "-ERR Agent already exist!\n".into();
                }
                if ty != "callback" && ty != "uuid-standby" {
                    return "-ERR Agent type invalid!\n".into();
                }
                self.agents.push(Agent::new(name, ty));
                "+OK\n".into()
            }
            ("agent", "del") => {
                let Some(name) = a(2) else { return invalid() };
                self.agents.retain(|x| x.name != name);
                self.tiers.retain(|t| t.agent != name);
                "+OK\n".into()
            }
            ("agent", "reload") => {
                if a(2).is_none() {
                    return invalid();
                }
                "+OK\n".into()
            }
            ("agent", "set") => {
                let (Some(key), Some(name), Some(value)) = (a(2), a(3), a(4)) else {
                    return invalid();
                };
                self.agent_set(key, name, value, now)
            }
            ("agent", "get") => {
                let (Some(key), Some(name)) = (a(2), a(3)) else {
                    return invalid();
                };
                let Some(ag) = self.agent(name) else {
                    return "-ERR Agent not found!\n".into();
                };
                match key {
                    "status" => ag.status.clone(),
                    "state" => ag.state.clone(),
                    "uuid" => ag.uuid.clone().unwrap_or_default(),
                    _ => "-ERR Invalid Agent Get KEY!\n".into(),
                }
            }
            ("agent", "list") => {
                let rows = self
                    .agents
                    .iter()
                    .filter(|x| a(2).is_none_or(|n| x.name == n))
                    .map(|x| x.row(r))
                    .collect();
                sql_table(AGENT_HEADER, rows)
            }
            ("tier", "add") => {
                let (Some(queue), Some(agent)) = (a(2), a(3)) else {
                    return invalid();
                };
                let level = a(4).and_then(|v| v.parse().ok()).unwrap_or(1);
                let position = a(5).and_then(|v| v.parse().ok()).unwrap_or(1);
                if !self.loaded.contains_key(queue) {
                    return "-ERR Queue not found!\n".into();
                }
                if self.agent(agent).is_none() {
                    return "-ERR Agent not found!\n".into();
                }
                if self
                    .tiers
                    .iter()
                    .any(|t| t.queue == queue && t.agent == agent)
                {
                    return "-ERR Tier already exist!\n".into();
                }
                self.tiers.push(Tier {
                    queue: queue.into(),
                    agent: agent.into(),
                    state: "Ready".into(),
                    level,
                    position,
                });
                "+OK\n".into()
            }
            ("tier", "set") => {
                let (Some(key), Some(queue), Some(agent), Some(value)) = (a(2), a(3), a(4), a(5))
                else {
                    return invalid();
                };
                let Some(t) = self
                    .tiers
                    .iter_mut()
                    .find(|t| t.queue == queue && t.agent == agent)
                else {
                    return "-ERR Tier not found!\n".into();
                };
                match key {
                    "state" if TIER_STATES.contains(&value) => t.state = value.into(),
                    "state" => return "-ERR Invalid Tier State!\n".into(),
                    "level" => t.level = value.parse().unwrap_or(0),
                    "position" => t.position = value.parse().unwrap_or(0),
                    _ => return "-ERR Invalid Tier Update KEY!\n".into(),
                }
                "+OK\n".into()
            }
            ("tier", "del") => {
                let (Some(queue), Some(agent)) = (a(2), a(3)) else {
                    return invalid();
                };
                self.tiers
                    .retain(|t| !(t.queue == queue && t.agent == agent));
                "+OK\n".into()
            }
            ("tier", "reload") => {
                if a(2).is_none() {
                    return invalid();
                }
                "+OK\n".into()
            }
            ("tier", "list") => {
                let rows = self.sorted_tiers(None).iter().map(|t| t.row()).collect();
                sql_table(TIER_HEADER, rows)
            }
            ("queue", "load") | ("queue", "reload") => {
                let Some(name) = a(2) else { return invalid() };
                let Some(cfg) = self.configured.get(name).cloned() else {
                    return "-ERR Invalid Queue not found!\n".into();
                };
                if action == "reload" || !self.loaded.contains_key(name) {
                    self.loaded.insert(name.into(), Queue::new(cfg));
                }
                "+OK\n".into()
            }
            ("queue", "unload") => {
                let Some(name) = a(2) else { return invalid() };
                self.loaded.remove(name);
                "+OK\n".into()
            }
            ("queue", "list") => match a(2) {
                None => self.queue_list(r),
                Some("agents") => {
                    let Some(q) = a(3) else { return invalid() };
                    let rows = self
                        .queue_agents(q, a(4), a(5))
                        .iter()
                        .map(|x| x.row(r))
                        .collect();
                    sql_table(AGENT_HEADER, rows)
                }
                Some("members") => {
                    let rows = self
                        .queue_members(a(3), now)
                        .iter()
                        .map(|m| m.row(now))
                        .collect();
                    sql_table(MEMBER_HEADER, rows)
                }
                Some("tiers") => {
                    let Some(q) = a(3) else { return invalid() };
                    let rows = self.sorted_tiers(Some(q)).iter().map(|t| t.row()).collect();
                    sql_table(TIER_HEADER, rows)
                }
                Some(_) => invalid(),
            },
            ("queue", "count") => match a(2) {
                None => format!("{}\n", self.loaded.len()),
                Some("agents") => {
                    let Some(q) = a(3) else { return invalid() };
                    format!("{}\n", self.queue_agents(q, a(4), a(5)).len())
                }
                Some("members") => format!("{}\n", self.queue_members(a(3), now).len()),
                Some("tiers") => {
                    let Some(q) = a(3) else { return invalid() };
                    format!("{}\n", self.sorted_tiers(Some(q)).len())
                }
                Some(_) => invalid(),
            },
            // Unknown section or action: the module writes nothing.
            _ => String::new(),
        }
    }

    fn agent_set(&mut self, key: &str, name: &str, value: &str, now: u64) -> String {
        let Some(ag) = self.agent_mut(name) else {
            return "-ERR Agent not found!\n".into();
        };
        let num = || value.parse::<u64>().unwrap_or(0);
        match key {
            "status" => {
                if !AGENT_STATUSES.contains(&value) {
                    return "-ERR Invalid Agent Status!\n".into();
                }
                ag.status = value.into();
                ag.last_status_change = now;
            }
            "state" => {
                if !AGENT_STATES.contains(&value) {
                    return "-ERR Invalid Agent State!\n".into();
                }
                ag.state = value.into();
            }
            "contact" => ag.contact = Some(value.into()),
            "uuid" => ag.uuid = Some(value.into()),
            "type" => {
                if value != "callback" && value != "uuid-standby" {
                    return "-ERR Invalid Agent Type!\n".into();
                }
                ag.agent_type = value.into();
            }
            "ready_time" => ag.ready_time = num(),
            "reject_delay_time" => ag.reject_delay_time = num(),
            "busy_delay_time" => ag.busy_delay_time = num(),
            "no_answer_delay_time" => ag.no_answer_delay_time = num(),
            "max_no_answer" => ag.max_no_answer = num(),
            "wrap_up_time" => ag.wrap_up_time = num(),
            _ => return "-ERR Invalid Agent Update KEY!\n".into(),
        }
        "+OK\n".into()
    }
}
