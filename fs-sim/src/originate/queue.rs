//! A caller in a mod_callcenter queue: the queue extensions, the `CUSTOM callcenter::info`
//! events, and the member's way from joining to an agent's bridge or abandoning.

use std::sync::Arc;
use std::time::Duration;

use crate::event::Event;
use crate::sim::Sim;
use crate::util::{new_uuid, now_micros};

use super::call::{register, talk, Kill};
use super::leg::Leg;

/// Extensions that put the caller into a queue (`callcenter(<queue>)` in the capture dialplan;
/// `7003` for the demo scenario's billing queue).
pub const QUEUE_EXTENSIONS: [(&str, &str); 3] = [
    ("7001", "support@default"),
    ("7002", "sales@default"),
    ("7003", "billing@default"),
];

/// The queue `leg` joins, if it is a loaded one: the dialplan leg of a queue extension, or the
/// originated leg running `&callcenter(<queue>)` (as `cc/add` places calls into a queue).
pub(super) fn queue_for(sim: &Sim, leg: &Leg) -> Option<String> {
    let app = leg
        .apps
        .first()
        .filter(|(app, q)| app == "callcenter" && !q.is_empty())
        .map(|(_, q)| q.clone());
    let q = match app {
        Some(q) => q,
        None if leg.outbound && leg.loopback => return None,
        None => QUEUE_EXTENSIONS
            .iter()
            .find(|(ext, _)| *ext == leg.dest)
            .map(|(_, q)| q.to_string())?,
    };
    sim.cc.lock().unwrap().loaded.contains_key(&q).then_some(q)
}

/// A `CUSTOM callcenter::info` event; with `leg`, carries that channel's headers first.
fn cc_event(sim: &Sim, leg: Option<&Leg>, fields: &[(&str, String)]) -> Event {
    let mut e = match leg {
        Some(l) => {
            let mut e = l.event(sim, "CHANNEL_ANSWER");
            let base = sim.new_event("CUSTOM", "mod_callcenter.c", "cc_send_presence", 3091);
            // Replace the leading standard headers, keep the channel headers.
            let n = base.headers.len();
            e.headers.splice(0..n, base.headers);
            e
        }
        None => sim.new_event("CUSTOM", "mod_callcenter.c", "cc_send_presence", 3091),
    };
    e.headers
        .insert(0, ("Event-Subclass".into(), "callcenter::info".into()));
    for (k, v) in fields {
        e.add(k, v.clone());
    }
    e
}

fn members_count(sim: &Sim, queue: &str) -> Event {
    let n = sim
        .cc
        .lock()
        .unwrap()
        .members
        .iter()
        .filter(|m| m.queue == queue && (m.state == "Waiting" || m.state == "Trying"))
        .count();
    cc_event(
        sim,
        None,
        &[
            ("CC-Queue", queue.into()),
            ("CC-Action", "members-count".into()),
            ("CC-Count", n.to_string()),
            ("CC-Selection", "Single-Queue".into()),
        ],
    )
}

fn agent_state(sim: &Sim, agent: &str, state: &str) -> Event {
    cc_event(
        sim,
        None,
        &[
            ("CC-Agent", agent.into()),
            ("CC-Action", "agent-state-change".into()),
            ("CC-Agent-State", state.into()),
        ],
    )
}

/// The best free agent of `queue` (tiers by level/position, and for `longest-idle-agent` the
/// longest idle first): `(name, type, contact)`.
fn pick_agent(sim: &Sim, queue: &str, strategy: &str) -> Option<(String, String, String)> {
    let cc = sim.cc.lock().unwrap();
    let mut cands: Vec<(u32, u32, u64, String, String, String)> = cc
        .tiers
        .iter()
        .filter(|t| t.queue == queue && t.state == "Ready")
        .filter_map(|t| {
            let a = cc.agent(&t.agent)?;
            let free = (a.status == "Available" || a.status == "Available (On Demand)")
                && a.state == "Waiting";
            free.then(|| {
                (
                    t.level,
                    t.position,
                    a.last_bridge_end,
                    a.name.clone(),
                    a.agent_type.clone(),
                    a.contact.clone().unwrap_or_default(),
                )
            })
        })
        .collect();
    if strategy == "longest-idle-agent" {
        cands.sort_by_key(|c| (c.2, c.0, c.1));
    } else {
        cands.sort_by_key(|c| (c.0, c.1));
    }
    cands.into_iter().next().map(|c| (c.3, c.4, c.5))
}

/// How long a caller stays in a queue without an agent, and why it leaves.
pub(super) struct Patience {
    /// The caller hangs up after this many seconds (`BREAK_OUT`).
    pub(super) caller_secs: u64,
}

/// A caller waiting in `queue`: offered to the best free agent as soon as one is free (checked
/// every 200 ms), bridged, talks, and the agent/queue counters are updated. Without one the
/// caller leaves: `max_wait_time` reached (`TIMEOUT`), `max_wait_time_with_no_agent` reached
/// (`NO_AGENT_TIMEOUT`), or it hangs up first — its patience ran out or the call was killed
/// (`BREAK_OUT`). The member leg gets mod_callcenter's variables in the captured order.
pub(super) async fn member_flow(
    sim: &Arc<Sim>,
    member: &mut Leg,
    queue: &str,
    talk_secs: u64,
    patience: Patience,
    kill: &mut Kill,
) -> (String, Option<Leg>) {
    let joined = crate::util::now_epoch();
    let member_uuid = new_uuid();
    let (max_wait, max_wait_no_agent, strategy) = {
        let mut cc = sim.cc.lock().unwrap();
        cc.members.push(crate::callcenter::Member {
            queue: queue.into(),
            instance_id: "single_box".into(),
            uuid: member_uuid.clone(),
            session_uuid: member.uuid.clone(),
            cid_number: member.cid_num.clone(),
            cid_name: member.cid_name.clone(),
            system_epoch: joined,
            joined_epoch: joined,
            rejoined_epoch: 0,
            bridge_epoch: 0,
            abandoned_epoch: 0,
            base_score: 0,
            skill_score: 0,
            serving_agent: String::new(),
            serving_system: String::new(),
            state: "Waiting".into(),
        });
        let q = &cc.loaded[queue].cfg;
        (
            q.max_wait_time as u64,
            q.max_wait_time_with_no_agent as u64,
            q.strategy.clone(),
        )
    };
    member.apps = vec![
        ("answer".into(), String::new()),
        ("callcenter".into(), queue.into()),
        ("hangup".into(), String::new()),
    ];
    let ids = |m: &Leg| {
        vec![
            ("CC-Member-UUID", member_uuid.clone()),
            ("CC-Member-Session-UUID", m.uuid.clone()),
            ("CC-Member-CID-Number", m.cid_num.clone()),
        ]
    };
    let mut f = vec![
        ("CC-Queue", queue.to_string()),
        ("CC-Action", "member-queue-start".to_string()),
    ];
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(member), &f));
    sim.emit(members_count(sim, queue));
    // As FreeSWITCH 1.11.2 sets them on the member leg (cc-outcomes captures).
    member.extra.extend([
        ("cc_side".to_string(), "member".to_string()),
        ("cc_member_uuid".into(), member_uuid.clone()),
        ("cc_queue_joined_epoch".into(), joined.to_string()),
        ("cc_queue".into(), queue.to_string()),
    ]);
    tokio::time::sleep(Duration::from_millis(200)).await;
    let started = std::time::Instant::now();
    let picked = loop {
        if let Some(p) = pick_agent(sim, queue, &strategy) {
            break Ok(p);
        }
        let waited = started.elapsed().as_secs_f64() + 0.2;
        let over = |limit: u64| limit > 0 && waited >= limit as f64;
        if over(max_wait) {
            break Err(("NORMAL_CLEARING".to_string(), "TIMEOUT"));
        }
        if over(max_wait_no_agent) {
            break Err(("NORMAL_CLEARING".to_string(), "NO_AGENT_TIMEOUT"));
        }
        if waited >= patience.caller_secs as f64 {
            break Err(("NORMAL_CLEARING".to_string(), "BREAK_OUT"));
        }
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_millis(200)) => {}
            _ = kill.changed() => {
                let cause = kill.borrow().clone().unwrap_or_else(|| "NORMAL_CLEARING".into());
                break Err((cause, "BREAK_OUT"));
            }
        }
    };
    let (agent, agent_type, contact) = match picked {
        Ok(p) => p,
        Err((cause, reason)) => {
            let now = crate::util::now_epoch();
            {
                let mut cc = sim.cc.lock().unwrap();
                if let Some(m) = cc.members.iter_mut().find(|m| m.uuid == member_uuid) {
                    m.state = "Abandoned".into();
                    m.abandoned_epoch = now;
                }
                if let Some(q) = cc.loaded.get_mut(queue) {
                    q.calls_abandoned += 1;
                }
            }
            let mut f = vec![
                ("CC-Queue", queue.to_string()),
                ("CC-Action", "member-queue-end".to_string()),
                ("CC-Hangup-Cause", "NONE".to_string()),
                ("CC-Cause", "Cancel".to_string()),
                ("CC-Cancel-Reason", reason.to_string()),
                ("CC-Member-Leaving-Time", now.to_string()),
                ("CC-Member-Joined-Time", joined.to_string()),
            ];
            f.extend(ids(member));
            sim.emit(cc_event(sim, Some(member), &f));
            sim.emit(members_count(sim, queue));
            member.extra.extend([
                ("cc_queue_canceled_epoch".to_string(), now.to_string()),
                ("cc_cause".into(), "cancel".into()),
                ("cc_cancel_reason".into(), reason.into()),
            ]);
            return (cause, None);
        }
    };
    // Offer to the agent.
    let offered = crate::util::now_epoch();
    {
        let mut cc = sim.cc.lock().unwrap();
        if let Some(a) = cc.agent_mut(&agent) {
            a.state = "Receiving".into();
            a.last_offered_call = offered;
        }
    }
    sim.emit(agent_state(sim, &agent, "Receiving"));
    let mut f = vec![
        ("CC-Queue", queue.to_string()),
        ("CC-Action", "agent-offering".to_string()),
        ("CC-Agent", agent.clone()),
        ("CC-Agent-Type", agent_type.clone()),
        ("CC-Agent-System", "single_box".to_string()),
    ];
    f.extend(ids(member));
    sim.emit(cc_event(sim, None, &f));
    tokio::time::sleep(Duration::from_millis(300)).await;
    // The agent answers: a new outbound leg towards the contact.
    let target = contact.rsplit('}').next().unwrap_or(&contact).to_string();
    let parts: Vec<&str> = target.split('/').collect();
    let (name, dest, lb) = if parts[0] == "loopback" && parts.len() > 1 {
        (
            format!("loopback/{}-a", parts[1]),
            parts[1].to_string(),
            true,
        )
    } else {
        (
            target.clone(),
            parts.get(1).unwrap_or(&"").to_string(),
            false,
        )
    };
    let now_us = now_micros();
    let mut al = Leg {
        uuid: new_uuid(),
        name,
        outbound: true,
        loopback: lb,
        dest,
        context: "default".into(),
        cid_name: member.cid_name.clone(),
        cid_num: member.cid_num.clone(),
        callee_name: String::new(),
        callee_num: String::new(),
        session_id: sim.next_session_id(),
        created_us: now_us,
        answered_us: now_us,
        hangup_us: 0,
        cause: String::new(),
        extra: vec![],
        apps: vec![],
        record: None,
        agent_side: true,
    };
    register(
        sim,
        std::slice::from_ref(&al),
        "CS_EXCHANGE_MEDIA",
        "ACTIVE",
    );
    sim.emit(al.event(sim, "CHANNEL_CREATE"));
    sim.emit(al.event(sim, "CHANNEL_ANSWER"));
    let bridged = crate::util::now_epoch();
    {
        let mut cc = sim.cc.lock().unwrap();
        if let Some(a) = cc.agent_mut(&agent) {
            a.state = "In a queue call".into();
            a.uuid = Some(al.uuid.clone());
            a.last_bridge_start = bridged;
        }
        if let Some(m) = cc.members.iter_mut().find(|m| m.uuid == member_uuid) {
            m.state = "Answered".into();
            m.bridge_epoch = bridged;
            m.serving_agent = agent.clone();
            m.serving_system = "single_box".into();
        }
    }
    let agent_fields = |action: &str| {
        vec![
            ("CC-Queue", queue.to_string()),
            ("CC-Action", action.to_string()),
            ("CC-Agent", agent.clone()),
            ("CC-Agent-System", "single_box".to_string()),
            ("CC-Agent-UUID", al.uuid.clone()),
        ]
    };
    let mut f = agent_fields("bridge-agent-start");
    f.extend([
        ("CC-Agent-Called-Time", offered.to_string()),
        ("CC-Agent-Answered-Time", bridged.to_string()),
        ("CC-Member-Joined-Time", joined.to_string()),
    ]);
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(&al), &f));
    sim.emit(agent_state(sim, &agent, "In a queue call"));
    sim.emit(members_count(sim, queue));
    let cause = talk(talk_secs, kill).await;
    let end = crate::util::now_epoch();
    {
        let mut cc = sim.cc.lock().unwrap();
        if let Some(a) = cc.agent_mut(&agent) {
            a.state = "Waiting".into();
            a.uuid = Some(String::new());
            a.last_bridge_end = end;
            a.calls_answered += 1;
            a.talk_time += end - bridged;
        }
        cc.members.retain(|m| m.uuid != member_uuid);
        if let Some(q) = cc.loaded.get_mut(queue) {
            q.calls_answered += 1;
        }
    }
    let mut f = agent_fields("bridge-agent-end");
    f.insert(2, ("CC-Hangup-Cause", "SUCCESS".to_string()));
    f.extend([
        ("CC-Agent-Bridged", "true".to_string()),
        ("CC-Agent-Called-Time", offered.to_string()),
        ("CC-Agent-Answered-Time", bridged.to_string()),
        ("CC-Member-Joined-Time", joined.to_string()),
        ("CC-Bridge-Terminated-Time", end.to_string()),
    ]);
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(&al), &f));
    let mut f = vec![
        ("CC-Queue", queue.to_string()),
        ("CC-Action", "member-queue-end".to_string()),
        ("CC-Hangup-Cause", "SUCCESS".to_string()),
        ("CC-Cause", "Terminated".to_string()),
        ("CC-Agent", agent.clone()),
        ("CC-Agent-System", "single_box".to_string()),
        ("CC-Agent-UUID", al.uuid.clone()),
        ("CC-Agent-Called-Time", offered.to_string()),
        ("CC-Agent-Answered-Time", bridged.to_string()),
        ("CC-Member-Leaving-Time", end.to_string()),
        ("CC-Member-Joined-Time", joined.to_string()),
    ];
    f.extend(ids(member));
    sim.emit(cc_event(sim, Some(member), &f));
    sim.emit(agent_state(sim, &agent, "Waiting"));
    member.extra.extend([
        ("cc_agent_uuid".to_string(), al.uuid.clone()),
        ("cc_agent_bridged".into(), "true".into()),
        ("cc_agent".into(), agent.clone()),
        ("cc_queue_answered_epoch".into(), bridged.to_string()),
        ("cc_cause".into(), "answered".into()),
    ]);
    al.extra.extend([
        ("cc_side".to_string(), "agent".to_string()),
        ("cc_queue".into(), queue.to_string()),
        ("cc_agent".into(), agent.clone()),
        ("cc_agent_type".into(), agent_type.clone()),
        ("cc_member_uuid".into(), member_uuid.clone()),
        ("cc_member_session_uuid".into(), member.uuid.clone()),
        ("cc_agent_bridged".into(), "true".into()),
    ]);
    (cause, Some(al))
}
