//! Start-up states: `capture` (what the conformance checker expects) and `demo`.

use crate::callcenter::{Agent, Callcenter, Member, QueueConfig, Render};
use crate::util::{new_uuid, now_epoch};

/// The named start-up scenarios.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Scenario {
    /// Queues support@default (longest-idle-agent) and sales@default (ring-all), no agents or tiers,
    /// exactly as the FreeSWITCH the captures were taken from.
    Capture,
    /// Three queues with agents, tiers and a short history of calls, for a demo server.
    Demo,
}

impl Scenario {
    /// Parse `capture` or `demo`.
    pub fn parse(s: &str) -> Option<Scenario> {
        match s {
            "capture" => Some(Scenario::Capture),
            "demo" => Some(Scenario::Demo),
            _ => None,
        }
    }

    /// Build the callcenter state for this scenario.
    pub fn callcenter(self) -> Callcenter {
        let mut cc = Callcenter::default();
        cc.define_queue(QueueConfig::new("support@default", "longest-idle-agent"));
        let mut sales = QueueConfig::new("sales@default", "ring-all");
        sales.time_base_score = "queue".into();
        sales.max_wait_time = 120;
        sales.max_wait_time_with_no_agent = 30;
        cc.define_queue(sales);
        if self == Scenario::Capture {
            return cc;
        }
        let mut billing = QueueConfig::new("billing@default", "round-robin");
        billing.record_template = Some("/var/lib/freeswitch/recordings/${uuid}.wav".into());
        cc.define_queue(billing);
        let now = now_epoch();
        let agents: [(&str, &str, &str); 6] = [
            ("1000@default", "Available", "Waiting"),
            ("1001@default", "On Break", "Waiting"),
            ("1002@default", "Available", "In a queue call"),
            ("1003@default", "Logged Out", "Idle"),
            ("1004@default", "Available", "Waiting"),
            ("1005@default", "Available (On Demand)", "Waiting"),
        ];
        for (i, (name, status, state)) in agents.iter().enumerate() {
            let ext = name.split('@').next().unwrap_or("");
            let r = cc.config_api(&format!("agent add {name} callback"), Render::Esl, now);
            debug_assert_eq!(r, "+OK\n");
            let a: &mut Agent = cc.agent_mut(name).expect("just added");
            a.contact = Some(format!("{{leg_timeout=10}}loopback/{ext}/default"));
            a.status = (*status).into();
            a.state = (*state).into();
            a.last_status_change = now - 3600 + i as u64 * 60;
            a.calls_answered = 3 + i as u64 * 2;
            a.talk_time = a.calls_answered * 95;
            if a.calls_answered > 0 {
                a.uuid = Some(String::new());
                a.last_bridge_start = now - 900 + i as u64 * 30;
                a.last_bridge_end = a.last_bridge_start + 95;
                a.last_offered_call = a.last_bridge_start;
            }
            if *state == "In a queue call" {
                a.uuid = Some(new_uuid());
                a.last_bridge_end = 0;
                a.last_bridge_start = now - 42;
                a.last_offered_call = now - 50;
            }
        }
        for t in [
            "support@default 1000@default 1 1",
            "support@default 1001@default 2 1",
            "support@default 1002@default 1 2",
            "sales@default 1001@default 1 1",
            "sales@default 1004@default 1 2",
            "sales@default 1005@default 2 1",
            "billing@default 1003@default 1 1",
            "billing@default 1004@default 2 1",
        ] {
            let r = cc.config_api(&format!("tier add {t}"), Render::Esl, now);
            debug_assert_eq!(r, "+OK\n");
        }
        for (q, ans, ab) in [
            ("support@default", 27, 3),
            ("sales@default", 14, 2),
            ("billing@default", 6, 1),
        ] {
            if let Some(q) = cc.loaded.get_mut(q) {
                q.calls_answered = ans;
                q.calls_abandoned = ab;
            }
        }
        for (q, num, name, ago, state, agent) in [
            (
                "support@default",
                "+15551230001",
                "Alice",
                35u64,
                "Answered",
                "1002@default",
            ),
            ("support@default", "+15551230002", "Bob", 12, "Waiting", ""),
            ("sales@default", "+15551230003", "Carol", 4, "Trying", ""),
        ] {
            cc.members.push(Member {
                queue: q.into(),
                instance_id: "single_box".into(),
                uuid: new_uuid(),
                session_uuid: new_uuid(),
                cid_number: num.into(),
                cid_name: name.into(),
                system_epoch: now - ago,
                joined_epoch: now - ago,
                rejoined_epoch: 0,
                bridge_epoch: if agent.is_empty() { 0 } else { now - ago + 8 },
                abandoned_epoch: 0,
                base_score: 0,
                skill_score: 0,
                serving_agent: agent.into(),
                serving_system: if agent.is_empty() { "" } else { "single_box" }.into(),
                state: state.into(),
            });
        }
        cc
    }
}

/// `n` more loaded queues `q01@bench`, `q02@bench`, … (longest-idle-agent), each with two agents
/// of its own (one available, one on break) and their tiers, plus a waiting member in every
/// other queue: the shape of a larger call center, for benchmarks.
pub fn add_bench_queues(cc: &mut Callcenter, n: usize) {
    let now = now_epoch();
    for i in 1..=n {
        let q = format!("q{i:02}@bench");
        cc.define_queue(QueueConfig::new(&q, "longest-idle-agent"));
        for (j, status) in [(0, "Available"), (1, "On Break")] {
            let name = format!("{}@bench", 5000 + i * 2 + j);
            let r = cc.config_api(&format!("agent add {name} callback"), Render::Esl, now);
            debug_assert_eq!(r, "+OK\n");
            if let Some(a) = cc.agent_mut(&name) {
                a.contact = Some(format!("loopback/{}/default", 5000 + i * 2 + j));
                a.status = status.into();
            }
            let r = cc.config_api(&format!("tier add {q} {name} 1 1"), Render::Esl, now);
            debug_assert_eq!(r, "+OK\n");
        }
        if i % 2 == 0 {
            cc.members.push(Member {
                queue: q.clone(),
                instance_id: "single_box".into(),
                uuid: new_uuid(),
                session_uuid: new_uuid(),
                cid_number: format!("+7916{i:07}"),
                cid_name: String::new(),
                system_epoch: now - i as u64,
                joined_epoch: now - i as u64,
                rejoined_epoch: 0,
                bridge_epoch: 0,
                abandoned_epoch: 0,
                base_score: 0,
                skill_score: 0,
                serving_agent: String::new(),
                serving_system: String::new(),
                state: "Waiting".into(),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capture_scenario_has_two_queues_and_nothing_else() {
        let mut cc = Scenario::Capture.callcenter();
        assert_eq!(cc.config_api("queue count", Render::Esl, 0), "2\n");
        assert_eq!(cc.config_api("agent list", Render::Esl, 0), "+OK\n");
        assert_eq!(cc.config_api("tier list", Render::Esl, 0), "+OK\n");
    }

    #[test]
    fn bench_queues_are_loaded_with_agents() {
        let mut cc = Scenario::Capture.callcenter();
        add_bench_queues(&mut cc, 50);
        assert_eq!(cc.config_api("queue count", Render::Esl, 0), "52\n");
        assert_eq!(
            cc.config_api("queue count agents q50@bench", Render::Esl, 0),
            "2\n"
        );
    }

    #[test]
    fn demo_scenario_is_populated() {
        let mut cc = Scenario::Demo.callcenter();
        assert_eq!(cc.config_api("queue count", Render::Esl, 0), "3\n");
        assert_eq!(
            cc.config_api("queue count agents support@default", Render::Esl, 0),
            "3\n"
        );
        let members = cc.config_api(
            "queue list members support@default",
            Render::Esl,
            now_epoch(),
        );
        assert_eq!(members.lines().count(), 4, "{members}");
    }
}
